"""Python functions as the assistant under test: sync, async, dict replies, bad targets, exceptions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from simuser.assistants import AssistantRequest, assistants
from simuser.assistants.python_callable import CallableAssistant
from simuser.errors import UserError
from simuser.schema import Message

BOT = '''
import asyncio
import threading

calls = []

def sync_reply(messages):
    calls.append(messages)
    return f"sync saw {len(messages)} messages, last: {messages[-1]['content']}"

async def async_reply(messages):
    await asyncio.sleep(0)
    return {"content": "async " + messages[-1]["content"], "metadata": {"docs": [1, 2]}}

def thread_name(messages):
    return threading.current_thread().name

def explode(messages):
    if "bad" in messages[-1]["content"]:
        raise ValueError("cannot handle\\nthis input")
    return "ok"

def wrong_type(messages):
    return 42

class Bot:
    async def __call__(self, messages):
        return "object " + messages[-1]["content"]

bot = Bot()
not_callable = 3
'''


@pytest.fixture
def bot_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "my_bot.py"
    path.write_text(textwrap.dedent(BOT))
    monkeypatch.syspath_prepend(str(tmp_path))
    return path


def request(*texts: str) -> AssistantRequest:
    roles = ["user", "assistant"]
    return AssistantRequest(messages=[Message(role=roles[i % 2], content=t) for i, t in enumerate(texts)])


async def test_sync_function_gets_openai_messages_and_runs_in_a_worker_thread(bot_module):
    bot = assistants.create("callable", target="my_bot:sync_reply")
    [reply] = await bot.respond([request("hi", "hello", "how are you")])
    assert reply.error is None and reply.content == "sync saw 3 messages, last: how are you"
    import my_bot

    assert my_bot.calls[0] == [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"},
                               {"role": "user", "content": "how are you"}]
    [reply] = await CallableAssistant("my_bot:thread_name").respond([request("x")])
    assert reply.content.startswith("simuser-callable")
    await bot.aclose()


async def test_async_function_and_dict_reply_with_metadata(bot_module):
    bot = CallableAssistant("my_bot:async_reply")
    replies = await bot.respond([request("a"), request("b")])
    assert [r.content for r in replies] == ["async a", "async b"]
    assert replies[0].metadata["docs"] == [1, 2] and "latency_s" in replies[0].metadata


async def test_async_callable_object_and_file_target(bot_module):
    [reply] = await CallableAssistant("my_bot:bot").respond([request("q")])
    assert reply.content == "object q"
    [reply] = await CallableAssistant(f"{bot_module}:sync_reply").respond([request("from file")])
    assert reply.content.endswith("last: from file")


async def test_raising_function_fails_only_that_conversation(bot_module):
    bot = CallableAssistant("my_bot:explode")
    replies = await bot.respond([request("good"), request("bad"), request("good too")])
    assert [r.error for r in replies][0::2] == [None, None]
    assert replies[1].error == "ValueError: cannot handle this input"


async def test_wrong_return_type_is_a_failed_reply(bot_module):
    [reply] = await CallableAssistant("my_bot:wrong_type").respond([request("x")])
    assert reply.error.startswith("the assistant function returned int; return a str")


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("my_bot", "must look like package.module:function"),
        ("no_such_module_xyz:reply", "cannot import 'no_such_module_xyz'"),
        ("my_bot:missing", "module 'my_bot' has no attribute 'missing'"),
        ("my_bot:not_callable", "is a int, not a function"),
        ("missing/file.py:reply", "file missing/file.py does not exist"),
    ],
)
def test_bad_targets_are_user_errors_naming_the_target(bot_module, target, message):
    with pytest.raises(UserError, match="target '") as info:
        CallableAssistant(target)
    assert message in str(info.value) and target in str(info.value)


def test_describe_records_the_target(bot_module):
    spec = CallableAssistant("my_bot:sync_reply", concurrency=3).describe()
    assert spec.name == "callable" and spec.options == {"target": "my_bot:sync_reply", "concurrency": 3}
