"""A run directory: ``run.json`` (what was asked) and ``conversations.jsonl`` (what happened).

``run.json`` holds the resolved :class:`~simuser.engine.config.RunConfig`, package versions and the run
id, and never a secret (backends keep API keys in environment variables and record only the variable's
name). It is rewritten atomically (temporary file, then rename). Conversations are appended one per
line as each finishes (see :mod:`simuser.store.jsonl` for the crash-safety argument).

One writer at a time: an exclusive ``flock`` on ``.lock`` stops two processes from appending to the same
run, which is the one way ``--resume`` could otherwise duplicate a conversation.
"""

from __future__ import annotations

import fcntl
import json
import os
import platform
import time
import uuid
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ConfigDict, Field

from simuser.errors import UserError
from simuser.schema import SCHEMA_VERSION, Conversation
from simuser.store.jsonl import append_record, iter_records, repair_tail

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
        if self.exists():
            raise UserError(
                f"{self.run_dir} already holds a run; continue it with --resume {self.run_dir} or choose another --out"
            )
        self.run_dir.mkdir(parents=True, exist_ok=True)
        manifest = RunManifest(config=config, versions=package_versions())
        self.save_manifest(manifest)
        return manifest

    def load_manifest(self) -> RunManifest:
        if not self.exists():
            raise UserError(f"{self.run_dir} is not a simuser run (no {RUN_FILE}); check the path")
        try:
            return RunManifest.model_validate_json(self.manifest_path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise UserError(f"{self.manifest_path} is not a valid run file ({exc.__class__.__name__})") from None

    def save_manifest(self, manifest: RunManifest) -> None:
        staging = self.manifest_path.with_suffix(".json.tmp")
        staging.write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        os.replace(staging, self.manifest_path)

    def acquire(self) -> None:
        """Become the run's only writer, and cut a torn last line left by a crash."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        handle = open(self.run_dir / ".lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise UserError(f"{self.run_dir} is being written by another simuser process; wait for it") from None
        self._lock_handle = handle
        repair_tail(self.conversations_path)

    def release(self) -> None:
        if self._lock_handle is not None:
            self._lock_handle.close()
            self._lock_handle = None

    def append(self, conversation: Conversation) -> None:
        append_record(self.conversations_path, json.loads(conversation.model_dump_json()))

    def conversations(self) -> list[Conversation]:
        return [Conversation.model_validate(r) for r in iter_records(self.conversations_path)]

    def finished_keys(self) -> set[tuple[str, int]]:
        return {(r["intent"]["id"], r.get("sample_index", 0)) for r in iter_records(self.conversations_path)}
