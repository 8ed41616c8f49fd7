"""The ``pubmedqa`` task suite: the demo's PubMedQA items as tasks with a ``choice`` check.

One task per item, chosen and phrased by the demo's rule (:mod:`simuser.demo.pubmedqa_intents`): the intent is to
get information about the item's topic, the question is the original PubMedQA question (what condition
``original`` asks), and the check is ``choice`` on the gold yes/no/maybe label. The metadata keeps the gold
abstract (``gold_doc_id``) for retrieval diagnostics and the demo's lay phrasing of the question.
"""

from __future__ import annotations

from simuser.demo.pubmedqa_intents import select_items, topic_phrase
from simuser.tasks.model import Task
from simuser.tasks.suites import Suite

DEFAULT_COUNT = 6


def pubmedqa_suite(count: int | None = None, seed: int = 0) -> Suite:
    from simuser.demo.pubmedqa_intents import lay_question

    tasks = [
        Task(id=f"pubmedqa-{item.pmid}", intent=f"get information about {topic_phrase(item.meshes, item.question)}",
             question=item.question, check={"type": "choice", "answer": item.label},
             metadata={"pmid": item.pmid, "gold_doc_id": item.pmid, "gold_label": item.label,
                       "lay_question": lay_question(item)})
        for item in select_items(count or DEFAULT_COUNT, seed)
    ]
    return Suite("pubmedqa", tasks, knowledge="question", description="PubMedQA PQA-L, yes/no/maybe (MIT)")
