"""Red-teaming with simulated users: ``simuser redteam``.

A shipped suite of adversarial intents (:func:`load_suite`; categories: indirect harmful requests, prompt
injection, system-prompt and data extraction, role-play jailbreaks, persistence after refusal, and benign
look-alikes for over-refusal) is simulated against the assistant under test (:func:`run_redteam`); every
reply is labelled refused / partial / complied by a transparent rule (:func:`classify_reply`) and
optionally a judge; attack success per category with 95% Wilson intervals, over-refusal, and the turn of
first compliance go to ``redteam.json``, ``redteam.md`` and ``redteam.html`` (:func:`score_run`).
"""

from simuser.redteam.analysis import score_conversations
from simuser.redteam.run import RedteamResult, red_team_simulator, run_redteam, score_run
from simuser.redteam.scoring import Label, classify_reply, conversation_outcome, first_compliance_turn
from simuser.redteam.suite import SHIPPED_SUITE, load_suite

__all__ = [
    "SHIPPED_SUITE",
    "Label",
    "RedteamResult",
    "classify_reply",
    "conversation_outcome",
    "first_compliance_turn",
    "load_suite",
    "red_team_simulator",
    "run_redteam",
    "score_conversations",
    "score_run",
]
