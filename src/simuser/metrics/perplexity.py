"""Perplexity of a local model on the *user* turns of real conversations.

How well does a model predict what people actually typed? For every human user turn we sum the
negative log-likelihood of its tokens given everything before it, and report
``exp(total NLL / scored tokens)``. The scored tokens are the turn's words plus the token that closes
the turn (so a model is also judged on knowing when a user stops typing); the role header and the
newline after it are context. Model-written user turns (MTRAG marks a few) are context, not scored.

Two ways to ask a model, chosen from its tokenizer (``scoring="auto"``):

* ``userlm``: the UserLM format (:mod:`simuser.users.userlm_template`): the intent as system message
  (no system message without intent), the history in its normal roles, and each user turn written
  after an open user header, closed by ``<|eot_id|>``.
* ``prompted``: how the paper scored prompted assistants. The model gets exactly what the prompted
  simulator sends (:meth:`simuser.users.prompted.PromptedSimulator.chat_for`): the baseline system
  prompt with the intent (with an empty goal without intent), the opening "Start the conversation."
  message, then the history with roles swapped; each real user turn is scored as the model's own
  ``assistant`` message, closed by the template's end-of-turn token (``<|im_end|>`` for SmolLM2).

Either way a conversation is scored in one forward pass: a causal LM's prediction of a turn depends
only on the text before it, which is the same text the turn would get on its own (checked: every
per-turn prompt is a prefix of the whole rendering, else we fall back to one pass per turn).
Model names: ``default`` (the shipped user model: its adapter on SmolLM2), ``base`` (SmolLM2-Instruct
prompted as a user), a local directory (a model, or a peft adapter directory) or a hub id.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from simuser.errors import UserError, require
from simuser.schema import Conversation
from simuser.tokens import END_OF_TURN

Scoring = Literal["auto", "userlm", "prompted"]
Span = tuple[int, int]  # character offsets of a scored region in the rendered text


@dataclass
class PerplexityResult:
    """Perplexity with the totals behind it; ``float(result)`` is the perplexity."""

    value: float
    nll: float  # total negative log-likelihood (nats) of the scored tokens
    tokens: int
    turns: int
    conversations: int
    with_intent: bool
    model: str
    scoring: str
    truncated_turns: int = 0  # turns lost to the context limit (not scored)

    def __float__(self) -> float:
        return self.value

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Rendered:
    """One conversation as the model sees it, with the regions to score."""

    text: str
    spans: list[Span]


# --- rendering -----------------------------------------------------------------------------------------


def scored_turns(conversation: Conversation) -> list[bool]:
    """Per message: is it a user turn to score (human-written user turns)?"""
    from simuser.train.flip import is_target_turn

    return [is_target_turn(m, human_only=True) for m in _history(conversation)]


def _history(conversation: Conversation) -> list[Any]:
    return [m for m in conversation.messages if m.role in ("user", "assistant")]


def render_userlm(conversation: Conversation, with_intent: bool) -> Rendered:
    from simuser.users.userlm_template import open_user_header, render_message

    text = render_message("system", conversation.intent.text) if with_intent else ""
    spans: list[Span] = []
    for message, scored in zip(_history(conversation), scored_turns(conversation), strict=True):
        if not scored:
            text += render_message(message.role, message.content)
            continue
        text += open_user_header() + "\n"
        spans.append((len(text), len(text) + len(message.content) + len(END_OF_TURN)))
        text += message.content + END_OF_TURN
    return Rendered(text, spans)


def prompted_chat(conversation: Conversation, upto: int, with_intent: bool) -> list[dict[str, str]]:
    """What the prompted simulator is sent before message ``upto`` (a user turn) of the conversation."""
    from simuser.users.prompted import UserPrompt, flip_roles

    prompt = UserPrompt.render(conversation.intent.text if with_intent else "")
    history = [m.to_openai() for m in _history(conversation)[:upto]]
    return [{"role": "system", "content": prompt.system}, {"role": "user", "content": prompt.start_message},
            *flip_roles(history)]


def render_prompted(conversation: Conversation, tokenizer: Any, with_intent: bool) -> list[Rendered]:
    """One rendering when per-turn prompts nest (ChatML does), else one rendering per scored turn."""
    history = _history(conversation)
    per_turn = []
    for index, scored in enumerate(scored_turns(conversation)):
        if scored:
            chat = prompted_chat(conversation, index, with_intent)
            per_turn.append(_assistant_turn(tokenizer, chat, history[index].content))
    if not per_turn:
        return []
    whole = per_turn[-1].text
    if all(whole.startswith(r.text) for r in per_turn):
        return [Rendered(whole, [r.spans[0] for r in per_turn])]
    return per_turn


def _assistant_turn(tokenizer: Any, chat: list[dict[str, str]], content: str) -> Rendered:
    """``chat`` + ``content`` as the model's reply; the span covers the reply and its end-of-turn token."""
    prefix = tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
    full = tokenizer.apply_chat_template([*chat, {"role": "assistant", "content": content}], tokenize=False)
    if not full.startswith(prefix) or content not in full[len(prefix):]:
        raise UserError("the model's chat template does not render a reply after its generation prompt; "
                        "score it with scoring='userlm' or use another model")
    start = full.index(content, len(prefix))
    end = start + len(content)
    eos = tokenizer.eos_token or ""
    if eos and full[end:].lstrip(" \t").startswith(eos):
        end = full.index(eos, end) + len(eos)
    return Rendered(full[:end], [(start, end)])


# --- scoring -------------------------------------------------------------------------------------------


@dataclass
class _Totals:
    nll: float = 0.0
    tokens: int = 0
    turns: int = 0
    truncated: int = 0


def score_rendered(model: Any, tokenizer: Any, rendered: Rendered, max_length: int, totals: _Totals) -> None:
    """Add the NLL of ``rendered``'s spans to ``totals`` (one forward pass, left-truncated to fit)."""
    import torch

    encoding = tokenizer(rendered.text, add_special_tokens=False, return_offsets_mapping=True)
    ids, offsets = encoding["input_ids"], encoding["offset_mapping"]
    cut = max(0, len(ids) - max_length)
    ids, offsets = ids[cut:], offsets[cut:]
    labels = [_span_of(offset, rendered.spans) for offset in offsets]
    scored = {span for span in labels if span is not None}
    totals.truncated += len(rendered.spans) - len(scored)
    positions = [i for i in range(1, len(ids)) if labels[i] is not None]
    if not positions:
        return
    with torch.inference_mode():
        device = next(model.parameters()).device
        keep = torch.tensor([p - 1 for p in positions], device=device)  # output projection at scored positions only
        logits = model(input_ids=torch.tensor([ids], device=device), logits_to_keep=keep).logits[0].float()
        logprobs = torch.log_softmax(logits, dim=-1)
        targets = torch.tensor([ids[p] for p in positions], device=device)
        totals.nll -= logprobs.gather(1, targets[:, None]).sum().item()
    totals.tokens += len(positions)
    totals.turns += len(scored)


def _span_of(offset: tuple[int, int], spans: Sequence[Span]) -> Span | None:
    start, end = offset
    for span in spans:
        if span[0] <= start < span[1] and end > start:
            return span
    return None


def user_turn_perplexity(
    model: str,
    conversations: Sequence[Conversation],
    with_intent: bool = True,
    *,
    scoring: Scoring = "auto",
    device: str = "cpu",
    max_length: int = 4096,
    threads: int | None = None,
    progress: Any = None,
) -> PerplexityResult:
    """Perplexity of ``model`` on the human user turns of ``conversations`` (see the module docstring).

    ``progress`` is an optional callable taking the number of conversations done (for a progress bar).
    """
    torch = require("torch", "local")
    if threads:
        torch.set_num_threads(threads)
    loaded, tokenizer, kind = load_scoring_model(model, scoring, device)
    totals = _Totals()
    for done, conversation in enumerate(conversations, start=1):
        for rendered in _renderings(conversation, tokenizer, kind, with_intent):
            score_rendered(loaded, tokenizer, rendered, max_length, totals)
        if progress is not None:
            progress(done)
    if totals.tokens == 0:
        raise UserError("no human user turns to score; pass conversations with user messages")
    return PerplexityResult(
        value=math.exp(totals.nll / totals.tokens), nll=totals.nll, tokens=totals.tokens, turns=totals.turns,
        conversations=len(conversations), with_intent=with_intent, model=model, scoring=kind,
        truncated_turns=totals.truncated,
    )


#: The name the report card's perplexity metric calls.
perplexity_of_model = user_turn_perplexity


def _renderings(conversation: Conversation, tokenizer: Any, kind: str, with_intent: bool) -> list[Rendered]:
    if kind == "userlm":
        return [render_userlm(conversation, with_intent)]
    return render_prompted(conversation, tokenizer, with_intent)


def load_scoring_model(name: str, scoring: Scoring, device: str) -> tuple[Any, Any, str]:
    """``(model, tokenizer, 'userlm' | 'prompted')`` for a model name (see the module docstring)."""
    from pathlib import Path

    from simuser.adapters import resolve_user_model
    from simuser.defaults import DEFAULT_USER_MODEL
    from simuser.train.load import load_user_model

    if name == DEFAULT_USER_MODEL:
        model, tokenizer = load_user_model(*resolve_user_model(name), device=device)
    elif name == "base":
        model, tokenizer = load_user_model("smollm2", device=device)
    elif (Path(name) / "adapter_config.json").is_file():
        model, tokenizer = load_user_model(adapter=name, device=device)
    else:
        model, tokenizer = load_user_model(name, device=device)
    kind = scoring if scoring != "auto" else ("userlm" if END_OF_TURN in tokenizer.get_vocab() else "prompted")
    return model, tokenizer, kind
