"""llama.cpp, in process and behind its OpenAI-compatible server, with a tiny UserLM-format GGUF.

The GGUF (see ``tiny_gguf.py``) is a bigram model with predictable output: "I help<end>" when nothing is
banned, "how<end>" when "I" is banned at the first position, and " there" instead of the end marker when
the end is banned. Skipped when llama-cpp-python is not installed (``pip install 'simuser[llamacpp]'``).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from simuser.errors import UserError
from simuser.schema import Intent, Message
from simuser.users import ConversationState, TurnKind, simulators

pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed: pip install 'simuser[llamacpp]'")

from tiny_gguf import build_tiny_userlm_gguf  # noqa: E402

INTENT = Intent(id="x", text="You are a user chatting with an assistant language model to get help")
LENIENT = {"min_words": 1, "max_retries": 1}  # the bigram model writes one- and two-word turns


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory) -> Path:
    return build_tiny_userlm_gguf(tmp_path_factory.mktemp("gguf") / "tiny-userlm.gguf")


def state(user_turns: int, seed: int = 3) -> ConversationState:
    messages = []
    for k in range(user_turns):
        messages += [Message(role="user", content=f"question {k}"), Message(role="assistant", content="an answer")]
    return ConversationState(INTENT, tuple(messages), seed)


def in_process(path: Path, **options):
    return simulators.create("userlm-llamacpp", model=str(path), n_ctx=256, n_threads=1, **options)


async def test_in_process_guardrails_act_at_the_logit_level(tiny_gguf):
    sim = in_process(tiny_gguf, **LENIENT)
    first, later = await sim.next_turns([state(0), state(1)])
    await sim.aclose()
    assert (first.kind, first.text) == (TurnKind.MESSAGE, "how there")  # "I" banned first, the end banned
    assert first.metadata["attempts"] == 1 and not first.metadata["rejections"]
    assert later.kind is TurnKind.END and later.metadata["final_text"] == "how"


async def test_in_process_without_guardrails_the_model_speaks_freely(tiny_gguf):
    sim = in_process(tiny_gguf, guardrails=False)
    [turn] = await sim.next_turns([state(0)])
    await sim.aclose()
    assert turn.kind is TurnKind.END and turn.metadata["final_text"] == "I help"


async def test_in_process_prompt_has_no_bos_and_a_full_context_is_reported(tiny_gguf):
    sim = in_process(tiny_gguf, **LENIENT).load()
    llm, prompts = sim._llm, []
    generate = llm.generate
    llm.generate = lambda tokens, **kw: (prompts.append(list(tokens)), generate(tokens, **kw))[1]
    await sim.next_turns([state(0)])
    assert llm.tokenize(b"", add_bos=True, special=True) == [llm.token_bos()]  # the GGUF asks for a BOS...
    assert prompts[0][0] == llm.tokenize(b"<|start_header_id|>", add_bos=False, special=True)[0]  # ...not given
    assert llm.token_bos() not in prompts[0]
    long_state = ConversationState(INTENT, (Message(role="user", content="help " * 300), Message(role="assistant", content="ok")), 1)
    [turn] = await sim.next_turns([long_state])
    assert turn.kind is TurnKind.EXHAUSTED and turn.metadata["reason"] == "context_full"
    await sim.aclose()


def test_a_gguf_without_userlm_tokens_is_refused():
    from simuser.models.embedded import embedded_gguf_path

    try:
        gguf = embedded_gguf_path()  # SmolLM2: a chat model, not UserLM format
    except UserError:
        pytest.skip("the embedded SmolLM2 GGUF is not installed")
    with pytest.raises(UserError, match="not in UserLM format"):
        in_process(gguf).load()
    with pytest.raises(UserError, match="does not exist"):
        in_process(Path("/no/such/model.gguf")).load()


# -- the same model behind llama-cpp-python's OpenAI-compatible server ---------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(tiny_gguf, tmp_path_factory):
    pytest.importorskip("uvicorn", reason="llama-cpp-python was installed without [server]")
    port = free_port()
    log = (tmp_path_factory.mktemp("server") / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(tiny_gguf), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "256", "--n_threads", "1", "--model_alias", "tiny-userlm"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_up(base_url, process)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _wait_until_up(base_url: str, process: subprocess.Popen, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited with {process.returncode}")
        try:
            if httpx.get(base_url + "/models", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError("llama_cpp.server did not start in time")


async def test_server_backend_detects_llamacpp_and_bans_the_end_by_logit_bias(llama_server):
    sim = simulators.create("userlm-completions", base_url=llama_server, model="tiny-userlm", **LENIENT)
    [turn] = await sim.next_turns([state(0)])
    setup = await sim.setup()
    await sim.aclose()
    assert setup.profile.name == "llamacpp" and setup.end_id is not None  # found through /extras/tokenize
    # the end marker is banned by logit_bias (so " there" follows " help"); the first word cannot be banned
    # at the first position over HTTP: the turn is redrawn, and this deterministic model says "I" again
    assert turn.text == "I help there"
    assert turn.metadata["end_ban"] == "logit_bias"
    assert turn.metadata["banned_opening_rejections"] == ["I help there"]
    assert turn.metadata["banned_opening_kept"] is True


async def test_server_backend_stops_at_the_turn_and_is_reproducible(llama_server):
    sim = simulators.create("userlm-completions", base_url=llama_server, model="tiny-userlm", guardrails=False)
    first = await sim.next_turns([state(1, seed=5), state(2, seed=6)])
    again = await sim.next_turns([state(1, seed=5), state(2, seed=6)])
    await sim.aclose()
    assert [t.text for t in first] == [t.text for t in again]
    # llama-cpp-python's server detokenizes without special tokens, so the end marker (a control token)
    # is invisible in its text: the turn comes back as a message (llama.cpp's llama-server: use --special)
    assert all(t.kind is TurnKind.MESSAGE and t.text == "I help" for t in first)
