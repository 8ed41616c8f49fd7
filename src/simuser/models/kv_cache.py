"""Per-conversation KV caches for local models, under a memory cap.

A conversation's next prompt is its previous prompt, the tokens the model generated, the other side's
message and a new header. Keeping the keys and values of everything the model already read lets the next
turn prefill only the tokens added since (see docs/design/kv-cache.md). Entries are keyed by the
:class:`~simuser.models.chat.ChatModel` cache key (a conversation id), hold the exact token ids they were
computed for (reuse is decided by the longest common prefix, so a re-tokenised boundary never reuses a
wrong key), and are freed as soon as the conversation is released.

The cap is on the bytes of all entries together: an entry that does not fit is dropped, and that
conversation's next turn re-prefills its whole prompt (same text, more compute). ``max_bytes=0`` turns
caching off.

No torch at import time: entries hold whatever tensors the decoder gives them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_MAX_BYTES = 2 * 1024**3  # 2 GiB: ~45k tokens of SmolLM2-135M (fp32), ~16k of an 8B GQA model (bf16)


@dataclass
class CacheEntry:
    """The keys and values (one ``(k, v)`` pair per layer, batch dimension 1) of ``tokens``."""

    tokens: list[int]
    layers: list[tuple[Any, Any]]
    nbytes: int


def entry_bytes(layers: Sequence[tuple[Any, Any]]) -> int:
    return sum(t.numel() * t.element_size() for pair in layers for t in pair)


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest common prefix of two token sequences."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class KVCacheStore:
    """Conversation id -> :class:`CacheEntry`, at most ``max_bytes`` in all. Thread-safe: the decoder
    runs in a worker thread while the engine releases finished conversations from the event loop."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES):
        self.max_bytes = max_bytes
        self._entries: dict[str, CacheEntry] = {}
        self._lock = threading.Lock()
        self.stats = {"stored": 0, "rejected_for_memory": 0, "hit_tokens": 0, "prefilled_tokens": 0}

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    @property
    def nbytes(self) -> int:
        with self._lock:
            return sum(e.nbytes for e in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def take(self, key: str | None) -> CacheEntry | None:
        """Remove and return ``key``'s entry: the call that uses it stores the longer one back."""
        if key is None:
            return None
        with self._lock:
            return self._entries.pop(key, None)

    def put(self, key: str | None, tokens: list[int], layers: list[tuple[Any, Any]]) -> bool:
        """Keep ``layers`` for ``key`` if they fit under the cap; False (and nothing kept) if not."""
        if key is None or not self.enabled:
            return False
        size = entry_bytes(layers)
        with self._lock:
            self._entries.pop(key, None)
            used = sum(e.nbytes for e in self._entries.values())
            if used + size > self.max_bytes:
                self.stats["rejected_for_memory"] += 1
                return False
            self._entries[key] = CacheEntry(tokens, layers, size)
            self.stats["stored"] += 1
            return True

    def release(self, key: str) -> None:
        """The conversation is over: free its entry now."""
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
