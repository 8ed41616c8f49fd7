"""Shared text machinery of the lexical metrics: tokens, stopwords, and vectorised Jaccard.

Tokens are lowercase runs of letters and digits (apostrophes inside a word kept: "don't"), the same for
every metric, so numbers from different metrics and runs are comparable.

Mean pairwise Jaccard over n texts is the hot spot (2,000 first turns = 2 million pairs). We map each text
to a row of a binary text x word matrix and get every intersection at once from ``X @ X.T``; unions follow
from the set sizes. Words that occur in a single text cannot be in any intersection, so they are dropped
from the matrix (kept in the sizes), which shrinks it several-fold before the product.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

from simuser.tokens import INTENT_PREFIX

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")

#: Function words ignored when comparing content (a short common English list; "why" it matters: intent
#: decomposition should count shared topic words, not shared "the"/"is").
STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are aren't as at be because been before being below
    between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
    few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers
    herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more
    most mustn't my myself no nor not of off on once only or other ought our ours ourselves out over own same
    shan't she she'd she'll she's should shouldn't so some such than that that's the their theirs them
    themselves then there there's these they they'd they'll they're they've this those through to too under
    until up very was wasn't we we'd we'll we're we've were weren't what what's when when's where where's which
    while who who's whom why why's will with won't would wouldn't you you'd you'll you're you've your yours
    yourself yourselves also just get got like would could may might must shall s t
    """.split()
)


def tokens(text: str) -> list[str]:
    """Lowercase word tokens."""
    return _WORD.findall(text.lower())


def word_set(text: str) -> set[str]:
    return set(tokens(text))


def content_words(text: str) -> set[str]:
    """Distinct tokens that are not stopwords."""
    return {t for t in tokens(text) if t not in STOPWORDS}


def strip_intent_prefix(intent: str) -> str:
    """The goal part of a UserLM intent: 'You are a user chatting with ... to plan a trip' -> 'plan a trip'."""
    text = intent.strip()
    if text.lower().startswith(INTENT_PREFIX.lower()):
        text = text[len(INTENT_PREFIX) :]
    return text.strip()


def mean_pairwise_jaccard(sets: Sequence[set[str]]) -> float:
    """Mean Jaccard similarity over all unordered pairs (two empty sets count as identical)."""
    n = len(sets)
    if n < 2:
        raise ValueError("need at least two texts")
    intersections, sizes = _intersections(sets)
    unions = sizes[:, None] + sizes[None, :]
    unions -= intersections
    empty = unions == 0
    unions[empty] = 1.0
    similarity = intersections / unions
    similarity[empty] = 1.0
    # Symmetric matrix: the pairs above the diagonal sum to (total - diagonal) / 2.
    off_diagonal = float(similarity.sum(dtype=np.float64)) - float(np.trace(similarity, dtype=np.float64))
    return off_diagonal / (n * (n - 1))


def _intersections(sets: Sequence[set[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise intersection sizes (n x n) and set sizes, via one binary matrix product (float32: exact)."""
    shared = _words_in_two_or_more(sets)
    index = {word: i for i, word in enumerate(sorted(shared))}
    matrix = np.zeros((len(sets), max(1, len(index))), dtype=np.float32)
    for row, words in enumerate(sets):
        matrix[row, [index[w] for w in words if w in index]] = 1.0
    sizes = np.fromiter((len(s) for s in sets), dtype=np.float32, count=len(sets))
    return matrix @ matrix.T, sizes


def _words_in_two_or_more(sets: Iterable[set[str]]) -> set[str]:
    seen: set[str] = set()
    shared: set[str] = set()
    for words in sets:
        shared |= words & seen
        seen |= words
    return shared
