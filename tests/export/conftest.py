"""Run directories built from :mod:`export_runs` (tests/support)."""

from __future__ import annotations

from pathlib import Path

import pytest
from export_runs import CONVERSATIONS, conversation

from simuser.schema import EndReason
from simuser.store import RunStore


@pytest.fixture
def run_dir(tmp_path) -> Path:
    store = RunStore(tmp_path / "run")
    manifest = store.create({"seed": 7, "n": 1})
    for c in CONVERSATIONS:
        c.run_id = manifest.run_id
        store.append(c)
    return store.run_dir


@pytest.fixture
def checked_run(tmp_path) -> Path:
    store = RunStore(tmp_path / "checked")
    store.create({"seed": 1})
    for c in (conversation("x", ["q1", "q2"], "terse", checks=[False, True]),
              conversation("y", ["q1"], "terse", checks=[False]),
              conversation("z", ["q3"], "verbose", end=EndReason.USER_ENDED)):
        store.append(c)
    return store.run_dir
