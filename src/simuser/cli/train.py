"""``simuser train DATA``: fine-tune a causal LM into a UserLM-format user model (LoRA by default)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simuser.cli.common import console
from simuser.train.trainer import config as trainer_defaults


def train_command(
    data: Annotated[Path, typer.Argument(help="Dataset dir from `simuser flip`, or a chat JSONL / run dir (flipped now).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory: checkpoints/, adapter/ (or model/), merged/.")],
    model: Annotated[str, typer.Option(help="Base model: 'smollm2', a local directory or a hub id.")] = trainer_defaults.MODEL,
    full: Annotated[bool, typer.Option("--full", help="Full fine-tuning instead of LoRA.")] = False,
    init_adapter: Annotated[Path | None, typer.Option(help="Start LoRA from this adapter (its rank and modules).")] = None,
    lora_r: Annotated[int, typer.Option(min=1, help="LoRA rank.")] = trainer_defaults.LORA_R,
    lora_alpha: Annotated[int, typer.Option(min=1, help="LoRA alpha.")] = trainer_defaults.LORA_ALPHA,
    epochs: Annotated[float, typer.Option(help="Passes over the data.")] = trainer_defaults.EPOCHS,
    max_steps: Annotated[int, typer.Option(help="Optimizer steps (overrides --epochs when > 0).")] = -1,
    learning_rate: Annotated[float | None, typer.Option(help="Default: 3e-4 (LoRA), 3e-5 (full).")] = None,
    batch_size: Annotated[int, typer.Option(min=1)] = trainer_defaults.BATCH_SIZE,
    grad_accum: Annotated[int, typer.Option(min=1, help="Batches per optimizer step.")] = trainer_defaults.GRAD_ACCUM,
    max_length: Annotated[int, typer.Option(min=16, help="Tokens per sample when DATA is flipped now.")] = trainer_defaults.MAX_LENGTH,
    packing: Annotated[str, typer.Option(help="turn or conversation, when DATA is flipped now.")] = trainer_defaults.PACKING,
    max_assistant_tokens: Annotated[int | None, typer.Option(min=1, help="Cut replies in the history to N tokens, when DATA is flipped now.")] = None,
    save_steps: Annotated[int, typer.Option(min=1, help="Checkpoint every N optimizer steps.")] = trainer_defaults.SAVE_STEPS,
    threads: Annotated[int | None, typer.Option(min=1, help="torch CPU threads.")] = None,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda or mps.")] = "auto",
    resume: Annotated[bool, typer.Option("--resume", help="Continue from the last checkpoint in OUT.")] = False,
    merge: Annotated[bool, typer.Option("--merge", help="Also write a merged model to OUT/merged.")] = False,
    seed: Annotated[int, typer.Option()] = trainer_defaults.SEED,
) -> None:
    """Train a user model; the result loads with --simulator userlm (adapter or merged model)."""
    from pydantic import ValidationError

    from simuser.errors import UserError
    from simuser.train.trainer import TrainConfig, train_user_model

    values = {k: v for k, v in locals().items() if k in TrainConfig.model_fields}
    try:
        config = TrainConfig(**values)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise UserError(f"--{str(error['loc'][0]).replace('_', '-')}: {error['msg']}") from None
    result = train_user_model(config)
    console.print(f"trained {result.steps} steps in {result.wall_s:.0f} s; "
                  f"loss {_first_last(result.losses)}; model at {result.model_dir}")
    console.print(_load_hint(result, config))


def _first_last(losses: list[float]) -> str:
    return f"{losses[0]:.3f} -> {losses[-1]:.3f}" if losses else "n/a"


def _load_hint(result, config) -> str:
    if result.merged_dir:
        return f"use it: simuser simulate ... --simulator userlm -S model={result.merged_dir}"
    if config.full:
        return f"use it: simuser simulate ... --simulator userlm -S model={result.model_dir}"
    return f"use it: simuser simulate ... --simulator userlm -S model={config.model} -S adapter={result.model_dir}"


def register(app: typer.Typer) -> None:
    app.command("train")(train_command)
