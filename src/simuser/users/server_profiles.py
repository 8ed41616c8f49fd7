"""What each OpenAI-compatible server family needs in a UserLM completions request (see
:mod:`simuser.users.userlm_completions` for why each setting is there), and how to recognise it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from simuser.models.http import AiohttpClient, EndpointError, PooledClient, RetryPolicy, request_json


@dataclass(frozen=True)
class ServerProfile:
    """What one server family needs in a request, and where it tokenizes text."""

    name: str
    extra_body: dict[str, Any] = field(default_factory=dict)
    tokenize: tuple[tuple[str, str], ...] = ()  # (path under the server root, JSON field of the text)
    owned_by: tuple[str, ...] = ()  # the ``owned_by`` of its /v1/models entries


PROFILES: dict[str, ServerProfile] = {
    "vllm": ServerProfile("vllm", {"skip_special_tokens": False, "add_special_tokens": False},
                          (("/tokenize", "prompt"),), ("vllm",)),
    "sglang": ServerProfile("sglang", {"skip_special_tokens": False}, (), ("sglang",)),
    # llama-cpp-python's server answers /extras/tokenize; llama.cpp's own llama-server answers /tokenize.
    # Both sample with top_k=40 and min_p=0.05 unless told otherwise; UserLM samples with top_p only.
    "llamacpp": ServerProfile("llamacpp", {"top_k": 0, "min_p": 0.0, "repeat_penalty": 1.0},
                              (("/extras/tokenize", "input"), ("/tokenize", "content")), ("llamacpp", "me")),
    "tgi": ServerProfile("tgi", {}, (), ("tgi", "text-generation-inference")),
    "openai": ServerProfile("openai"),
}

ServerName = Literal["auto", "vllm", "sglang", "llamacpp", "tgi", "openai"]


async def detect_profile(http: AiohttpClient | PooledClient, base_url: str, headers: dict[str, str]) -> ServerProfile:
    """The profile whose ``owned_by`` matches the server's ``/v1/models`` listing; ``openai`` otherwise."""
    try:
        listing = await request_json(http, "GET", f"{base_url}/models", headers=headers, policy=RetryPolicy(max_retries=1))
        owners = {str(m.get("owned_by", "")).lower() for m in listing.get("data", []) if isinstance(m, dict)}
    except (EndpointError, AttributeError):
        owners = set()
    return next((p for p in PROFILES.values() if owners & set(p.owned_by)), PROFILES["openai"])
