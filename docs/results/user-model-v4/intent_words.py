"""Which intent words a simulator's user turns repeat, against people's, per WOZ test split (docs/training.md, v4).

Intent decomposition counts the share of a turn's content words that occur in the intent. This lists, for each
of the words behind that share, the percent of user turns that use it. Run from the repository root:
python docs/results/user-model-v4/intent_words.py /work/ckpt/eval/runs/v4 /work/ckpt/userlm-v3/data/test
"""

import sys
from collections import Counter

from simuser.metrics.text import content_words, strip_intent_prefix
from simuser.store import read_conversations

runs, people = sys.argv[1], sys.argv[2]
for source in ("star", "multiwoz", "camrest"):
    for who, path in (("model", f"{runs}/{source}"), ("people", f"{people}/{source}.jsonl")):
        counts: Counter[str] = Counter()
        turns = 0
        for conversation in read_conversations(path):
            intent_words = set(content_words(strip_intent_prefix(conversation.intent.text)))
            for message in conversation.user_turns:
                turns += 1
                counts.update(set(content_words(message.content)) & intent_words)
        top = ", ".join(f"{word} {100 * n / turns:.0f}%" for word, n in counts.most_common(6))
        print(f"{source} {who} ({turns} user turns): {top}")
