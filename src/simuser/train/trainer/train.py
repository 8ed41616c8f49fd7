"""Fine-tune a causal LM into a user model, top to bottom.

1. load the base model and tokenizer; add the UserLM tokens (new rows copy the end-of-sequence row)
2. get the flipped samples (a ``simuser flip`` dataset, or flip chat logs now)
3. wrap the model in LoRA (attention projections + the UserLM token rows), unless ``full``
4. train with transformers' Trainer: loss on user turns only, checkpoints every ``save_steps``
5. save the adapter (or full model) with the tokenizer, optionally a merged copy, and ``train.json``

The output loads as a UserLM simulator: ``--simulator userlm --simulator-option model=BASE
--simulator-option adapter=OUT/adapter`` (or ``model=OUT/merged`` / ``model=OUT/model``).
Defaults live in :mod:`simuser.train.trainer.config`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simuser.errors import UserError, require
from simuser.train.trainer.config import TrainConfig

TRAIN_LOG = "train_log.jsonl"


@dataclass
class TrainResult:
    out: Path
    model_dir: Path  # adapter/ for LoRA, model/ for full fine-tuning
    merged_dir: Path | None
    steps: int
    losses: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    data: dict[str, Any] = field(default_factory=dict)


def train_user_model(config: TrainConfig, progress: bool = True) -> TrainResult:
    torch = require("torch", "local")
    require("peft", "train")
    from transformers import set_seed

    if config.threads:
        torch.set_num_threads(config.threads)
    set_seed(config.seed)  # before the LoRA weights are drawn: the same config trains the same model
    started = time.time()
    model, tokenizer = _base_with_userlm_tokens(config)
    dataset, data_info = _training_data(config, tokenizer)
    if not config.full:
        model = _wrap_lora(model, tokenizer, config)
    trainer = _build_trainer(model, tokenizer, dataset, config, progress)
    trainer.train(resume_from_checkpoint=_resume_point(config))
    model_dir, merged_dir = _save_outputs(trainer.model, tokenizer, config)
    result = TrainResult(config.out, model_dir, merged_dir, trainer.state.global_step,
                         _losses(config.out / TRAIN_LOG), time.time() - started, data_info)
    _write_summary(result, config)
    return result


def _base_with_userlm_tokens(config: TrainConfig):
    from simuser.train.data import load_base
    from simuser.train.vocab import add_userlm_tokens

    model, tokenizer = load_base(config.model)
    add_userlm_tokens(tokenizer, model)
    return model, tokenizer


def _training_data(config: TrainConfig, tokenizer) -> tuple[Any, dict[str, Any]]:
    from simuser.train.data import is_flipped_dataset, load_flipped, read_logs
    from simuser.train.flip import flip_to_dataset

    if is_flipped_dataset(config.data):
        dataset, info = load_flipped(config.data, config.model)
    else:
        dataset, stats = flip_to_dataset(read_logs(config.data), tokenizer, max_length=config.max_length,
                                         packing=config.packing, max_assistant_tokens=config.max_assistant_tokens)
        info = stats.summary()
    if len(dataset) == 0:
        raise UserError(f"{config.data}: no training samples (no conversation has a user turn)")
    return dataset.select_columns(["input_ids", "labels"]), info


def _wrap_lora(model, tokenizer, config: TrainConfig):
    from peft import LoraConfig, PeftModel, get_peft_model

    from simuser.train.vocab import userlm_token_ids

    if config.init_adapter is not None:  # continue an earlier adapter (its rank and modules) on new data
        return PeftModel.from_pretrained(model, str(config.init_adapter), is_trainable=True)

    lora = LoraConfig(
        r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
        target_modules=config.target_modules, trainable_token_indices=userlm_token_ids(tokenizer),
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, lora)


def _build_trainer(model, tokenizer, dataset, config: TrainConfig, progress: bool):
    from transformers import TrainingArguments
    from transformers.trainer_callback import ProgressCallback

    from simuser.train.trainer.hf import JsonlLog, LossProgress, UserTurnTrainer, pad_collator

    args = TrainingArguments(
        output_dir=str(config.out / "checkpoints"), num_train_epochs=config.epochs, max_steps=config.max_steps,
        learning_rate=config.lr, per_device_train_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accum, warmup_steps=config.warmup_ratio,
        lr_scheduler_type="cosine", weight_decay=0.0, logging_steps=config.logging_steps,
        save_steps=config.save_steps, save_total_limit=2, seed=config.seed, report_to=[],
        use_cpu=config.device == "cpu", bf16=_use_bf16(config), remove_unused_columns=False,
        dataloader_num_workers=0, dataloader_pin_memory=False, disable_tqdm=not progress,
    )
    config.out.mkdir(parents=True, exist_ok=True)
    trainer = UserTurnTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer,
                              data_collator=pad_collator(tokenizer.pad_token_id))
    trainer.add_callback(JsonlLog(config.out / TRAIN_LOG, config.model_dump_json(indent=2)))
    if progress:
        trainer.remove_callback(ProgressCallback)
        trainer.add_callback(LossProgress())
    return trainer


def _use_bf16(config: TrainConfig) -> bool:
    import torch

    return config.device in ("auto", "cuda") and torch.cuda.is_available() and torch.cuda.is_bf16_supported()


#: transformers' Trainer writes this file last when it saves a checkpoint: without it, the save was cut short.
CHECKPOINT_DONE = "trainer_state.json"


def last_complete_checkpoint(checkpoints_dir: Path) -> Path | None:
    """The newest checkpoint whose save finished (a run stopped while saving leaves a partial one behind)."""
    checkpoints = sorted(checkpoints_dir.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    complete = [c for c in checkpoints if (c / CHECKPOINT_DONE).is_file()]
    return complete[-1] if complete else None


def _resume_point(config: TrainConfig) -> str | None:
    """The last complete checkpoint when resuming; starting over with old checkpoints present is refused."""
    checkpoints = list((config.out / "checkpoints").glob("checkpoint-*"))
    if config.resume:
        point = last_complete_checkpoint(config.out / "checkpoints")
        return str(point) if point else None
    if checkpoints:
        raise UserError(f"{config.out} already holds checkpoints; pass --resume to continue, or another --out")
    return None


def _save_outputs(model, tokenizer, config: TrainConfig) -> tuple[Path, Path | None]:
    from peft import PeftModel

    if not isinstance(model, PeftModel):
        target = config.out / "model"
        model.save_pretrained(target)
        tokenizer.save_pretrained(target)
        config.save(target)
        return target, None
    target = config.out / "adapter"
    model.peft_config["default"].base_model_name_or_path = config.model
    model.save_pretrained(str(target), save_embedding_layers=False)
    tokenizer.save_pretrained(target)
    config.save(target)
    return target, _merge(model, tokenizer, config) if config.merge else None


def _merge(model, tokenizer, config: TrainConfig) -> Path:
    target = config.out / "merged"
    merged = model.merge_and_unload()
    merged.save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target


def _losses(log: Path) -> list[float]:
    if not log.is_file():
        return []
    records = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    return [r["loss"] for r in records if "loss" in r]


def _write_summary(result: TrainResult, config: TrainConfig) -> None:
    summary = {
        "config": json.loads(config.model_dump_json()), "steps": result.steps, "wall_s": round(result.wall_s, 1),
        "first_losses": result.losses[:5], "last_losses": result.losses[-5:], "data": result.data,
        "model_dir": str(result.model_dir), "merged_dir": str(result.merged_dir) if result.merged_dir else None,
    }
    (config.out / "train.json").write_text(json.dumps(summary, indent=2) + "\n")
