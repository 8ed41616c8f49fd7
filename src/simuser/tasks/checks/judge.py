"""``judge``: an LLM reads the reply and the task's rubric and says PASS or FAIL, with a rationale.

``{"type": "judge", "rubric": "...", "model": {"name": "openai", "options": {"base_url": ..., "model": ...}}}``.
The model goes through the one chat-model interface (:mod:`simuser.models.chat`: ``transformers`` for a
local model, ``openai`` for an endpoint, ``callable`` for a function); a suite can supply the model and
the rubric for all its tasks (check defaults). The prompt is ``prompts/task_judge.md``; sampling is greedy
with a per-reply seed. The verdict is the word after ``VERDICT:``; the rationale is recorded as the reason.
A judge that fails or answers without a verdict records ``check_error`` on that reply, never a pass.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

from pydantic import Field

from simuser.models.concurrency import run_sync
from simuser.seeds import derive_seed
from simuser.tasks.checks.base import CheckContext, CheckOptions, CheckResult, parse_options

VERDICT = re.compile(r"VERDICT\s*:\s*\**\s*(PASS|FAIL)", re.IGNORECASE)
RATIONALE = re.compile(r"RATIONALE\s*:\s*(.+)", re.IGNORECASE)


class JudgeOptions(CheckOptions):
    rubric: str = Field(min_length=1)
    model: dict[str, Any] | str
    max_new_tokens: int = Field(128, ge=8)


@lru_cache(maxsize=1)
def judge_template() -> str:
    return resources.files("simuser").joinpath("prompts/task_judge.md").read_text("utf-8")


def judge_prompt(context: CheckContext, rubric: str) -> str:
    history = "\n".join(f"{m.role}: {m.content}" for m in context.conversation.messages[:-1]) or "(none)"
    return judge_template().format(question=context.task.question, rubric=rubric, conversation=history, reply=context.reply)


def parse_verdict(text: str) -> CheckResult:
    verdict = VERDICT.search(text)
    if verdict is None:
        return CheckResult.failed_check(f"the judge gave no VERDICT line: {' '.join(text.split())[:200]}")
    rationale = RATIONALE.search(text)
    passed = verdict.group(1).upper() == "PASS"
    return CheckResult.verdict(passed, verdict.group(1).upper(), rationale.group(1).strip() if rationale else "(no rationale)")


class JudgeCheck:
    def __init__(self, **options: Any):
        self.options = parse_options("judge", JudgeOptions, options)
        self._model: Any = None

    async def acheck(self, context: CheckContext) -> CheckResult:
        from simuser.models.chat import Sampling, build_chat_model

        if self._model is None:
            self._model = build_chat_model(self.options.model)
        seed = derive_seed(context.conversation.seed, "judge", len(context.conversation.messages))
        chat = [{"role": "user", "content": judge_prompt(context, self.options.rubric)}]
        sampling = Sampling(max_new_tokens=self.options.max_new_tokens, temperature=0.0, do_sample=False)
        [generation] = await self._model.generate([chat], sampling, seeds=[seed])
        if not generation.ok:
            return CheckResult.failed_check(f"the judge failed: {generation.error}")
        return parse_verdict(generation.text)

    def check(self, context: CheckContext) -> CheckResult:
        """Synchronous use outside the engine (a fresh loop; the model is closed afterwards)."""
        async def once() -> CheckResult:
            try:
                return await self.acheck(context)
            finally:
                await self.aclose()

        return run_sync(once())

    async def aclose(self) -> None:
        if self._model is not None:
            await self._model.aclose()
            self._model = None
