"""evaluate_run: a run against the reference, deterministic, with one-line errors for bad inputs."""

import json

import pytest

from simuser.errors import UserError
from simuser.metrics.base import MetricContext
from simuser.metrics.evaluate import EvaluateOptions, evaluate_conversations, evaluate_run
from simuser.schema import ComponentSpec, EndReason
from simuser.store import RunStore
from simuser.users import simulators
from simuser.users.base import UserTurn

PREFIX = "You are a user chatting with an assistant language model to"
TEXT_ONLY = ("first_turn_diversity", "intent_decomposition", "lexical_diversity", "pace")


def write_chat(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def chat(intent, *turns, sample=0, end="user_ended"):
    roles = ["user", "assistant"]
    return {"intent": f"{PREFIX} {intent}", "id": intent.replace(" ", "-"), "sample_index": sample, "end_reason": end,
            "messages": [{"role": roles[i % 2], "content": t} for i, t in enumerate(turns)]}


@pytest.fixture
def run_file(tmp_path):
    return write_chat(tmp_path / "run.jsonl", [
        chat("plan a trip to Rome", "rome trip ideas?", "Sure.", "cheap hotels", "Here.", sample=0),
        chat("plan a trip to Rome", "going to rome soon", "Nice.", "food tips?", "Pasta.", sample=1, end="max_turns"),
        chat("fix a bike", "my bike chain fell off", "Put it back.", sample=0),
    ])


def test_evaluating_twice_gives_the_same_report(run_file):
    options = EvaluateOptions(detector="none")
    first, second = evaluate_run(run_file, options), evaluate_run(run_file, options)
    assert first.to_json() == second.to_json()
    report = first.to_json()
    assert report["metrics"]["pace"] == pytest.approx(5 / 3)
    assert report["reference"]["n_conversations"] == 98
    assert report["reference"]["metrics"]["first_turn_diversity"] > 90
    assert set(report["not_computed"]) == {"termination_f1", "role_adherence", "intent_adherence", "naturalness",
                                           "perplexity"}
    assert "--probes" in report["not_computed"]["termination_f1"]
    assert report["paper"]["first_turn_diversity"]["Human"] == 94.01


def test_run_directory_seed_and_simulator_come_from_the_run(tmp_path, convo):
    store = RunStore(tmp_path / "run")
    store.create({"seed": 11, "simulator": {"name": "scripted", "options": {}}})
    for sample in range(2):
        conversation = convo(f"{PREFIX} learn chess", "how do knights move", "In an L.", "and bishops?", "Diagonally.",
                             intent_id="chess", sample=sample, end=EndReason.MAX_TURNS)
        conversation.simulator = ComponentSpec(name="scripted")
        store.append(conversation)
    report = evaluate_run(tmp_path / "run", EvaluateOptions(detector="none", names=TEXT_ONLY)).to_json()
    assert report["run"]["seed"] == 11 and report["run"]["simulator"]["name"] == "scripted"
    assert report["metrics"]["lexical_diversity"] == pytest.approx(0.0)


def test_empty_run_is_one_clear_error(tmp_path):
    with pytest.raises(UserError, match="no conversations to evaluate") as error:
        evaluate_run(write_chat(tmp_path / "empty.jsonl", []))
    assert "\n" not in str(error.value)


def test_first_turns_only_give_first_turn_metrics_and_list_the_rest(tmp_path):
    source = write_chat(tmp_path / "first.jsonl", [
        chat("plan a trip to Rome", "rome trip ideas for a week?", "Sure.", sample=0),
        chat("plan a trip to Rome", "what should I see in rome", sample=1),
        chat("fix a bike", "my bike chain fell off again", "Put it back."),
    ])
    report = evaluate_run(source, EvaluateOptions(detector="offline")).to_json()
    metrics, missing = report["metrics"], report["not_computed"]
    for name in ("first_turn_diversity", "intent_decomposition", "naturalness", "lexical_diversity"):
        assert name in metrics, missing.get(name)
    assert metrics["pace.words_per_turn_mean"] == pytest.approx((6 + 6 + 6) / 3)
    assert "pace" not in metrics and not any(k.startswith("pace.user_") for k in metrics)
    assert "first turns only" in missing["pace"] and "--max-turns" in missing["pace"]
    assert set(missing) == {"pace", "termination_f1", "role_adherence", "intent_adherence", "perplexity"}
    reference = report["reference"]
    assert reference["first_turns_only"] and "pace" in reference["not_computed"]
    assert 0 < reference["metrics"]["pace.words_per_turn_mean"] < 30  # the reference's first turns


def test_reference_without_intents_is_one_clear_error(tmp_path, run_file):
    reference = write_chat(tmp_path / "ref.jsonl", [{"messages": [{"role": "user", "content": "hi"}]}])
    with pytest.raises(UserError, match="no intent") as error:
        evaluate_run(run_file, EvaluateOptions(reference=reference, detector="none"))
    assert "\n" not in str(error.value) and "ref.jsonl" in str(error.value)


def test_own_reference_is_used_for_the_human_column(tmp_path, run_file):
    reference = write_chat(tmp_path / "ref.jsonl", [chat("cook", "hello there", "hi", "bye now", "bye"),
                                                   chat("cook", "hello there", "hi")])
    report = evaluate_run(run_file, EvaluateOptions(reference=reference, detector="none", names=TEXT_ONLY)).to_json()
    assert report["reference"]["n_conversations"] == 2
    assert report["reference"]["metrics"]["first_turn_diversity"] == pytest.approx(0.0)
    assert report["reference"]["metrics"]["pace"] == pytest.approx(1.5)


class Ender:
    """Registered under a test name: ends whenever the last assistant message has 'bye' in it."""

    instances: list["Ender"] = []

    def __init__(self, word: str = "thank"):
        self.word = word
        self.closed = False
        Ender.instances.append(self)

    def describe(self):
        return ComponentSpec(name="metrics-test-ender", options={"word": self.word})

    async def next_turns(self, states):
        return [UserTurn.end() if self.word in s.messages[-1].content.lower() else UserTurn.say("I don't know")
                for s in states]

    async def aclose(self):
        self.closed = True


simulators.register("metrics-test-ender")(Ender)


def test_probes_run_the_named_simulator_and_close_it(run_file):
    options = EvaluateOptions(detector="none", simulator=ComponentSpec(name="metrics-test-ender", options={"word": "zzz"}),
                              names=("first_turn_diversity", "termination_f1", "role_adherence"), probe_limit=3)
    report = evaluate_run(run_file, options).to_json()
    assert report["metrics"]["termination_f1"] == 0.0  # never ends
    assert report["metrics"]["role_adherence"] == 100.0  # always "I don't know"
    assert report["settings"]["probe_simulator"] == {"name": "metrics-test-ender", "options": {"word": "zzz"},
                                                     "description": ""}
    assert Ender.instances[-1].closed
    assert "termination_f1" not in report["reference"]["metrics"]


def test_termination_probes_ask_where_the_references_people_stopped(tmp_path, run_file):
    # Ender ends after any reply with "bye": on this reference that is exactly where the people stopped.
    reference = write_chat(tmp_path / "ref.jsonl", [chat("book a table", "table for two", "Done.", "thanks", "Bye!"),
                                                   chat("find a train", "train to york", "Bye then.")])
    options = EvaluateOptions(reference=reference, detector="none", names=("termination_f1",),
                              simulator=ComponentSpec(name="metrics-test-ender", options={"word": "bye"}))
    report = evaluate_run(run_file, options).to_json()
    assert report["details"]["termination_f1"]["n_states"] == 3  # 2 + 1 assistant turns, not the 159 MTRAG states
    assert report["details"]["termination_f1"]["n_real_ends"] == 2
    assert report["metrics"]["termination_f1"] == 100.0
    limited = evaluate_run(run_file, EvaluateOptions(**{**options.__dict__, "probe_limit": 1})).to_json()
    assert limited["details"]["termination_f1"]["n_real_ends"] == 1  # one conversation drawn


def test_no_probes_flag_wins(run_file):
    options = EvaluateOptions(detector="none", probes=False, simulator=ComponentSpec(name="metrics-test-ender"),
                              names=("termination_f1",))
    assert evaluate_run(run_file, options).to_json()["not_computed"] == {"termination_f1": "probes off (--no-probes)"}


def test_probes_on_a_run_without_a_recorded_simulator(run_file):
    report = evaluate_run(run_file, EvaluateOptions(detector="none", probes=True, names=("termination_f1",))).to_json()
    assert "--simulator NAME" in report["not_computed"]["termination_f1"]


def test_a_user_error_inside_a_metric_becomes_its_reason(run_file, monkeypatch):
    monkeypatch.delenv("PANGRAM_API_KEY", raising=False)
    report = evaluate_run(run_file, EvaluateOptions(detector="pangram", names=("naturalness",))).to_json()
    assert "PANGRAM_API_KEY" in report["not_computed"]["naturalness"]
    assert "PANGRAM_API_KEY" in report["reference"]["not_computed"]["naturalness"]


def test_perplexity_needs_a_model(convo):
    evaluation = evaluate_conversations([convo("i", "a", "b", "c")], MetricContext(), ("perplexity",))
    assert "--perplexity-model" in evaluation.not_computed["perplexity"]


def test_perplexity_with_a_tiny_local_model(convo, tiny_userlm_dir):
    real = [convo(f"{PREFIX} plan a trip", "hello there how are you", "fine", "what is the capital of France", "Paris"),
            convo(f"{PREFIX} cook pasta", "thanks that was helpful", "welcome")]
    context = MetricContext(perplexity_model=str(tiny_userlm_dir), options={"perplexity_conversations": real})
    evaluation = evaluate_conversations([], context, ("perplexity",))
    assert evaluation.not_computed == {}
    with_intent, without_intent = evaluation.values["perplexity"], evaluation.values["perplexity.without_intent"]
    assert 1.0 < with_intent < 1e6 and 1.0 < without_intent < 1e6  # a random 400-token model: far from 1
    assert evaluation.details["perplexity"]["scored_turns"] == 3
