"""Flipping conversations into user-turn training samples."""

from __future__ import annotations

import pytest

from simuser.schema import Message
from simuser.tokens import END_CONVERSATION, END_OF_TURN
from simuser.train.flip import (
    IGNORE_INDEX,
    FlipStats,
    encode,
    flip_conversation,
    flip_records,
    flip_to_dataset,
    shorten_replies,
    tokenize_sample,
)
from simuser.users.userlm_template import render_prompt

from .conftest import INTENT, TURNS


@pytest.fixture(scope="module")
def tokenizer(tiny_base_dir):
    from simuser.train.data import load_userlm_tokenizer

    return load_userlm_tokenizer(str(tiny_base_dir))


def test_three_turns_give_four_samples_with_the_right_targets(three_turn):
    samples = flip_conversation(three_turn)
    assert [s.target for s in samples] == [TURNS[0][1], TURNS[2][1], TURNS[4][1], END_CONVERSATION]
    assert [s.turn for s in samples] == [0, 1, 2, 3]
    assert [len(s.history) for s in samples] == [0, 2, 4, 6]
    assert [s.is_end for s in samples] == [False, False, False, True]
    assert samples[2].prompt == render_prompt(INTENT, [{"role": r, "content": c} for r, c in TURNS[:4]])
    assert samples[3].completion == f"\n{END_CONVERSATION}{END_OF_TURN}"


def test_loss_mask_covers_exactly_the_target_turn(three_turn, tokenizer):
    for sample in flip_conversation(three_turn):
        seq = tokenize_sample(sample, tokenizer)
        prompt_ids = encode(tokenizer, sample.prompt)
        assert seq.input_ids == encode(tokenizer, sample.prompt + sample.completion)  # piecewise == whole
        assert seq.labels[: len(prompt_ids)] == [IGNORE_INDEX] * len(prompt_ids)
        target = seq.labels[len(prompt_ids):]
        assert IGNORE_INDEX not in target
        assert tokenizer.decode(target) == sample.completion


def test_end_target_is_the_end_token_then_end_of_turn(three_turn, tokenizer):
    seq = tokenize_sample(flip_conversation(three_turn)[-1], tokenizer)
    target = [t for t in seq.labels if t != IGNORE_INDEX]
    ids = tokenizer.convert_tokens_to_ids([END_CONVERSATION, END_OF_TURN])
    assert target[-2:] == ids


def test_conversation_packing_has_the_same_targets_and_contexts(three_turn, tokenizer):
    turn_records, _ = flip_records([three_turn], tokenizer, packing="turn")
    (packed,), stats = flip_records([three_turn], tokenizer, packing="conversation")
    assert stats.samples == 1 and stats.target_turns == 4
    for record in turn_records:  # each turn sample is a prefix of the packed sequence, target included
        n = record["length"]
        assert packed["input_ids"][:n] == record["input_ids"]
        assert [t for t in packed["labels"][:n] if t != IGNORE_INDEX][-len(_targets(record)):] == _targets(record)
    assert _targets(packed) == sum((_targets(r) for r in turn_records), [])


def _targets(record):
    return [t for t in record["labels"] if t != IGNORE_INDEX]


def test_long_samples_lose_their_oldest_exchanges_and_keep_the_intent(three_turn, tokenizer):
    full = [len(tokenize_sample(s, tokenizer)) for s in flip_conversation(three_turn)]
    limit = full[2] - 1  # sample 2 (and 3) no longer fit with their whole history
    records, stats = flip_records([three_turn], tokenizer, max_length=limit)
    assert stats.truncated == 2 and stats.dropped == 0 and len(records) == 4
    assert all(r["length"] <= limit for r in records)
    assert tokenizer.decode(records[2]["input_ids"]).count(INTENT) == 1


def test_samples_that_cannot_fit_are_dropped_and_counted(three_turn, tokenizer):
    records, stats = flip_records([three_turn], tokenizer, max_length=8)
    assert records == [] and stats.dropped == 4


def test_model_written_user_turns_are_context_not_targets(three_turn):
    three_turn.messages[2].metadata["author_type"] = "model"
    targets = [s.target for s in flip_conversation(three_turn)]
    assert TURNS[2][1] not in targets and len(targets) == 3
    assert len(flip_conversation(three_turn, human_only=False)) == 4


def test_no_end_sample_when_the_user_spoke_last(three_turn):
    three_turn.messages.append(Message(role="user", content="one more question please"))
    samples = flip_conversation(three_turn)
    assert samples[-1].target == "one more question please" and not any(s.is_end for s in samples)


def test_dataset_and_stats(three_turn, tokenizer):
    dataset, stats = flip_to_dataset([three_turn], tokenizer)
    assert len(dataset) == 4 and set(dataset.column_names) >= {"input_ids", "labels", "length"}
    summary = stats.summary()
    assert summary["samples"] == 4 and summary["end_samples"] == 1
    assert summary["length_max"] == max(dataset["length"])


def test_shorten_replies_cuts_assistant_turns_only(three_turn, tokenizer):
    stats = FlipStats()
    short = shorten_replies(three_turn, tokenizer, 2, stats)
    assert stats.shortened_replies == 3
    assert all(len(encode(tokenizer, m.content)) <= 2 for m in short.messages if m.role == "assistant")
    assert [m.content for m in short.messages if m.role == "user"] == [c for r, c in TURNS if r == "user"]
    assert three_turn.messages[1].content == TURNS[1][1]  # the original is untouched
