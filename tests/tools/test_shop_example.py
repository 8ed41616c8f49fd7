"""The agents example runs as docs/agents.md says: scripted agent, Python tools, stop tool, checks after the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from simuser.cli.app import main
from simuser.testing.fake_openai import FakeOpenAIServer

EXAMPLE = Path(__file__).parents[2] / "examples" / "agents"


@pytest.fixture
def shop(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLE))
    import check_run
    import shop

    return shop, check_run


def test_the_documented_scripted_run_passes_its_checks(shop, tmp_path, monkeypatch, capsys):
    shop_module, check_run = shop
    monkeypatch.chdir(tmp_path)
    turns = '["hi, I need help with my order A7, please cancel it", "and what about B2?", "can I talk to a human?", "hello?"]'
    with FakeOpenAIServer(shop_module.scripted_agent) as agent:
        code = main(["simulate", "--intents", str(EXAMPLE / "intents.jsonl"), "--out", "runs/shop-scripted", "-q",
                     "--simulator", "scripted", "-S", f"turns={turns}", "--assistant", "openai", "--base-url", agent.base_url,
                     "--assistant-model", "shop", "-A", "tools=shop:TOOLS", "--stop-on-tool", "transfer_to_human"])
    assert code == 0
    capsys.readouterr()
    check_run.main("runs/shop-scripted")
    lines = sorted(capsys.readouterr().out.splitlines())
    assert lines == ["PASS cancel-kettle #0 [tool_stop] the final tool state matches (subset)",
                     'PASS lamp-status #0 [tool_stop] the agent called lookup_order({"order_id": "B2"})']


def test_the_scripted_agent_asks_for_an_order_id_when_it_has_none(shop):
    agent = shop[0].scripted_agent
    assert agent({"messages": [{"role": "user", "content": "What do I do now?"}]}).startswith("Which order")
    assert agent({"messages": [{"role": "user", "content": "cancel b2"}]})["tool_calls"][0]["function"]["name"] == "cancel_order"
