"""simuser: simulate realistic users talking to conversational AI, and measure how realistic they are.

The public API is small and imports nothing heavy; backends load torch, transformers or HTTP clients
only when they are used::

    from simuser import simulate, RunConfig
    result = simulate(RunConfig(intents=["plan a weekend in Lisbon"], n=2))
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
    "simulate",
]


def __getattr__(name: str):
    # The engine pulls in asyncio machinery and the registries; keep `import simuser` instant.
    if name in ("simulate", "RunConfig"):
        from simuser import engine

        return getattr(engine, name)
    raise AttributeError(name)
