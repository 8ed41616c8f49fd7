"""A run directory: ``run.json`` (what was asked) and ``conversations.jsonl`` (what happened).

``run.json`` holds the resolved :class:`~simuser.engine.config.RunConfig`, package versions and the run
id, and never a secret (backends keep API keys in environment variables and record only the variable's
name). It is rewritten atomically (temporary file, then rename). Conversations are appended one per
line as each finishes (see :mod:`simuser.store.jsonl` for the crash-safety argument).

One writer at a time: an exclusive ``flock`` on ``.lock`` stops two processes from appending to the same
run, which is the one way ``--resume`` could otherwise duplicate a conversation.
"""

from __future__ import annotations

import json
import platform
import time
import uuid
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simuser.errors import UserError
from simuser.redact import redact
from simuser.schema import SCHEMA_VERSION, Conversation
from simuser.store.atomic import atomic_write_text, lock_file, writing
from simuser.store.inputs import check_file, check_schema_version, json_lines, read_text, validation_line
from simuser.store.jsonl import append_record, repair_tail

RUN_FILE = "run.json"
CONVERSATIONS_FILE = "conversations.jsonl"
_VERSIONED_PACKAGES = ("simuser", "torch", "transformers", "peft", "httpx", "vllm", "llama_cpp_python", "ray")


class RunManifest(BaseModel):
    model_config = ConfigDict(extra="allow")

    schema_version: str = SCHEMA_VERSION
    run_id: str = Field(default_factory=lambda: time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6])
    created_at: float = Field(default_factory=time.time)
    status: str = "running"
    config: dict[str, Any]
    versions: dict[str, str] = Field(default_factory=dict)
    summary: dict[str, Any] | None = None


def package_versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in _VERSIONED_PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


class RunStore:
    """Reads and appends one run directory."""

    def __init__(self, run_dir: Path | str):
        self.run_dir = Path(run_dir)
        self._lock_handle: IO[str] | None = None

    @property
    def conversations_path(self) -> Path:
        return self.run_dir / CONVERSATIONS_FILE

    @property
    def manifest_path(self) -> Path:
        return self.run_dir / RUN_FILE

    def exists(self) -> bool:
        return self.manifest_path.exists()

    def create(self, config: dict[str, Any]) -> RunManifest:
        """A new run.json (secrets redacted); the caller holds the lock (:meth:`acquire`)."""
        if self.exists():
            raise UserError(
                f"{self.run_dir} already holds a run; continue it with --resume {self.run_dir} or choose another --out"
            )
        if self.conversations_path.exists() and self.conversations_path.stat().st_size:
            raise UserError(f"{self.run_dir} holds {CONVERSATIONS_FILE} but no {RUN_FILE}; choose another --out")
        manifest = RunManifest(config=redact(config), versions=package_versions())
        self.save_manifest(manifest)
        return manifest

    def load_manifest(self) -> RunManifest:
        """run.json, checked: UTF-8 JSON of the right shape, with a schema version this simuser reads."""
        if not self.exists():
            raise UserError(f"{self.run_dir} is not a simuser run (no {RUN_FILE}); check the path")
        text = read_text(self.manifest_path, "run file", "restore run.json or start a new run")
        try:
            manifest = RunManifest.model_validate_json(text)
        except ValidationError as exc:
            raise validation_line(exc, self.manifest_path, None, "run file") from None
        check_schema_version(manifest.schema_version, self.manifest_path)
        return manifest

    def save_manifest(self, manifest: RunManifest) -> None:
        """Atomic and durable (temporary file, fsync, rename), with secrets redacted."""
        atomic_write_text(self.manifest_path, json.dumps(redact(manifest.model_dump(mode="json")), indent=2))

    def acquire(self) -> None:
        """Become the run's only writer, and cut a torn last line left by a crash.

        Call it only after the run has been validated (:meth:`load_manifest`, :meth:`conversations`):
        nothing is repaired or written in a run that a command is about to refuse.
        """
        self._lock_handle = lock_file(self.run_dir / ".lock", self.run_dir)
        with writing(self.run_dir):
            repair_tail(self.conversations_path)

    def release(self) -> None:
        if self._lock_handle is not None:
            self._lock_handle.close()
            self._lock_handle = None

    def append(self, conversation: Conversation) -> None:
        with writing(self.run_dir):
            append_record(self.conversations_path, redact(json.loads(conversation.model_dump_json())))

    def conversations(self) -> list[Conversation]:
        """Every finished conversation, each line checked as `show` and `export` check it.

        Only a torn last line (a crash mid-append) is skipped; a corrupt line elsewhere is one error.
        """
        from simuser.store.chat_jsonl import parse_line

        if not self.conversations_path.exists():
            return []
        check_file(self.conversations_path, "run records", "restore the file or start a new run")
        return [parse_line(r, self.conversations_path, n) for n, r in json_lines(self.conversations_path, torn_tail_ok=True)]

    def finished_keys(self) -> set[tuple[str, int]]:
        return {c.key for c in self.conversations()}
