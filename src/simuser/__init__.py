"""simuser: simulate realistic users talking to conversational AI, and measure how realistic they are.

The public API is small and imports nothing heavy; backends load torch, transformers or HTTP clients
only when they are used::

    from simuser import simulate, RunConfig
    result = simulate(RunConfig(intents=["plan a weekend in Lisbon"], n=2))
    result.to_pandas("conversation")   # one row per conversation (pandas optional)
    simuser.evaluate(result)           # the realism report card

``simulate`` blocks and also works where an event loop is already running (Jupyter); ``asimulate``
is the coroutine for async code.
"""

from simuser.schema import SCHEMA_VERSION, ComponentSpec, Conversation, EndReason, Intent, Message

__version__ = "0.1.0"

__all__ = [
    "SCHEMA_VERSION",
    "ComponentSpec",
    "Conversation",
    "EndReason",
    "Intent",
    "Message",
    "RunConfig",
    "asimulate",
    "evaluate",
    "score",
    "simulate",
]


def __getattr__(name: str):
    # The engine pulls in asyncio machinery and the registries; keep `import simuser` instant.
    if name in ("simulate", "asimulate", "RunConfig", "RunResult"):
        from simuser import engine

        return getattr(engine, name)
    if name == "evaluate":
        from simuser.metrics.api import evaluate

        return evaluate
    if name == "score":
        return _task_score()
    raise AttributeError(name)


def _task_score():
    """``simuser.tasks.score`` (task success per conversation and run), once the tasks package exists."""
    try:
        from simuser.tasks import score
    except ImportError as exc:  # the tasks package (issue 9) is not in this build yet
        raise AttributeError(f"simuser.score needs the simuser.tasks package, which this install lacks ({exc})") from None
    return score
