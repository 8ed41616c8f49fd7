"""Token ids of special tokens, from a local tokenizer or a server's tokenize endpoint.

Served backends need the id of ``<|endconversation|>`` to ban it with ``logit_bias`` before
``min_turns_before_end``; None means "not one token, or no way to ask", and the guardrails then regenerate.
"""

from __future__ import annotations

from simuser.errors import UserError, require
from simuser.models.http import AiohttpClient, EndpointError, PooledClient, RetryPolicy, request_json


def local_token_id(tokenizer_dir: str, token: str) -> int | None:
    """``token``'s id in a local tokenizer, when it is a single token there."""
    transformers = require("transformers", "local")
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(tokenizer_dir)
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot load the tokenizer '{tokenizer_dir}' ({exc}); pass a local tokenizer directory") from None
    return tokenizer.get_vocab().get(token)


async def served_token_id(http: AiohttpClient | PooledClient, server_root: str, routes: tuple[tuple[str, str], ...], model: str,
                          token: str, headers: dict[str, str]) -> int | None:
    """``token``'s single id from the first tokenize route that answers (a BOS the server adds is dropped)."""
    for route in routes:
        marker = await _tokenize(http, server_root, route, model, token, headers)
        empty = await _tokenize(http, server_root, route, model, "", headers)
        if marker is None or empty is None:
            continue
        if marker[:len(empty)] == empty:  # some servers add a BOS token to whatever they tokenize
            marker = marker[len(empty):]
        return int(marker[0]) if len(marker) == 1 else None
    return None


async def _tokenize(http: AiohttpClient | PooledClient, server_root: str, route: tuple[str, str], model: str, text: str,
                    headers: dict[str, str]) -> list[int] | None:
    path, text_field = route
    body = {"model": model, text_field: text, "add_special_tokens": False}
    try:
        answer = await request_json(http, "POST", server_root + path, json_body=body, headers=headers,
                                    policy=RetryPolicy(max_retries=1))
    except EndpointError:
        return None
    tokens = answer.get("tokens") if isinstance(answer, dict) else None
    return tokens if isinstance(tokens, list) else None
