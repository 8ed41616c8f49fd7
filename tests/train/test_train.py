"""Training a tiny model end to end: tokens added, loss down, loads as a UserLM simulator, can end."""

from __future__ import annotations

import json

import pytest

from simuser.schema import Intent, Message
from simuser.tokens import END_CONVERSATION, END_OF_TURN, USERLM_SPECIAL_TOKENS
from simuser.users.userlm_template import USERLM_CHAT_TEMPLATE, render_prompt

from .conftest import INTENT, make_conversation, write_chat_jsonl

SHORT = [("user", "hello there"), ("assistant", "how are you doing today")]


def test_adding_tokens_copies_the_end_of_sequence_row(tiny_base_dir):
    from simuser.train.data import load_base
    from simuser.train.vocab import add_userlm_tokens

    model, tokenizer = load_base(str(tiny_base_dir))
    eos_row = model.get_input_embeddings().weight[tokenizer.eos_token_id].clone()
    added = add_userlm_tokens(tokenizer, model)
    assert added == list(USERLM_SPECIAL_TOKENS)
    weight = model.get_input_embeddings().weight
    assert weight.shape[0] == len(tokenizer)
    for token in added:
        assert tokenizer.convert_tokens_to_ids(token) < len(tokenizer)
        assert (weight[tokenizer.convert_tokens_to_ids(token)] == eos_row).all()
        assert tokenizer.tokenize(f"a{token}b").count(token) == 1  # special: never split


@pytest.fixture(scope="module")
def trained(tiny_base_dir, tmp_path_factory):
    """Three full-batch optimizer steps of LoRA on the tiny base: one-exchange conversations, high learning rate.

    Full batches and no dropout keep the three steps smooth; the seed fixes the LoRA initialisation.
    """
    from simuser.train.trainer import TrainConfig, train_user_model

    tmp = tmp_path_factory.mktemp("train")
    logs = write_chat_jsonl(tmp / "logs.jsonl", [make_conversation(SHORT, cid=str(i)) for i in range(4)])
    config = TrainConfig(data=logs, out=tmp / "out", model=str(tiny_base_dir), max_steps=3, grad_accum=1,
                         batch_size=8, learning_rate=0.05, warmup_ratio=0.0, lora_r=8, lora_alpha=16, lora_dropout=0.0, save_steps=2,
                         seed=0, packing="turn", device="cpu")
    return config, train_user_model(config, progress=False)


def _loss(model, tokenizer, conversations) -> float:
    import torch

    from simuser.train.flip import flip_records

    records, _ = flip_records(conversations, tokenizer, packing="turn")
    losses = []
    with torch.no_grad():
        for r in records:
            out = model(input_ids=torch.tensor([r["input_ids"]]), labels=torch.tensor([r["labels"]]))
            losses.append(out.loss.item())
    return sum(losses) / len(losses)


def test_three_steps_lower_the_loss(trained, tiny_base_dir):
    from simuser.train.data import load_base
    from simuser.train.load import load_user_model
    from simuser.train.vocab import add_userlm_tokens

    config, result = trained
    assert result.steps == 3 and len(result.losses) == 3
    before, tokenizer = load_base(str(tiny_base_dir))
    add_userlm_tokens(tokenizer, before)
    after, _ = load_user_model(str(tiny_base_dir), result.model_dir)
    data = [make_conversation(SHORT)]
    assert _loss(after, tokenizer, data) < _loss(before, tokenizer, data) - 0.1  # seeds here: 0.27 to 0.9 lower


def test_outputs_checkpoints_adapter_and_summary(trained):
    config, result = trained
    out = config.out
    assert result.model_dir == out / "adapter"
    assert (out / "adapter" / "adapter_config.json").is_file()
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["checkpoint-2", "checkpoint-3"]
    assert (out / "checkpoints" / "checkpoint-2" / "simuser_train_config.json").is_file()
    summary = json.loads((out / "train.json").read_text())
    assert summary["steps"] == 3 and summary["config"]["lora_r"] == 8
    adapter_config = json.loads((out / "adapter" / "adapter_config.json").read_text())
    assert adapter_config["base_model_name_or_path"] == config.model
    assert adapter_config["trainable_token_indices"]


def test_adapter_holds_no_full_embedding_matrix(trained):
    from safetensors import safe_open

    _, result = trained
    with safe_open(str(result.model_dir / "adapter_model.safetensors"), "pt") as handle:
        shapes = {k: handle.get_slice(k).get_shape() for k in handle.keys()}
    assert not any("embed_tokens.weight" in k or "lm_head.weight" in k for k in shapes)
    token_rows = [s for k, s in shapes.items() if "trainable_tokens" in k]
    assert token_rows and all(s[0] == len(USERLM_SPECIAL_TOKENS) for s in token_rows)


def test_trained_template_matches_the_userlm_template(trained):
    from transformers import AutoTokenizer

    _, result = trained
    tokenizer = AutoTokenizer.from_pretrained(str(result.model_dir))
    assert tokenizer.chat_template == USERLM_CHAT_TEMPLATE
    history = [{"role": r, "content": c} for r, c in SHORT]
    rendered = tokenizer.apply_chat_template([{"role": "system", "content": INTENT}, *history],
                                             tokenize=False, add_generation_prompt=True)
    assert rendered == render_prompt(INTENT, history)
    assert all(t in tokenizer.get_vocab() for t in USERLM_SPECIAL_TOKENS)


async def test_userlm_simulator_loads_it_and_can_end(trained, tiny_base_dir):
    from simuser.users import simulators
    from simuser.users.base import ConversationState, TurnKind

    _, result = trained
    simulator = simulators.create("userlm", model=str(tiny_base_dir), adapter=str(result.model_dir), device="cpu",
                                  do_sample=True, guardrails=False, max_new_tokens=8)
    # 32 samples need 32 seeds: each row samples from its own stream, seeded by its state's seed
    states = [ConversationState(Intent(id=f"x{i}", text=INTENT), [Message(role=r, content=c) for r, c in SHORT], seed=i)
              for i in range(32)]
    turns = await simulator.next_turns(states)
    # The base has no <|endconversation|> token, so every end here was learnt; after three steps about a
    # quarter to two thirds of sampled turns end (seeds 0-2 here), so 32 samples with none would be a failure.
    assert any(turn.kind == TurnKind.END for turn in turns)
    await simulator.aclose()


def test_resume_continues_from_the_last_checkpoint(trained):
    from simuser.train.trainer import train_user_model

    config, _ = trained
    more = config.model_copy(update={"max_steps": 4, "resume": True, "out": config.out})
    result = train_user_model(more, progress=False)
    assert result.steps == 4
    assert len(result.losses) == 4  # three from the first run, one after resuming


def test_starting_over_on_old_checkpoints_is_refused(trained):
    from simuser.errors import UserError
    from simuser.train.trainer import train_user_model

    config, _ = trained
    with pytest.raises(UserError, match="--resume"):
        train_user_model(config, progress=False)


def test_end_token_is_in_the_adapter_vocabulary(trained):
    from transformers import AutoTokenizer

    _, result = trained
    tokenizer = AutoTokenizer.from_pretrained(str(result.model_dir))
    assert tokenizer.eos_token == END_OF_TURN and END_CONVERSATION in tokenizer.get_vocab()


@pytest.mark.parametrize("full", [True, False])
def test_full_model_or_merged_copy_loads_on_its_own(tiny_base_dir, tmp_path, full):
    import torch

    from simuser.train.load import load_user_model
    from simuser.train.trainer import TrainConfig, train_user_model

    logs = write_chat_jsonl(tmp_path / "logs.jsonl", [make_conversation(SHORT)])
    config = TrainConfig(data=logs, out=tmp_path / "out", model=str(tiny_base_dir), max_steps=1, grad_accum=1,
                         full=full, merge=not full, learning_rate=0.01, device="cpu")
    result = train_user_model(config, progress=False)
    standalone = result.model_dir if full else result.merged_dir
    assert standalone == tmp_path / "out" / ("model" if full else "merged")
    model, tokenizer = load_user_model(str(standalone))
    assert tokenizer.chat_template == USERLM_CHAT_TEMPLATE
    assert model.get_input_embeddings().num_embeddings == len(tokenizer)
    if not full:  # the merged copy computes what base + adapter computes
        with_adapter, _ = load_user_model(str(tiny_base_dir), result.model_dir)
        ids = torch.tensor([tokenizer(render_prompt(INTENT, []), add_special_tokens=False)["input_ids"]])
        with torch.no_grad():
            assert torch.allclose(model(input_ids=ids).logits, with_adapter(input_ids=ids).logits, atol=1e-5)


def test_resume_skips_a_checkpoint_whose_save_was_cut_short(tmp_path):
    """A run stopped while saving leaves checkpoint-N without its trainer state; resuming from it would fail."""
    from simuser.train.trainer.train import CHECKPOINT_DONE, last_complete_checkpoint

    for step, complete in ((5, True), (10, True), (15, False)):
        checkpoint = tmp_path / f"checkpoint-{step}"
        checkpoint.mkdir()
        (checkpoint / "adapter_model.safetensors").write_bytes(b"")
        if complete:
            (checkpoint / CHECKPOINT_DONE).write_text("{}")
    assert last_complete_checkpoint(tmp_path) == tmp_path / "checkpoint-10"  # by step, not name: 10 after 5
    assert last_complete_checkpoint(tmp_path / "none") is None
