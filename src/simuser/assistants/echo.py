"""A fake assistant that is a real, registered backend: ``--assistant echo``.

It answers ``"<prefix><last user message>"`` and nothing else, so tests and demos can run the whole loop
offline and assert exact transcripts. ``fail_on`` makes it fail (``assistant_error``) whenever the last
user message contains that text, to exercise failure handling deterministically; ``delay_s`` adds
latency, to exercise concurrency.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from simuser.assistants.base import AssistantReply, AssistantRequest, timed_reply
from simuser.schema import ComponentSpec


class EchoAssistant:
    independent_requests = True  # one call per request: the engine need not wait for a whole step

    def __init__(self, prefix: str = "You said: ", fail_on: str | None = None, delay_s: float = 0.0):
        self.prefix = prefix
        self.fail_on = fail_on
        self.delay_s = delay_s

    def describe(self) -> ComponentSpec:
        return ComponentSpec(name="echo", options={"prefix": self.prefix, "fail_on": self.fail_on, "delay_s": self.delay_s})

    async def respond(self, requests: Sequence[AssistantRequest]) -> list[AssistantReply]:
        return list(await asyncio.gather(*(timed_reply(self._respond_one(r)) for r in requests)))

    async def aclose(self) -> None:
        pass

    async def _respond_one(self, request: AssistantRequest) -> AssistantReply:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        last = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
        if self.fail_on is not None and self.fail_on in last:
            return AssistantReply.failed(f"echo assistant told to fail on {self.fail_on!r}")
        return AssistantReply(f"{self.prefix}{last}")
