"""Assistant targets for the Ray tests, loaded by file path inside the Ray workers (``callable`` backend)."""

from __future__ import annotations

import os
from pathlib import Path

CRASH = "crash-once:"


def crash_once(messages: list[dict[str, str]]) -> str:
    """Echo, except that a user message ``crash-once:<marker path>`` kills this worker process the first
    time it is seen (the marker file records that it happened), like a node that goes away."""
    last = messages[-1]["content"]
    if last.startswith(CRASH):
        marker = Path(last[len(CRASH):])
        if not marker.exists():
            marker.write_text(str(os.getpid()))
            os._exit(1)
    return f"ok: {last}"
