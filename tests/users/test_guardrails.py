"""The paper's guardrails as pure checks, the retry driver with a scripted drafter, and the logit
processors on hand-made scores."""

from __future__ import annotations

import math

import pytest

from simuser.schema import Intent, Message
from simuser.users.base import ConversationState, TurnKind
from simuser.users.guardrails import (
    Draft,
    GuardrailConfig,
    banned_first_token_ids,
    check_draft,
    check_text,
    generate_with_guardrails,
    whitespace_token_ids,
)

INTENT = Intent(id="rome", text="You are a user chatting with an assistant language model to plan a trip to Rome")


def state(*user_turns: str, intent: Intent = INTENT, seed: int = 0) -> ConversationState:
    messages = []
    for text in user_turns:
        messages += [Message(role="user", content=text), Message(role="assistant", content="ok, tell me more")]
    return ConversationState(intent, messages, seed)


CONFIG = GuardrailConfig()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "too_short"),
        ("hi there", "too_short"),
        ("hi there friend", None),
        (" ".join(["word"] * 25), None),
        (" ".join(["word"] * 26), "too_long"),
    ],
)
def test_length_limits(text, reason):
    assert check_text(text, state(), CONFIG) == reason


def test_repeat_of_an_earlier_user_turn_ignores_case_and_whitespace():
    history = state("Can you suggest a hotel near the center?")
    assert check_text("can you   suggest a HOTEL near the center?", history, CONFIG) == "repeat"
    assert check_text("can you suggest a cheaper hotel?", history, CONFIG) is None


def test_repeating_an_assistant_message_is_not_a_user_repeat():
    assert check_text("ok, tell me more", state("what should I see first?"), CONFIG) is None


def test_repeating_the_intent_verbatim_is_rejected():
    assert check_text(INTENT.text.upper(), state(), CONFIG) == "repeats_intent"
    assert check_text("plan a trip to  Rome", state(), CONFIG) == "repeats_intent"
    assert check_text("plan a trip to Rome in May", state(), CONFIG) is None


def test_disabled_checks_pass_everything():
    config = GuardrailConfig(min_words=0, max_words=0, block_repeats=False)
    assert check_text("", state(), config) is None
    assert check_text("plan a trip to Rome", state("plan a trip to Rome"), config) is None
    assert check_text("x", state(), GuardrailConfig.off()) is None


def test_end_marker_needs_enough_user_turns():
    config = GuardrailConfig(min_turns_before_end=2)
    end = Draft("", ended=True)
    assert check_draft(end, state("first one here"), config) == "early_end"
    assert check_draft(end, state("first one here", "second one here"), config) is None
    assert check_draft(end, state(), GuardrailConfig.off()) is None


def test_banned_first_token_ids_whole_words_only():
    texts = ["I", " I", "You", " You", "Here", "\nI", "I'm", "Here,", "Ice", " Hello", "you", "Hereby", "In", "\n"]
    banned = banned_first_token_ids(texts, ("I", "You", "Here"))
    assert [texts[i] for i in banned] == ["I", " I", "You", " You", "Here", "\nI", "I'm", "Here,"]


def test_whitespace_token_ids():
    assert whitespace_token_ids(["\n", " ", "a", "", " b", "\n\n"]) == [0, 1, 5]


class ScriptedDrafter:
    """Returns scripted drafts per state (by seed), one per call; records each call's batch size."""

    def __init__(self, scripts: dict[int, list[Draft]]):
        self.scripts = {seed: list(drafts) for seed, drafts in scripts.items()}
        self.calls: list[tuple[int, list[int]]] = []

    async def __call__(self, states, attempt):
        self.calls.append((attempt, [s.seed for s in states]))
        return [self.scripts[s.seed].pop(0) for s in states]


async def test_only_rejected_rows_are_redrafted_and_rejections_are_recorded():
    drafter = ScriptedDrafter({
        0: [Draft("fine thanks, what next?")],
        1: [Draft("hi"), Draft("plan a trip to Rome"), Draft("what about museums there?")],
        2: [Draft("", ended=True)],
    })
    states = [state(seed=0), state(seed=1), state("seen this before", seed=2)]
    turns = await generate_with_guardrails(states, drafter, GuardrailConfig())
    assert drafter.calls == [(0, [0, 1, 2]), (1, [1]), (2, [1])]
    assert [t.kind for t in turns] == [TurnKind.MESSAGE, TurnKind.MESSAGE, TurnKind.END]
    assert turns[1].text == "what about museums there?"
    assert turns[1].metadata["attempts"] == 3
    assert turns[1].metadata["rejections"] == [
        {"text": "hi", "reason": "too_short"},
        {"text": "plan a trip to Rome", "reason": "repeats_intent"},
    ]
    assert turns[0].metadata["rejections"] == [] and turns[0].metadata["attempts"] == 1
    assert "guardrails_exhausted" not in turns[1].metadata
    assert all(t.metadata["latency_s"] >= 0 for t in turns)


@pytest.mark.parametrize("max_retries", [0, 1, 3])
async def test_retries_are_bounded_and_the_last_draft_is_accepted(max_retries):
    drafter = ScriptedDrafter({0: [Draft(f"no{i}") for i in range(max_retries + 1)]})
    [turn] = await generate_with_guardrails([state()], drafter, GuardrailConfig(max_retries=max_retries))
    assert len(drafter.calls) == max_retries + 1
    assert turn.kind is TurnKind.MESSAGE and turn.text == f"no{max_retries}"
    assert turn.metadata["attempts"] == max_retries + 1
    assert [r["text"] for r in turn.metadata["rejections"]] == [f"no{i}" for i in range(max_retries)]
    assert turn.metadata["guardrails_exhausted"] is True
    assert turn.metadata["exhausted_reason"] == "too_short"


async def test_an_early_end_is_never_accepted_even_when_retries_run_out():
    drafter = ScriptedDrafter({0: [Draft("", ended=True), Draft("ok bye", ended=True)]})
    [turn] = await generate_with_guardrails([state()], drafter, GuardrailConfig(max_retries=1))
    assert turn.kind is TurnKind.MESSAGE and turn.text == "ok bye"
    assert turn.metadata["rejections"] == [{"text": "", "reason": "early_end"}]


async def test_guardrails_off_accept_the_first_draft():
    drafter = ScriptedDrafter({0: [Draft("", ended=True)], 1: [Draft("a")]})
    turns = await generate_with_guardrails([state(seed=0), state(seed=1)], drafter, GuardrailConfig.off())
    assert [t.kind for t in turns] == [TurnKind.END, TurnKind.MESSAGE]
    assert all(t.metadata["rejections"] == [] and t.metadata["attempts"] == 1 for t in turns)


async def test_an_empty_accepted_draft_is_exhausted_not_an_empty_message():
    drafter = ScriptedDrafter({0: [Draft("")]})
    [turn] = await generate_with_guardrails([state()], drafter, GuardrailConfig.off())
    assert turn.kind is TurnKind.EXHAUSTED and turn.metadata["reason"] == "empty_turn"


def test_first_token_ban_masks_only_rows_that_have_not_started():
    torch = pytest.importorskip("torch")
    from simuser.users.userlm_logits import FirstTokenBan

    prompt = [7, 7, 7]
    # 1 and 2 are whitespace, 5 a word: rows 0 and 1 have not started their turn, row 2 has.
    input_ids = torch.tensor([prompt + [1, 1], prompt + [2, 1], prompt + [1, 5]])
    scores = torch.zeros(3, 8)
    out = FirstTokenBan(banned_ids=[3, 4], whitespace_ids=[1, 2], prompt_length=3)(input_ids, scores)
    assert math.isinf(out[0, 3]) and math.isinf(out[0, 4]) and math.isinf(out[1, 3])
    assert out[2].tolist() == [0.0] * 8
    assert out[0, [0, 1, 2, 5, 6, 7]].tolist() == [0.0] * 6
    assert scores.eq(0).all(), "the input scores are not modified in place"


def test_first_token_ban_applies_at_the_very_first_step():
    torch = pytest.importorskip("torch")
    from simuser.users.userlm_logits import FirstTokenBan

    out = FirstTokenBan([2], [1], prompt_length=2)(torch.tensor([[9, 9], [8, 9]]), torch.zeros(2, 4))
    assert out[:, 2].tolist() == [-math.inf, -math.inf]


def test_end_conversation_ban_is_per_row():
    torch = pytest.importorskip("torch")
    from simuser.users.userlm_logits import EndConversationBan

    scores = torch.ones(3, 5)
    out = EndConversationBan(end_id=4, suppress=[True, False, True])(torch.zeros(3, 2, dtype=torch.long), scores)
    assert out[:, 4].tolist() == [-math.inf, 1.0, -math.inf]
    assert out[:, :4].eq(1).all()
