"""A reply's yes/no/maybe stance, by a transparent rule (the ``choice`` check and the PubMedQA demo).

The rule looks at the first *declarative* sentence of a reply (questions back to the user are skipped),
then, in order:

1. an explicit answer word at its start, after an opening phrase ("Yes, ...", "Based on the
   abstracts, no.") or as "the answer ... is no" -> that answer;
2. an abstention ("I don't know", "the abstracts do not mention ...") -> no stance;
3. a strong hedge ("unclear", "inconclusive", "mixed", "more research is needed", "not sure") -> maybe;
4. a negation ("not", "no", "n't", "never", "failed to", "without") -> no;
5. an affirmative finding ("improves", "is associated with", "effective", "significantly") -> yes;
6. otherwise no stance. If the first sentence gave none, a later sentence that *starts* with an answer
   word still counts.

Steps 3-5 read the main clause only, the part before a contrast (", but", "; however", ", although",
", while"), when it decides anything: "X may improve function, but the mechanisms are not understood" is
a yes, not a no.

Weak modals ("may", "might", "could") are deliberately not hedges: abstracts conclude "X may reduce Y"
when the answer is yes. A conversation's stance is the last stance the assistant took in it (a final
"You're welcome!" does not erase an answer given a turn before). Accuracy counts "no stance" as wrong.
"""

from __future__ import annotations

import re
from typing import Literal

Stance = Literal["yes", "no", "maybe"]
STANCES: tuple[Stance, ...] = ("yes", "no", "maybe")


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b", re.IGNORECASE)


_ANSWER = {
    "yes": r"yes|yeah|yep|indeed|absolutely|definitely|certainly|correct",
    "no": r"no|nope",
    "maybe": r"maybe|perhaps|possibly|it depends",
}
_LEAD = {stance: re.compile(rf"(?:^|,\s*)(?:{words})\b", re.IGNORECASE) for stance, words in _ANSWER.items()}
_START = {stance: re.compile(rf"^(?:{words})\b", re.IGNORECASE) for stance, words in _ANSWER.items()}
_ANSWER_IS = re.compile(r"\banswer\b[^.]*?\bis\s+(yes|no|maybe)\b", re.IGNORECASE)
_CONTRAST = re.compile(r"[,;]\s*(?:but|however|although|though|while|whereas)\b", re.IGNORECASE)
_ABSTAIN = _words(r"don'?t know", r"do not know", r"can(?:not|'t) (?:answer|determine|say|tell)",
                  r"(?:do|does|did) not (?:say|mention|provide|contain|address|discuss)",
                  r"doesn'?t (?:say|mention|provide|contain|address|discuss)", r"no information",
                  r"not (?:mentioned|provided|addressed|discussed)")
_HEDGE = _words(r"unclear", r"uncertain", r"inconclusive", r"not clear", r"not known", r"unknown", r"mixed",
                r"controversial", r"(?:limited|insufficient|conflicting) evidence", r"(?:more|further) research",
                r"not sure", r"partly", r"partially", r"depends")
_NEGATION = re.compile(r"\b(?:no|not|never|none|neither|nor|cannot|without|unlikely|fail(?:s|ed)? to|lacks?)\b|n't\b",
                       re.IGNORECASE)
_AFFIRM = _words(r"improv\w*", r"increas\w*", r"reduc\w*", r"decreas\w*", r"lower\w*", r"associated",
                 r"effective", r"significant\w*", r"beneficial", r"safe", r"useful", r"support\w*", r"shows?",
                 r"showed", r"suggest\w*", r"predict\w*", r"correlat\w*", r"recommended", r"helps?",
                 r"true", r"superior", r"better", r"linked", r"related", r"plays? a role")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(text: str) -> list[str]:
    """Sentences with markdown emphasis, bullets and 'Answer:' labels removed."""
    text = re.sub(r"[*_#`>]+", "", text)
    parts = [re.sub(r"^\s*(?:[-•]\s*|\d+[.)]\s+|answer\s*:\s*)", "", p, flags=re.IGNORECASE).strip()
             for p in _SENTENCE_END.split(text)]
    return [p for p in parts if p]


def extract_stance(reply: str) -> Stance | None:
    """The reply's yes/no/maybe stance by the rule above, or None when it takes none."""
    declarative = [s for s in sentences(reply) if not s.endswith("?")]
    if not declarative:
        return None
    stance = _sentence_stance(declarative[0])
    if stance is None:
        stance = next((s for sentence in declarative[1:] for s in STANCES if _START[s].search(sentence)), None)
    return stance


def _sentence_stance(sentence: str) -> Stance | None:
    for stance in STANCES:
        if _LEAD[stance].search(sentence):
            return stance
    explicit = _ANSWER_IS.search(sentence)
    if explicit:
        return explicit.group(1).lower()  # type: ignore[return-value]
    if _ABSTAIN.search(sentence):
        return None
    main_clause = _CONTRAST.split(sentence, maxsplit=1)[0]
    return _clause_stance(main_clause) or _clause_stance(sentence)


def _clause_stance(clause: str) -> Stance | None:
    if _HEDGE.search(clause):
        return "maybe"
    if _NEGATION.search(clause):
        return "no"
    if _AFFIRM.search(clause):
        return "yes"
    return None
