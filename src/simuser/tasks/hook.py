"""The engine's reply hook for task runs: check every assistant reply against its conversation's task.

The task comes from the conversation's intent (``intent.metadata["task"]``), so the same hook serves a
fresh run, a resumed one and every ``gap`` condition. Checks are built once per task and run in worker
threads (a ``code`` check waits on a subprocess, a ``judge`` on a model), all replies of a step at once.
Checks with an ``acheck`` coroutine (the judge) are awaited on the engine's loop instead. A check
that raises, or reports an ``error``, records ``check_error`` on that reply; the run goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from simuser.engine.hooks import ReplyVerdict
from simuser.schema import Conversation
from simuser.tasks.checks import Check, CheckContext, CheckResult, build_check
from simuser.tasks.knowledge import intent_task
from simuser.tasks.model import Task

CHECK_ERROR = "check_error"


class TaskChecker:
    """Satisfies :class:`simuser.engine.hooks.ReplyHook`."""

    def __init__(self, check_defaults: dict[str, dict[str, Any]] | None = None):
        self.check_defaults = check_defaults or {}
        self._checks: dict[str, tuple[Task, Check]] = {}

    async def check_replies(self, conversations: Sequence[Conversation]) -> list[ReplyVerdict | None]:
        return list(await asyncio.gather(*(self.check_one(c) for c in conversations)))

    async def check_one(self, conversation: Conversation) -> ReplyVerdict | None:
        found = self._check_for(conversation)
        if found is None:
            return None
        task, check = found
        result = await run_check(check, CheckContext(task, conversation, conversation.messages[-1].content))
        return ReplyVerdict(result.passed and result.error is None, record(result))

    async def aclose(self) -> None:
        """Close what checks hold (a judge's model), on the loop that used them."""
        for _, check in self._checks.values():
            close = getattr(check, "aclose", None)
            if close is not None:
                await close()

    def _check_for(self, conversation: Conversation) -> tuple[Task, Check] | None:
        key = conversation.intent.id
        if key not in self._checks:
            task = intent_task(conversation.intent)
            if task is None:
                return None
            self._checks[key] = (task, build_check(task, self.check_defaults))
        return self._checks[key]


async def run_check(check: Check, context: CheckContext) -> CheckResult:
    """A check with an ``acheck`` coroutine (a judge) runs on the loop; others in a worker thread."""
    try:
        acheck = getattr(check, "acheck", None)
        return await acheck(context) if acheck is not None else await asyncio.to_thread(check.check, context)
    except Exception as exc:  # the check's failure, not the reply's: recorded, the run goes on
        return CheckResult.failed_check(f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:500])


def record(result: CheckResult) -> dict[str, Any]:
    """What goes into the reply's metadata["check"]."""
    data = result.to_json()
    data["status"] = CHECK_ERROR if result.error is not None else ("passed" if result.passed else "failed")
    return data
