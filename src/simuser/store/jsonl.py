"""Crash-safe JSON Lines: append with fsync, read while tolerating a torn last line.

A record is one line written with a single ``write`` call, then flushed and fsynced before the caller
moves on, so a finished conversation survives ``kill -9`` and power loss. A crash *during* a write can
leave a last line without its newline (a torn line): readers ignore it, and :func:`repair_tail` cuts it
off before appending, so the next record never glues onto garbage.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def append_record(path: Path, record: dict[str, Any]) -> None:
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """Complete, parseable records in file order; a torn or corrupt line is skipped."""
    if not path.exists():
        return
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.endswith("\n") or not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


def repair_tail(path: Path) -> int:
    """Truncate a torn last line; returns the number of bytes removed (0 when the file was clean)."""
    if not path.exists():
        return 0
    size = path.stat().st_size
    if size == 0:
        return 0
    with open(path, "rb+") as handle:
        end = _last_good_line_end(handle, size)
        if end == size:
            return 0
        handle.truncate(end)
        handle.flush()
        os.fsync(handle.fileno())
    return size - end


def _last_good_line_end(handle, size: int) -> int:
    """Offset just past the last newline-terminated line that parses as JSON."""
    handle.seek(0)
    data = handle.read()
    end = data.rfind(b"\n") + 1  # 0 when there is no complete line at all
    while end > 0:
        start = data.rfind(b"\n", 0, end - 1) + 1
        try:
            json.loads(data[start:end])
            return end
        except json.JSONDecodeError:
            end = start
    return 0
