"""``simuser show``: read a run's conversations in the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simuser.cli.common import console


def show_command(
    run: Annotated[Path, typer.Argument(help="Run directory or conversations JSONL.")],
    limit: Annotated[int, typer.Option(min=1, help="Conversations to show.")] = 10,
    intent: Annotated[str | None, typer.Option(help="Only this intent id.")] = None,
    reason: Annotated[str | None, typer.Option(help="Only conversations that ended this way.")] = None,
) -> None:
    """Print conversations: intent, turns, and how each one ended."""
    from simuser.store import read_conversations

    conversations = [
        c for c in read_conversations(run)
        if (intent is None or c.intent.id == intent) and (reason is None or (c.end_reason and c.end_reason.value == reason))
    ]
    for conversation in conversations[:limit]:
        print_conversation(conversation)
    console.print(f"[dim]{min(limit, len(conversations))} of {len(conversations)} conversations shown[/]")


def print_conversation(conversation) -> None:
    from rich.markup import escape
    from rich.panel import Panel

    lines = [f"[dim]{escape(conversation.intent.text)}[/]", ""]
    for message in conversation.messages:
        colour = "cyan" if message.role == "user" else "green"
        if message.role == "tool":
            lines.append(f"[dim]  {escape(message.name or 'tool')} -> {escape(message.content)}[/]")
            continue
        if message.content or not message.tool_calls:
            lines.append(f"[bold {colour}]{message.role}:[/] {escape(message.content)}")
        for call in message.tool_calls or []:
            lines.append(f"[dim]  calls {escape(call.function.name)}({escape(call.function.arguments)})[/]")
    ended = conversation.end_reason.value if conversation.end_reason else "unfinished"
    if conversation.error:
        ended += f" ({conversation.error})"
    title = f"{conversation.intent.id} #{conversation.sample_index}"
    console.print(Panel("\n".join(lines), title=escape(title), subtitle=escape(ended), title_align="left"))


def register(app: typer.Typer) -> None:
    app.command("show")(show_command)
