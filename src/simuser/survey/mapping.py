"""Mapping a free-text answer to a closed item's value, by a rule anyone can read.

Likert (values 1..N):
1. the first standalone number 1..N in the answer ("4", "a 4", "4/5", "I'd say 4 out of 5");
2. else the scale label the answer mentions, longest labels first so "strongly agree" wins over "agree"
   and "disagree" is not read as "agree" (a matched label's words are blanked before shorter ones are tried);
   when labels of different values remain, the answer is ambiguous;
3. else a number word ("four");
4. else unmapped.

Choice: the options the answer mentions (case-insensitive, whole words); exactly one: that option; none or
several: unmapped. An option's number ("2", "option 2") also counts when no option is named.

Unmapped answers are kept and counted: the report gives the unmapped share per item, so a rule that fails
on some phrasing shows up as a number, not as a silent bias.
"""

from __future__ import annotations

import re

from simuser.survey.questionnaire import Item

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def map_answer(item: Item, answer: str) -> int | str | None:
    """The Likert value (int), the chosen option (str), or None (unmapped); open items map to None."""
    if item.type == "likert":
        return map_likert(answer, item.labels)
    if item.type == "choice":
        return map_choice(answer, item.labels)
    return None


def map_likert(answer: str, labels: list[str]) -> int | None:
    text = answer.lower()
    for match in re.finditer(r"(?<![\d.])(\d{1,2})(?![\d.]*\d)", text):
        value = int(match.group(1))
        if 1 <= value <= len(labels):
            return value
    found = _labels_mentioned(text, labels)
    if len(found) == 1:
        return found.pop()
    if found:
        return None
    for word, value in NUMBER_WORDS.items():
        if re.search(rf"\b{word}\b", text) and value <= len(labels):
            return value
    return None


def _labels_mentioned(text: str, labels: list[str]) -> set[int]:
    found: set[int] = set()
    for value, label in sorted(enumerate(labels, start=1), key=lambda pair: -len(pair[1])):
        pattern = re.compile(rf"\b{re.escape(label.lower())}\b")
        if pattern.search(text):
            found.add(value)
            text = pattern.sub(" ", text)
    return found


def map_choice(answer: str, options: list[str]) -> str | None:
    text = answer.lower()
    named = [o for o in options if re.search(rf"\b{re.escape(o.lower())}\b", text)]
    if len(named) == 1:
        return named[0]
    if named:
        return None
    numbers = {int(n) for n in re.findall(r"\b(\d{1,2})\b", text) if 1 <= int(n) <= len(options)}
    return options[numbers.pop() - 1] if len(numbers) == 1 else None
