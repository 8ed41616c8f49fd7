"""The survey's "assistant" side: it asks the questionnaire, one item per turn.

The engine lets the user speak first, so a survey conversation runs: the user's opening message; the
asker's intro and item 1; the user's answer; item 2; ... the last answer; the closing. Each asking message
records ``survey_item`` in its metadata, so the answer to an item is the user turn right after it.
"""

from __future__ import annotations

from collections.abc import Sequence

from simuser.assistants import AssistantReply, AssistantRequest
from simuser.schema import ComponentSpec
from simuser.survey.questionnaire import Questionnaire, question_text


class SurveyAsker:
    def __init__(self, questionnaire: Questionnaire):
        self.questionnaire = questionnaire

    def describe(self) -> ComponentSpec:
        return ComponentSpec(name="survey", options={"topic": self.questionnaire.topic,
                                                     "items": [i.id for i in self.questionnaire.items]},
                             description="asks the questionnaire, one item per turn")

    async def respond(self, requests: Sequence[AssistantRequest]) -> list[AssistantReply]:
        return [self._next(request) for request in requests]

    async def aclose(self) -> None:
        pass

    def _next(self, request: AssistantRequest) -> AssistantReply:
        asked = sum(1 for m in request.messages if m.role == "assistant")
        items = self.questionnaire.items
        if asked >= len(items):
            return AssistantReply(self.questionnaire.closing, {"survey_item": None})
        text = question_text(items[asked])
        if asked == 0:
            text = f"{self.questionnaire.intro} {text}"
        return AssistantReply(text, {"survey_item": items[asked].id})
