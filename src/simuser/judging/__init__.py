"""The user as judge: ``simuser judge``.

Given a conversation and two or more candidate replies (:func:`load_items`), the simulated user writes its
next turn after each candidate, ``n`` times (:func:`judge_replies`); a transparent rule labels each reaction
satisfied / follows up / rephrases / complains (:func:`classify_reaction`); a candidate's preference rate is
its share of satisfied reactions, with a 95% interval. The reactions themselves are kept.
"""

from simuser.judging.items import Candidate, JudgeItem, load_items, parse_item
from simuser.judging.reactions import Reaction, classify_reaction
from simuser.judging.run import judge_replies

__all__ = ["Candidate", "JudgeItem", "Reaction", "classify_reaction", "judge_replies", "load_items", "parse_item"]
