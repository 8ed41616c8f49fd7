"""The lexical metrics on small inputs whose values were worked out by hand (in the comments)."""

import itertools
import random

import pytest

from simuser.metrics import compute_text_metrics
from simuser.metrics.base import MetricContext, MetricResult, NotComputed
from simuser.metrics.first_turn_diversity import FirstTurnDiversity, sample_texts
from simuser.metrics.intent_decomposition import IntentDecomposition
from simuser.metrics.lexical_diversity import LexicalDiversity
from simuser.metrics.pace import Pace
from simuser.metrics.text import content_words, mean_pairwise_jaccard, strip_intent_prefix, tokens
from simuser.schema import EndReason

PREFIX = "You are a user chatting with an assistant language model to"
CTX = MetricContext()


def test_tokens_are_lowercase_words_with_inner_apostrophes():
    assert tokens("Don't PANIC, it's 42!") == ["don't", "panic", "it's", "42"]


def test_first_turn_diversity_by_hand(convo):
    # sets {a,b} {a,c} {d}: Jaccard 1/3, 0, 0 -> mean 1/9 -> diversity 100 * 8/9
    conversations = [convo("x", "A b", "ok"), convo("x", "a C", "ok"), convo("x", "d", "ok")]
    result = FirstTurnDiversity().compute(conversations, CTX)
    assert result.value == pytest.approx(100 * 8 / 9)
    assert result.details["n_first_turns"] == 3


def test_first_turn_diversity_identical_turns_is_zero(convo):
    result = FirstTurnDiversity().compute([convo("x", "same words"), convo("y", "Same WORDS")], CTX)
    assert result.value == pytest.approx(0.0)


def test_first_turn_diversity_needs_two_first_turns(convo):
    assert isinstance(FirstTurnDiversity().compute([convo("x", "hello")], CTX), NotComputed)


def test_vectorised_jaccard_matches_brute_force():
    rng = random.Random(3)
    vocabulary = [f"w{i}" for i in range(30)]
    sets = [set(rng.sample(vocabulary, rng.randint(0, 8))) for _ in range(80)] + [set(), set()]
    pairs = [len(a & b) / len(a | b) if a | b else 1.0 for a, b in itertools.combinations(sets, 2)]
    assert mean_pairwise_jaccard(sets) == pytest.approx(sum(pairs) / len(pairs), abs=1e-6)


def test_sampling_is_seeded_and_keeps_everything_under_the_limit():
    texts = [str(i) for i in range(10)]
    assert sample_texts(texts, 20, seed=1) == texts
    assert sample_texts(texts, 3, seed=1) == sample_texts(texts, 3, seed=1)
    assert len(set(sample_texts(texts, 3, seed=1))) == 3
    assert any(sample_texts(texts, 3, seed=s) != sample_texts(texts, 3, seed=1) for s in range(2, 8))


def test_intent_decomposition_by_hand(convo):
    intent = f"{PREFIX} plan a trip to Rome"  # content words: plan, trip, rome
    conversation = convo(intent,
                         "I want to visit Rome",  # {want, visit, rome}: 1/3 in the intent
                         "ok",
                         "what food is good",  # {food, good}: 0
                         "ok",
                         "the and")  # no content word: skipped
    result = IntentDecomposition().compute([conversation], CTX)
    assert result.value == pytest.approx(100 * (1 / 3 + 0) / 2)
    assert result.details["n_turns"] == 2


def test_intent_prefix_is_removed_before_comparing():
    assert strip_intent_prefix(f"{PREFIX} learn chess") == "learn chess"
    assert "user" not in content_words(strip_intent_prefix(f"{PREFIX} learn chess"))


def test_intent_decomposition_without_intents(convo):
    assert isinstance(IntentDecomposition().compute([convo("", "hi there", "hello")], CTX), NotComputed)


def test_lexical_diversity_by_hand(convo):
    conversations = [
        convo("A", "a", "ok", "b", intent_id="A"),  # user text {a, b}
        convo("A", "a c", intent_id="A", sample=1),  # {a, c}: Jaccard 1/3 -> difference 2/3
        convo("B", "x", intent_id="B"),
        convo("B", "X", intent_id="B", sample=1),  # identical -> difference 0
        convo("C", "alone", intent_id="C"),  # one conversation: ignored
    ]
    result = LexicalDiversity().compute(conversations, CTX)
    assert result.value == pytest.approx((2 / 3 + 0) / 2)
    assert result.details["n_intents"] == 2


def test_lexical_diversity_needs_repeated_intents(convo):
    outcome = LexicalDiversity().compute([convo("A", "a", intent_id="A"), convo("B", "b", intent_id="B")], CTX)
    assert isinstance(outcome, NotComputed) and "-n 2" in outcome.reason


def test_pace_by_hand(convo):
    conversations = [
        convo("i", "one two", end=EndReason.USER_ENDED),  # 1 user turn, 2 words
        convo("i", "one", "r", "one two three", end=EndReason.MAX_TURNS),  # 2 turns: 1 and 3 words
        convo("i", "a", "r", "b", "r", "c d e f"),  # 3 turns: 1, 1, 4 words; no end reason
    ]
    result = Pace().compute(conversations, CTX)
    assert isinstance(result, MetricResult)
    assert result.value == pytest.approx(2.0)
    assert result.values["user_turns_variance"] == pytest.approx(2 / 3)
    assert (result.values["user_turns_min"], result.values["user_turns_max"]) == (1.0, 3.0)
    assert result.values["words_per_turn_mean"] == pytest.approx((2 + 1 + 3 + 1 + 1 + 4) / 6)
    assert result.values["user_ended_percent"] == pytest.approx(50.0)  # 1 of the 2 that record an end


def test_pace_without_end_reasons_leaves_the_share_out(convo):
    assert "user_ended_percent" not in Pace().compute([convo("i", "hello")], CTX).values


def test_compute_text_metrics_flattens_sub_values(convo):
    values = compute_text_metrics([convo("A", "a b", "ok", "c", intent_id="A"), convo("A", "a d", intent_id="A", sample=1)])
    assert set(values) >= {"first_turn_diversity", "intent_decomposition", "lexical_diversity", "pace",
                           "pace.words_per_turn_mean"}
    assert values["pace"] == pytest.approx(1.5)
