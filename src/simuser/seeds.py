"""Seeds derived from names: one function, at the bottom of the import graph.

Every seed in simuser (a conversation's, a turn's, a retry's, a probe's) is derived from its parent seed
and a few labels by hashing, so it does not depend on the order or the batch in which work is done.
Simulators, assistants, metrics and the engine all call :func:`derive_seed`; it lives here, below all of
them, so none of them has to import another to get it.
"""

from __future__ import annotations

import hashlib


def derive_seed(*parts: object) -> int:
    """A 31-bit seed from ``parts`` (SHA-256 of their string forms, joined by a unit separator)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF
