"""Labelling the simulated user's next turn: satisfied / follows up / rephrases or repeats / complains.

The rule (:func:`classify_reaction`), applied in this order:

1. the text matches a complaint pattern ("too complicated", "not what I asked", "doesn't work", "wrong",
   "confusing", "I just wanted ...", ...): **complains**;
2. the user ended the conversation (the end marker): **satisfied** (UserLM-style users leave when done);
3. it repeats the previous user turn (Jaccard similarity of their word sets >= 0.5) or matches a rephrase
   pattern ("I meant", "let me rephrase", "again", "what I'm asking"): **rephrases**;
4. it matches a satisfaction pattern ("thanks", "perfect", "exactly what I needed", "that works", "got it")
   and asks nothing (no "?"): **satisfied**;
5. anything else: **follows up**.

The preference rate of a candidate reply is the share of its sampled reactions labelled satisfied.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Reaction(StrEnum):
    SATISFIED = "satisfied"
    FOLLOWS_UP = "follows_up"
    REPHRASES = "rephrases"
    COMPLAINS = "complains"


def _any(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


APOS = "['’]"
COMPLAINT = _any([
    r"\btoo (?:complicated|complex|long|much|technical|verbose|vague|generic|confusing)\b",
    r"\bnot what i (?:asked|wanted|meant|need(?:ed)?)\b", rf"\b(?:doesn{APOS}?t|does not|didn{APOS}?t|did not|won{APOS}?t) work",
    r"\bwrong\b", r"\buseless\b", r"\bconfus(?:ing|ed)\b", r"\bover[- ]?(?:engineered|complicated|kill)\b",
    rf"\bthat{APOS}?s not (?:it|right|helpful|what)\b", rf"\byou (?:didn{APOS}?t|did not|don{APOS}?t|do not) (?:answer|understand|listen|get)\b",
    r"\bi just (?:wanted|want|needed|need|asked)\b", r"\bstill (?:broken|wrong|not working)\b", r"\bnonsense\b",
    r"\bnot helpful\b", r"\bunhelpful\b",
])
REPHRASE = _any([r"\bi (?:meant|mean)\b", r"\blet me (?:rephrase|try again|be clearer|explain)\b", r"\bagain\b",
                 rf"\bwhat i{APOS}?m asking\b", r"\bwhat i am asking\b", r"\bin other words\b", r"\bi said\b"])
SATISFIED = _any([r"\bthanks?\b", r"\bthank you\b", r"\bthx\b", r"\bperfect\b", r"\bexactly what i\b",
                  r"\b(?:great|awesome|excellent|brilliant|nice|cool)\b", r"\bthat (?:works|helps|helped|did it|solved)\b",
                  r"\bgot it\b", r"\bmakes sense\b", r"\bworks (?:now|perfectly|great)\b"])
REPEAT_JACCARD = 0.5


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def is_repeat(text: str, previous: str) -> bool:
    a, b = _words(text), _words(previous)
    return bool(a and b) and len(a & b) / len(a | b) >= REPEAT_JACCARD


def classify_reaction(text: str, ended: bool = False, previous_user_turn: str = "") -> Reaction:
    """The label of one next user turn (see the module docstring)."""
    if COMPLAINT.search(text):
        return Reaction.COMPLAINS
    if ended:
        return Reaction.SATISFIED
    if REPHRASE.search(text) or (previous_user_turn and is_repeat(text, previous_user_turn)):
        return Reaction.REPHRASES
    if SATISFIED.search(text) and "?" not in text:
        return Reaction.SATISFIED
    return Reaction.FOLLOWS_UP
