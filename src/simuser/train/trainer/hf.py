"""The pieces that adapt transformers' ``Trainer`` to user-turn training.

* :class:`UserTurnTrainer` computes the loss on target tokens only and asks the model for logits at
  those positions only (``logits_to_keep``): the 49k-way output projection is a fifth of SmolLM2's
  compute, and user turns are about a tenth of the tokens. It saves LoRA checkpoints *without* the
  resized embedding matrix (peft would otherwise add 28M parameters to every checkpoint): the new
  token rows travel as peft trainable tokens.
* :func:`pad_collator` right-pads a batch; labels are padded with the ignore index.
* :class:`LossProgress` shows the running loss on the progress bar; :class:`JsonlLog` appends every
  log line to ``train_log.jsonl`` (the loss curve in the docs is read from it).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from transformers import Trainer, TrainerCallback
from transformers.trainer_callback import ProgressCallback

from simuser.train.flip import IGNORE_INDEX
from simuser.train.trainer.config import CONFIG_FILE


class UserTurnTrainer(Trainer):
    loss_is_scaled_for_ga = True  # compute_loss divides by the target tokens of the whole accumulated batch

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")
        targets = labels[:, 1:]
        positions = (targets != IGNORE_INDEX).any(dim=0).nonzero().flatten()
        outputs = model(**inputs, logits_to_keep=positions)
        logits = outputs.logits.float()
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.size(-1)), targets[:, positions].reshape(-1),
            ignore_index=IGNORE_INDEX, reduction="sum",
        )
        count = num_items_in_batch if num_items_in_batch is not None else (targets != IGNORE_INDEX).sum()
        loss = loss / count.to(loss.device) if torch.is_tensor(count) else loss / count
        return (loss, outputs) if return_outputs else loss

    def _save(self, output_dir: str | None = None, state_dict: dict | None = None) -> None:
        from peft import PeftModel

        if not isinstance(self.model, PeftModel):
            return super()._save(output_dir, state_dict)
        target = str(output_dir or self.args.output_dir)
        os.makedirs(target, exist_ok=True)
        self.model.save_pretrained(target, save_embedding_layers=False)
        if self.processing_class is not None:
            self.processing_class.save_pretrained(target)
        torch.save(self.args, os.path.join(target, "training_args.bin"))


def pad_collator(pad_id: int):
    def collate(rows: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        width = max(len(r["input_ids"]) for r in rows)
        ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
        labels = torch.full((len(rows), width), IGNORE_INDEX, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            n = len(row["input_ids"])
            ids[i, :n] = torch.tensor(row["input_ids"])
            labels[i, :n] = torch.tensor(row["labels"])
            mask[i, :n] = 1
        return {"input_ids": ids, "labels": labels, "attention_mask": mask}

    return collate


class LossProgress(ProgressCallback):
    """The default progress bar, with the latest loss on it instead of printed log dictionaries."""

    def on_log(self, args, state, control, logs=None, **kwargs):
        if self.training_bar is not None and logs and "loss" in logs:
            self.training_bar.set_postfix(loss=f"{logs['loss']:.3f}", refresh=False)


class JsonlLog(TrainerCallback):
    """Append each log entry (step, loss, learning rate, ...) to a JSONL file; survives resumes."""

    def __init__(self, path: Path, config_json: str):
        self.path = path
        self.config_json = config_json

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and state.is_world_process_zero:
            record = {"step": state.global_step, "epoch": state.epoch, **logs}
            with self.path.open("a") as handle:
                handle.write(json.dumps(record) + "\n")

    def on_save(self, args, state, control, **kwargs):
        checkpoint = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        if checkpoint.is_dir():
            (checkpoint / CONFIG_FILE).write_text(self.config_json)
