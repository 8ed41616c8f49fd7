"""The demo's three conditions: who asks the assistant.

* ``original`` (a): the PubMedQA question itself, asked in one turn (the ``original`` simulator).
* ``prompted`` (b): the prompted baseline simulator (SmolLM2 told to act as a user), or any ``--simulator``.
* ``userlm`` (c): a UserLM-format simulator, when one is available: ``--userlm-model`` (a model directory,
  a hub id, or a ``simuser train`` adapter directory), else an adapter shipped in ``simuser/adapters``.
  Otherwise it is skipped, and the demo says why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simuser import defaults
from simuser.errors import UserError
from simuser.schema import ComponentSpec

ORIGINAL, PROMPTED, USERLM = "original", "prompted", "userlm"


@dataclass
class Condition:
    name: str
    description: str
    simulator: ComponentSpec
    max_turns: int
    n: int
    instance: Any = field(default=None, repr=False)  # a pre-built simulator (QuestionUser, or a test's fake)


def userlm_options(userlm_model: str | None) -> tuple[dict[str, Any] | None, str]:
    """Options for the ``userlm`` simulator of condition (c), and where they came from (or why none)."""
    if userlm_model:
        return model_options(userlm_model), f"--userlm-model {userlm_model}"
    shipped = shipped_adapter()
    if shipped is not None:
        return model_options(str(shipped)), f"the adapter shipped with simuser ({shipped.name})"
    return None, ("no UserLM-format model available: pass --userlm-model (microsoft/UserLM-8b on a GPU machine, "
                  "or a model trained with `simuser train`)")


def shipped_adapter() -> Path | None:
    """The default user-model adapter installed with simuser (:mod:`simuser.adapters`), if any."""
    try:
        from simuser.adapters import adapter_path
    except ImportError:
        return None
    try:
        return adapter_path()
    except UserError:
        return None


def model_options(model: str) -> dict[str, Any]:
    """A peft adapter directory becomes ``{model: its base, adapter: dir}``; anything else is the model."""
    config = Path(model) / "adapter_config.json"
    if not config.is_file():
        return {"model": model}
    base = str(json.loads(config.read_text("utf-8")).get("base_model_name_or_path") or "")
    if not base or "smollm2" in base.lower() or (Path(base).is_absolute() and not Path(base).exists()):
        base = defaults.EMBEDDED_MODEL  # trained on the embedded model, or its base path is from another machine
    return {"model": base, "adapter": model}
