"""Fixtures for the training pipeline: a hand-made conversation and tiny models to train."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simuser.schema import Conversation, Intent, Message

INTENT = "You are a user chatting with an assistant language model to plan a trip"
TURNS = [
    ("user", "hello there how are you"),
    ("assistant", "I am fine, how can I help"),
    ("user", "I need help planning a trip to Lisbon"),
    ("assistant", "You should check the weather before you go"),
    ("user", "thanks that was helpful"),
    ("assistant", "Here is a list of things to pack"),
]


def make_conversation(turns=TURNS, intent: str = INTENT, cid: str = "c1") -> Conversation:
    return Conversation(intent=Intent(id=cid, text=intent),
                        messages=[Message(role=role, content=content) for role, content in turns])


@pytest.fixture
def three_turn() -> Conversation:
    return make_conversation()


@pytest.fixture(scope="session")
def tiny_base_dir(tmp_path_factory) -> Path:
    """A tiny chat model *without* the UserLM tokens: training must add them."""
    from simuser.testing.tiny_models import build_tiny_llama

    return build_tiny_llama(tmp_path_factory.mktemp("tiny-base"), userlm=False)


@pytest.fixture(scope="session")
def tiny_userlm(tmp_path_factory) -> Path:
    from simuser.testing.tiny_models import build_tiny_llama

    return build_tiny_llama(tmp_path_factory.mktemp("tiny-userlm-train"), userlm=True)


def write_chat_jsonl(path: Path, conversations: list[Conversation]) -> Path:
    lines = [json.dumps({"id": c.intent.id, "intent": c.intent.text, "messages": [m.to_openai() for m in c.messages]})
             for c in conversations]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def logs_file(tmp_path, three_turn) -> Path:
    other = make_conversation(TURNS[:4], cid="c2")
    return write_chat_jsonl(tmp_path / "logs.jsonl", [three_turn, other])
