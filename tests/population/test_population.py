"""Populations: loading, the reproducible draw, the persona stored on the conversation, and the breakdown."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from simuser.engine import RunConfig, simulate
from simuser.errors import UserError
from simuser.population import Persona, draw_persona, load_population, persona_breakdown
from simuser.schema import Conversation, EndReason, Intent, Message
from simuser.store import read_conversations
from simuser.users import UserTurn

YAML = """
- name: terse
  weight: 3
  description: writes very short messages, no greetings
  attributes: {expertise: expert, patience: low}
- name: verbose
  weight: 1
  description: a retired nurse, not technical, writes long messages with typos
"""
TERSE = Persona(name="terse", weight=3, description="writes very short messages, no greetings",
                attributes={"expertise": "expert", "patience": "low"})
VERBOSE = Persona(name="verbose", weight=1, description="a retired nurse, not technical, writes long messages with typos")


def test_yaml_and_jsonl_load_the_same_personas(tmp_path):
    (tmp_path / "p.yaml").write_text(YAML)
    (tmp_path / "p.jsonl").write_text("".join(json.dumps(p.model_dump()) + "\n" for p in (TERSE, VERBOSE)))
    assert load_population(tmp_path / "p.yaml") == [TERSE, VERBOSE]
    assert load_population(tmp_path / "p.jsonl") == [TERSE, VERBOSE]


@pytest.mark.parametrize(("text", "message"), [
    ("- {name: a, weight: 1}", "persona 1 (a): description: Field required"),
    ("- {name: a, weight: 0, description: x}", "persona 1 (a): weight"),
    ("- {name: a, description: x}\n- {name: a, description: y}", "persona name(s) a used twice"),
    ("name: a", "expected a YAML list of personas"),
    ("[]", "no personas"),
    ("- [a, b", "not valid YAML"),
    ("- {name: a, description: x, colour: red}", "colour: Extra inputs are not permitted"),
])
def test_bad_population_files_are_one_line_errors(tmp_path, text, message):
    (tmp_path / "p.yaml").write_text(text)
    with pytest.raises(UserError) as error:
        load_population(tmp_path / "p.yaml")
    assert message in str(error.value) and "\n" not in str(error.value)


def test_missing_file_names_the_fix(tmp_path):
    with pytest.raises(UserError, match="does not exist; pass a YAML list"):
        load_population(tmp_path / "nope.yaml")


def test_draw_depends_only_on_the_seed_and_follows_the_weights():
    personas = [TERSE, VERBOSE]
    assert [draw_persona(personas, s).name for s in range(50)] == [draw_persona(personas, s).name for s in range(50)]
    counts = Counter(draw_persona(personas, s).name for s in range(4000))
    assert 0.72 < counts["terse"] / 4000 < 0.78  # weight 3 of 4; 4000 draws give a standard error of 0.007
    assert draw_persona([VERBOSE], 123) == VERBOSE


class PersonaEcho:
    """A simulator that says which persona it was handed, then leaves."""

    def describe(self):
        from simuser.schema import ComponentSpec

        return ComponentSpec(name="persona-echo")

    async def next_turns(self, states):
        return [UserTurn.end() if s.turn_index else UserTurn.say(f"I am {s.persona.name if s.persona else 'nobody'}")
                for s in states]

    async def aclose(self):
        pass


def _run(tmp_path, name, population=(TERSE, VERBOSE), seed=7):
    intents = [Intent(id=f"i{k}", text=f"You are a user chatting with an assistant language model to do {k}") for k in range(5)]
    config = RunConfig(intents=intents, n=4, out=tmp_path / name, seed=seed, population=list(population),
                       assistant={"name": "echo"})
    return simulate(config, simulator=PersonaEcho(), progress=False)


def test_persona_is_drawn_per_conversation_stored_and_handed_to_the_simulator(tmp_path):
    first = {c.key: c for c in read_conversations(_run(tmp_path, "a").run_dir)}
    again = {c.key: c for c in read_conversations(_run(tmp_path, "b").run_dir)}
    assert len(first) == 20
    for key, conversation in first.items():
        persona = conversation.metadata["persona"]
        assert persona == again[key].metadata["persona"]
        assert persona == draw_persona([TERSE, VERBOSE], conversation.seed).model_dump()
        assert conversation.messages[0].content == f"I am {persona['name']}"
    assert {c.metadata["persona"]["name"] for c in first.values()} == {"terse", "verbose"}


def test_run_json_keeps_the_population_for_resume(tmp_path):
    run = _run(tmp_path, "a")
    manifest = json.loads((run.run_dir / "run.json").read_text())
    assert [p["name"] for p in manifest["config"]["population"]] == ["terse", "verbose"]


def test_without_a_population_nothing_is_stored(tmp_path):
    intents = [Intent(id="i", text="You are a user chatting with an assistant language model to x")]
    result = simulate(RunConfig(intents=intents, assistant={"name": "echo"}), simulator=PersonaEcho(), progress=False)
    assert "persona" not in result.conversations[0].metadata
    assert result.conversations[0].messages[0].content == "I am nobody"
    assert persona_breakdown(result.conversations) == {}


def _conversation(persona, *turns, end=EndReason.USER_ENDED, checks=()):
    messages = []
    for i, turn in enumerate(turns):
        messages += [Message(role="user", content=turn), Message(role="assistant", content="ok")]
        if i < len(checks):
            messages[-1].metadata["check"] = {"passed": checks[i]}
    conversation = Conversation(intent=Intent(id="x", text="t"), messages=messages,
                                metadata={"persona": {"name": persona}} if persona else {})
    conversation.finish(end)
    return conversation


def test_breakdown_by_persona_worked_out_by_hand():
    conversations = [
        _conversation("terse", "a b", "c"),  # 2 turns, 3 words: per-conversation mean 1.5
        _conversation("terse", "d e f", end=EndReason.MAX_TURNS),  # 1 turn, 3 words: mean 3
        _conversation("verbose", "one two three four five six", checks=[False]),
        _conversation(None, "x", "y", checks=[False, True]),
    ]
    table = persona_breakdown(conversations)
    assert list(table) == ["(none)", "terse", "verbose"]
    terse = table["terse"]
    assert terse["conversations"] == 2 and terse["user_turns_mean"] == 1.5
    assert terse["words_per_turn_mean"] == 2.0  # 6 words over 3 turns
    low, high = terse["words_per_turn_ci95"]  # mean 2.25, sd 1.0607, n 2: half-width 1.96 * 0.75
    assert low == pytest.approx(2.25 - 1.47, abs=1e-3) and high == pytest.approx(2.25 + 1.47, abs=1e-3)
    assert terse["end_reasons"] == {"max_turns": 1, "user_ended": 1}
    assert "solved_share" not in terse
    assert table["verbose"]["words_per_turn_ci95"] is None
    assert table["verbose"]["solved_share"] == 0.0 and table["(none)"]["solved_share"] == 1.0


def test_an_intent_can_pin_its_persona(tmp_path):
    pinned = Intent(id="p", text="You are a user chatting with an assistant language model to x",
                    metadata={"persona": VERBOSE.model_dump()})
    config = RunConfig(intents=[pinned], n=6, population=[TERSE], assistant={"name": "echo"})
    result = simulate(config, simulator=PersonaEcho(), progress=False)
    assert {c.messages[0].content for c in result.conversations} == {"I am verbose"}
