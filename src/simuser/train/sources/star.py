"""STAR (RasaHQ, ``dialogues.jsonl.gz``) -> conversations with intents.

Events become messages: the user's ``utter`` events are user turns, the wizard's ``pick_suggestion`` and
``utter`` events are assistant turns (consecutive messages of one side are joined with a newline, as one
turn); knowledge-base queries and the wizard's suggestion requests are tooling, not conversation.
``UserGuide`` events are instructions shown to the user mid-dialogue ("act confused", "change your
mind"): they are not part of the conversation the assistant saw, so they leave the messages and join the
detailed goal ("Along the way: ...") with the user turn they came before in ``metadata.instructions``.
Dialogues that did not complete (the user disconnected) are skipped by default: their last turn is not
where the user was done, and the end-of-conversation sample would teach the wrong thing.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

from simuser.schema import Conversation, Intent, Message, Role
from simuser.train.sources.goals import intent_text, join_phrases, strip_markup

SOURCE = "star"
_INSTRUCTION_TAG = re.compile(r"\s*\[instruction \d+ of \d+\]\s*$")
_WIZARD_ACTIONS = ("pick_suggestion", "utter")

#: The wizard task (flow chart) of a dialogue -> what the user came for.
TASK_PHRASES = {
    "apartment_schedule": "schedule an apartment viewing",
    "apartment_search": "find an apartment to rent",
    "bank_balance": "check a bank balance",
    "bank_fraud_report": "report fraud on a bank account",
    "doctor_followup": "follow up on a doctor's instructions",
    "doctor_schedule": "book a doctor's appointment",
    "hotel_book": "book a hotel room",
    "hotel_search": "find a hotel",
    "hotel_service_request": "ask the hotel for a service",
    "meeting_schedule": "schedule a meeting",
    "party_plan": "plan a party at a venue",
    "party_rsvp": "reply to a party invitation",
    "plane_book": "book a flight",
    "plane_search": "find a flight",
    "restaurant_book": "reserve a table at a restaurant",
    "restaurant_search": "find a restaurant",
    "ride_book": "book a ride",
    "ride_change": "change a booked ride",
    "ride_status": "check on a booked ride",
    "spaceship_access_codes": "get the access codes to a spaceship's control room",
    "spaceship_life_support": "fix a spaceship's failing life support",
    "trip_directions": "get directions for a trip",
    "trivia": "play a round of trivia",
    "weather": "check the weather forecast",
}


def read_star(directory: Path, complete_only: bool = True) -> list[Conversation]:
    with gzip.open(Path(directory) / "dialogues.jsonl.gz", "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    return [star_conversation(r) for r in records if not complete_only or r.get("CompletionLevel") == "Complete"]


def star_conversation(record: dict[str, Any]) -> Conversation:
    messages, instructions = _messages_and_instructions(record["Events"])
    scenario = record["Scenario"]
    tasks = [c["Task"] for c in scenario.get("WizardCapabilities", [])]
    goal = strip_markup(scenario.get("UserTask", ""))
    if instructions:
        goal += "\nAlong the way: " + " ".join(text for _, text in instructions)
    metadata = {"source": SOURCE, "native_id": str(record["DialogueID"]), "domains": scenario.get("Domains") or [],
                "tasks": tasks, "happy": scenario.get("Happy"), "multitask": scenario.get("MultiTask"),
                "goal": goal, "instructions": [{"before_user_turn": i, "text": t} for i, t in instructions]}
    return Conversation(intent=Intent(id=f"{SOURCE}:{record['DialogueID']}", text=intent_text(star_purpose(tasks))),
                        messages=messages, metadata=metadata)


def star_purpose(tasks: list[str]) -> str:
    phrases = [TASK_PHRASES.get(t, t.replace("_", " ")) for t in tasks]
    if len(phrases) <= 1:
        return phrases[0] if phrases else "get help with a task"
    return f"get help with one or more things, such as to {join_phrases(phrases).replace(' and ', ' or ')}"


def _messages_and_instructions(events: list[dict[str, Any]]) -> tuple[list[Message], list[tuple[int, str]]]:
    """Messages (same-side runs joined) and (user turns so far, instruction) pairs."""
    messages: list[Message] = []
    instructions: list[tuple[int, str]] = []
    for event in events:
        role = _role_of(event)
        text = (event.get("Text") or "").strip()
        if event.get("Agent") == "UserGuide" and text:
            instructions.append((sum(m.role == "user" for m in messages), _INSTRUCTION_TAG.sub("", text)))
        elif role and text:
            if messages and messages[-1].role == role:
                messages[-1] = Message(role=role, content=f"{messages[-1].content}\n{text}")
            else:
                messages.append(Message(role=role, content=text))
    return messages, instructions


def _role_of(event: dict[str, Any]) -> Role | None:
    if event.get("Agent") == "User" and event.get("Action") == "utter":
        return "user"
    if event.get("Agent") == "Wizard" and event.get("Action") in _WIZARD_ACTIONS:
        return "assistant"
    return None
