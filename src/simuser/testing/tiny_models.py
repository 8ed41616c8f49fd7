"""Tiny random-weight Llama models with real tokenizers, built in a second, offline.

Tests (ours and plugin authors') need a model that runs the real transformers code paths: left-padded
batched generation, special tokens, chat templates, logits processors. :func:`build_tiny_llama` trains a
small byte-level BPE tokenizer on a fixed corpus and pairs it with a 2-layer Llama of random weights.
With ``userlm=True`` the tokenizer carries the UserLM special tokens and chat template.
"""

from __future__ import annotations

from pathlib import Path

from simuser.tokens import END_CONVERSATION, END_OF_TURN, USERLM_SPECIAL_TOKENS

_CORPUS = [
    "hello there how are you doing today",
    "I need help planning a trip to Lisbon next month",
    "You should check the weather before you go",
    "Here is a list of things to pack for the trip",
    "what is the capital of France and how big is it",
    "can you explain how vaccines work in simple words",
    "thanks that was helpful, one more question please",
    "my code throws an error when I run the tests",
    "the assistant answered the question about cooking pasta",
    "is it safe to take ibuprofen with coffee in the morning",
] * 4


def build_tiny_tokenizer(userlm: bool = True, vocab_size: int = 400):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from simuser.models.templates import USERLM_CHAT_TEMPLATE

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    special = ["<|pad|>", "<|begin_of_text|>", "<|end_of_text|>"]
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=special, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tokenizer.train_from_iterator(_CORPUS, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<|begin_of_text|>",
        eos_token="<|end_of_text|>",
        pad_token="<|pad|>",
    )
    if userlm:
        fast.add_special_tokens({"additional_special_tokens": list(USERLM_SPECIAL_TOKENS)})
        fast.eos_token = END_OF_TURN
        fast.chat_template = USERLM_CHAT_TEMPLATE
    else:
        fast.chat_template = (
            "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}</s>{% endfor %}"
            "{% if add_generation_prompt %}<assistant>{% endif %}"
        )
    return fast


def build_tiny_llama(path: str | Path, userlm: bool = True, seed: int = 0, hidden_size: int = 32) -> Path:
    """Write a tiny random Llama and its tokenizer to ``path``; return the path."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    path = Path(path)
    tokenizer = build_tiny_tokenizer(userlm=userlm)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def end_conversation_token_id(tokenizer) -> int:
    return tokenizer.convert_tokens_to_ids(END_CONVERSATION)
