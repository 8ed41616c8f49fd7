"""Give a base model the UserLM vocabulary: header, end-of-turn and end-of-conversation tokens.

Most chat models (SmolLM2 uses ChatML) lack the Llama-3 style tokens the UserLM format needs. We add the
missing ones as *special* tokens (never split, never merged with neighbours), install the UserLM chat
template, and make ``<|eot_id|>`` the end-of-sequence token so ``generate`` stops at the end of a turn.

New embedding rows start as copies of the base's end-of-sequence row, not random vectors: the model then
already treats them as "a turn boundary", and the first steps of training do not have to undo a random
direction (for a tied model the same row is the output projection, so the new tokens start out exactly
as likely as the old end token).
"""

from __future__ import annotations

from typing import Any

from simuser.tokens import END_OF_TURN, USERLM_SPECIAL_TOKENS
from simuser.users.userlm_template import USERLM_CHAT_TEMPLATE


def add_userlm_tokens(tokenizer: Any, model: Any | None = None) -> list[str]:
    """Add the missing UserLM tokens to ``tokenizer`` (and ``model``'s embeddings); return those added."""
    vocab = tokenizer.get_vocab()
    missing = [token for token in USERLM_SPECIAL_TOKENS if token not in vocab]
    source_id = tokenizer.eos_token_id
    if missing:
        tokenizer.add_special_tokens({"additional_special_tokens": missing}, replace_extra_special_tokens=False)
    install_template(tokenizer)
    if model is not None:
        _grow_embeddings(model, tokenizer, missing, source_id)
        set_generation_ids(model, tokenizer)
    return missing


def install_template(tokenizer: Any) -> None:
    """The UserLM chat template, and ``<|eot_id|>`` as the end-of-sequence token."""
    tokenizer.chat_template = USERLM_CHAT_TEMPLATE
    tokenizer.eos_token = END_OF_TURN
    if tokenizer.pad_token is None:
        tokenizer.pad_token = END_OF_TURN


def userlm_token_ids(tokenizer: Any) -> list[int]:
    """Ids of the four UserLM tokens (the rows LoRA trains in the embedding matrix)."""
    return [tokenizer.convert_tokens_to_ids(token) for token in USERLM_SPECIAL_TOKENS]


def set_generation_ids(model: Any, tokenizer: Any) -> None:
    eot = tokenizer.convert_tokens_to_ids(END_OF_TURN)
    model.config.eos_token_id = eot
    if getattr(model, "generation_config", None) is not None:
        model.generation_config.eos_token_id = eot
        model.generation_config.pad_token_id = tokenizer.pad_token_id


def _grow_embeddings(model: Any, tokenizer: Any, added: list[str], source_id: int | None) -> None:
    import torch

    if len(tokenizer) > model.get_input_embeddings().num_embeddings:
        model.resize_token_embeddings(len(tokenizer), mean_resizing=False)
    if not added or source_id is None:
        return
    ids = torch.tensor([tokenizer.convert_tokens_to_ids(token) for token in added])
    with torch.no_grad():
        for layer in {id(m): m for m in (model.get_input_embeddings(), model.get_output_embeddings()) if m}.values():
            layer.weight[ids] = layer.weight[source_id].clone()
