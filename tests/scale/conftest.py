"""Helpers of the scale tests (``tiny_gguf``, ``ray_targets``) import by name from this folder."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
