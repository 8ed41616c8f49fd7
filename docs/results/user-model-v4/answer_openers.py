"""How often people answer the assistant's question with an answer word, per test split (docs/training.md, v4).

The role-adherence probe counts a user reply that opens with yes / no / maybe / ... as breaking the user
role. People in the WOZ sets do that routinely ("yes, please book it"), MTRAG-UN people rarely; a model
trained on them learns it. Run: python docs/results/user-model-v4/answer_openers.py /work/ckpt/userlm-v3/data/test
"""

import itertools
import re
import sys

from simuser.metrics.role_adherence import ANSWER_OPENERS
from simuser.store import read_conversations

for source in ("mtrag", "star", "multiwoz", "hh_rlhf", "camrest"):
    asked = answered = 0
    for conversation in read_conversations(f"{sys.argv[1]}/{source}.jsonl"):
        messages = conversation.messages
        for before, turn in itertools.pairwise(messages):
            if turn.role == "user" and before.role == "assistant" and "?" in before.content:
                asked += 1
                opening = re.sub(r"[^a-z' ]", " ", turn.content.lower()).split()
                answered += any(opening[: len(o.split())] == o.split() for o in ANSWER_OPENERS)
    print(f"{source}: {asked} user turns after an assistant question, {100 * answered / max(asked, 1):.1f}% open with an answer word")
