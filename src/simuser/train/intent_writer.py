"""Step 1 of flipping: write one high-level intent per logged conversation, with any chat LLM.

A user model is conditioned on an intent ("You are a user chatting with an assistant language model
to ..."), so every training conversation needs one. The paper had GPT-4o write them; here any chat model
does, through a *chat function*: a callable that takes a batch of chats (lists of OpenAI-style messages)
and returns one reply per chat. :func:`local_chat` (a local transformers model, greedy) and
:func:`endpoint_chat` (an OpenAI-compatible server) build one; tests pass a plain function.

Resumable by construction: each finished conversation is appended to the output chat JSONL (and
flushed) as soon as its batch returns; a rerun reads the output, skips the conversations already there
(by id) and appends the rest. Rows are in input order within a run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from simuser.redact import redact
from simuser.schema import Conversation, normalize_intent_text
from simuser.tokens import INTENT_PREFIX

ChatFunction = Callable[[Sequence[list[dict[str, str]]]], list[str]]

PROMPT_FILE = Path(__file__).resolve().parent.parent / "prompts" / "intent_summary.md"
MAX_MESSAGE_CHARS = 600  # long assistant answers are cut in the transcript: the user's side carries the intent
MAX_NEW_TOKENS = 96
_LABEL = re.compile(r"^\s*(?:\*\*)?(?:intent|answer)(?:\*\*)?\s*:\s*", re.IGNORECASE)


@dataclass
class IntentsResult:
    out: Path
    written: int
    skipped: int  # already in the output from an earlier run

    @property
    def total(self) -> int:
        return self.written + self.skipped


def conversation_id(conversation: Conversation) -> str:
    """The id an output row is matched on: the intent id, else a hash of the messages."""
    if conversation.intent.id:
        return conversation.intent.id
    text = json.dumps([m.to_openai() for m in conversation.messages], sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def transcript(conversation: Conversation, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    lines = []
    for message in conversation.messages:
        if message.role == "system":
            continue
        text = " ".join(message.content.split())
        text = text if len(text) <= max_chars else text[:max_chars].rstrip() + " [...]"
        lines.append(f"{message.role.upper()}: {text}")
    return "\n".join(lines)


@lru_cache(maxsize=4)
def _template(path: Path):
    import jinja2

    return jinja2.Template(path.read_text(encoding="utf-8"), undefined=jinja2.StrictUndefined)


def intent_chat(conversation: Conversation, prompt_file: Path = PROMPT_FILE) -> list[dict[str, str]]:
    """The chat sent to the model for one conversation."""
    text = _template(prompt_file).render(transcript=transcript(conversation), prefix=INTENT_PREFIX)
    return [{"role": "user", "content": text.strip()}]


def clean_intent(raw: str) -> str:
    """The first non-empty line, labels and quotes removed, in the standard 'You are a user ...' form."""
    line = next((part for part in raw.strip().splitlines() if part.strip()), "")
    line = _LABEL.sub("", line).strip().strip('"\u201c\u201d').strip()
    return normalize_intent_text(line) if line else ""


def _record(conversation: Conversation, intent: str, raw: str) -> dict[str, Any]:
    messages = [{"role": m.role, "content": m.content, **({"metadata": m.metadata} if m.metadata else {})}
                for m in conversation.messages if m.role != "system"]
    metadata = {**conversation.metadata, "intent_raw": raw} if raw != intent else dict(conversation.metadata)
    return {"id": conversation_id(conversation), "intent": intent, "messages": messages, "metadata": metadata}


def done_ids(out: Path) -> set[str]:
    """Ids already written to ``out`` (a torn last line from a crash is ignored and redone)."""
    from simuser.store.inputs import check_file, json_lines

    if not out.exists():
        return set()
    check_file(out, "intents output", "pass another --out or remove the file")
    return {str(record.get("id")) for _, record in json_lines(out, torn_tail_ok=True)}


def summarize_intents(
    conversations: Iterable[Conversation],
    chat: ChatFunction,
    out: Path,
    *,
    batch_size: int = 8,
    prompt_file: Path = PROMPT_FILE,
    progress: Callable[[int], None] | None = None,
) -> IntentsResult:
    """Append one intent per conversation not yet in ``out``; ``progress(n)`` after each batch."""
    from simuser.store.atomic import file_lock, writing

    out = Path(out)
    with file_lock(out), writing(out.parent):
        return _summarize_locked(list(conversations), chat, out, batch_size, prompt_file, progress)


def _summarize_locked(conversations: list[Conversation], chat: ChatFunction, out: Path, batch_size: int,
                      prompt_file: Path, progress: Callable[[int], None] | None) -> IntentsResult:
    done = done_ids(out)
    todo = [c for c in conversations if conversation_id(c) not in done]
    skipped = sum(1 for _ in done)
    _repair_torn_line(out)
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        replies = chat([intent_chat(c, prompt_file) for c in batch])
        with out.open("a", encoding="utf-8") as handle:
            for conversation, raw in zip(batch, replies, strict=True):
                handle.write(json.dumps(redact(_record(conversation, clean_intent(raw), raw)), ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        if progress is not None:
            progress(len(batch))
    return IntentsResult(out, len(todo), skipped)


def _repair_torn_line(out: Path) -> None:
    """Drop a half-written last line (a crash mid-write) so appended rows start on a fresh line."""
    if not out.is_file():
        return
    data = out.read_bytes()
    if data and not data.endswith(b"\n"):
        out.write_bytes(data[: data.rfind(b"\n") + 1])


# --- chat functions ----------------------------------------------------------------------------------


def local_chat(model: str = "smollm2", *, device: str | None = None, max_new_tokens: int = MAX_NEW_TOKENS,
               batch_size: int = 8) -> ChatFunction:
    """A local transformers chat model, greedy decoding."""
    return chat_function({"name": "transformers", "options": {"model": model, "device": device, "batch_size": batch_size}},
                         max_new_tokens)


def endpoint_chat(model: str, *, base_url: str | None = None, api_key_env: str | None = None,
                  max_tokens: int = MAX_NEW_TOKENS) -> ChatFunction:
    """An OpenAI-compatible server (OpenAI, vLLM, llama.cpp, Ollama, ...), temperature 0."""
    options = {"model": model, "base_url": base_url, "api_key_env": api_key_env, "send_seed": False}
    return chat_function({"name": "openai", "options": options}, max_tokens)


def chat_function(spec: dict[str, Any], max_new_tokens: int) -> ChatFunction:
    """A synchronous, greedy chat function over any :mod:`simuser.models.chat` model.

    A chat that still fails after the model's retries stops the run with its error; a rerun resumes.
    """
    import asyncio

    from simuser.errors import UserError
    from simuser.models.chat import Sampling, build_chat_model

    model = build_chat_model(spec)
    sampling = Sampling(max_new_tokens=max_new_tokens, do_sample=False)

    async def one_batch(chats: Sequence[list[dict[str, str]]]) -> list[str]:
        try:
            generations = await model.generate(chats, sampling, seeds=[0] * len(chats))
        finally:
            await model.aclose()
        failed = next((g.error for g in generations if not g.ok), None)
        if failed:
            raise UserError(f"the intent writer's model failed: {failed}; rerun to resume")
        return [g.text for g in generations]

    return lambda chats: asyncio.run(one_batch(chats))
