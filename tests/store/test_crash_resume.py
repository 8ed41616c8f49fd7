"""Kill -9 in the middle of a run, tear the last line, resume: every conversation exactly once."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter

from engine_fakes import CountingUser, FlakyAssistant

from simuser.engine import RunConfig, simulate
from simuser.schema import Intent
from simuser.store import CONVERSATIONS_FILE

CHILD = textwrap.dedent(
    """
    import asyncio, sys
    sys.path.insert(0, sys.argv[2])
    from engine_fakes import CountingUser, FlakyAssistant
    from simuser.engine import RunConfig, simulate
    from simuser.schema import Intent

    class SlowAssistant(FlakyAssistant):
        async def respond(self, requests):
            await asyncio.sleep(0.05)
            return await super().respond(requests)

    config = RunConfig.model_validate_json(open(sys.argv[1]).read())
    simulate(config, simulator=CountingUser(), assistant=SlowAssistant(), progress=False)
    """
)


def make_config(out):
    intents = [Intent(id=f"i{k}", text=f"goal {k}") for k in range(12)]
    return RunConfig(intents=intents, n=2, max_turns=2, batch_size=3, out=out)


def wait_for_lines(path, count, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().count("\n") >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"{path} never reached {count} lines")


def test_kill_9_then_resume_finishes_everything_exactly_once(tmp_path):
    config = make_config(tmp_path / "run")
    config_file = tmp_path / "config.json"
    config_file.write_text(config.model_dump_json())
    support = os.path.join(os.path.dirname(__file__), "..", "support")
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(config_file), support])
    conversations = tmp_path / "run" / CONVERSATIONS_FILE
    try:
        wait_for_lines(conversations, 4)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    finished_before = [line for line in conversations.read_text().splitlines(keepends=True) if line.endswith("\n")]
    with open(conversations, "a") as handle:  # a write torn by the crash
        handle.write('{"schema_version": "1.0", "intent": {"id": "i11", "te')

    result = simulate(config, simulator=CountingUser(), assistant=FlakyAssistant(), progress=False, resume=True)

    lines = conversations.read_text().splitlines(keepends=True)
    assert lines[: len(finished_before)] == finished_before  # finished work untouched
    keys = Counter((r["intent"]["id"], r["sample_index"]) for r in map(json.loads, lines))
    assert set(keys) == {(f"i{k}", s) for k in range(12) for s in range(2)}
    assert set(keys.values()) == {1}
    assert result.summary.conversations == 24
