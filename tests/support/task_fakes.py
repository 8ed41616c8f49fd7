"""Fake assistants and tasks for the task-scoring tests (simuser.tasks)."""

import re
from collections.abc import Sequence

from simuser.assistants import AssistantReply, AssistantRequest
from simuser.schema import ComponentSpec

# Five tasks whose questions hold two numbers each (the facts); the answer needs both.
PROBLEMS = [
    ("t1", "A bakery sells 40 muffins at 3 dollars each. How many dollars does it make?", 120),
    ("t2", "Tom has 7 boxes with 6 pens in each. How many pens does he have?", 42),
    ("t3", "A train runs 90 km every hour for 5 hours. How far does it go?", 450),
    ("t4", "Ana reads 12 pages a day for 11 days. How many pages does she read?", 132),
    ("t5", "A farm has 25 hens that lay 4 eggs each. How many eggs are there?", 100),
]


def task_record(task_id: str, question: str, answer: int) -> dict:
    return {"id": task_id, "intent": "work out a math problem", "question": question,
            "shards": [s.strip() + "." for s in question.split(".") if s.strip()],
            "check": {"type": "number", "answer": answer}}


class FactAssistant:
    """Answers correctly only once every number of the task's question has reached it from the user."""

    def __init__(self):
        self.facts = {tuple(re.findall(r"\d+", q)): answer for _, q, answer in PROBLEMS}

    def describe(self) -> ComponentSpec:
        return ComponentSpec(name="fact-fake", description="answers once it has every fact")

    async def respond(self, requests: Sequence[AssistantRequest]) -> list[AssistantReply]:
        return [AssistantReply(self._reply(r)) for r in requests]

    def _reply(self, request: AssistantRequest) -> str:
        said = set(re.findall(r"\d+", " ".join(m.content for m in request.messages if m.role == "user")))
        for facts, answer in self.facts.items():
            if set(facts) <= said:
                return f"So the total is {answer}."
        return "I need the numbers first: 1) what quantity, 2) what rate?"

    async def aclose(self) -> None:
        pass


class SecondTimeRight:
    """Wrong on its first reply (says 7), right (120) from its second reply on."""

    def describe(self) -> ComponentSpec:
        return ComponentSpec(name="second-time-right")

    async def respond(self, requests):
        return [AssistantReply("I think it is 7." if sum(m.role == "assistant" for m in r.messages) == 0
                               else "Sorry, it is 120.") for r in requests]

    async def aclose(self) -> None:
        pass


def strict_judge(messages):
    """A judge model as a function: PASS when the graded reply says 'sorry', else FAIL; 'boom' breaks it."""
    prompt = messages[-1]["content"]
    graded = prompt.split("The reply to grade (the assistant's last message):", 1)[1].split("Judge only", 1)[0]
    if "boom" in graded:
        raise RuntimeError("judge endpoint down")
    if "mumble" in graded:
        return "I think it is fine."
    verdict = "PASS" if "sorry" in graded.lower() else "FAIL"
    return f"VERDICT: {verdict}\nRATIONALE: the reply {'apologises' if verdict == 'PASS' else 'does not apologise'}."


def second_time_right(messages: list[dict[str, str]]) -> str:
    """SecondTimeRight as a plain function (``callable`` assistant), for workers that build it from a spec."""
    return "I think it is 7." if sum(m["role"] == "assistant" for m in messages) == 0 else "Sorry, it is 120."
