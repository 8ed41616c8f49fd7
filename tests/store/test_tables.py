"""Runs as tables: rows per message and per conversation, pandas frames, the Jupyter HTML view."""

from __future__ import annotations

import asyncio

import pytest

from simuser import RunConfig, simulate
from simuser.errors import UserError
from simuser.store.tables import conversation_rows, html_summary, turn_rows


def _config(**fields) -> RunConfig:
    return RunConfig(intents=["plan a trip to Rome", "book a <b>dentist</b>"], n=2, max_turns=2,
                     simulator={"name": "scripted", "options": {"turns": ["hello there", "and then?"]}},
                     assistant={"name": "echo"}, **fields)


def test_rows_per_turn_and_per_conversation() -> None:
    result = simulate(_config(), progress=False)
    turns = turn_rows(result.conversations)
    assert len(turns) == 4 * 4  # 4 conversations x (2 user + 2 assistant) messages
    first = [r for r in turns if r["intent_id"] == result.conversations[0].intent.id and r["sample_index"] == 0]
    assert [(r["turn"], r["role"], r["content"]) for r in first] == [
        (1, "user", "hello there"), (1, "assistant", "You said: hello there"),
        (2, "user", "and then?"), (2, "assistant", "You said: and then?"),
    ]
    conversations = conversation_rows(result.conversations)
    assert [r["user_turns"] for r in conversations] == [2, 2, 2, 2]
    assert conversations[0]["words_per_user_turn"] == 2.0  # "hello there", "and then?"
    assert {r["end_reason"] for r in conversations} == {"max_turns"}


def test_to_pandas_levels() -> None:
    pd = pytest.importorskip("pandas")
    result = simulate(_config(), progress=False)
    frame = result.to_pandas("turn")
    assert isinstance(frame, pd.DataFrame) and len(frame) == 16
    assert list(frame.columns[:4]) == ["run_id", "intent_id", "sample_index", "turn"]
    per_conversation = result.to_pandas(level="conversation")
    assert len(per_conversation) == 4 and per_conversation["user_turns"].sum() == 8
    empty = simulate(_config(), progress=False)
    empty.conversations.clear()
    assert list(empty.to_pandas("conversation").columns) == list(per_conversation.columns)
    with pytest.raises(UserError, match="level 'message' is not one of: turn, conversation"):
        result.to_pandas("message")


def test_html_view_escapes_and_summarises() -> None:
    result = simulate(_config(), progress=False)
    html = result._repr_html_()
    assert "4 conversations, 8 user turns" in html and "max_turns: 4" in html
    assert "<b>dentist</b>" not in html and "&lt;b&gt;dentist&lt;/b&gt;" in html  # intent text is data, not markup
    assert html.count("<tr>") == 1 + 4
    long = html_summary(result.conversations * 6, {"end_reasons": {}})
    assert "... and 4 more" in long


def test_simulate_blocks_inside_a_running_event_loop() -> None:
    """What a notebook cell does: call the synchronous API while a loop runs in this thread."""

    async def cell():
        return simulate(_config(), progress=False)

    result = asyncio.run(cell())
    assert len(result.conversations) == 4 and result.summary.end_reasons == {"max_turns": 4}


def test_top_level_exports() -> None:
    import simuser

    assert simuser.asimulate is simuser.engine.asimulate
    evaluation = simuser.evaluate(simulate(_config(), progress=False), names=["pace"], detector=None)
    assert evaluation.evaluation.values["pace"] > 0
    assert {"asimulate", "evaluate", "score"} <= set(simuser.__all__)


def test_to_pandas_without_pandas_names_the_extra(monkeypatch) -> None:
    import sys

    result = simulate(_config(), progress=False)
    monkeypatch.setitem(sys.modules, "pandas", None)  # what an install without pandas looks like to import
    with pytest.raises(UserError, match=r"pip install 'simuser\[notebook\]'"):
        result.to_pandas()
