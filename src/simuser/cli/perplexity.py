"""``simuser perplexity MODEL --conversations FILE``: perplexity of a local model on real user turns."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simuser.cli.common import console


def perplexity_command(
    model: Annotated[str, typer.Argument(help="default (shipped user model), base (SmolLM2 prompted as a user), a local dir (model or adapter) or a hub id.")],
    conversations: Annotated[Path | None, typer.Option(help="Chat JSONL of real conversations (default: the shipped MTRAG-UN test split).")] = None,
    no_intent: Annotated[bool, typer.Option("--no-intent", help="Score without the intent.")] = False,
    scoring: Annotated[str, typer.Option(help="auto, userlm or prompted (auto: userlm when the tokenizer has <|eot_id|>).")] = "auto",
    device: Annotated[str, typer.Option(help="cpu, cuda or mps.")] = "cpu",
    threads: Annotated[int | None, typer.Option(min=1, help="torch CPU threads.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Perplexity on the human user turns (lower = closer to what people typed)."""
    import json

    from rich.progress import Progress

    from simuser.errors import UserError
    from simuser.metrics.perplexity import user_turn_perplexity

    if scoring not in ("auto", "userlm", "prompted"):
        raise UserError(f"--scoring '{scoring}' is not one of: auto, userlm, prompted")
    real = _conversations(conversations)
    with Progress(console=console, transient=True, disable=json_out) as progress:
        task = progress.add_task(f"scoring {model}", total=len(real))
        result = user_turn_perplexity(model, real, with_intent=not no_intent, scoring=scoring,  # type: ignore[arg-type]  # checked above
                                      device=device,
                                      threads=threads, progress=lambda n: progress.update(task, completed=n))
    if json_out:
        console.print_json(json.dumps(result.as_dict()))
        return
    intent = "without intent" if no_intent else "with intent"
    console.print(f"perplexity {result.value:.2f} ({intent}; {result.tokens} tokens in {result.turns} user turns "
                  f"of {result.conversations} conversations; {result.scoring} scoring)")


def _conversations(path: Path | None):
    if path is None:
        from simuser.metrics.reference import load_reference

        return load_reference("test")
    from simuser.train.data import read_logs

    return read_logs(path)


def register(app: typer.Typer) -> None:
    app.command("perplexity")(perplexity_command)
