"""Readers for public human-human and human-assistant dialogue sets, into simuser conversations with intents.

Each reader turns one upstream format into :class:`simuser.schema.Conversation` objects (real user turns,
assistant or wizard turns, a high-level intent in the UserLM paper's phrasing, the detailed goal in
``metadata.goal``), so the sets can be flipped and trained on like any chat log. The data itself is not
shipped: point the readers at a copy of the upstream files (see docs/training-data.md).

* :func:`read_multiwoz` - MultiWOZ 2.1 (original ``*.json.zip``), detokenised;
* :func:`read_star` - STAR (``dialogues.jsonl.gz``), mid-dialogue user instructions kept apart;
* :func:`read_camrest` - CamRest676 (ConvLab-3 unified ``data.zip``);
* :func:`read_hh_rlhf` - Anthropic HH-RLHF (``*.jsonl.gz`` transcripts), one generic intent;
* :func:`read_sharegpt` - any ShareGPT-style log (``{"conversations": [{"from", "value"}]}``).
"""

from simuser.train.sources.camrest import read_camrest
from simuser.train.sources.goals import intent_text, with_detailed_goal
from simuser.train.sources.hh_rlhf import read_hh_rlhf
from simuser.train.sources.multiwoz import read_multiwoz
from simuser.train.sources.sharegpt import read_sharegpt
from simuser.train.sources.splits import assign_splits, read_split_file, select_split, split_by_hash
from simuser.train.sources.star import read_star

READERS = {"multiwoz": read_multiwoz, "star": read_star, "camrest": read_camrest, "hh_rlhf": read_hh_rlhf}

__all__ = [
    "READERS", "assign_splits", "intent_text", "read_camrest", "read_hh_rlhf", "read_multiwoz", "read_sharegpt",
    "read_split_file", "read_star", "select_split", "split_by_hash", "with_detailed_goal",
]
