"""A tiny model trained on the mixed public sets learns (loss down); a run can start from an earlier adapter."""

from __future__ import annotations

import pytest

from simuser.train.sources import READERS, with_detailed_goal

from .conftest import write_chat_jsonl
from .source_fixtures import write_sources
from .test_train import _loss


@pytest.fixture(scope="module")
def mixture(tmp_path_factory):
    root = write_sources(tmp_path_factory.mktemp("mix-sources"))
    conversations = [with_detailed_goal(c, percent=50) for name, read in READERS.items() for c in read(root / name)]
    assert {c.metadata["source"] for c in conversations} == {"multiwoz", "star", "camrest", "hh_rlhf"}
    return conversations, write_chat_jsonl(root / "train.jsonl", conversations)


def _train(tiny_base_dir, data, out, **overrides):
    from simuser.train.trainer import TrainConfig, train_user_model

    settings = dict(data=data, out=out, model=str(tiny_base_dir), max_steps=3, grad_accum=1, batch_size=8,
                    learning_rate=0.05, warmup_ratio=0.0, lora_dropout=0.0, save_steps=10, seed=0, device="cpu")
    return train_user_model(TrainConfig(**(settings | overrides)), progress=False)


def test_training_on_the_mixture_lowers_the_loss(tiny_base_dir, mixture, tmp_path):
    from simuser.train.data import load_base
    from simuser.train.load import load_user_model
    from simuser.train.vocab import add_userlm_tokens

    conversations, data = mixture
    result = _train(tiny_base_dir, data, tmp_path / "out")
    before, tokenizer = load_base(str(tiny_base_dir))
    add_userlm_tokens(tokenizer, before)
    after, _ = load_user_model(str(tiny_base_dir), result.model_dir)
    assert _loss(after, tokenizer, conversations) < _loss(before, tokenizer, conversations) - 0.1


def test_init_adapter_starts_from_the_given_weights(tiny_base_dir, mixture, tmp_path):
    from safetensors.torch import load_file

    _, data = mixture
    first = _train(tiny_base_dir, data, tmp_path / "first")
    second = _train(tiny_base_dir, data, tmp_path / "second", init_adapter=first.model_dir, max_steps=1,
                    learning_rate=1e-12)
    a = load_file(str(first.model_dir / "adapter_model.safetensors"))
    b = load_file(str(second.model_dir / "adapter_model.safetensors"))
    assert a.keys() == b.keys()
    lora_b = [k for k in a if "lora_B" in k]
    assert lora_b and all(a[k].abs().sum() > 0 for k in lora_b)  # trained: not the zero initialisation
    assert all((a[k] - b[k]).abs().max() < 1e-6 for k in a)


def test_a_run_from_an_init_adapter_resumes_from_its_checkpoint(tiny_base_dir, mixture, tmp_path):
    import json

    _, data = mixture
    first = _train(tiny_base_dir, data, tmp_path / "first")
    out = tmp_path / "continued"
    _train(tiny_base_dir, data, out, init_adapter=first.model_dir, max_steps=2, save_steps=2)
    assert (out / "checkpoints" / "checkpoint-2").is_dir()
    resumed = _train(tiny_base_dir, data, out, init_adapter=first.model_dir, max_steps=4, save_steps=2, resume=True)
    assert resumed.steps == 4
    steps = [json.loads(line).get("step") for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert 3 in steps and 4 in steps
