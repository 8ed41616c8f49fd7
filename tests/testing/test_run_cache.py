"""The run cache's key, and the fixture's body used without pytest."""

from __future__ import annotations

from pathlib import Path

from simuser.assistants.echo import EchoAssistant
from simuser.engine import RunConfig
from simuser.schema import ComponentSpec
from simuser.testing.pytest_plugin import simulate_cached
from simuser.testing.run_cache import RunCache, code_fingerprint, config_key

SCRIPT = {"turns": ["hello", "bye"]}


def _config(**fields) -> RunConfig:
    return RunConfig(intents=["a goal"], simulator={"name": "scripted", "options": SCRIPT}, **fields)


def test_key_covers_config_and_code_but_not_out(tmp_path: Path) -> None:
    echo = ComponentSpec(name="echo")
    key = config_key(_config(), echo, "code-a")
    assert key == config_key(_config(out=tmp_path / "elsewhere"), echo, "code-a")
    assert key != config_key(_config(n=2), echo, "code-a")
    assert key != config_key(_config(), ComponentSpec(name="echo", options={"prefix": "> "}), "code-a")
    assert key != config_key(_config(), echo, "code-b")


def test_fingerprint_follows_the_defining_file(tmp_path: Path) -> None:
    module = tmp_path / "bot_v.py"
    module.write_text("def reply(messages):\n    return 'a'\n")
    namespace: dict = {}
    exec(compile(module.read_text(), str(module), "exec"), namespace)
    before = code_fingerprint(namespace["reply"])
    module.write_text("def reply(messages):\n    return 'a'\n# a helper changed\n")
    assert code_fingerprint(namespace["reply"]) != before
    assert code_fingerprint(None) == ""


def test_cached_runs_with_an_assistant_object(tmp_path: Path) -> None:
    cache = RunCache(tmp_path)
    first = simulate_cached(cache, EchoAssistant(prefix="> "), ["a goal"], simulator="scripted", simulator_options=SCRIPT)
    second = simulate_cached(cache, EchoAssistant(prefix="> "), ["a goal"], simulator="scripted", simulator_options=SCRIPT)
    assert (cache.misses, cache.hits) == (1, 1)
    assert [m.content for m in second.conversations[0].messages] == ["hello", "> hello", "bye", "> bye"]
    assert [c.model_dump() for c in second.conversations] == [c.model_dump() for c in first.conversations]
    simulate_cached(cache, EchoAssistant(prefix="! "), ["a goal"], simulator="scripted", simulator_options=SCRIPT)
    assert cache.misses == 2  # another assistant, another key


def test_a_damaged_cache_entry_is_a_miss_not_an_error(tmp_path: Path) -> None:
    cache = RunCache(tmp_path)
    config = _config()
    first = cache.run(config)
    run_dir = first.run_dir
    records = run_dir / "conversations.jsonl"
    records.write_bytes(b"\xff\xfe not a record\n" + records.read_bytes())
    again = cache.run(config)
    assert cache.misses == 2 and cache.hits == 0
    assert [c.key for c in again.conversations] == [c.key for c in first.conversations]
