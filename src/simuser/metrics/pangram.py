"""A client for the Pangram Labs AI-text detector, the naturalness judge of the UserLM paper.

API shape (from Pangram's public SDK docs, https://pangram.readthedocs.io, not checked against the live
service here): ``POST {base}`` with JSON ``{"text": ...}`` and the key in the ``x-api-key`` header; the
answer carries ``fraction_human`` (v3) or, from the older endpoint, ``ai_likelihood``; we read
``fraction_human`` when present and ``1 - ai_likelihood`` otherwise. The key comes from an environment
variable (``PANGRAM_API_KEY`` by default) and is never written anywhere; ``PANGRAM_API_BASE`` overrides
the endpoint (tests point it at a local fake server).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import httpx

from simuser import defaults
from simuser.errors import UserError

DEFAULT_BASE = "https://text.api.pangram.com/v3"
_RETRY_STATUS = {429, 500, 502, 503, 504}


class PangramDetector:
    name = "pangram"

    def __init__(self, api_key_env: str = "PANGRAM_API_KEY", base_url: str | None = None,
                 timeout_s: float = defaults.REQUEST_TIMEOUT_S, max_retries: int = 3):
        self.api_key_env = api_key_env
        self.base_url = base_url or os.environ.get("PANGRAM_API_BASE", DEFAULT_BASE)
        self.timeout_s = timeout_s
        self.max_retries = max_retries

    def p_human(self, texts: Sequence[str]) -> list[float]:
        key = os.environ.get(self.api_key_env)
        if not key:
            raise UserError(f"the Pangram detector needs an API key: export {self.api_key_env}=<your key>")
        with httpx.Client(timeout=self.timeout_s, headers={"x-api-key": key}) as client:
            return [self._score(client, text) for text in texts]

    def _score(self, client: httpx.Client, text: str) -> float:
        for attempt in range(self.max_retries + 1):
            response = client.post(self.base_url, json={"text": text})
            if response.status_code not in _RETRY_STATUS or attempt == self.max_retries:
                break
            time.sleep(min(defaults.BACKOFF_MAX_S, defaults.BACKOFF_BASE_S * 2**attempt))
        if response.status_code in (401, 403):
            raise UserError(f"Pangram rejected the key in {self.api_key_env} (HTTP {response.status_code}); check it")
        if response.status_code != 200:
            raise UserError(f"Pangram answered HTTP {response.status_code} at {self.base_url}; try again later")
        return p_human_from(response.json())


def p_human_from(payload: dict[str, Any]) -> float:
    """P(human) from a Pangram answer: ``fraction_human``, else ``1 - ai_likelihood``."""
    if "fraction_human" in payload:
        return float(payload["fraction_human"])
    if "ai_likelihood" in payload:
        return 1.0 - float(payload["ai_likelihood"])
    raise UserError(f"unexpected Pangram answer (fields: {', '.join(sorted(payload))}); expected fraction_human")
