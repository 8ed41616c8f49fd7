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

JUDGE_PROMPT = Path(__file__).resolve().parent.parent / "prompts" / "survey_judge.md"


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
               progress: Any = False, judge: ComponentSpec | None = None) -> SurveyResult:
    """Ask ``questionnaire`` of ``n`` respondents per persona, simulated by ``simulator`` (spec or object);
    ``judge`` (a chat model) maps the closed answers the rule left unmapped."""
    return asyncio.run(arun_survey(questionnaire, simulator, personas, n, seed, out, batch_size, progress, judge))


async def arun_survey(questionnaire, simulator, personas, n, seed, out, batch_size, progress, judge=None) -> SurveyResult:
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
    if judge is not None:
        await judge_unmapped(answers, questionnaire, judge, seed)
    return SurveyResult(result.run_dir, conversations, answers, distributions(answers, questionnaire))


async def judge_unmapped(answers: list[Answer], questionnaire: Questionnaire, judge: ComponentSpec, seed: int) -> None:
    """Map closed answers the rule could not, with the judge; each mapped one says ``mapped_by="judge"``."""
    import jinja2

    from simuser.judging.labeler import label_prompts

    template = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(JUDGE_PROMPT.read_text(encoding="utf-8"))
    items = {item.id: item for item in questionnaire.items}
    todo = [a for a in answers if a.type != "open" and a.answer and not a.mapped]
    prompts = [template.render(question=items[a.item].text, options=items[a.item].labels, answer=a.answer).strip() for a in todo]
    most = max((len(item.labels) for item in questionnaire.items), default=0)
    labels = await label_prompts(judge, prompts, [str(k) for k in range(1, most + 1)] + ["none"], seed, "survey-judge")
    for answer, label in zip(todo, labels, strict=True):
        options = items[answer.item].labels
        if label and label.isdigit() and 1 <= int(label) <= len(options):
            answer.value = int(label) if answer.type == "likert" else options[int(label) - 1]
            answer.mapped, answer.mapped_by = True, "judge"
