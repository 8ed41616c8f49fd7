"""A small chat JSONL run with hostile text in it, and a headless Chromium when the machine has one."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

PREFIX = "You are a user chatting with an assistant language model to"
SCRIPT_PAYLOAD = "<script>window.__pwned=1;document.title='pwned-script'</script>"
IMG_PAYLOAD = "<img src=x onerror=\"document.title='pwned-img';document.body.setAttribute('data-pwned','1')\">"
CLOSE_PAYLOAD = "</script><script>document.title='pwned-close'</script>"


def chat(intent, *turns, sample=0, end="user_ended"):
    roles = ["user", "assistant"]
    return {"intent": f"{PREFIX} {intent}", "id": intent.replace(" ", "-")[:20], "sample_index": sample,
            "end_reason": end, "messages": [{"role": roles[i % 2], "content": t} for i, t in enumerate(turns)]}


def write_chat(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


@pytest.fixture
def hostile_run(tmp_path) -> Path:
    """Conversations whose text tries to run script in the report, in every field that reaches the page."""
    return write_chat(tmp_path / "hostile.jsonl", [
        chat(f"test {SCRIPT_PAYLOAD}", f"hello {SCRIPT_PAYLOAD}", f"Sure {IMG_PAYLOAD}", "and then?", CLOSE_PAYLOAD),
        chat("plan a trip", "rome or paris", "Both.", "ok rome", "Great.", sample=1, end="max_turns"),
        chat("plan a trip", "cheap flights to rome", "Try midweek.", "thanks", "Bye.", sample=2),
    ])


@pytest.fixture(scope="session")
def chromium():
    """Path of a headless-capable Chromium, or skip (CI: apt-get install -y chromium)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no chromium on this machine; install it with: apt-get update && apt-get install -y chromium")


@pytest.fixture
def dump_dom(chromium, tmp_path):
    """``dump_dom(page) -> (dom, console_lines)``: the DOM after scripts ran, and the console messages."""
    return lambda page: _dump_dom(chromium, page, tmp_path)


def _dump_dom(chromium: str, page: Path, tmp_path: Path) -> tuple[str, list[str]]:
    # Chromium logs every console message of the page as a ":CONSOLE" line on stderr.
    result = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", "--virtual-time-budget=2000", "--dump-dom",
         page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return result.stdout, console
