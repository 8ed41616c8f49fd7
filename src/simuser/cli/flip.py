"""``simuser flip LOGS``: conversations -> user-model training samples (a Hugging Face dataset)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simuser.cli.common import console


def flip_command(
    logs: Annotated[Path, typer.Argument(help="Chat JSONL with intents (e.g. from `simuser intents`), or a run directory.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the dataset (datasets.save_to_disk).")],
    model: Annotated[str, typer.Option(help="Base model whose tokenizer the samples are tokenised with.")] = "smollm2",
    max_length: Annotated[int, typer.Option(min=16, help="Tokens per sample; longer samples lose their oldest exchanges.")] = 1024,
    packing: Annotated[str, typer.Option(help="turn: one sample per target (K+1 per conversation); conversation: one sequence per conversation, same targets.")] = "turn",
    max_assistant_tokens: Annotated[int | None, typer.Option(min=1, help="Cut assistant replies in the history to their first N tokens.")] = None,
    all_user_turns: Annotated[bool, typer.Option("--all-user-turns", help="Also train on user turns the logs mark as model-written.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Flip each conversation into K+1 samples: intent, history, target = next user turn or <|endconversation|>."""
    import json

    from simuser.errors import UserError
    from simuser.train.data import load_userlm_tokenizer, read_logs, save_flipped
    from simuser.train.flip import flip_to_dataset

    if packing not in ("turn", "conversation"):
        raise UserError(f"--packing '{packing}' is not one of: turn, conversation")
    from simuser.store.atomic import refuse_overwrite

    refuse_overwrite(out, [logs], "--out")
    conversations = read_logs(logs, allow_empty=False)  # checked before the tokenizer loads
    tokenizer = load_userlm_tokenizer(model)
    dataset, stats = flip_to_dataset(conversations, tokenizer, max_length=max_length, packing=packing,
                                     human_only=not all_user_turns, max_assistant_tokens=max_assistant_tokens)
    save_flipped(dataset, stats.summary(), out, model)
    if json_out:
        console.print_json(json.dumps(stats.summary()))
    else:
        print_stats(stats.summary(), out)


def print_stats(summary: dict, out: Path) -> None:
    from rich.table import Table

    table = Table(title=f"flipped -> {out}", show_header=False)
    for key, value in summary.items():
        table.add_row(key.replace("_", " "), str(value))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("flip")(flip_command)
