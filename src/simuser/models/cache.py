"""Where simuser keeps converted models, indexes and other derived files."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir(*parts: str) -> Path:
    """``$SIMUSER_CACHE_DIR``, else ``$XDG_CACHE_HOME/simuser``, else ``~/.cache/simuser``."""
    root = os.environ.get("SIMUSER_CACHE_DIR")
    if root:
        base = Path(root)
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "simuser"
    path = base.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
