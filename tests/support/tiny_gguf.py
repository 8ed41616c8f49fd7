"""A tiny GGUF in UserLM format whose next token is chosen by the current one (a bigram model).

llama.cpp tests need a real model file with UserLM's special tokens (``<|eot_id|>`` as the stop token,
``<|endconversation|>``) and predictable output. This writes one in well under a second with the ``gguf``
package: a 1-layer Llama whose attention and MLP weights are zero, so the residual stream is the current
token's embedding and the logits depend on that token alone. Embeddings are one-hot per "state" and the
output matrix says which token follows which state:

    <|end_header_id|> -> "\\n" -> "I" (first choice) or "how" (when "I" is banned)
    "I" -> " help" -> <|endconversation|> (first choice) or " there" (when the end is banned)
    "how" -> <|endconversation|> or " there";   " there" -> <|eot_id|>;   anything else -> <|eot_id|>

So, with both guardrails on, a first turn reads "how there"; with the end allowed, "how" then the end
marker; with no guardrails, "I help" then the end marker. The tokenizer is the tiny byte-level BPE of
:mod:`simuser.testing.tiny_models`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

HIDDEN = 32
FIRST, SECOND = 20.0, 15.0  # logits of the preferred and the fallback next token (others: 0)

CHAIN = {  # current token -> (preferred next, fallback next)
    "<|end_header_id|>": ("Ċ", None),
    "Ċ": ("I", "how"),
    "I": ("Ġhelp", None),
    "Ġhelp": ("<|endconversation|>", "Ġthere"),
    "how": ("<|endconversation|>", "Ġthere"),
    "Ġthere": ("<|eot_id|>", None),
}


def build_tiny_userlm_gguf(path: str | Path) -> Path:
    from gguf import GGUFWriter, TokenType

    from simuser.testing.tiny_models import build_tiny_tokenizer

    tokenizer = build_tiny_tokenizer(userlm=True)
    tokens = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
    special = set(tokenizer.all_special_ids) | {tokenizer.convert_tokens_to_ids("<|end_of_text|>")}
    merges = [" ".join(m) if isinstance(m, list) else m
              for m in json.loads(tokenizer.backend_tokenizer.to_str())["model"]["merges"]]
    path = Path(path)
    writer = GGUFWriter(str(path), "llama")
    _hyperparameters(writer, len(tokens))
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types([TokenType.CONTROL if i in special else TokenType.NORMAL for i in range(len(tokens))])
    writer.add_token_merges(merges)
    writer.add_bos_token_id(tokenizer.bos_token_id)
    writer.add_eos_token_id(tokenizer.convert_tokens_to_ids("<|eot_id|>"))
    writer.add_pad_token_id(tokenizer.pad_token_id)
    writer.add_add_bos_token(True)  # like Llama 3 GGUFs: simuser must be the one that leaves BOS out
    for name, tensor in _tensors(tokenizer, len(tokens)).items():
        writer.add_tensor(name, tensor)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def _hyperparameters(writer, vocab: int) -> None:
    writer.add_context_length(512)
    writer.add_embedding_length(HIDDEN)
    writer.add_block_count(1)
    writer.add_feed_forward_length(HIDDEN * 2)
    writer.add_head_count(2)
    writer.add_head_count_kv(2)
    writer.add_rope_dimension_count(HIDDEN // 2)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(vocab)
    writer.add_file_type(0)  # all F32


def _tensors(tokenizer, vocab: int) -> dict[str, np.ndarray]:
    ids = tokenizer.convert_tokens_to_ids
    states = {token: k + 1 for k, token in enumerate(CHAIN)}  # state 0: everything else
    embed = np.zeros((vocab, HIDDEN), dtype=np.float32)
    for token_id in range(vocab):
        embed[token_id, states.get(tokenizer.convert_ids_to_tokens(token_id), 0)] = 1.0
    output = np.zeros((vocab, HIDDEN), dtype=np.float32)
    scale = np.sqrt(HIDDEN)  # RMSNorm turns a one-hot vector into sqrt(hidden) at its index
    output[ids("<|eot_id|>"), 0] = FIRST / scale
    for token, (first, second) in CHAIN.items():
        output[ids(first), states[token]] = FIRST / scale
        if second is not None:
            output[ids(second), states[token]] = SECOND / scale
    zeros = lambda *shape: np.zeros(shape, dtype=np.float32)  # noqa: E731
    ones = np.ones(HIDDEN, dtype=np.float32)
    return {
        "token_embd.weight": embed, "output_norm.weight": ones, "output.weight": output,
        "blk.0.attn_norm.weight": ones, "blk.0.ffn_norm.weight": ones,
        "blk.0.attn_q.weight": zeros(HIDDEN, HIDDEN), "blk.0.attn_k.weight": zeros(HIDDEN, HIDDEN),
        "blk.0.attn_v.weight": zeros(HIDDEN, HIDDEN), "blk.0.attn_output.weight": zeros(HIDDEN, HIDDEN),
        "blk.0.ffn_gate.weight": zeros(HIDDEN * 2, HIDDEN), "blk.0.ffn_up.weight": zeros(HIDDEN * 2, HIDDEN),
        "blk.0.ffn_down.weight": zeros(HIDDEN, HIDDEN * 2),
    }
