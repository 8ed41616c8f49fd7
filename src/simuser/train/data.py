"""Reading logs and saving flipped datasets.

A flipped dataset is tied to its tokenizer (the ids of the added UserLM tokens, the BPE merges), so the
directory records which base model tokenised it (``flip.json``) and ``simuser train`` refuses to train a
different base on it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from simuser.errors import UserError, require
from simuser.schema import Conversation

FLIP_INFO = "flip.json"


def read_logs(path: Path | str, *, allow_empty: bool = True) -> list[Conversation]:
    """Conversations from a chat JSONL file or a run directory (see :func:`simuser.store.read_conversations`)."""
    from simuser.store import read_conversations

    return read_conversations(path, allow_empty=allow_empty)


def load_base(model: str, *, dtype: Any = None) -> tuple[Any, Any]:
    """A fresh, mutable copy of the base model and its tokenizer (not the shared cached one)."""
    require("transformers", "local")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from simuser.models.embedded import resolve_model

    resolved = resolve_model(model)
    try:
        tokenizer = AutoTokenizer.from_pretrained(resolved)
        kwargs = {"dtype": dtype} if dtype is not None else {}
        return AutoModelForCausalLM.from_pretrained(resolved, **kwargs), tokenizer
    except OSError as exc:
        raise UserError(f"cannot load base model '{model}' ({str(exc).splitlines()[0]}); "
                        "pass 'smollm2', a local model directory or a hub id") from None


def load_userlm_tokenizer(model: str) -> Any:
    """The base tokenizer with the UserLM tokens and template, as training will have it."""
    from transformers import AutoTokenizer

    from simuser.models.embedded import resolve_model
    from simuser.train.vocab import add_userlm_tokens

    try:
        tokenizer = AutoTokenizer.from_pretrained(resolve_model(model))
    except OSError as exc:
        raise UserError(f"cannot load the tokenizer of '{model}' ({str(exc).splitlines()[0]})") from None
    add_userlm_tokens(tokenizer)
    return tokenizer


def save_flipped(dataset: Any, summary: dict[str, Any], out: Path, model: str) -> None:
    from simuser.store.atomic import atomic_write_text, writing

    with writing(Path(out)):
        dataset.save_to_disk(str(out))
    atomic_write_text(Path(out) / FLIP_INFO, json.dumps({"model": model, **summary}, indent=2) + "\n")


def is_flipped_dataset(path: Path) -> bool:
    return path.is_dir() and (path / FLIP_INFO).is_file()


def load_flipped(path: Path, model: str) -> tuple[Any, dict[str, Any]]:
    """A dataset written by ``simuser flip``; it must have been tokenised for ``model``."""
    datasets = require("datasets", "train")
    from simuser.store.inputs import read_text

    try:
        info = json.loads(read_text(path / FLIP_INFO, "flip info", f"flip the logs again into {path}"))
    except json.JSONDecodeError:
        raise UserError(f"{path / FLIP_INFO} is not valid JSON; flip the logs again into {path}") from None
    if not isinstance(info, dict):
        raise UserError(f"{path / FLIP_INFO} is not a JSON object; flip the logs again into {path}")
    if info.get("model") != model:
        raise UserError(f"{path} was flipped with the tokenizer of '{info.get('model')}', not '{model}'; "
                        f"pass --model {info.get('model')} or flip again with --model {model}")
    return datasets.load_from_disk(str(path)), info
