"""Load a trained user model for scoring or generation: a merged directory, or a base plus an adapter.

An adapter written by ``simuser train`` carries the tokenizer with the UserLM tokens; the base model's
embedding matrix is grown to that tokenizer before the adapter is applied, and the adapter's trainable
token rows then overwrite the new rows. The adapter records its base in ``adapter_config.json``
(``smollm2`` for the shipped one), so ``load_user_model(adapter=DIR)`` needs nothing else.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from simuser.errors import UserError, require
from simuser.models.adapter_merge import merge_adapter


def adapter_base(adapter: Path) -> str:
    """The base model an adapter directory was trained on."""
    config = Path(adapter) / "adapter_config.json"
    if not config.is_file():
        raise UserError(f"{adapter} is not a peft adapter directory (no adapter_config.json)")
    base = json.loads(config.read_text()).get("base_model_name_or_path")
    if not base:
        raise UserError(f"{config} names no base model; pass the base explicitly")
    return base


def load_user_model(model: str | None = None, adapter: str | Path | None = None, *,
                    device: str = "cpu", dtype: Any = None) -> tuple[Any, Any]:
    """``(model, tokenizer)``: ``model`` alone, or ``adapter`` merged onto ``model`` (default: its base)."""
    require("transformers", "local")
    from transformers import AutoTokenizer

    from simuser.train.data import load_base

    if model is None:
        if adapter is None:
            raise UserError("pass a model, an adapter directory, or both")
        model = adapter_base(Path(adapter))
    base, tokenizer = load_base(model, dtype=dtype)
    if adapter is not None:
        tokenizer = AutoTokenizer.from_pretrained(str(adapter))
        base = _apply_adapter(base, tokenizer, Path(adapter))
    return base.to(device).eval(), tokenizer


def _apply_adapter(base: Any, tokenizer: Any, adapter: Path) -> Any:
    from simuser.train.vocab import set_generation_ids

    merged = merge_adapter(base, tokenizer, adapter)
    set_generation_ids(merged, tokenizer)
    return merged

