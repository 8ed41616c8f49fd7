"""CamRest676 (ConvLab-3 unified format, ``data.zip``) -> conversations with intents.

One domain (restaurants in Cambridge); the high-level intent says what the user wanted to learn about
the restaurant (its requested slots), the written task (without its "Task NNNNN:" tag) is the detailed goal.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

from simuser.schema import Conversation, Intent, Message, Role
from simuser.train.sources.goals import intent_text, join_phrases, strip_markup

SOURCE = "camrest"
_ROLE: dict[str, Role] = {"user": "user", "system": "assistant"}
_TASK_TAG = re.compile(r"^Task \d+:\s*")
_SLOT_WORDS = {"address": "address", "phone": "phone number", "postcode": "postcode", "food": "type of food",
               "price range": "price range", "area": "area", "name": "name"}


def read_camrest(directory: Path) -> list[Conversation]:
    with zipfile.ZipFile(Path(directory) / "data.zip") as archive:
        dialogues = json.loads(archive.read("data/dialogues.json"))
    return [camrest_conversation(d) for d in dialogues]


def camrest_conversation(dialogue: dict[str, Any]) -> Conversation:
    messages = [Message(role=_ROLE[t["speaker"]], content=t["utterance"].strip()) for t in dialogue["turns"]]
    goal = dialogue["goal"]
    metadata = {"source": SOURCE, "native_id": dialogue["dialogue_id"], "upstream_split": dialogue.get("data_split"),
                "domains": ["restaurant"], "goal": strip_markup(_TASK_TAG.sub("", goal.get("description", "")))}
    return Conversation(intent=Intent(id=f"{SOURCE}:{dialogue['dialogue_id']}", text=intent_text(camrest_purpose(goal))),
                        messages=messages, metadata=metadata)


def camrest_purpose(goal: dict[str, Any]) -> str:
    wanted = [_SLOT_WORDS.get(s, s) for s in goal.get("request", {}).get("restaurant", {})]
    if not wanted:
        return "find a restaurant in Cambridge"
    return f"find a restaurant in Cambridge and get its {join_phrases(wanted)}"
