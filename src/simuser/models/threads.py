"""torch's intra-op threads for local models: ``--threads``, by default the machine's cores.

Set once per process, before or after torch is imported: when torch is not imported yet the value goes
into ``OMP_NUM_THREADS`` (which torch reads at import), so runs that never touch a local model do not pay
for importing torch. An ``OMP_NUM_THREADS`` already in the environment is the default when no value is
given (tests and schedulers set it on purpose).
"""

from __future__ import annotations

import os
import sys


def default_threads() -> int:
    """``OMP_NUM_THREADS`` when set, else the cores this process may run on."""
    configured = os.environ.get("OMP_NUM_THREADS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def resolve_threads(threads: int | None) -> int:
    return threads if threads else default_threads()


def apply_threads(threads: int | None) -> int:
    """Use ``threads`` (or the default) for local models in this process; returns the value used."""
    value = resolve_threads(threads)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(value)
    else:
        os.environ["OMP_NUM_THREADS"] = str(value)
    return value
