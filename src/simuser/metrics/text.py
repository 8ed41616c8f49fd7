"""Shared text machinery of the lexical metrics: tokens, stopwords, and vectorised Jaccard.

Tokens are lowercase runs of letters and digits (apostrophes inside a word kept: "don't"), the same for
every metric, so numbers from different metrics and runs are comparable.

Mean pairwise Jaccard over n texts is the hot spot (2,000 first turns = 2 million pairs). Intersection
sizes of all pairs come at once from an inverted index (see :func:`_intersections`); unions follow from
the set sizes; the mean is taken over the symmetric matrix without building index arrays. numpy only.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from simuser.tokens import INTENT_PREFIX

SMALL_N = 32
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


@lru_cache(maxsize=200_000)
def word_set(text: str) -> frozenset[str]:
    """Distinct tokens; cached, since several metrics read the same turns."""
    return frozenset(tokens(text))


def content_words(text: str) -> frozenset[str]:
    """Distinct tokens that are not stopwords."""
    return word_set(text) - STOPWORDS


def strip_intent_prefix(intent: str) -> str:
    """The goal part of a UserLM intent: 'You are a user chatting with ... to plan a trip' -> 'plan a trip'."""
    text = intent.strip()
    if text.lower().startswith(INTENT_PREFIX.lower()):
        text = text[len(INTENT_PREFIX) :]
    return text.strip()


def mean_pairwise_jaccard(sets: Sequence[frozenset[str] | set[str]]) -> float:
    """Mean Jaccard similarity over all unordered pairs (two empty sets count as identical)."""
    n = len(sets)
    if n < 2:
        raise ValueError("need at least two texts")
    if n <= SMALL_N:  # a few conversations per intent: plain set arithmetic beats building matrices
        pairs = [len(a & b) / len(a | b) if a or b else 1.0 for a, b in itertools.combinations(sets, 2)]
        return sum(pairs) / len(pairs)
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


def _intersections(sets: Sequence[frozenset[str] | set[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise intersection sizes (n x n) and set sizes.

    Each word adds 1 to every pair of texts it occurs in. Frequent words ("the", "how") touch most pairs,
    so they go through one dense binary matrix product; rare words touch few pairs, which are counted
    directly. The split keeps both halves cheap (2,000 first turns: tens of milliseconds each).
    """
    n = len(sets)
    postings: dict[str, list[int]] = {}
    for row, words in enumerate(sets):
        for word in words:
            postings.setdefault(word, []).append(row)
    threshold = max(2, n // 20)
    frequent = [docs for docs in postings.values() if len(docs) >= threshold]
    rare = [np.array(docs) for docs in postings.values() if 2 <= len(docs) < threshold]
    matrix = np.zeros((n, max(1, len(frequent))), dtype=np.float32)
    for column, docs in enumerate(frequent):
        matrix[docs, column] = 1.0
    intersections = matrix @ matrix.T  # float32 is exact for counts below 2**24
    if rare:
        pairs = np.concatenate([(docs[:, None] * n + docs[None, :]).ravel() for docs in rare])
        intersections += np.bincount(pairs, minlength=n * n).reshape(n, n).astype(np.float32)
    sizes = np.fromiter((len(s) for s in sets), dtype=np.float32, count=n)
    return intersections, sizes
