"""Simulated users as a service: ``simuser serve`` puts a user simulator behind an OpenAI-compatible endpoint.

For callers that play the *assistant* and need a realistic user on the other side: RL environments that
train an assistant against users (NeMo Gym, verl, SkyRL), evaluation harnesses in other languages, or
several processes sharing one GPU-resident user model. Requests that arrive together are answered by one
batched simulator call. The wire format is in :mod:`simuser.serve.protocol`; the server in
:mod:`simuser.serve.app` (the ``serve`` extra: starlette, uvicorn).
"""

from __future__ import annotations

from typing import Any

__all__ = ["ServeOptions", "ServerThread", "create_app", "serve"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from simuser.serve import app

        return getattr(app, name)
    raise AttributeError(name)
