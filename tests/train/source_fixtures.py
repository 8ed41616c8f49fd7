"""Tiny copies of each public data set's upstream format, written to a directory for the readers."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

MULTIWOZ = {
    "PMUL0001.json": {
        "goal": {
            "hotel": {"info": {"area": "east"}, "book": {"people": "3"}}, "train": {"info": {"day": "friday"}},
            "restaurant": {}, "taxi": {},
            "message": ["You are looking for a <span class='emphasis'>place to stay</span>",
                        "You are also looking for a <span class='emphasis'>train</span>."],
        },
        "log": [
            {"text": "I need a hotel in the east . John 's friend said it 's nice ."},
            {"text": "I can help with that . What 's your price range ?"},
            {"text": "That does n't matter , but I 'd like free wifi ( if possible ) ."},
            {"text": "The Allenbell has wifi ."},
            {"text": "Thanks , that 's all !"},
            {"text": "Goodbye ."},
        ],
    },
}

STAR = {
    "DialogueID": 7, "CompletionLevel": "Complete",
    "Scenario": {"Domains": ["doctor"], "Happy": False, "MultiTask": False,
                 "UserTask": "You (Alexis) forgot your doctor's instructions. Find out how often to take your medicine.",
                 "WizardCapabilities": [{"Domain": "doctor", "Task": "doctor_followup"}], "WizardTask": "Help."},
    "Events": [
        {"Agent": "UserGuide", "Action": "instruct", "Text": "Act confused at first. [instruction 1 of 2]"},
        {"Agent": "User", "Action": "utter", "Text": "Hi, I forgot something"},
        {"Agent": "User", "Action": "utter", "Text": "about my medicine"},
        {"Agent": "Wizard", "Action": "request_suggestions", "Text": "name?"},
        {"Agent": "Wizard", "Action": "pick_suggestion", "Text": "Could I get your name, please?"},
        {"Agent": "UserGuide", "Action": "instruct", "Text": "Now change your mind. [instruction 2 of 2]"},
        {"Agent": "User", "Action": "utter", "Text": "Alexis. Actually, never mind the medicine."},
        {"Agent": "Wizard", "Action": "query", "Text": None},
        {"Agent": "KnowledgeBase", "Action": "return_item", "Text": None},
        {"Agent": "Wizard", "Action": "utter", "Text": "No problem, goodbye!"},
        {"Agent": "User", "Action": "complete", "Text": None},
    ],
}
STAR_INCOMPLETE = {**STAR, "DialogueID": 8, "CompletionLevel": "EarlyDisconnectDuringDialogue"}

CAMREST = [{
    "dialogue_id": "camrest-test-3", "data_split": "test",
    "goal": {"description": "Task 11193: You are looking for an expensive restaurant in the south.",
             "inform": {"restaurant": {"area": "south"}}, "request": {"restaurant": {"address": "", "phone": ""}}},
    "turns": [{"speaker": "user", "utterance": "I want an expensive place in the south."},
              {"speaker": "system", "utterance": "Chiquito is expensive and in the south."},
              {"speaker": "user", "utterance": "What is the address and phone?"},
              {"speaker": "system", "utterance": "2G Cambridge Leisure Park, 01223 400170."}],
}]

HH_TRANSCRIPT = "\n\nHuman: what are some pranks with a pen?\n\nAssistant: Are you looking for jokes?\n\nHuman: yep\n\nAssistant: "
HH = [{"chosen": HH_TRANSCRIPT + "Here are two.", "rejected": HH_TRANSCRIPT + "No."},
      {"chosen": HH_TRANSCRIPT + "Here are three.", "rejected": HH_TRANSCRIPT + "Never."},  # same context: skipped
      {"chosen": "\n\nHuman: How much water per day?\n\nAssistant: About two litres.", "rejected": "x"}]


def write_sources(root: Path) -> Path:
    """``root/<source>/`` in each upstream layout; returns ``root``."""
    for name in ("multiwoz", "star", "camrest", "hh_rlhf"):
        (root / name).mkdir(parents=True, exist_ok=True)
    for split in ("val", "test"):
        with zipfile.ZipFile(root / "multiwoz" / f"{split}.json.zip", "w") as archive:
            archive.writestr(f"{split}.json", json.dumps(MULTIWOZ if split == "val" else {}))
    with gzip.open(root / "star" / "dialogues.jsonl.gz", "wt") as handle:
        handle.write("\n".join(json.dumps(r) for r in (STAR, STAR_INCOMPLETE)) + "\n")
    with zipfile.ZipFile(root / "camrest" / "data.zip", "w") as archive:
        archive.writestr("data/dialogues.json", json.dumps(CAMREST))
    with gzip.open(root / "hh_rlhf" / "harmless-base-test.jsonl.gz", "wt") as handle:
        handle.write("\n".join(json.dumps(r) for r in HH) + "\n")
    return root
