"""The engine's per-reply hook, with hooks written here (the engine knows nothing about tasks)."""

from engine_fakes import CountingUser, FlakyAssistant

from simuser.engine import RunConfig, simulate
from simuser.engine.hooks import ReplyVerdict
from simuser.schema import EndReason, Intent

INTENTS = [Intent(id=f"i{k}", text=f"You are a user chatting with an assistant language model to do {k}") for k in range(2)]


class SolvedOnReply:
    """Solved once the conversation holds ``at`` assistant replies; records what it saw."""

    def __init__(self, at: int):
        self.at = at
        self.calls: list[int] = []

    async def check_replies(self, conversations):
        self.calls.append(len(conversations))
        return [ReplyVerdict(len(c.assistant_turns) >= self.at, {"replies": len(c.assistant_turns)}) for c in conversations]


class Broken:
    async def check_replies(self, conversations):
        raise RuntimeError("hook bug")


def run(hook, **overrides):
    config = RunConfig(intents=INTENTS, n=1, max_turns=4, **overrides)
    return simulate(config, simulator=CountingUser(), assistant=FlakyAssistant(), reply_hook=hook).conversations


def test_a_solved_verdict_ends_the_conversation_and_every_reply_keeps_its_record():
    hook = SolvedOnReply(at=2)
    for conversation in run(hook):
        assert conversation.end_reason is EndReason.TASK_SOLVED and len(conversation.user_turns) == 2
        assert [m.metadata["check"] for m in conversation.assistant_turns] == [{"replies": 1}, {"replies": 2}]
    assert hook.calls == [2, 2]  # one batched call per step


def test_stop_when_solved_off_runs_to_max_turns():
    for conversation in run(SolvedOnReply(at=2), stop_when_solved=False):
        assert conversation.end_reason is EndReason.MAX_TURNS and len(conversation.assistant_turns) == 4


def test_a_raising_hook_marks_the_replies_and_the_run_goes_on():
    for conversation in run(Broken()):
        assert conversation.end_reason is EndReason.MAX_TURNS
        assert all(m.metadata["check"] == {"error": "RuntimeError: hook bug"} for m in conversation.assistant_turns)
