"""``run_survey``: respondents from a population answer a questionnaire; answers, distributions, reports.

Respondents: ``n`` per persona. Each persona gets one intent that pins it (``intent.metadata["persona"]``)
with ``n`` samples, so every persona has exactly ``n`` respondents (no population: ``n`` respondents without
a persona). The intent: "... to answer a short survey about TOPIC, one question at a time, in your own
words". The engine runs it like any run (``max_turns`` = items + 1: the opening message, then one answer per
item), with :class:`SurveyAsker` as the assistant.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simuser.population import Persona
from simuser.schema import ComponentSpec, Conversation, Intent, normalize_intent_text
from simuser.survey.analysis import Answer, answers_of, distributions
from simuser.survey.asker import SurveyAsker
from simuser.survey.questionnaire import Questionnaire


@dataclass
class SurveyResult:
    run_dir: Path | None
    conversations: list[Conversation]
    answers: list[Answer]
    distributions: dict[str, dict[str, Any]]


def survey_intents(questionnaire: Questionnaire, personas: list[Persona] | None) -> list[Intent]:
    text = normalize_intent_text(f"answer a short survey about {questionnaire.topic}, one question at a time, in your own words")
    if not personas:
        return [Intent(id="respondent", text=text)]
    return [Intent(id=p.name, text=text, metadata={"persona": p.model_dump()}) for p in personas]


def run_survey(questionnaire: Questionnaire, simulator: ComponentSpec | Any, personas: list[Persona] | None = None,
               n: int = 10, seed: int = 0, out: Path | None = None, batch_size: int = 32,
               progress: Any = False) -> SurveyResult:
    """Ask ``questionnaire`` of ``n`` respondents per persona, simulated by ``simulator`` (spec or object)."""
    return asyncio.run(arun_survey(questionnaire, simulator, personas, n, seed, out, batch_size, progress))


async def arun_survey(questionnaire, simulator, personas, n, seed, out, batch_size, progress) -> SurveyResult:
    from simuser.engine import RunConfig, asimulate
    from simuser.engine.components import build_simulator

    owned = isinstance(simulator, ComponentSpec)
    user = build_simulator(simulator) if owned else simulator
    asker = SurveyAsker(questionnaire)
    config = RunConfig(intents=survey_intents(questionnaire, personas), n=n, seed=seed, out=out, batch_size=batch_size,
                       max_turns=len(questionnaire.items) + 1, simulator=user.describe(), assistant=asker.describe(),
                       concurrency=1, population=None)
    try:
        result = await asimulate(config, simulator=user, assistant=asker, progress=progress)
    finally:
        if owned:
            await user.aclose()
    conversations = sorted(result.conversations, key=lambda c: c.key)
    answers = [a for c in conversations for a in answers_of(c, questionnaire)]
    return SurveyResult(result.run_dir, conversations, answers, distributions(answers, questionnaire))
