"""The pytest plugin, run the way users run it: an inner pytest session (pytester) on a test file.

The inner session loads the plugin with ``-p`` unless simuser's ``pytest11`` entry point already does
(an install made before the entry point existed needs a reinstall to get it).
"""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

pytest_plugins = ["pytester"]

PLUGIN = "simuser.testing.pytest_plugin"

TEST_FILE = '''
from pathlib import Path

from simuser.testing import assert_success_rate

CALLS = Path(__file__).with_name("calls.txt")


def support_bot(messages):
    with CALLS.open("a") as log:
        log.write("call\\n")
    question = messages[-1]["content"]
    return "Your order is cancelled." if "cancel" in question else "Sorry, I cannot help with that."


def cancelled(conversation):
    return "cancelled" in conversation.messages[-1].content


def test_bot(simulate_users):
    result = simulate_users(
        support_bot,
        intents=["cancel my order 1234", "change my delivery address"],
        n=2,
        max_turns=2,
        simulator="scripted",
        simulator_options={"script": {"cancel my order 1234": ["cancel order 1234 please"],
                                      "change my delivery address": ["new address: 5 Main St"]}},
    )
    assert len(result.conversations) == 4
    assert_success_rate(result, at_least=AT_LEAST, check=cancelled)
'''


def _plugin_args() -> list[str]:
    installed = any(e.value == PLUGIN for e in entry_points(group="pytest11"))
    # deepeval's own pytest plugin (installed for another integration) adds seconds to every inner session.
    return ["-p", "no:deepeval"] + ([] if installed else ["-p", PLUGIN])


def _write(pytester: pytest.Pytester, at_least: float) -> None:
    pytester.makepyfile(test_bot=TEST_FILE.replace("AT_LEAST", repr(at_least)))


def _calls(pytester: pytest.Pytester) -> int:
    path = pytester.path / "calls.txt"
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_fixture_runs_users_against_the_code_under_test(pytester: pytest.Pytester) -> None:
    _write(pytester, at_least=0.5)
    result = pytester.runpytest(*_plugin_args())
    result.assert_outcomes(passed=1)
    assert _calls(pytester) == 4  # one scripted user turn in each of 4 conversations
    result.stdout.fnmatch_lines(["simuser: 1 runs simulated, 0 read from the cache"])


def test_failure_message_shows_the_worst_transcripts(pytester: pytest.Pytester) -> None:
    _write(pytester, at_least=0.8)
    result = pytester.runpytest(*_plugin_args())
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*success rate 0.50 < 0.80: 2 of 4 conversations succeeded (criterion: cancelled); the 3 worst:*",
        "*ended user_ended, score 0.00*",
        "*user: new address: 5 Main St*",
        "*assistant: Sorry, I cannot help with that.*",
    ])


def test_unchanged_cases_come_from_the_cache(pytester: pytest.Pytester) -> None:
    _write(pytester, at_least=0.5)
    pytester.runpytest(*_plugin_args()).assert_outcomes(passed=1)
    assert _calls(pytester) == 4

    again = pytester.runpytest(*_plugin_args())
    again.assert_outcomes(passed=1)
    again.stdout.fnmatch_lines(["simuser: 0 runs simulated, 1 read from the cache"])
    assert _calls(pytester) == 4  # the assistant was not called again

    rerun = pytester.runpytest(*_plugin_args(), "--simuser-rerun")
    rerun.assert_outcomes(passed=1)
    assert _calls(pytester) == 8

    _write(pytester, at_least=0.4)  # the file defining the assistant changed: the key changes
    pytester.runpytest(*_plugin_args()).assert_outcomes(passed=1)
    assert _calls(pytester) == 12


def test_without_the_cache_provider_nothing_is_cached(pytester: pytest.Pytester) -> None:
    _write(pytester, at_least=0.5)
    for _ in range(2):
        pytester.runpytest(*_plugin_args(), "-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert _calls(pytester) == 8
