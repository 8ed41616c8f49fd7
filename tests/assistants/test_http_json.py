"""``--assistant http`` against a real local bot that is not OpenAI-shaped (started and stopped here)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from simuser import RunConfig, simulate
from simuser.assistants import AssistantRequest, assistants
from simuser.errors import UserError
from simuser.schema import Message

TEMPLATE = ('{"session": {{ session_id|tojson }}, "text": {{ last_message|tojson }}, '
            '"conversation": {{ conversation_id|tojson }}, "turn": {{ turn }}, "history": {{ messages|length }}}')


class Bot:
    """A stateful support bot: it opens a session on the first message and counts messages per session."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.sessions: dict[str, int] = {}
        self.fail_next: list[int] = []
        self.lock = threading.Lock()

    def handle(self, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.requests.append({"body": body, "headers": headers})
            if self.fail_next:
                return self.fail_next.pop(0), {"error": "busy"}
            session = body.get("session") or f"s{len(self.sessions) + 1}"
            self.sessions[session] = self.sessions.get(session, 0) + 1
            seen = self.sessions[session]
        reply = {"data": {"reply": {"text": f"[{session} #{seen}] got: {body['text']}"}}}
        return 200, reply | ({"session": {"id": session}} if seen == 1 else {})


@pytest.fixture
def bot() -> Iterator[tuple[Bot, str]]:
    state = Bot()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            status, answer = state.handle(body, {k.lower(): v for k, v in self.headers.items()})
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if status == 503:
                self.send_header("Retry-After", "0")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/api/chat"
    finally:
        server.shutdown()
        server.server_close()


def _options(url: str, **extra: Any) -> dict[str, Any]:
    return {"url": url, "body_template": TEMPLATE, "response_path": "data.reply.text",
            "session_id_path": "session.id", "headers": {"Authorization": "Bearer ${BOT_TOKEN}"}, **extra}


def test_a_run_against_a_stateful_bot(bot, monkeypatch) -> None:
    state, url = bot
    monkeypatch.setenv("BOT_TOKEN", "t0ps3cret")
    config = RunConfig(intents=["cancel my order"], n=2, max_turns=3, concurrency=2,
                       simulator={"name": "scripted", "options": {"turns": ['I want to "cancel"', "order 12", "thanks"]}},
                       assistant={"name": "http", "options": _options(url, session_header="X-Session")})
    result = simulate(config, progress=False)
    assert result.summary.end_reasons == {"max_turns": 2}
    replies = sorted([m.content for m in c.assistant_turns] for c in result.conversations)
    # each conversation keeps its own session across turns: #1, #2, #3 on one session id
    assert [r[0][:4] for r in replies] == ["[s1 ", "[s2 "]  # two conversations, two sessions
    for conversation_replies in replies:
        session = conversation_replies[0][1:3]
        assert conversation_replies == [f'[{session} #1] got: I want to "cancel"', f"[{session} #2] got: order 12",
                                        f"[{session} #3] got: thanks"]
    first, later = state.requests[0], state.requests[-1]
    assert first["body"]["session"] is None and first["headers"]["authorization"] == "Bearer t0ps3cret"
    assert "x-session" not in first["headers"] and later["headers"]["x-session"] == later["body"]["session"]
    assert sorted(r["body"]["turn"] for r in state.requests) == [1, 1, 2, 2, 3, 3]
    assert sorted(r["body"]["history"] for r in state.requests) == [1, 1, 3, 3, 5, 5]
    recorded = json.dumps(result.conversations[0].assistant.model_dump())
    assert "t0ps3cret" not in recorded and "${BOT_TOKEN}" in recorded  # the secret stays in the environment


async def test_retries_like_the_openai_backend(bot) -> None:
    state, url = bot
    state.fail_next = [503, 429]
    assistant = assistants.create("http", url=url, response_path="data.reply.text", body_template=TEMPLATE,
                                  backoff_base_s=0.01)
    replies = await assistant.respond([AssistantRequest([Message(role="user", content="hi")], conversation_id="c:0")])
    await assistant.aclose()
    assert replies[0].error is None and replies[0].content == "[s1 #1] got: hi"
    assert len(state.requests) == 3


async def test_failures_become_data(bot) -> None:
    state, url = bot
    state.fail_next = [400]
    assistant = assistants.create("http", url=url, response_path="data.answer", body_template=TEMPLATE)
    request = AssistantRequest([Message(role="user", content="hi")], conversation_id="c:0")
    bad_request, wrong_path = await assistant.respond([request]), await assistant.respond([request])
    await assistant.aclose()
    assert "HTTP 400: busy" in bad_request[0].error
    assert wrong_path[0].error == "no data.answer in the response (keys at data: reply); fix -A response_path=data.answer"


def test_configuration_errors_are_one_line(monkeypatch) -> None:
    monkeypatch.delenv("NO_SUCH_TOKEN", raising=False)
    url = "http://127.0.0.1:9/x"
    with pytest.raises(UserError, match=r"insert values with \|tojson"):
        assistants.create("http", url=url, response_path="a", body_template='{"text": "{{ last_message }}"}')
    with pytest.raises(UserError, match="needs the environment variable NO_SUCH_TOKEN"):
        assistants.create("http", url=url, response_path="a", headers={"Authorization": "${NO_SUCH_TOKEN}"})
    with pytest.raises(UserError, match="invalid http assistant option 'response_path': Field required"):
        assistants.create("http", url=url)
    with pytest.raises(UserError, match="unknown http assistant option 'base_url'; valid options: url, response_path"):
        assistants.create("http", url=url, response_path="a", base_url=url)
    with pytest.raises(UserError, match="body_template failed to render"):
        assistants.create("http", url=url, response_path="a", body_template="{{ nope|tojson }}")


def test_listed_by_simuser_backends(capsys) -> None:
    from simuser.cli.app import main

    assert main(["backends"]) == 0
    assert "http" in capsys.readouterr().out.split("assistants:")[1]


def test_through_the_cli(bot, tmp_path, monkeypatch, capsys) -> None:
    from simuser.cli.app import main

    state, url = bot
    monkeypatch.setenv("BOT_TOKEN", "abc")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "goals.txt").write_text("cancel my order\n")
    code = main(["simulate", "--intents", "goals.txt", "--out", "runs/bot", "--max-turns", "2", "-q",
                 "--simulator", "scripted", "-S", 'turns=["hello", "order 12"]', "--assistant", "http",
                 "-A", f"url={url}", "-A", f"body_template={TEMPLATE}", "-A", "response_path=data.reply.text",
                 "-A", "session_id_path=session.id", "-A", 'headers={"Authorization": "Bearer ${BOT_TOKEN}"}'])
    assert code == 0, capsys.readouterr()
    record = json.loads((tmp_path / "runs/bot/conversations.jsonl").read_text().splitlines()[0])
    assert [m["content"] for m in record["messages"] if m["role"] == "assistant"] == [
        "[s1 #1] got: hello", "[s1 #2] got: order 12"]
    assert state.requests[0]["headers"]["authorization"] == "Bearer abc"
    assert "abc" not in (tmp_path / "runs/bot/run.json").read_text()


def test_a_json_body_template_from_the_command_line_is_kept_as_text(bot) -> None:
    _, url = bot
    assistant = assistants.create("http", url=url, response_path="a", body_template={"text": "fixed"})
    assert assistant.describe().options["body_template"] == '{"text": "fixed"}'
