"""The engine: intents x n conversations between a simulator and an assistant.

``simulate(config)`` is the synchronous edge; ``asimulate`` is the async core (see ``loop.py``).
"""

from simuser.engine.config import RunConfig, derive_seed, intent_from_text

__all__ = ["RunConfig", "RunResult", "asimulate", "derive_seed", "intent_from_text", "simulate"]


def __getattr__(name: str):
    if name in ("simulate", "asimulate", "RunResult"):
        from simuser.engine import loop

        return getattr(loop, name)
    raise AttributeError(name)
