"""Flip the dialogue: turn logged conversations into training samples for a *user* model.

A conversation with K user turns, each answered by the assistant, gives K + 1 samples. Sample *i* is the
UserLM prompt (intent as system message, the history before user turn *i* in its normal roles, an open
user header) and its target is user turn *i*; the last sample's target is ``<|endconversation|>`` after
the last assistant turn (the user leaves). Loss is taken on the target only: the newline that follows the
header, the user's words, and the end-of-turn token.

Two packings of the same targets:

* ``turn`` (the definition above): one sequence per target; the history is repeated in every sample.
* ``conversation``: one sequence per conversation with *every* target unmasked. Under a causal LM each
  target sees exactly the history it sees in its own ``turn`` sample, so the summed loss is the same while
  the tokens to process drop about threefold on MTRAG-UN (average 4.3 user turns). A conversation longer
  than ``max_length`` falls back to ``turn`` samples.

Long assistant replies can be cut to their first ``max_assistant_tokens`` tokens before flipping: the
user model mostly needs the gist of a reply to write the next question, and on a small CPU budget the
replies are most of the tokens (MTRAG-UN: 103 tokens per reply against 17 per user turn). The default
engine's assistant replies are at most 128 tokens anyway.

Over-long ``turn`` samples are truncated from the left a whole user/assistant exchange at a time (the
intent always stays), or dropped when even the intent plus the target does not fit; both are counted.

Tokenisation is piecewise: every rendered message starts and ends with a special token, so tokenising
the pieces separately and concatenating gives exactly the ids of the whole rendered prompt (tested).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from simuser.schema import Conversation
from simuser.tokens import END_CONVERSATION, END_OF_TURN
from simuser.users.userlm_template import open_user_header, render_message

IGNORE_INDEX = -100
Packing = Literal["turn", "conversation"]


@dataclass(frozen=True)
class FlipSample:
    """One training example in text form: the prompt pieces and the target user turn."""

    conversation_id: str
    turn: int  # index of the target user turn; K for the end-of-conversation sample
    intent: str | None  # None renders no system message (scoring "without intent")
    history: tuple[tuple[str, str], ...]  # (role, content) before the target
    target: str  # the user's words, or END_CONVERSATION

    @property
    def is_end(self) -> bool:
        return self.target == END_CONVERSATION

    def prompt_pieces(self) -> list[str]:
        pieces = [render_message("system", self.intent)] if self.intent is not None else []
        pieces += [render_message(role, content) for role, content in self.history]
        return [*pieces, open_user_header()]

    @property
    def prompt(self) -> str:
        return "".join(self.prompt_pieces())

    @property
    def completion(self) -> str:
        """What the model must write after the open header (the part under loss)."""
        return target_text(self.target)

    def without_first_exchange(self) -> FlipSample:
        """The same sample with the oldest user/assistant pair of the history removed."""
        return FlipSample(self.conversation_id, self.turn, self.intent, self.history[2:], self.target)


def target_text(content: str) -> str:
    return f"\n{content}{END_OF_TURN}"


def is_target_turn(message, human_only: bool) -> bool:
    """User turns are targets; with ``human_only``, turns a dataset marks as model-written are context."""
    if message.role != "user":
        return False
    return not (human_only and message.metadata.get("author_type") == "model")


def flip_conversation(
    conversation: Conversation, *, with_intent: bool = True, human_only: bool = True, end_sample: bool = True
) -> list[FlipSample]:
    """The K + 1 samples of one conversation (K targets, plus the end marker after a final assistant turn)."""
    intent = conversation.intent.text if with_intent else None
    history = tuple((m.role, m.content) for m in conversation.messages if m.role != "system")
    messages = [m for m in conversation.messages if m.role != "system"]
    cid = conversation.intent.id
    samples = []
    for index, message in enumerate(messages):
        if is_target_turn(message, human_only):
            turn = sum(m.role == "user" for m in messages[:index])
            samples.append(FlipSample(cid, turn, intent, history[:index], message.content))
    if end_sample and messages and messages[-1].role == "assistant":
        turn = sum(m.role == "user" for m in messages)
        samples.append(FlipSample(cid, turn, intent, history, END_CONVERSATION))
    return samples


# --- tokenisation ------------------------------------------------------------------------------------


@dataclass
class FlipStats:
    """What ``simuser flip`` reports: counts and token lengths."""

    conversations: int = 0
    samples: int = 0
    end_samples: int = 0
    target_turns: int = 0
    truncated: int = 0  # samples that lost early exchanges to fit max_length
    dropped: int = 0  # samples that could not fit even without history
    fallback_conversations: int = 0  # conversation packing: too long, emitted as turn samples
    shortened_replies: int = 0  # assistant replies cut to max_assistant_tokens
    max_length: int = 0
    packing: str = "turn"
    max_assistant_tokens: int | None = None
    lengths: list[int] = field(default_factory=list, repr=False)
    target_tokens: int = 0

    def summary(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k != "lengths"}
        if self.lengths:
            ordered = sorted(self.lengths)
            data |= {
                "tokens": sum(ordered), "length_mean": round(statistics.fmean(ordered), 1),
                "length_median": ordered[len(ordered) // 2], "length_p95": ordered[int(0.95 * (len(ordered) - 1))],
                "length_max": ordered[-1],
            }
        return data


class Tokenized:
    """Token ids of one sequence with its loss labels."""

    def __init__(self) -> None:
        self.input_ids: list[int] = []
        self.labels: list[int] = []

    def add(self, ids: Sequence[int], target: bool) -> None:
        self.input_ids += ids
        self.labels += ids if target else [IGNORE_INDEX] * len(ids)

    def __len__(self) -> int:
        return len(self.input_ids)

    @property
    def target_tokens(self) -> int:
        return sum(label != IGNORE_INDEX for label in self.labels)


def encode(tokenizer, text: str) -> list[int]:
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def tokenize_sample(sample: FlipSample, tokenizer) -> Tokenized:
    seq = Tokenized()
    for piece in sample.prompt_pieces():
        seq.add(encode(tokenizer, piece), target=False)
    seq.add(encode(tokenizer, sample.completion), target=True)
    return seq


def fit_sample(sample: FlipSample, tokenizer, max_length: int) -> tuple[Tokenized | None, bool]:
    """Tokenise, dropping the oldest exchanges until it fits; ``(None, _)`` when nothing fits."""
    truncated = False
    while True:
        fitted = tokenize_sample(sample, tokenizer)
        if len(fitted) <= max_length:
            return fitted, truncated
        if not sample.history:
            return None, truncated
        sample, truncated = sample.without_first_exchange(), True


def tokenize_conversation(samples: Sequence[FlipSample], tokenizer) -> Tokenized:
    """One sequence holding every target of a conversation (the ``conversation`` packing)."""
    last = samples[-1]
    seq = Tokenized()
    pieces = [render_message("system", last.intent)] if last.intent is not None else []
    for piece in pieces:
        seq.add(encode(tokenizer, piece), target=False)
    targets = {s.turn: s for s in samples}
    history = list(last.history) + ([] if last.is_end else [("user", last.target)])
    user_index = 0
    for role, content in history:
        if role == "user" and user_index in targets:
            seq.add(encode(tokenizer, open_user_header()), target=False)
            seq.add(encode(tokenizer, target_text(content)), target=True)
        else:
            seq.add(encode(tokenizer, render_message(role, content)), target=False)
        user_index += role == "user"
    if last.is_end:
        seq.add(encode(tokenizer, open_user_header()), target=False)
        seq.add(encode(tokenizer, last.completion), target=True)
    return seq


def flip_records(
    conversations: Iterable[Conversation],
    tokenizer,
    *,
    max_length: int = 1024,
    packing: Packing = "turn",
    with_intent: bool = True,
    human_only: bool = True,
    max_assistant_tokens: int | None = None,
) -> tuple[list[dict[str, Any]], FlipStats]:
    """Tokenised training records (``input_ids``, ``labels`` and bookkeeping) and their stats."""
    stats = FlipStats(max_length=max_length, packing=packing, max_assistant_tokens=max_assistant_tokens)
    records: list[dict[str, Any]] = []
    for conversation in conversations:
        if max_assistant_tokens is not None:
            conversation = shorten_replies(conversation, tokenizer, max_assistant_tokens, stats)
        samples = flip_conversation(conversation, with_intent=with_intent, human_only=human_only)
        if not samples:
            continue
        stats.conversations += 1
        stats.target_turns += len(samples)
        stats.end_samples += sum(s.is_end for s in samples)
        records += _records_for(samples, tokenizer, max_length, packing, stats)
    stats.samples = len(records)
    return records, stats


def shorten_replies(conversation: Conversation, tokenizer, max_tokens: int, stats: FlipStats) -> Conversation:
    """A copy whose assistant replies keep only their first ``max_tokens`` tokens."""
    copy = conversation.model_copy(deep=True)
    for message in copy.messages:
        if message.role != "assistant":
            continue
        ids = encode(tokenizer, message.content)
        if len(ids) > max_tokens:
            message.content = tokenizer.decode(ids[:max_tokens]).rstrip()
            stats.shortened_replies += 1
    return copy


def _records_for(samples, tokenizer, max_length, packing, stats) -> list[dict[str, Any]]:
    if packing == "conversation":
        packed = tokenize_conversation(samples, tokenizer)
        if len(packed) <= max_length:
            return [_record(samples[0].conversation_id, -1, packed, stats)]
        stats.fallback_conversations += 1
    records = []
    for sample in samples:
        seq, truncated = fit_sample(sample, tokenizer, max_length)
        stats.truncated += truncated and seq is not None
        if seq is None:
            stats.dropped += 1
            continue
        records.append(_record(sample.conversation_id, sample.turn, seq, stats))
    return records


def _record(conversation_id: str, turn: int, seq: Tokenized, stats: FlipStats) -> dict[str, Any]:
    stats.lengths.append(len(seq))
    stats.target_tokens += seq.target_tokens
    return {
        "input_ids": seq.input_ids, "labels": seq.labels, "conversation_id": conversation_id,
        "turn": turn, "length": len(seq),
    }


def flip_to_dataset(conversations: Iterable[Conversation], tokenizer, **options: Any):
    """The flipped samples as a Hugging Face ``datasets.Dataset`` (plus stats)."""
    from simuser.errors import require

    datasets = require("datasets", "train")
    records, stats = flip_records(conversations, tokenizer, **options)
    columns = ("input_ids", "labels", "conversation_id", "turn", "length")
    return datasets.Dataset.from_dict({c: [r[c] for r in records] for c in columns}), stats
