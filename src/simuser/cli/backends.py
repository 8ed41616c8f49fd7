"""``simuser backends``: which simulators and assistants this install offers."""

from __future__ import annotations

import typer

from simuser.cli.common import console


def backends_command() -> None:
    """List user simulators, assistants, task checks and task suites by name (built-in and plugins)."""
    from simuser.assistants import assistants
    from simuser.users import simulators

    console.print("[bold]simulators:[/] " + ", ".join(simulators.names()))
    console.print("[bold]assistants:[/] " + ", ".join(assistants.names()))
    from simuser.tasks import checks
    from simuser.tasks.suites import suites

    console.print("[bold]task checks:[/] " + ", ".join(checks.names()))
    console.print("[bold]task suites:[/] " + ", ".join(suites.names()))


def register(app: typer.Typer) -> None:
    app.command("backends")(backends_command)
