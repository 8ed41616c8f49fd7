"""``simuser intents LOGS``: one high-level intent per conversation, written by any chat LLM (resumable)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simuser.cli.common import ThreadsOpt, console


def intents_command(
    logs: Annotated[Path, typer.Argument(help="Chat JSONL (or run directory) of conversations to summarise.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Chat JSONL to write (appended to; reruns skip done rows).")],
    model: Annotated[str, typer.Option(help="Chat model: 'smollm2', a local directory, or the endpoint's model name.")] = "smollm2",
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint (e.g. http://localhost:8000/v1); default: run MODEL locally.")] = None,
    api_key_env: Annotated[str | None, typer.Option(help="Environment variable holding the endpoint's API key.")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Conversations per model call (local) or concurrent requests (endpoint).")] = 8,
    device: Annotated[str | None, typer.Option(help="Local model device: cpu, cuda, mps (default: best available).")] = None,
    threads: ThreadsOpt = None,
) -> None:
    """Write one 'You are a user chatting with an assistant language model to ...' intent per conversation."""
    from rich.progress import Progress

    from simuser.models.threads import apply_threads
    from simuser.store.atomic import refuse_overwrite
    from simuser.train.data import read_logs
    from simuser.train.intent_writer import endpoint_chat, local_chat, summarize_intents

    refuse_overwrite(out, [logs], "--out")
    conversations = read_logs(logs, allow_empty=False)
    apply_threads(threads)
    if base_url or api_key_env:
        chat = endpoint_chat(model, base_url=base_url, api_key_env=api_key_env)
    else:
        chat = local_chat(model, device=device, batch_size=batch_size)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("writing intents", total=len(conversations))
        result = summarize_intents(conversations, chat, out, batch_size=batch_size,
                                   progress=lambda n: progress.advance(task, n))
    console.print(f"wrote {result.written} intents to {out} ({result.skipped} already there)")


def register(app: typer.Typer) -> None:
    app.command("intents")(intents_command)
