"""Shared CLI pieces: the console, option parsing, one-line errors."""

from __future__ import annotations

import json
import sys
from typing import IO, Annotated, Any, cast

import typer
from rich.console import Console

from simuser.errors import UserError
from simuser.redact import redact_text


class RedactingStream:
    """``sys.stdout`` / ``sys.stderr`` (looked up at each write, so captures work) with secrets masked.

    Every line simuser prints passes through :func:`simuser.redact.redact_text` here, once, instead of
    at each of the many places that print.
    """

    def __init__(self, name: str):
        self._name = name

    @property
    def _stream(self) -> Any:
        return getattr(sys, self._name)

    def write(self, text: str) -> int:
        return self._stream.write(redact_text(text))

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._stream, attribute)


# soft_wrap: a line piped to a file or a CI log stays one line (rich would cut it at 80 columns)
console = Console(file=cast(IO[str], RedactingStream("stdout")), soft_wrap=True)
err_console = Console(file=cast(IO[str], RedactingStream("stderr")))

ThreadsOpt = Annotated[int | None, typer.Option(min=1, help="torch CPU threads for local models (default: the machine's cores, or OMP_NUM_THREADS).")]

# Options that several commands share, spelled once (simulate, redteam, survey, judge).
SimulatorModelOpt = Annotated[str | None, typer.Option(help="Model for the simulator (hub id or directory).")]
SimulatorOptionOpt = Annotated[list[str] | None, typer.Option("--simulator-option", "-S", help="KEY=VALUE simulator option.")]
AssistantOpt = Annotated[str, typer.Option(help="Assistant backend under test.")]
AssistantModelOpt = Annotated[str | None, typer.Option(help="Model of the assistant under test.")]
BaseUrlOpt = Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint of the assistant.")]
ApiKeyEnvOpt = Annotated[str | None, typer.Option(help="Environment variable holding the assistant's API key.")]
AssistantOptionOpt = Annotated[list[str] | None, typer.Option("--assistant-option", "-A", help="KEY=VALUE assistant option.")]
JudgeOptionOpt = Annotated[list[str] | None, typer.Option("--judge-option", "-J", help="KEY=VALUE judge option, e.g. -J model=NAME.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]


def quiet_third_party_progress(argv: list[str]) -> None:
    """Keep other libraries' progress bars ("Loading weights", "Converting and de-quantizing GGUF tensors")
    out of simuser's output: simuser draws its own. ``simuser train`` keeps the trainer's bar. A value the
    user set in the environment wins. Must run before transformers / huggingface_hub are imported.
    """
    import os

    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    if "train" not in argv[:1]:
        os.environ.setdefault("TQDM_DISABLE", "1")


def parse_options(pairs: list[str] | None, flag: str) -> dict[str, Any]:
    """``["temperature=0.7", "model=foo"]`` -> ``{"temperature": 0.7, "model": "foo"}`` (JSON values allowed)."""
    options: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise UserError(f"{flag} '{pair}' is not KEY=VALUE; e.g. {flag} temperature=0.7")
        options[key.strip().replace("-", "_")] = _parse_value(raw)
    return options


def _parse_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw
