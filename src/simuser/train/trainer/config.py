"""The training run's one validated config, with its defaults at the top.

The defaults are the shipped run's (SmolLM2-135M on 2 CPU cores, see docs/training.md): LoRA rank 8 on
the attention projections plus the four UserLM token rows, conversation packing, 1024 tokens.
``simuser train`` flags map one to one onto these fields; the resolved config is saved next to every
checkpoint and in the output directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from simuser.defaults import EMBEDDED_MODEL

MODEL = EMBEDDED_MODEL
MAX_LENGTH = 1024
PACKING: Literal["turn", "conversation"] = "conversation"
LORA_R = 8
LORA_ALPHA = 16
LORA_DROPOUT = 0.05
TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj")
EPOCHS = 1.0
LORA_LEARNING_RATE = 3e-4
FULL_LEARNING_RATE = 3e-5
BATCH_SIZE = 1  # one conversation per forward: no padding waste on CPU
GRAD_ACCUM = 8
WARMUP_RATIO = 0.05
SAVE_STEPS = 10
LOGGING_STEPS = 1
SEED = 0

CONFIG_FILE = "simuser_train_config.json"


class TrainConfig(BaseModel):
    """Everything that decides a training run (and nothing about where progress is printed)."""

    model_config = ConfigDict(extra="forbid")

    data: Path = Field(description="flipped dataset dir (simuser flip) or chat JSONL / run dir to flip now")
    out: Path = Field(description="output directory: checkpoints/, adapter/ (or model/), merged/")
    model: str = Field(MODEL, description="base model: 'smollm2', a local directory or a hub id")
    full: bool = Field(False, description="full fine-tuning instead of LoRA")
    init_adapter: Path | None = Field(None, description="start LoRA from this adapter (same rank) instead of zeros")
    lora_r: int = Field(LORA_R, ge=1)
    lora_alpha: int = Field(LORA_ALPHA, ge=1)
    lora_dropout: float = Field(LORA_DROPOUT, ge=0, lt=1)
    target_modules: list[str] = Field(default_factory=lambda: list(TARGET_MODULES))
    max_length: int = Field(MAX_LENGTH, ge=16, description="tokens per sample (used when flipping now)")
    packing: Literal["turn", "conversation"] = PACKING
    max_assistant_tokens: int | None = Field(None, ge=1, description="cut replies in the history (flipping now)")
    epochs: float = Field(EPOCHS, gt=0)
    max_steps: int = Field(-1, description="optimizer steps; overrides epochs when > 0")
    learning_rate: float | None = Field(None, gt=0, description="default: 3e-4 for LoRA, 3e-5 for full")
    batch_size: int = Field(BATCH_SIZE, ge=1)
    grad_accum: int = Field(GRAD_ACCUM, ge=1)
    warmup_ratio: float = Field(WARMUP_RATIO, ge=0, lt=1)
    save_steps: int = Field(SAVE_STEPS, ge=1)
    logging_steps: int = Field(LOGGING_STEPS, ge=1)
    seed: int = SEED
    threads: int | None = Field(None, ge=1, description="torch CPU threads (default: torch's choice)")
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    resume: bool = Field(False, description="continue from the last checkpoint in OUT/checkpoints")
    merge: bool = Field(False, description="also write a merged model to OUT/merged (LoRA only)")

    @property
    def lr(self) -> float:
        if self.learning_rate is not None:
            return self.learning_rate
        return FULL_LEARNING_RATE if self.full else LORA_LEARNING_RATE

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / CONFIG_FILE).write_text(self.model_dump_json(indent=2) + "\n")
