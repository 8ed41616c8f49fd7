"""Simulated runs cached by what determines them, so a test session re-simulates only what changed.

The key is a hash of the run config (intents, n, max turns, seed, both component specs; not ``out``),
simuser's version, and a fingerprint of the code under test when it is Python: the source of the module
that defines the assistant function (a ``callable`` target or a function object). Change the function,
or anything else in its file, and the case runs again; leave it and the stored run is read back.

Hazard, stated plainly: code the assistant calls *in other modules*, a model behind an endpoint, or a
remote bot are not part of the key. Re-run with ``pytest --simuser-rerun`` (or ``--cache-clear``) after
changing those. Each entry is an ordinary run directory (``run.json`` + ``conversations.jsonl``), so
``simuser show`` and ``simuser evaluate`` read it; only runs whose status is ``finished`` are reused.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simuser.engine import RunConfig
from simuser.schema import ComponentSpec


def code_fingerprint(function: Callable[..., Any] | None) -> str:
    """SHA-256 of the source file defining ``function`` (its own source if the file is unreadable)."""
    if function is None:
        return ""
    try:
        path = inspect.getsourcefile(inspect.unwrap(function))
        text = Path(path).read_bytes() if path else b""
    except (TypeError, OSError):
        text = b""
    if not text:
        try:
            text = inspect.getsource(function).encode()
        except (TypeError, OSError):
            text = repr(function).encode()
    return hashlib.sha256(text).hexdigest()


def config_key(config: RunConfig, assistant: ComponentSpec, fingerprint: str) -> str:
    """A short, stable hash of everything that decides the run's conversations."""
    from simuser import __version__

    document = {
        "simuser": __version__,
        "config": config.model_dump(mode="json", exclude={"out"}),
        "assistant": assistant.model_dump(mode="json", exclude={"description"}),
        "code": fingerprint,
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class RunCache:
    """Run directories under ``root`` named by :func:`config_key`; ``root=None`` disables caching."""

    root: Path | None
    rerun: bool = False
    hits: int = 0
    misses: int = 0
    keys: list[str] = field(default_factory=list)

    def run(self, config: RunConfig, assistant: Any = None, fingerprint: str = "", use_cache: bool = True):
        """The finished run for ``config``, from the cache or simulated now.

        ``assistant`` is an instance to use instead of building ``config.assistant`` (a function
        wrapped in-process); the caller owns and closes it.
        """
        from simuser.engine import simulate

        if self.root is None or not use_cache:
            self.misses += 1
            return simulate(config.model_copy(update={"out": None}), assistant=assistant, progress=False)
        key = config_key(config, assistant.describe() if assistant else config.assistant, fingerprint)
        self.keys.append(key)
        run_dir = self.root / key
        cached = None if self.rerun else load_finished(run_dir)
        if cached is not None:
            self.hits += 1
            return cached
        shutil.rmtree(run_dir, ignore_errors=True)  # an interrupted or stale entry
        self.misses += 1
        return simulate(config.model_copy(update={"out": run_dir}), assistant=assistant, progress=False)


def load_finished(run_dir: Path):
    """The stored run as a RunResult when ``run_dir`` holds a finished run, else None."""
    from simuser.engine.loop import RunResult
    from simuser.engine.summary import RunSummary
    from simuser.errors import UserError
    from simuser.store import RunStore

    store = RunStore(run_dir)
    if not store.exists():
        return None
    try:  # a damaged or newer-schema entry is a cache miss, simulated again
        manifest = store.load_manifest()
        if manifest.status != "finished":
            return None
        return RunResult(run_dir, store.conversations(), RunSummary.model_validate(manifest.summary or {}))
    except (UserError, ValueError):
        return None
