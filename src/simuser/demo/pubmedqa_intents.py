"""Demo intents: one high-level goal per PubMedQA item, built by a transparent rule (no LLM).

For an item, the intent reads::

    You are a user chatting with an assistant language model to get information about {topic}.
    In the end you want to know: {question}

* ``topic``: up to two of the item's MeSH headings that share a word with the question (generic headings
  such as *Humans*, *Retrospective Studies* or *Risk Factors* are skipped; when none is shared, the first
  remaining heading), in plain words when ``data/pubmedqa/lay_terms.json`` has them ("Myocardial
  Infarction" -> "heart attacks"), otherwise un-inverted and lower-cased ("Receptors, LDL" -> "LDL
  receptors").
* ``question``: the original question with parenthesised abbreviations dropped and lay terms swapped in
  where the question uses a heading's own words. The rest of its phrasing stays: a yes/no/maybe gold
  label is only meaningful if the user eventually asks that question, so the simulator must know it.
  How the user gets there (vaguely, in their own words, over several turns) is what the simulators differ in.

Items are chosen reproducibly: sorted by ``sha256(f"{seed}:{pmid}")``, the first ``count``. Each intent
keeps the item id (the gold document), the gold label and the original question in its metadata.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

from simuser.assistants.rag.corpus import PubMedQAItem, pubmedqa_items
from simuser.errors import UserError
from simuser.schema import Intent
from simuser.tokens import INTENT_PREFIX

MAX_TOPICS = 2
FALLBACK_TOPIC = "a medical research question"

GENERIC_HEADINGS = frozenset({
    "Humans", "Male", "Female", "Animals", "Rats", "Mice", "Swine", "Dogs", "Rabbits", "Pregnancy",
    "Adult", "Young Adult", "Middle Aged", "Aged", "Aged, 80 and over", "Adolescent", "Child",
    "Child, Preschool", "Treatment Outcome", "Risk Factors", "Time Factors", "Age Factors", "Sex Factors",
    "Prognosis", "Prevalence", "Incidence", "Risk Assessment", "Risk", "Probability", "Reference Values",
    "Reproducibility of Results", "Sensitivity and Specificity", "Predictive Value of Tests",
    "Severity of Illness Index", "Surveys and Questionnaires", "Data Collection", "Random Allocation",
    "Double-Blind Method", "Confidence Intervals", "Odds Ratio", "Kaplan-Meier Estimate", "ROC Curve",
    "Survival Rate", "Disease-Free Survival", "Pilot Projects", "Registries", "Databases, Factual",
    "Observer Variation", "Algorithms", "Follow-Up Studies", "Disease Progression", "Recurrence",
})
_GENERIC_PATTERN = re.compile(r"Studies|Analysis|Models|Distribution|Statistics|as Topic|Factors$|Trials")
_STOPWORDS = frozenset("with from that this than into have does were what when which their there about".split())


@lru_cache(maxsize=1)
def lay_terms() -> dict[str, str]:
    return json.loads(resources.files("simuser").joinpath("data/pubmedqa/lay_terms.json").read_text("utf-8"))


def select_items(count: int, seed: int = 0) -> list[PubMedQAItem]:
    """``count`` items in a seeded, order-independent shuffle of the 1,000 (stable across versions)."""
    items = pubmedqa_items()
    if not 1 <= count <= len(items):
        raise UserError(f"--intents-count must be between 1 and {len(items)} (got {count})")
    return sorted(items, key=lambda item: hashlib.sha256(f"{seed}:{item.pmid}".encode()).hexdigest())[:count]


def build_intents(count: int, seed: int = 0) -> list[Intent]:
    return [intent_for(item) for item in select_items(count, seed)]


def intent_for(item: PubMedQAItem) -> Intent:
    topic = topic_phrase(item.meshes, item.question)
    text = f"{INTENT_PREFIX} get information about {topic}. In the end you want to know: {lay_question(item)}"
    metadata = {"pmid": item.pmid, "gold_doc_id": item.pmid, "gold_label": item.label,
                "question": item.question, "topic": topic}
    return Intent(id=f"pubmedqa-{item.pmid}", text=text, metadata=metadata)


def topic_phrase(meshes: Sequence[str], question: str) -> str:
    """Up to two headings sharing a word with the question (most shared, then most covered, first), in plain words."""
    candidates = [m for m in meshes if not _generic(m)]
    asked = _stems(question)
    shared = sorted((m for m in candidates if _stems(m) & asked), key=lambda m: _closeness(m, asked))
    chosen = shared[:MAX_TOPICS] or candidates[:1]
    names = list(dict.fromkeys(plain_heading(m) for m in chosen))
    return " and ".join(names) if names else FALLBACK_TOPIC


def plain_heading(heading: str) -> str:
    """'Myocardial Infarction' -> 'heart attacks'; 'Receptors, LDL' -> 'LDL receptors'."""
    if heading in lay_terms():
        return lay_terms()[heading]
    natural = " ".join(reversed([part.strip() for part in heading.split(",")]))
    return " ".join(word if _acronym(word) else word.lower() for word in natural.split())


def lay_question(item: PubMedQAItem) -> str:
    """The question without '(ABBR)' asides, with lay words for headings it spells out."""
    question = re.sub(r"\s*\([A-Za-z0-9-]{2,10}\)", "", item.question)
    for heading in item.meshes:
        if heading in lay_terms() and "," not in heading and heading.lower() != lay_terms()[heading].lower():
            question = re.sub(rf"\b{re.escape(heading)}\b", lay_terms()[heading], question, flags=re.IGNORECASE)
    return " ".join(question.split())


def _closeness(heading: str, asked: set[str]) -> tuple[int, float]:
    """Sort key: more words shared with the question first, then headings the question covers entirely."""
    stems = _stems(heading)
    return -len(stems & asked), -len(stems & asked) / len(stems)


def _acronym(word: str) -> bool:
    """'HDL', 'mRNA' keep their case; 'Gluten-Free' does not."""
    return sum(c.isupper() for c in word) > sum(c.islower() for c in word)


def _generic(heading: str) -> bool:
    return heading in GENERIC_HEADINGS or bool(_GENERIC_PATTERN.search(heading))


def _stems(text: str) -> set[str]:
    """Five-letter prefixes of the longer words: 'infants' and 'infant' match, 'with' does not count."""
    return {w[:5] for w in re.findall(r"[a-z]+", text.lower()) if len(w) >= 4 and w not in _STOPWORDS}
