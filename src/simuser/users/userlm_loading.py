"""Loading a UserLM-format model for generation: model, tokenizer, optional adapter, token ids.

Everything the simulator needs from the tokenizer is resolved once here (stop ids, the end marker, the
ids the first-token ban masks), so the per-step code deals only in tensors.

A model counts as UserLM-format when its tokenizer has ``<|eot_id|>`` as a single token: without it
the model cannot close a turn. ``<|endconversation|>`` is optional (without it, the user never ends a
conversation on their own, and ``--max-turns`` does).

Adapters: a directory written by peft. If it also holds a tokenizer (training added the UserLM special
tokens to a base model), that tokenizer is used and the base embeddings are grown to match it before
the adapter is applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simuser.errors import UserError, require
from simuser.tokens import END_CONVERSATION, END_OF_TURN
from simuser.users.guardrails import banned_first_token_ids, whitespace_token_ids
from simuser.users.userlm_template import USERLM_CHAT_TEMPLATE


@dataclass
class LoadedUserLM:
    """A model ready for batched, left-padded generation of user turns."""

    model: Any
    tokenizer: Any
    eot_id: int
    end_id: int | None
    stop_ids: list[int]
    pad_id: int
    use_chat_template: bool
    banned_ids: list[int] = field(default_factory=list)
    whitespace_ids: list[int] = field(default_factory=list)


def load_userlm(name: str, *, device: str, dtype: str, adapter: str | None,
                banned_words: tuple[str, ...]) -> LoadedUserLM:
    """Load ``name`` (hub id or local directory) and prepare it; user mistakes become :class:`UserError`."""
    require("torch", "local")
    require("transformers", "local")
    from simuser.adapters import resolve_user_model
    from simuser.models.embedded import resolve_model

    name, adapter = resolve_user_model(name, adapter)
    model, tokenizer = _from_pretrained(resolve_model(name), resolve_device(device), resolve_dtype(dtype))
    if adapter:
        model, tokenizer = _apply_adapter(model, tokenizer, adapter)
    model.eval()
    return prepare(model, tokenizer, banned_words, name=name)


def prepare(model: Any, tokenizer: Any, banned_words: tuple[str, ...], name: str = "") -> LoadedUserLM:
    """Resolve token ids and padding for an already-loaded model and tokenizer."""
    vocab = tokenizer.get_vocab()
    if END_OF_TURN not in vocab:
        raise UserError(f"simulator model '{name or model.name_or_path}' is not in UserLM format (its tokenizer "
                        f"lacks {END_OF_TURN}); use --simulator prompted for chat models, or train one")
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token or END_OF_TURN
    eot_id, end_id = vocab[END_OF_TURN], vocab.get(END_CONVERSATION)
    stop_ids = _unique([eot_id, tokenizer.eos_token_id, *_generation_eos(model), end_id])
    loaded = LoadedUserLM(model, tokenizer, eot_id, end_id, stop_ids, tokenizer.pad_token_id,
                          use_chat_template=tokenizer.chat_template == USERLM_CHAT_TEMPLATE)
    if banned_words:
        texts = token_texts(tokenizer)
        loaded.banned_ids = banned_first_token_ids(texts, banned_words)
        loaded.whitespace_ids = whitespace_token_ids(texts)
    return loaded


def token_texts(tokenizer: Any) -> list[str]:
    """Every token id decoded on its own (one batched call: fast even for a 128k vocabulary)."""
    return tokenizer.batch_decode([[i] for i in range(len(tokenizer))], skip_special_tokens=False,
                                  clean_up_tokenization_spaces=False)


def resolve_device(device: str) -> str:
    import torch

    if device != "auto":
        return device
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def resolve_dtype(dtype: str) -> Any:
    """``auto`` keeps the checkpoint's dtype; otherwise a torch dtype name such as ``bfloat16``."""
    import torch

    if dtype == "auto":
        return "auto"
    value = getattr(torch, dtype, None)
    if not isinstance(value, torch.dtype):
        raise UserError(f"unknown dtype '{dtype}'; use auto, bfloat16, float16 or float32")
    return value


def _from_pretrained(name: str, device: str, dtype: Any) -> tuple[Any, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(name)
        placement = {"device_map": device} if device != "cpu" else {}
        model = AutoModelForCausalLM.from_pretrained(name, dtype=dtype, **placement)
    except (OSError, ValueError) as exc:
        raise _load_error(name, exc) from exc
    return model, tokenizer


def _load_error(name: str, exc: Exception) -> UserError:
    if Path(name).exists():
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return UserError(f"cannot load simulator model from '{name}' ({detail}); "
                         "pass a directory holding a transformers model and tokenizer")
    return UserError(f"simulator model '{name}' is not a local directory and could not be loaded from the "
                     "Hugging Face hub; pass a local directory with --simulator-model")


def _apply_adapter(model: Any, tokenizer: Any, adapter: str) -> tuple[Any, Any]:
    require("peft", "train")
    from simuser.models.adapter_merge import merge_adapter

    path = Path(adapter)
    if not (path / "adapter_config.json").is_file():
        raise UserError(f"simulator adapter '{adapter}' is not a peft adapter directory (no "
                        "adapter_config.json); pass the directory `simuser train` wrote")
    if (path / "tokenizer_config.json").is_file():
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(path)
    return merge_adapter(model, tokenizer, path), tokenizer


def _generation_eos(model: Any) -> list[int]:
    """The checkpoint's own stop ids (Llama 3 lists several); generation stops at any of them too."""
    eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    return [] if eos is None else [eos] if isinstance(eos, int) else list(eos)


def _unique(ids: list[int | None]) -> list[int]:
    return list(dict.fromkeys(i for i in ids if i is not None))
