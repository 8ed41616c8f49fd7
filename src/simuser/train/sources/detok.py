"""Undo the Penn-Treebank-style tokenisation of MultiWOZ text (``John 's`` -> ``John's``, ``college .`` -> ``college.``).

MultiWOZ ships its utterances with spaces around punctuation and clitics. People do not type like that,
and a user model trained on it would learn to; the rules below invert that tokeniser for the cases that
occur in the data (clitics, closing punctuation, brackets).
"""

from __future__ import annotations

import re

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\s+(n't|'s|'m|'re|'ve|'ll|'d)\b", re.IGNORECASE), r"\1"),  # do n't, John 's
    (re.compile(r"\s+([.,!?;:%)\]}])"), r"\1"),  # closing punctuation sticks to the word before
    (re.compile(r"([(\[{$£])\s+"), r"\1"),  # opening brackets and currency stick to the word after
    (re.compile(r"\s{2,}"), " "),
)


def detokenize(text: str) -> str:
    """Readable text from tokenised text; text without tokenisation artefacts comes back unchanged."""
    out = text.strip()
    for pattern, replacement in _RULES:
        out = pattern.sub(replacement, out)
    return out
