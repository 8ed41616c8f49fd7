"""Opening a run directory for writing: validate everything first, then lock, repair and write.

The order is the safety argument. A command that is going to refuse a run (a damaged record, a run.json
from a newer simuser, a config that differs from the stored one) must refuse it before it has cut a torn
line, taken the lock or flipped ``run.json`` from ``finished`` to ``running``: a refused resume changes no
byte of the run.

Resuming never mixes two configs in one run: the config given must equal the stored one (secrets
compared in their redacted form, since run.json never holds them); the differing fields are named.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from simuser.errors import UserError
from simuser.redact import MASK, redact
from simuser.schema import Conversation
from simuser.store import RunManifest, RunStore

_IGNORED = ("out", "threads")  # where the run lives and how many threads it uses are not part of what it is


def open_run(store: RunStore, config: Any, resume: bool) -> tuple[RunManifest, list[Conversation]]:
    """The run's manifest and finished conversations, with this process as its only writer."""
    if resume:
        return _open_existing(store, config)
    if store.exists():
        raise UserError(f"{store.run_dir} already holds a run; continue it with --resume {store.run_dir} "
                        "or choose another --out")
    store.acquire()
    with _released_on_error(store):
        return store.create(config.model_dump(mode="json")), []


@contextmanager
def _released_on_error(store: RunStore) -> Iterator[None]:
    try:
        yield
    except BaseException:
        store.release()
        raise


def _open_existing(store: RunStore, config: Any) -> tuple[RunManifest, list[Conversation]]:
    if not store.exists():
        raise UserError(f"nothing to resume in {store.run_dir}; start a run there without --resume")
    manifest = store.load_manifest()
    check_same_config(manifest.config, config.model_dump(mode="json"), str(store.run_dir))
    conversations = store.conversations()
    store.acquire()
    with _released_on_error(store):
        manifest.status = "running"
        store.save_manifest(manifest)
    return manifest, conversations


def check_same_config(stored: dict[str, Any], given: dict[str, Any], run_dir: str) -> None:
    """One line naming every field where ``given`` differs from the stored config, or a masked secret."""
    masked = [path for path, value in _leaves(given) if value == MASK or (isinstance(value, str) and f":{MASK}@" in value)]
    if masked:
        raise UserError(f"--resume {run_dir}: run.json never stores secrets, so {', '.join(masked)} must be given again "
                        "(the same flag as the first run, or an API key in the environment: --api-key-env)")
    differing = config_differences(stored, redact(given))
    if differing:
        raise UserError(f"--resume {run_dir}: these settings differ from the stored run: {'; '.join(differing)}; "
                        f"resume with --resume {run_dir} alone, or start a new run with another --out")


def config_differences(stored: dict[str, Any], given: dict[str, Any]) -> list[str]:
    stored_leaves = {p: v for p, v in _leaves(stored) if p.split(".")[0] not in _IGNORED}
    given_leaves = {p: v for p, v in _leaves(given) if p.split(".")[0] not in _IGNORED}
    differing = []
    for path in sorted(set(stored_leaves) | set(given_leaves)):
        old, new = stored_leaves.get(path), given_leaves.get(path)
        if old != new:
            differing.append(f"{path} (stored {_short(old)}, given {_short(new)})")
    return _collapse(differing)


def _leaves(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Dotted paths to scalar values; lists (e.g. intents) count as one value."""
    if isinstance(value, dict) and value:
        return [leaf for k, v in value.items() for leaf in _leaves(v, f"{prefix}.{k}" if prefix else str(k))]
    return [(prefix, value)]


def _short(value: Any) -> str:
    if isinstance(value, list):
        return f"{len(value)} items"
    text = "none" if value is None else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _collapse(differing: list[str], limit: int = 6) -> list[str]:
    return differing if len(differing) <= limit else [*differing[:limit], f"and {len(differing) - limit} more"]


def prior_elapsed_s(manifest: RunManifest) -> float:
    """Seconds the earlier segments of a resumed run took (0 when run.json does not say)."""
    value = (manifest.summary or {}).get("elapsed_s", 0.0)
    return float(value) if isinstance(value, int | float) and value >= 0 else 0.0
