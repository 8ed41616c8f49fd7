"""``choice``: the label a reply chooses (yes / no / maybe, A / B / C, ...) equals the gold label.

Extraction is a transparent rule, the PubMedQA demo's stance extractor generalised:

* labels ``yes``, ``no``, ``maybe`` (the default): the stance rule of :mod:`simuser.tasks.checks.stance`
  (explicit answer words first, then abstentions, hedges, negations and affirmative findings);
* any other labels: in the reply's declarative sentences (questions back to the user skipped), in order,
  the first sentence that names exactly one label as a word ("The answer is B.", "(B) because ...") gives
  that label; a sentence naming several labels decides nothing.
"""

from __future__ import annotations

import re
from typing import Any

from simuser.errors import UserError
from simuser.tasks.checks.base import CheckContext, CheckOptions, CheckResult, parse_options
from simuser.tasks.checks.stance import STANCES, extract_stance, sentences


class ChoiceOptions(CheckOptions):
    answer: str
    labels: list[str] = list(STANCES)


def extract_label(reply: str, labels: list[str]) -> str | None:
    """The label the reply chooses by the rule above, or None."""
    if sorted(label.lower() for label in labels) == sorted(STANCES):
        return extract_stance(reply)
    patterns = {label: re.compile(rf"(?<![\w-]){re.escape(label)}(?![\w-])", re.IGNORECASE) for label in labels}
    for sentence in sentences(reply):
        if sentence.endswith("?"):
            continue
        named = [label for label, pattern in patterns.items() if pattern.search(sentence)]
        if len(named) == 1:
            return named[0]
    return None


class ChoiceCheck:
    def __init__(self, **options: Any):
        self.options = parse_options("choice", ChoiceOptions, options)
        if self.options.answer.lower() not in (label.lower() for label in self.options.labels):
            raise UserError(f"check 'choice': answer '{self.options.answer}' is not one of labels {self.options.labels}")

    def check(self, context: CheckContext) -> CheckResult:
        label = extract_label(context.reply, self.options.labels)
        if label is None:
            return CheckResult.verdict(False, None, "the reply chooses no label")
        passed = label.lower() == self.options.answer.lower()
        return CheckResult.verdict(passed, label, f"chose {label}, gold {self.options.answer}")
