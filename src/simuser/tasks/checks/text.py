"""Text checks: ``exact`` (the whole reply, normalised), ``contains`` (substrings), ``regex`` (a pattern).

Normalisation for ``exact`` and (unless ``case_sensitive``) ``contains``: case folded, whitespace
collapsed, surrounding quotes and trailing punctuation stripped, so ``"Paris."`` equals ``paris``.
"""

from __future__ import annotations

import re
from typing import Any

from simuser.errors import UserError
from simuser.tasks.checks.base import CheckContext, CheckOptions, CheckResult, parse_options


def normalise(text: str, case_sensitive: bool = False) -> str:
    text = " ".join(text.split()).strip(" \"'`").rstrip(".!?;:")
    return text if case_sensitive else text.casefold()


class ExactOptions(CheckOptions):
    answer: str | list[str]  # several accepted answers
    case_sensitive: bool = False


class ExactCheck:
    def __init__(self, **options: Any):
        self.options = parse_options("exact", ExactOptions, options)
        answers = self.options.answer
        self.accepted = [normalise(a, self.options.case_sensitive) for a in (answers if isinstance(answers, list) else [answers])]

    def check(self, context: CheckContext) -> CheckResult:
        said = normalise(context.reply, self.options.case_sensitive)
        passed = said in self.accepted
        return CheckResult.verdict(passed, said[:200], "the reply is the answer" if passed else "the reply is not exactly the answer")


class ContainsOptions(CheckOptions):
    answer: str | list[str]
    all: bool = True  # with several answers: every one must appear (else any one)
    case_sensitive: bool = False


class ContainsCheck:
    def __init__(self, **options: Any):
        self.options = parse_options("contains", ContainsOptions, options)
        answers = self.options.answer
        self.needles = answers if isinstance(answers, list) else [answers]

    def check(self, context: CheckContext) -> CheckResult:
        haystack = normalise(context.reply, self.options.case_sensitive)
        found = [n for n in self.needles if normalise(n, self.options.case_sensitive) in haystack]
        passed = len(found) == len(self.needles) if self.options.all else bool(found)
        missing = [n for n in self.needles if n not in found]
        reason = f"found {found}" + (f", missing {missing}" if missing else "")
        return CheckResult(passed, len(found) / len(self.needles), ", ".join(found) or None, reason)


class RegexOptions(CheckOptions):
    pattern: str
    ignore_case: bool = True


class RegexCheck:
    def __init__(self, **options: Any):
        self.options = parse_options("regex", RegexOptions, options)
        try:
            self.pattern = re.compile(self.options.pattern, re.IGNORECASE if self.options.ignore_case else 0)
        except re.error as exc:
            raise UserError(f"check 'regex': pattern {self.options.pattern!r} does not compile ({exc})") from None

    def check(self, context: CheckContext) -> CheckResult:
        match = self.pattern.search(context.reply)
        if match is None:
            return CheckResult.verdict(False, None, f"no match for /{self.options.pattern}/")
        answer = match.group(1) if match.groups() else match.group(0)
        return CheckResult.verdict(True, answer, f"matched /{self.options.pattern}/")
