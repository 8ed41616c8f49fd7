"""Intent coverage: how much of the task's information reached the assistant (the paper's measure).

Words are lower-cased runs of letters, and numbers with their commas removed (``1,200`` -> ``1200``);
content words are numbers and words of three letters or more outside a short stopword list. What the
user said is the union of the content words of all its turns.

* A task with shards: the share of shards *revealed*, a shard counting as revealed when every number in
  it and at least half of its other content words appear in what the user said.
* A task without shards: the share of the question's distinct content words that appear.

A rule, not a judge: paraphrases ("forty" for "40", "muffins" for "cupcakes") count as not revealed, so
coverage is a lower bound; for the ``original`` condition it is 1.0 by construction.
"""

from __future__ import annotations

import re

from simuser.schema import Conversation
from simuser.tasks.model import Task

TOKEN = re.compile(r"\d[\d,]*(?:\.\d+)?|[a-z]+")
STOPWORDS = frozenset(
    "the and for are was were has have had his her its our their you your she him them they this that these those "
    "with from into onto than then what when where which who whom how many much does did each per not but all any "
    "can will would should could also just only very more most some such there here about over under after before "
    "out off own same too".split()
)


def content_words(text: str) -> set[str]:
    words = {t.replace(",", "").rstrip(".") for t in TOKEN.findall(text.lower())}
    return {w for w in words if w and (w[0].isdigit() or (len(w) >= 3 and w not in STOPWORDS))}


def shard_revealed(shard: str, said: set[str]) -> bool:
    words = content_words(shard)
    numbers = {w for w in words if w[0].isdigit()}
    others = words - numbers
    return numbers <= said and (not others or len(others & said) >= len(others) / 2)


def coverage(task: Task, conversation: Conversation) -> float:
    said: set[str] = set()
    for message in conversation.user_turns:
        said |= content_words(message.content)
    if task.shards:
        return sum(shard_revealed(s, said) for s in task.shards) / len(task.shards)
    asked = content_words(task.question)
    return len(asked & said) / len(asked) if asked else 1.0
