"""End to end with the real embedded model (SmolLM2-135M-Instruct) as both user and assistant."""

import pytest

from simuser.engine import RunConfig, simulate
from simuser.schema import EndReason
from simuser.store import read_conversations


@pytest.mark.slow
def test_two_short_conversations_with_the_default_models(tmp_path):
    config = RunConfig(
        intents=["find out whether a persistent cough after a cold needs a doctor's visit"],
        n=2,
        max_turns=2,
        out=tmp_path / "run",
        simulator={"name": "prompted", "options": {"max_new_tokens": 24}},
        assistant={"name": "transformers", "options": {"max_new_tokens": 24}},
    )
    result = simulate(config, progress=False)
    conversations = read_conversations(tmp_path / "run")
    assert len(conversations) == 2 == result.summary.conversations
    for conversation in conversations:
        assert conversation.end_reason in {EndReason.MAX_TURNS, EndReason.USER_ENDED}
        assert conversation.user_turns and all(m.content.strip() for m in conversation.messages)
        assert conversation.simulator.name == "prompted" and conversation.assistant.name == "transformers"
    assert conversations[0].seed != conversations[1].seed
