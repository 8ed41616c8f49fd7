"""Secrets planted through every flag and option never reach a file, a report or the terminal.

An API key (as an option value, and in the environment behind ``--api-key-env``) and a password in the
endpoint URLs of both the simulator and the assistant go through simulate, resume, show, export,
evaluate and an unreachable-endpoint error; then every byte under the working directory and everything
printed is searched for them.
"""

from __future__ import annotations

import json
from pathlib import Path

from cli_inproc import invoke

from simuser.redact import MASK, is_secret_key, redact, redact_text
from simuser.testing.fake_openai import FakeOpenAIServer, Fault

PASSWORD = "pw-Zq81-hunter2"
OPTION_KEY = "sk-option-7f3a9c1e55"
ENV_KEY = "sk-environment-0b4d2e6a"
SECRETS = (PASSWORD, OPTION_KEY, ENV_KEY)


def with_password(base_url: str) -> str:
    return base_url.replace("http://", f"http://alice:{PASSWORD}@")


def simulate_args(url: str, simulator_url: str | None = None) -> list[str]:
    simulator_url = simulator_url or url
    return ["--simulator", "prompted", "-S", "backend=openai", "-S", f"base_url={simulator_url}", "-S", "model=fake",
            "-S", "api_key_env=SIMUSER_TEST_KEY", "-S", "max_retries=0",
            "--assistant", "openai", "--assistant-model", "fake", "--base-url", url, "--api-key-env", "SIMUSER_TEST_KEY",
            "-A", json.dumps({"extra_body": {"api_key": OPTION_KEY, "token": OPTION_KEY}}).replace('{"extra_body": ', "extra_body=")[:-1],
            "-A", "max_retries=0", "-q"]


def every_byte(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


def test_planted_secrets_never_leave_the_process(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SIMUSER_TEST_KEY", ENV_KEY)
    (tmp_path / "goals.txt").write_text("plan a trip to Rome\nbuy running shoes\n")
    fail_second = lambda body: Fault.status(500) if "shoes" in json.dumps(body) else None  # noqa: E731
    with FakeOpenAIServer(reply=lambda body: "ok sounds good", fault_rule=fail_second) as server:
        url = with_password(server.base_url)  # httpx sends it as Basic auth, in place of the key
        outcomes = [
            invoke("simulate", "-i", "goals.txt", "--max-turns", "2", "--out", "run", *simulate_args(url, server.base_url)),
            invoke("simulate", "--resume", "run", *simulate_args(url, server.base_url)),
            invoke("simulate", "-i", "goals.txt", "--max-turns", "2", "--out", "run-b", *simulate_args(server.base_url, url)),
            invoke("show", "run"),
            invoke("export", "run", "-o", "chat.jsonl"),
            invoke("evaluate", "run", "-o", "report", "--detector", "none"),
        ]
        sent = [json.dumps(request.headers) for request in server.requests]
    unreachable = invoke("simulate", "-i", "goals.txt", "--out", "run2", *simulate_args(with_password("http://127.0.0.1:9/v1")))
    assert [o.code for o in outcomes] == [0, 0, 0, 0, 0, 0], [o.stderr for o in outcomes]
    assert unreachable.code == 2 and f"alice:{MASK}@" in unreachable.stderr
    assert any(ENV_KEY in header for header in sent)  # the secrets were used, so their absence below means something
    assert any("Basic" in header for header in sent)
    record = json.loads((tmp_path / "run" / "conversations.jsonl").read_text().splitlines()[0])
    assert record["assistant"]["options"]["extra_body"]["api_key"] == MASK
    stored, printed = every_byte(tmp_path), "".join(o.stdout + o.stderr for o in [*outcomes, unreachable])
    for secret in SECRETS:
        assert secret.encode() not in stored, f"{secret} written to disk"
        assert secret not in printed, f"{secret} printed"


def test_resume_asks_for_a_redacted_secret_instead_of_using_the_mask(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "goals.txt").write_text("plan a trip\n")
    args = ["--simulator", "scripted", "-S", 'turns=["hi"]', "--assistant", "echo", "-A", f"prefix=http://bob:{PASSWORD}@x/ ", "-q"]
    assert invoke("simulate", "-i", "goals.txt", "--out", "run", *args).code == 0
    (tmp_path / "run" / "run.json").write_text((tmp_path / "run" / "run.json").read_text().replace('"status": "finished"', '"status": "interrupted"'))
    outcome = invoke("simulate", "--resume", "run", "-q")
    assert outcome.code == 2 and "assistant.options.prefix" in outcome.stderr and "given again" in outcome.stderr
    assert invoke("simulate", "--resume", "run", *args).code == 0


def test_redaction_rules():
    assert redact_text(f"http://u:{PASSWORD}@h/v1?api_key=abc123&x=1") == f"http://u:{MASK}@h/v1?api_key={MASK}&x=1"
    assert redact_text("Authorization: Bearer abcdefghijkl") .count("abcdefghijkl") == 0
    assert redact({"api_key_env": "MY_KEY", "max_tokens": 5, "eos_token": "<|eot|>", "headers": {"X-Api-Key": "k" * 12}}) == \
        {"api_key_env": "MY_KEY", "max_tokens": 5, "eos_token": "<|eot|>", "headers": {"X-Api-Key": MASK}}
    assert all(is_secret_key(k) for k in ("api_key", "password", "token", "auth_token", "Authorization", "client_secret"))
    assert not any(is_secret_key(k) for k in ("api_key_env", "tokens", "max_new_tokens", "first_token", "prompt_tokens"))
    assert redact({"headers": {"Authorization": "Bearer ${API_TOKEN}", "Cookie": "${A} sessionid=abc123"}}) == \
        {"headers": {"Authorization": "Bearer ${API_TOKEN}", "Cookie": MASK}}  # a variable's name is no secret
    redact({"api_key": "remembered-secret-1"})
    assert redact_text("the server said remembered-secret-1 is wrong") == f"the server said {MASK} is wrong"


def test_redaction_stays_linear_on_long_adversarial_text():
    import time

    for text in ("a" * 100_000, "http://" * 20_000, "a:" * 50_000, "api_key=" * 20_000):
        started = time.perf_counter()
        redact_text(text)
        assert time.perf_counter() - started < 5.0  # was 150 s for 100 kB of 'a' with unbounded patterns


def test_conversation_text_is_data_and_is_kept_byte_for_byte():
    prose = "Set the user ID in the JSON Web Token instead; my password: hunter22 is on a sticky note."
    record = {"intent": {"text": prose}, "messages": [{"role": "user", "content": prose}], "error": "password=hunter22"}
    kept = redact(record)
    assert kept["messages"][0]["content"] == prose and kept["intent"]["text"] == prose
    assert kept["error"] == f"password={MASK}"  # simuser's own text is still redacted by pattern
    redact({"api_key": "sk-known-secret-42"})
    echoed = redact({"messages": [{"role": "assistant", "content": "your key is sk-known-secret-42"}]})
    assert echoed["messages"][0]["content"] == f"your key is {MASK}"  # a secret simuser knows is masked anywhere
