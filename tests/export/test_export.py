"""Every format loads back with its own library; filters and de-duplication count what they should."""

from __future__ import annotations

import json

import pytest
from export_runs import CONVERSATIONS, LONG

from simuser.errors import UserError
from simuser.export import ExportFilters, deduplicate, export_run
from simuser.export.dedup import jaccard, normalise, shingles, user_side
from simuser.store import read_conversations


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_chat_jsonl_round_trips_through_simuser_import(run_dir, tmp_path):
    export_run(run_dir, tmp_path / "out/chat.jsonl")
    records = lines(tmp_path / "out/chat.jsonl")
    assert [r["id"] for r in records] == ["a", "b", "c", "d", "e"]
    assert records[0]["metadata"]["persona"]["name"] == "terse"
    back = read_conversations(tmp_path / "out/chat.jsonl")
    assert [[m.content for m in c.messages] for c in back] == [[m.content for m in c.messages] for c in CONVERSATIONS]


def test_openai_finetune_lines_end_with_the_assistant(run_dir, tmp_path):
    export_run(run_dir, tmp_path / "ft.jsonl", "openai-finetune")
    records = lines(tmp_path / "ft.jsonl")
    assert len(records) == 5 and all(set(r) == {"messages"} for r in records)
    assert all(r["messages"][-1]["role"] == "assistant" for r in records)
    assert [m["content"] for m in records[4]["messages"]] == ["something else entirely", "reply 0 to e"]  # "still there?" cut


def test_sharegpt_uses_its_role_names(run_dir, tmp_path):
    export_run(run_dir, tmp_path / "sg.jsonl", "sharegpt")
    first = lines(tmp_path / "sg.jsonl")[0]
    assert first["system"].endswith("to a") and first["id"] == "a-0"
    assert first["conversations"][:2] == [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "reply 0 to a"}]


def test_hf_dataset_loads_with_datasets(run_dir, tmp_path):
    import datasets

    result = export_run(run_dir, tmp_path / "hf", "hf")
    loaded = datasets.load_from_disk(str(tmp_path / "hf"))
    assert loaded.num_rows == 5 and result.card == tmp_path / "hf" / "README.md"
    assert loaded["persona"] == ["terse", "terse", "verbose", "verbose", "terse"]
    assert loaded["user_turns"] == [2, 2, 2, 2, 2]
    assert loaded[2]["messages"][0] == {"role": "user", "content": LONG}
    assert loaded["end_reason"][2] == "max_turns"


def test_parquet_loads_with_pyarrow(run_dir, tmp_path):
    import pyarrow.parquet as pq

    export_run(run_dir, tmp_path / "data/train.parquet", "parquet")
    table = pq.read_table(tmp_path / "data/train.parquet")
    assert table.num_rows == 5
    assert table.column("intent_id").to_pylist() == ["a", "b", "c", "d", "e"]
    assert table.column("messages").to_pylist()[1][1] == {"role": "assistant", "content": "reply 0 to b"}


@pytest.mark.parametrize(("filters", "kept"), [
    (ExportFilters(where={"end_reason": "user_ended"}), ["a", "b", "d"]),
    (ExportFilters(where={"end_reason": "max_turns", "metadata.persona.name": "verbose"}), ["c"]),
    (ExportFilters(min_turns=2), ["a", "b", "c", "d", "e"]),
    (ExportFilters(min_turns=3), []),
    (ExportFilters(personas=["verbose"]), ["c", "d"]),
    (ExportFilters(where={"simulator.name": "userlm"}, personas=["terse"]), ["a", "b", "e"]),
])
def test_filters_keep_what_they_should(run_dir, tmp_path, filters, kept):
    if not kept:
        with pytest.raises(UserError, match="no conversation left"):
            export_run(run_dir, tmp_path / "x.jsonl", filters=filters)
        return
    result = export_run(run_dir, tmp_path / "x.jsonl", filters=filters)
    assert [r["id"] for r in lines(tmp_path / "x.jsonl")] == kept
    assert result.exported == len(kept) and sum(result.filters.dropped.values()) == 5 - len(kept)


def test_solved_only_reads_the_checks(checked_run, tmp_path):
    result = export_run(checked_run, tmp_path / "s.jsonl", filters=ExportFilters(solved_only=True))
    assert [r["id"] for r in lines(tmp_path / "s.jsonl")] == ["x"]  # y failed, z was never checked
    assert result.filters.dropped == {"solved-only": 2} and not result.notes


def test_solved_only_is_a_noop_without_checks(run_dir, tmp_path):
    result = export_run(run_dir, tmp_path / "s.jsonl", filters=ExportFilters(solved_only=True))
    assert result.exported == 5 and "no reply in this run was checked" in result.notes[0]


def test_exact_and_near_duplicates_by_the_documented_rule():
    assert normalise("Hi!\nWhat about ROME?") == "hi what about rome"
    assert user_side(CONVERSATIONS[0]) == user_side(CONVERSATIONS[1])
    c, d = (shingles(user_side(x)) for x in CONVERSATIONS[2:4])
    assert len(c) == 24 and len(d) == 24 and len(c & d) == 23  # only "river please" / "river thanks" differ
    assert jaccard(c, d) == pytest.approx(23 / 25)  # 0.92 >= 0.9
    kept, report = deduplicate(CONVERSATIONS, 0.9)
    assert [k.intent.id for k in kept] == ["a", "c", "e"] and (report.exact, report.near) == (1, 1)
    kept, report = deduplicate(CONVERSATIONS, 0.95)
    assert [k.intent.id for k in kept] == ["a", "c", "d", "e"] and (report.exact, report.near) == (1, 0)
    kept, report = deduplicate(CONVERSATIONS, None)
    assert (report.exact, report.near) == (1, 0)


def test_dataset_card_names_source_counts_and_licenses(run_dir, tmp_path):
    result = export_run(run_dir, tmp_path / "out/d.jsonl", "openai-finetune", ExportFilters(personas=["terse"]),
                        dedup="exact")
    card = result.card.read_text()
    manifest = json.loads((run_dir / "run.json").read_text())
    assert result.card == tmp_path / "out/README.md"
    assert manifest["run_id"] in card and "seed 7" in card
    assert "conversations in the run: 5; exported: 2" in card
    assert "{'persona terse': 2}" in card and "{'exact': 1, 'near': 0}" in card
    assert "LoRA adapter trained on IBM MTRAG-UN" in card and "echoes the user (no model)" in card


def test_card_never_overwrites_someone_elses_readme(run_dir, tmp_path):
    (tmp_path / "README.md").write_text("# my project\n")
    result = export_run(run_dir, tmp_path / "chat.jsonl")
    assert (tmp_path / "README.md").read_text() == "# my project\n"
    assert result.card == tmp_path / "chat.jsonl.README.md"
    again = export_run(run_dir, tmp_path / "sub/chat.jsonl")
    assert export_run(run_dir, tmp_path / "sub/other.jsonl").card == again.card == tmp_path / "sub/README.md"


def test_unknown_format_lists_the_valid_ones(run_dir, tmp_path):
    with pytest.raises(UserError, match="unknown export format 'csv'; choose one of: chat-jsonl, hf, openai-finetune"):
        export_run(run_dir, tmp_path / "x", "csv")
