"""``number``: the last number in the reply equals the answer (LiC / lm-eval-harness GSM8K "flexible").

Extraction is lm-eval-harness's GSM8K ``flexible-extract`` rule, which "LLMs Get Lost in Multi-Turn
Conversation" uses too: every match of ``(-?[$0-9.,]{2,})|(-?[0-9]+)``, the *last* one taken, then ``$``
and ``,`` removed and a trailing ``.`` dropped. So ``"It costs $1,200.50."`` gives ``1200.50`` and ``"The
answer is 18."`` gives ``18``; in ``"3 apples and 5 pears make 8"`` the answer is ``8``. The extracted
string is compared with ``answer`` as a number (``18.0`` equals ``18``) within ``tolerance`` (absolute).
"""

from __future__ import annotations

import re
from typing import Any

from simuser.tasks.checks.base import CheckContext, CheckOptions, CheckResult, parse_options

FLEXIBLE = re.compile(r"(-?[$0-9.,]{2,})|(-?[0-9]+)")


class NumberOptions(CheckOptions):
    answer: float | int | str
    tolerance: float = 1e-6


def extract_number(text: str) -> str | None:
    """The last number in ``text``, normalised (``$``, commas, trailing ``.`` removed); None if none."""
    for match in reversed(FLEXIBLE.findall(text)):
        raw = (match[0] or match[1]).replace("$", "").replace(",", "").rstrip(".")
        if _parse(raw) is not None:
            return raw
    return None


def _parse(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


class NumberCheck:
    def __init__(self, **options: Any):
        self.options = parse_options("number", NumberOptions, options)
        gold = _parse(str(self.options.answer).replace(",", "").replace("$", ""))
        if gold is None:
            from simuser.errors import UserError

            raise UserError(f"check 'number': answer {self.options.answer!r} is not a number")
        self.gold = gold

    def check(self, context: CheckContext) -> CheckResult:
        found = extract_number(context.reply)
        if found is None:
            return CheckResult.verdict(False, None, "no number in the reply")
        value = _parse(found)
        passed = value is not None and abs(value - self.gold) <= self.options.tolerance
        return CheckResult.verdict(passed, found, f"last number {found} {'=' if passed else '!='} {self.options.answer}")
