import json

from simuser.assistants.rag import RagAssistant, pubmedqa_corpus
from simuser.demo import DemoConfig, run_demo
from simuser.demo.gap import reality_gap
from simuser.demo.retrieval import TurnRank
from simuser.demo.summary import gap_rows, markdown_table
from simuser.schema import Conversation, Intent, Message
from simuser.users.replay import ScriptedSimulator


def conv(intent_id, gold, turns):
    intent = Intent(id=intent_id, text="t", metadata={"gold_label": gold, "gold_doc_id": intent_id})
    messages = [Message(role=role, content=text) for pair in turns for role, text in zip(("user", "assistant"), pair, strict=True)]
    return Conversation(intent=intent, messages=messages)


def rank(condition, intent_id, turn, last, value):
    return TurnRank(condition, intent_id, 0, turn, last, intent_id, "q", True, value)


def test_reality_gap_on_hand_built_conversations():
    original = [conv("i1", "yes", [("Q1?", "Yes, it does.")]), conv("i2", "no", [("Q2?", "No, it does not.")])]
    simulated = [
        conv("i1", "yes", [("hi there friend", "Hello! How can I help?"), ("does it work", "It is unclear.")]),
        conv("i2", "no", [("q", "No, there was no effect."), ("thanks a lot", "You're welcome!")]),
    ]
    ranks = [rank("a", "i1", 1, True, 1), rank("a", "i2", 1, True, 3),
             rank("b", "i1", 1, False, 50), rank("b", "i1", 2, True, 4), rank("b", "i2", 1, False, 2),
             rank("b", "i2", 2, True, 9)]
    judged = {"a": ["yes", "no"], "b": ["maybe", None]}
    a, b = reality_gap({"a": ("original", original), "b": ("simulated", simulated)}, ranks, judged)
    assert (a.accuracy, a.answered, a.hit_at_1_last, a.hit_at_5_last, a.hit_at_5_any) == (1.0, 1.0, 0.5, 1.0, 1.0)
    assert (a.user_turns, a.words_per_user_turn, a.judge_accuracy) == (1.0, 1.0, 1.0)
    assert (b.accuracy, b.answered) == (0.5, 1.0)  # i1 ends 'maybe' (wrong), i2 keeps its earlier 'no'
    assert (b.hit_at_1_last, b.hit_at_5_last, b.hit_at_5_any) == (0.0, 0.5, 1.0)
    assert (b.user_turns, b.words_per_user_turn, b.judge_accuracy) == (2.0, 2.5, 0.0)  # (3 + 3 + 1 + 3) words / 4 turns
    table = markdown_table(gap_rows([a, b]))
    assert "| simulated | 2 | 50.0% | 0.0% | 100.0% |" in table


def test_demo_end_to_end_with_fake_assistant(tmp_path, hashing_retriever, oracle_reader):
    """Original question vs two scripted 'users': vague-then-precise, and vague only."""
    config = DemoConfig(intents_count=4, max_turns=2, out=tmp_path / "demo", report=False, seed=3, userlm=False)
    from simuser.demo.pubmedqa_intents import build_intents

    intents = build_intents(4, seed=3)
    script = {i.id: ["can you help me with a health question", i.metadata["question"]] for i in intents}
    assistant = RagAssistant(pubmedqa_corpus(), retriever=hashing_retriever, generator=oracle_reader)
    simulators = {"prompted": ScriptedSimulator(script=script), "userlm": ScriptedSimulator(turns=["hello", "thanks"])}
    result = run_demo(config, assistant=assistant, simulators=simulators, progress=None)

    assert list(result.runs) == ["original", "prompted", "userlm"] and result.skipped == {}
    assert [len(r.conversations) for r in result.runs.values()] == [4, 4, 4]
    gap = {row.condition: row for row in result.gap}
    # The oracle answers from the top abstract: the original question retrieves the gold one first.
    assert gap["original"].hit_at_1_last == 1.0 and gap["original"].accuracy == 1.0
    assert gap["original"].user_turns == 1.0 and gap["prompted"].user_turns == 2.0
    # Bookkeeping: every user turn ranked, with the query the assistant recorded.
    assert len(result.turn_ranks) == 4 + 8 + 8 and all(r.recorded for r in result.turn_ranks)
    vague_first = [r.rank for r in result.turn_ranks if r.condition == "prompted" and r.turn == 1]
    assert min(vague_first) > 5
    # Accuracy under 'userlm' follows the labels of whatever it retrieved.
    labels = oracle_reader.labels
    expected = sum(
        labels[c.messages[-1].metadata["retrieval"]["doc_ids"][0]] == c.intent.metadata["gold_label"]
        for c in result.runs["userlm"].conversations) / 4
    assert gap["userlm"].accuracy == expected
    assert gap["userlm"].hit_at_5_any < gap["original"].hit_at_5_last

    # The same runs scored as tasks: a choice check on the gold label after every reply.
    success = {c.condition.label: c.score for c in result.task_gap.conditions}
    assert success["original"].success_rate == 1.0 and success["original"].n == 1
    assert success["userlm"].success_rate == sum(  # any reply whose stance is the gold label
        any(m.metadata["check"]["passed"] for m in c.assistant_turns) for c in result.runs["userlm"].conversations) / 4
    gaps = {(g.first, g.second): g for g in result.task_gap.gaps}
    assert gaps[("original", "userlm")].difference.estimate == 1.0 - success["userlm"].success_rate
    assert json.loads((tmp_path / "demo" / "gap.json").read_text())["tasks"] == 4

    summary = json.loads((tmp_path / "demo" / "demo_summary.json").read_text())
    assert summary["reality_gap"][0]["condition"] == "original" and len(summary["turn_ranks"]) == 20
    assert (tmp_path / "demo" / "prompted" / "conversations.jsonl").exists()
    assert "## Reality gap" in (tmp_path / "demo" / "demo_summary.md").read_text()


def test_userlm_condition_is_skipped_with_a_reason(tmp_path, hashing_retriever, oracle_reader):
    config = DemoConfig(intents_count=2, max_turns=1, out=tmp_path / "demo", report=False, userlm=False)
    assistant = RagAssistant(pubmedqa_corpus(), retriever=hashing_retriever, generator=oracle_reader)
    result = run_demo(config, assistant=assistant, simulators={"prompted": ScriptedSimulator(turns=["hi"])},
                      progress=None)
    assert list(result.runs) == ["original", "prompted"] and result.skipped == {"userlm": "--no-userlm"}


def test_a_failing_userlm_condition_does_not_sink_the_demo(tmp_path, hashing_retriever, oracle_reader):
    (tmp_path / "not-a-model").mkdir()
    config = DemoConfig(intents_count=2, max_turns=1, out=tmp_path / "demo", report=False,
                        userlm_model=str(tmp_path / "not-a-model"))
    assistant = RagAssistant(pubmedqa_corpus(), retriever=hashing_retriever, generator=oracle_reader)
    result = run_demo(config, assistant=assistant, simulators={"prompted": ScriptedSimulator(turns=["hi"])},
                      progress=None)
    assert list(result.runs) == ["original", "prompted"]
    assert result.skipped["userlm"].startswith("failed: ") and "not-a-model" in result.skipped["userlm"]
    assert [row.condition for row in result.gap] == ["original", "prompted"]


def test_userlm_model_options(tmp_path):
    from simuser.demo.conditions import model_options

    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text('{"base_model_name_or_path": "/gone/smollm2-135m-instruct"}')
    assert model_options(str(adapter)) == {"model": "smollm2", "adapter": str(adapter)}
    (adapter / "adapter_config.json").write_text('{"base_model_name_or_path": "org/base-model"}')
    assert model_options(str(adapter)) == {"model": "org/base-model", "adapter": str(adapter)}
    assert model_options("microsoft/UserLM-8b") == {"model": "microsoft/UserLM-8b"}
