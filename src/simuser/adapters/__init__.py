"""User-model adapters shipped inside the package (LoRA weights + tokenizer, a few MB each).

``userlm-smollm2-mtrag``: SmolLM2-135M-Instruct flipped into a user model on the MTRAG-UN development
split (see its ATTRIBUTION.md and docs/training.md). It is loaded on top of the embedded base model.
"""

from __future__ import annotations

from pathlib import Path

ADAPTERS_DIR = Path(__file__).resolve().parent
DEFAULT_ADAPTER_NAME = "userlm-smollm2-mtrag"
#: The base the default adapter was trained on (the embedded model alias).
DEFAULT_ADAPTER_BASE = "smollm2"


def resolve_user_model(name: str, adapter: str | None = None) -> tuple[str, str | None]:
    """``(base model, adapter)`` for a user-model name: ``default`` is the shipped adapter on its base."""
    from simuser.defaults import DEFAULT_USER_MODEL

    if name != DEFAULT_USER_MODEL:
        return name, adapter
    return DEFAULT_ADAPTER_BASE, adapter or str(adapter_path())


def adapter_path(name: str = DEFAULT_ADAPTER_NAME) -> Path:
    """Directory of a shipped adapter; a missing one is a :class:`~simuser.errors.UserError`."""
    from simuser.errors import UserError

    path = ADAPTERS_DIR / name
    if not (path / "adapter_config.json").is_file():
        shipped = sorted(p.name for p in ADAPTERS_DIR.iterdir() if (p / "adapter_config.json").is_file())
        raise UserError(f"no shipped adapter '{name}'; shipped: {', '.join(shipped) or 'none'}")
    return path
