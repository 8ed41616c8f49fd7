"""The one reading layer for every file simuser takes in: intents, chat JSONL, run records, run.json.

Every reader goes through here, so every broken input ends the same way: one :class:`UserError` line
naming the file (and the line number) and the fix, never a ``UnicodeDecodeError`` or a pydantic
traceback. What it checks, before any caller repairs, locks or writes anything:

- the file exists, is a regular file, and is at most :data:`MAX_FILE_BYTES`;
- it is UTF-8 text (a NUL byte or an undecodable byte is reported with its line);
- no line is longer than :data:`MAX_LINE_BYTES`, and no goal longer than :data:`MAX_INTENT_CHARS`;
- JSONL lines are JSON objects; records carry a schema version this simuser can read
  (:func:`check_schema_version`: older or equal versions are read, newer ones refused).

The limits are documented in docs/robustness.md; they are far above any real conversation and exist so
that a wrong file (a model checkpoint, a 50 MB line) fails at once instead of filling a disk.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simuser.errors import UserError
from simuser.schema import SCHEMA_VERSION

MAX_FILE_BYTES = 2 * 1024**3  # 2 GiB per input file
MAX_LINE_BYTES = 16 * 1024**2  # 16 MiB per JSONL line (one conversation)
MAX_INTENT_CHARS = 20_000  # characters per goal


def where(path: Path, line: int | None = None) -> str:
    return f"{path}:{line}" if line else str(path)


def check_file(path: Path, what: str, fix: str) -> None:
    """A readable regular file within the size limit, or one line saying what is wrong."""
    if not path.exists():
        raise UserError(f"{what} {path} does not exist; {fix}")
    if not path.is_file():
        raise UserError(f"{what} {path} is not a file; {fix}")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UserError(f"{what} {path} is {size / 1024**3:.1f} GiB, over the {MAX_FILE_BYTES // 1024**3} GiB limit; split it")


def read_text(path: Path, what: str, fix: str) -> str:
    """A whole small text file (e.g. run.json), checked like every other input."""
    check_file(path, what, fix)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {path} ({exc.strerror}); check its permissions") from None
    if b"\x00" in data:
        raise UserError(f"{path}: binary data (a NUL byte), not text; {fix}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start}); {fix}") from None


def text_lines(path: Path, *, torn_tail_ok: bool = False) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of each non-blank line, decoded as strict UTF-8.

    With ``torn_tail_ok`` a last line without its newline (a crash mid-append) is skipped, not read.
    """
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise UserError(f"cannot read {path} ({exc.strerror}); check its permissions") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if torn_tail_ok and not raw.endswith(b"\n"):
                return
            text = decode_line(raw, path, number)
            if text.strip():
                yield number, text


def decode_line(raw: bytes, path: Path, number: int) -> str:
    if len(raw) > MAX_LINE_BYTES:
        raise UserError(f"{where(path, number)}: line of {len(raw) / 1024**2:.0f} MiB, over the "
                        f"{MAX_LINE_BYTES // 1024**2} MiB limit per line; shorten or remove it")
    if b"\x00" in raw:
        raise UserError(f"{where(path, number)}: binary data (a NUL byte), not text; pass a UTF-8 text file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{where(path, number)}: not UTF-8 text (byte {raw[exc.start]:#04x} at column "
                        f"{exc.start + 1}); save the file as UTF-8") from None


def json_lines(path: Path, *, torn_tail_ok: bool = False, example: str = '{"messages": [...]}') -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each non-blank line; anything but a JSON object is one error line."""
    import json

    for number, text in text_lines(path, torn_tail_ok=torn_tail_ok):
        try:
            record = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            raise UserError(f"{where(path, number)}: not valid JSON; fix or remove that line (one object per line, like {example})") from None
        if not isinstance(record, dict):
            raise UserError(f"{where(path, number)}: expected a JSON object like {example}, got {type(record).__name__}")
        yield number, record


def check_schema_version(version: Any, path: Path, line: int | None = None) -> None:
    """Read records of this schema version or older; refuse newer (or unreadable) versions."""
    parsed = _version_tuple(version)
    if parsed is None:
        raise UserError(f"{where(path, line)}: schema_version {version!r} is not a version like \"{SCHEMA_VERSION}\"; "
                        "fix or remove that field")
    if parsed > tuple(int(part) for part in SCHEMA_VERSION.split(".")):
        raise UserError(f"{where(path, line)}: written with schema {version}, newer than this simuser reads "
                        f"({SCHEMA_VERSION}); upgrade simuser (pip install -U simuser)")


def _version_tuple(version: Any) -> tuple[int, ...] | None:
    if not isinstance(version, str) or not version or len(version) > 20:
        return None
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return None


def validation_line(exc: ValidationError, path: Path, line: int | None, what: str) -> UserError:
    """A pydantic error as one line: the first bad field, what was wrong, and how many more there are."""
    errors = exc.errors()
    first = errors[0]
    field = ".".join(str(part) for part in first["loc"]) or "record"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return UserError(f"{where(path, line)}: invalid {what}: {field}: {first['msg']}{more}; see docs/schema.md")
