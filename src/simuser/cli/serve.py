"""``simuser serve``: a user simulator behind an OpenAI-compatible endpoint (the caller plays the assistant)."""

from __future__ import annotations

from typing import Annotated

import typer

from simuser import defaults
from simuser.cli.common import console, parse_options


def serve_command(
    simulator: Annotated[str, typer.Option(help="User simulator backend (see `simuser backends`).")] = defaults.DEFAULT_SIMULATOR,
    simulator_model: Annotated[str | None, typer.Option(help="Model for the simulator (hub id or directory).")] = None,
    simulator_option: Annotated[list[str] | None, typer.Option("--simulator-option", "-S", help="KEY=VALUE simulator option.")] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on; 127.0.0.1 keeps it on this machine.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    batch_window_ms: Annotated[float, typer.Option(min=0, help="How long a batch waits for more requests.")] = 20.0,
    max_batch: Annotated[int, typer.Option(min=1, help="Requests answered by one simulator call at most.")] = defaults.BATCH_SIZE,
    max_queue: Annotated[int, typer.Option(min=1, help="Waiting requests before new ones get HTTP 429.")] = 256,
    seed: Annotated[int, typer.Option(help="Seed for requests that send none (combined with the conversation).")] = defaults.SEED,
) -> None:
    """Serve simulated users: POST the conversation (intent as the system message) to /v1/chat/completions
    and get the user's next turn; finish_reason "end_conversation" when the user leaves. See docs/integrations.md."""
    from simuser.schema import ComponentSpec
    from simuser.serve.app import ServeOptions, serve
    from simuser.users import simulators

    options = parse_options(simulator_option, "--simulator-option")
    if simulator_model:
        options["model"] = simulator_model
    simulators.check(simulator)
    settings = ServeOptions(host=host, port=port, batch_window_ms=batch_window_ms, max_batch=max_batch,
                            max_queue=max_queue, seed=seed)
    console.print(f"[bold]simuser serve[/] {simulator} at http://{host}:{port}/v1 "
                  "(POST /v1/chat/completions, GET /health); Ctrl-C stops", highlight=False)
    serve(ComponentSpec(name=simulator, options=options), settings)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
