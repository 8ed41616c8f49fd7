"""MultiWOZ 2.1 (original format, ``{split}.json.zip``) -> conversations with intents.

Each dialogue alternates user and wizard turns, user first, and ends where the user was done. Text is
detokenised (:mod:`.detok`); the goal's sentences lose their markup and become ``metadata.goal``; the
high-level intent names the goal's domains in the order the goal mentions them.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from simuser.schema import Conversation, Intent, Message, Role
from simuser.train.sources.detok import detokenize
from simuser.train.sources.goals import intent_text, join_phrases, strip_markup

SOURCE = "multiwoz"
FILES = ("val.json.zip", "test.json.zip")

#: (phrase without booking, phrase with booking) per goal domain.
_DOMAIN_PHRASES = {
    "restaurant": ("find a restaurant", "find and book a restaurant"),
    "hotel": ("find a place to stay", "find and book a place to stay"),
    "attraction": ("find something to see or do", "find something to see or do"),
    "train": ("find a train", "book a train"),
    "taxi": ("book a taxi", "book a taxi"),
    "hospital": ("find a hospital department", "find a hospital department"),
    "police": ("get in touch with the police", "get in touch with the police"),
}


def read_multiwoz(directory: Path, files: tuple[str, ...] = FILES) -> list[Conversation]:
    """Every dialogue of the given zips, in file order."""
    conversations = []
    for name in files:
        with zipfile.ZipFile(Path(directory) / name) as archive:
            dialogues = json.loads(archive.read(archive.namelist()[0]))
        conversations += [multiwoz_conversation(did, d, name.split(".")[0]) for did, d in dialogues.items()]
    return conversations


def multiwoz_conversation(dialogue_id: str, dialogue: dict[str, Any], split: str = "") -> Conversation:
    goal = dialogue["goal"]
    roles: tuple[Role, Role] = ("user", "assistant")
    messages = [Message(role=roles[i % 2], content=detokenize(turn["text"])) for i, turn in enumerate(dialogue["log"])]
    domains = goal_domains(goal)
    metadata = {"source": SOURCE, "native_id": dialogue_id, "upstream_split": split, "domains": domains,
                "goal": goal_text(goal.get("message", []))}
    return Conversation(intent=Intent(id=f"{SOURCE}:{dialogue_id}", text=intent_text(multiwoz_purpose(goal))),
                        messages=messages, metadata=metadata)


def goal_text(sentences: list[str]) -> str:
    """The goal's sentences without markup, each ending in a full stop."""
    cleaned = (strip_markup(s) for s in sentences)
    return " ".join(s if s.endswith((".", "!", "?")) else f"{s}." for s in cleaned if s)


def goal_domains(goal: dict[str, Any]) -> list[str]:
    """The goal's non-empty domains, in the order its sentences mention them."""
    present = [d for d in _DOMAIN_PHRASES if goal.get(d)]
    text = " ".join(goal.get("message", [])).lower()
    mention = {"hotel": "place to stay", "attraction": "attraction"}

    def position(domain: str) -> int:
        found = [i for i in (text.find(domain), text.find(mention.get(domain, domain))) if i >= 0]
        return min(found) if found else len(text)

    return sorted(present, key=position)


def multiwoz_purpose(goal: dict[str, Any]) -> str:
    phrases = [_DOMAIN_PHRASES[d][1 if goal[d].get("book") else 0] for d in goal_domains(goal)]
    return f"{join_phrases(phrases) or 'get information'} in Cambridge"
