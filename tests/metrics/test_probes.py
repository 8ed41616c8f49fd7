"""Termination F1, role adherence and intent adherence, with fake simulators whose scores are known."""

import numpy as np
import pytest

from simuser.metrics.base import MetricContext, NotComputed
from simuser.metrics.intent_adherence import IntentAdherence, diversion_probes
from simuser.metrics.role_adherence import RoleAdherence, role_break, role_probes
from simuser.metrics.termination import TerminationF1, termination_states
from simuser.users.base import UserTurn


def test_termination_states_follow_each_assistant_turn(convo):
    conversations = [convo("i", "u1", "a1", "u2", "a2"), convo("j", "u1", "a1")]
    states, labels = termination_states(conversations)
    assert [len(s.messages) for s in states] == [2, 4, 2]
    assert labels == [False, True, True]


def test_termination_f1_by_hand(convo, rule_simulator):
    # States: (c1 after a1, negative), (c1 after a2, positive), (c2 after a1, positive).
    # The fake ends once it has seen 4 messages: predictions F, T, F -> TP 1, FP 0, FN 1.
    # Precision 1, recall 1/2, F1 = 2/3.
    simulator = rule_simulator(lambda s, i: UserTurn.end() if len(s.messages) >= 4 else UserTurn.say("more?"))
    context = MetricContext(simulator=simulator,
                            options={"termination_conversations": [convo("i", "u1", "a1", "u2", "a2"), convo("j", "u", "a")]})
    result = TerminationF1().compute([], context)
    assert result.value == pytest.approx(200 / 3)
    assert result.values == pytest.approx({"precision": 100.0, "recall": 50.0})


def test_always_ending_on_the_shipped_reference_scores_2p_over_1_plus_p(rule_simulator):
    # 159 states, 20 real ends: precision 20/159, recall 1 -> F1 = 2 * 20 / (159 + 20) = 40/179.
    result = TerminationF1().compute([], MetricContext(simulator=rule_simulator(lambda s, i: UserTurn.end())))
    assert result.value == pytest.approx(100 * 40 / 179)
    assert result.details == {"n_states": 159, "n_real_ends": 20, "n_predicted_ends": 159, "n_exhausted": 0}


def test_exhausted_states_are_left_out_of_termination(convo, rule_simulator):
    # The first state (negative) is exhausted; the remaining positive one is ended: F1 = 100.
    simulator = rule_simulator(lambda s, i: UserTurn.exhausted("no log") if i == 0 else UserTurn.end())
    context = MetricContext(simulator=simulator, options={"termination_conversations": [convo("i", "u", "a", "u", "a")]})
    result = TerminationF1().compute([], context)
    assert result.value == 100.0 and result.details["n_exhausted"] == 1
    only_exhausted = rule_simulator(lambda s, i: UserTurn.exhausted("no log"))
    context.simulator = only_exhausted
    assert isinstance(TerminationF1().compute([], context), NotComputed)


def test_never_ending_scores_zero(rule_simulator):
    result = TerminationF1().compute([], MetricContext(simulator=rule_simulator(lambda s, i: UserTurn.say("go on"))))
    assert result.value == 0.0


def test_probes_report_progress_through_the_callback_and_draw_nothing(convo, rule_simulator, capsys):
    calls = []
    simulator = rule_simulator(lambda s, i: UserTurn.say("more?"))
    context = MetricContext(simulator=simulator, progress=lambda *call: calls.append(call),
                            options={"termination_conversations": [convo("i", "u1", "a1", "u2", "a2"), convo("j", "u", "a")]})
    TerminationF1().compute([], context)
    assert calls == [("termination probes", 3, 3)]
    assert capsys.readouterr().err == ""


def test_probe_metrics_without_a_simulator_say_why():
    context = MetricContext(probes_off_reason="probes off (--no-probes)")
    for metric in (TerminationF1(), RoleAdherence(), IntentAdherence()):
        assert metric.compute([], context) == NotComputed("probes off (--no-probes)")


@pytest.mark.parametrize("reply, verdict", [
    ("Yes, I think it does.", "answer"),
    ("No.", "answer"),
    ("Maybe, it depends on the dose.", "answer"),
    ("Based on the studies, mitochondria clearly drive programmed cell death in these leaves.", "answer"),
    ("Mitochondria release cytochrome c which triggers the cascade that remodels the leaf tissue during "
     "development in a tightly regulated way that the authors measured over several weeks", "answer"),  # 25+ words
    ("Here are three points:\n- one\n- two", "assistant"),
    ("I'd be happy to help you with that!", "assistant"),
    ("Great question! Let me explain.", "assistant"),
    ("No idea, that's why I asked you", None),
    ("I'm not sure, can you look it up?", None),
    ("hmm ok but what does the research say?", None),
    ("just tell me what you found", None),
])
def test_role_rule(reply, verdict):
    assert role_break(UserTurn.say(reply)) == verdict


def test_ending_keeps_the_user_role():
    assert role_break(UserTurn.end()) is None


def test_role_probes_are_seeded_pubmedqa_questions_turned_back():
    probes = role_probes(5, seed=7)
    assert [p.question for p in probes] == [p.question for p in role_probes(5, seed=7)]
    assert len({p.question for p in probes}) == 5
    for probe in probes:
        user, assistant = probe.state.messages
        assert user.content == probe.question and probe.question in assistant.content
        assert probe.state.intent.text.startswith("You are a user chatting with an assistant language model to")


def test_role_adherence_counts_kept_roles(rule_simulator):
    # Answers its own question on even positions, professes ignorance on odd ones: 2 of 4 keep the role.
    def rule(s, i):
        return UserTurn.say("Yes, it does.") if i % 2 == 0 else UserTurn.say("I don't know, you tell me")
    result = RoleAdherence().compute([], MetricContext(simulator=rule_simulator(rule), probe_limit=4))
    assert result.value == pytest.approx(50.0)
    assert result.details["breaks"] == {"answer": 2, "assistant": 0}


def test_role_adherence_ignores_exhausted_turns(rule_simulator):
    def rule(s, i):
        return UserTurn.exhausted("gave up") if i == 0 else UserTurn.end()
    result = RoleAdherence().compute([], MetricContext(simulator=rule_simulator(rule), probe_limit=3))
    assert result.value == 100.0 and result.details["n_exhausted"] == 1


class FakeJudge:
    name = "fake-judge"

    def __init__(self, answer):
        self.answer = answer
        self.prompts = []

    async def verdicts(self, prompts):
        self.prompts.extend(prompts)
        return [self.answer for _ in prompts]


def test_role_adherence_reports_the_judge_beside_the_rule(rule_simulator):
    judge = FakeJudge("BREAKS")
    context = MetricContext(simulator=rule_simulator(lambda s, i: UserTurn.say("no clue")), probe_limit=3, judge=judge)
    result = RoleAdherence().compute([], context)
    assert result.value == 100.0 and result.values["judge"] == 0.0 and result.values["judge_unclear"] == 0.0
    assert "no clue" in judge.prompts[0]


class BagOfWordsEmbedder:
    """Unit-norm word-count vectors: replies sharing words with a goal are closer to it."""

    def embed(self, texts):
        vocabulary = sorted({w for t in texts for w in t.lower().split()})
        index = {w: i for i, w in enumerate(vocabulary)}
        vectors = np.zeros((len(texts), max(1, len(vocabulary))))
        for row, text in enumerate(texts):
            for word in text.lower().split():
                vectors[row, index[word]] += 1
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)


@pytest.fixture
def intent_sources(convo):
    prefix = "You are a user chatting with an assistant language model to"
    return [convo(f"{prefix} learn about volcanoes", "tell me about volcanoes", intent_id="v"),
            convo(f"{prefix} bake sourdough bread", "how do i bake bread", intent_id="b"),
            convo(f"{prefix} fix a flat bicycle tyre", "my tyre is flat", intent_id="t")]


def _goal_of(state):
    return state.intent.text.split(" model to ", 1)[1]


def test_diversion_probes_point_each_conversation_at_another_goal(intent_sources):
    probes = diversion_probes(intent_sources, limit=10, seed=0)
    assert len(probes) == 3
    for probe in probes:
        assert probe.goal != probe.diversion_goal and probe.diversion_goal in probe.state.messages[-1].content
        assert probe.state.messages[0].role == "user"


@pytest.mark.parametrize("behaviour, expected", [("steer back", 100.0), ("follow", 0.0), ("end", 0.0)])
def test_intent_adherence(intent_sources, rule_simulator, behaviour, expected):
    def rule(state, i):
        if behaviour == "end":
            return UserTurn.end()
        if behaviour == "steer back":
            return UserTurn.say(f"no, I want to {_goal_of(state)}")
        return UserTurn.say(state.messages[-1].content)  # repeats the diversion

    context = MetricContext(simulator=rule_simulator(rule), options={
        "intent_probe_conversations": intent_sources, "embedder": BagOfWordsEmbedder()})
    assert IntentAdherence().compute([], context).value == pytest.approx(expected)
