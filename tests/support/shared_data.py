"""Where the public data sets (``../shared/data``, see each SOURCE.md) are on this machine, if anywhere.

Tests that rebuild shipped files from the originals need them; a fresh clone elsewhere has none, and those
tests skip. Looked for beside the clone (``../shared/data``) and at this project's fixed path.
"""

from __future__ import annotations

from pathlib import Path

_CANDIDATES = (Path(__file__).resolve().parents[3] / "shared" / "data", Path("/work/shared/data"))


def shared_data(source: str) -> Path | None:
    """The directory of one source (``mtrag``, ``star``, ...), or None when it is not on this machine."""
    return next((root / source for root in _CANDIDATES if (root / source).is_dir()), None)
