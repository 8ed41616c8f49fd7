"""Property-based fuzzing of every command that reads a file, over every kind of run-directory damage.

For each generated case (a mutation of a real run, or a broken input file) and command, the command runs
in-process through the real entry point and must either exit 0, or exit 2 with exactly one error line
and no traceback; and it must never change the bytes of an existing run's finished records. A refused
``--resume`` changes no byte at all.

Profiles: ``SIMUSER_FUZZ=ci`` (the default: a fixed seed, a few dozen cases, well under a minute here) and
``SIMUSER_FUZZ=long`` (hundreds of cases, random seed), e.g.
``SIMUSER_FUZZ=long pytest tests/cli/test_fuzz_inputs.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from cli_inproc import invoke, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PROFILE = os.environ.get("SIMUSER_FUZZ", "ci")
LONG = PROFILE == "long"
settings.register_profile("simuser-ci", max_examples=30, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("simuser-long", max_examples=400, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
PROFILE_SETTINGS = settings.get_profile("simuser-long" if LONG else "simuser-ci")

SCRIPTED = ["--simulator", "scripted", "-S", 'turns=["hi there", "thanks"]', "--assistant", "echo", "-q"]
RECORDS = "conversations.jsonl"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """One finished run, its chat export and its intents file, made once and copied for every case."""
    root = tmp_path_factory.mktemp("fuzz-base")
    (root / "goals.txt").write_text("plan a trip to Rome\nbuy running shoes\nfix a bike\n")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        assert invoke("simulate", "-i", "goals.txt", "--n", "2", "--out", "run", *SCRIPTED).code == 0
        assert invoke("export", "run", "-o", "chat.jsonl").code == 0
    finally:
        os.chdir(cwd)
    return root


# ---- mutations: each takes the file's bytes and a draw, returns new bytes ----

def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


@st.composite
def mutations(draw):
    kind = draw(st.sampled_from(["truncate", "corrupt_middle", "flip_bytes", "schema_version", "wrong_type",
                                 "empty", "binary", "junk_line", "drop_newline"]))
    return kind, draw(st.randoms(use_true_random=False))


def mutate(data: bytes, kind: str, rng) -> bytes:
    lines = _lines(data)
    if kind == "truncate":
        return data[: rng.randrange(len(data) + 1)]
    if kind == "corrupt_middle" and len(lines) > 2:
        lines[rng.randrange(1, len(lines) - 1)] = rng.choice([b"{not json\n", b"\xff\xfe garbage\n", b"[1, 2]\n", b"null\n"])
        return b"".join(lines)
    if kind == "flip_bytes":
        out = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            position = rng.randrange(len(out))
            out[position] ^= 1 << rng.randrange(8)
        return bytes(out)
    if kind in ("schema_version", "wrong_type"):
        return _edit_json(lines, kind, rng)
    if kind == "empty":
        return b""
    if kind == "binary":
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))
    if kind == "junk_line":
        return data + rng.choice([b'{"messages": "hello"}\n', b'{"intent": 5}\n', b"\x00\x00\n", b'"text"\n'])
    return data.rstrip(b"\n")  # drop_newline: a torn-looking last line


def _edit_json(lines: list[bytes], kind: str, rng) -> bytes:
    """Change a field of one record (run.json is one record over many lines; goals.txt gets a JSON line)."""
    try:
        whole = json.loads(b"".join(lines))
        return json.dumps(_edit_record(whole, kind, rng), indent=2).encode()
    except ValueError:
        pass
    index = rng.randrange(len(lines))
    try:
        record = json.loads(lines[index])
    except ValueError:
        record = {"intent": "plan a trip"}
    lines[index] = json.dumps(_edit_record(record, kind, rng)).encode() + b"\n"
    return b"".join(lines)


def _edit_record(record: dict, kind: str, rng) -> dict:
    if kind == "schema_version":
        record["schema_version"] = rng.choice(["99.0", "1.1", "0.9", "x", 2, None, "1.0.0.0.1"])
    else:
        key = rng.choice(sorted(record))
        record[key] = rng.choice([5, "text", [1, 2], {"bad": 1}, None, True, -1.5])
    return record


# ---- the property ----

def complete_lines(data: bytes) -> list[bytes]:
    return [line for line in _lines(data) if line.endswith(b"\n")]


def check_outcome(outcome, label: str) -> None:
    assert outcome.code in (0, 2), f"{label}: exit {outcome.code}\n{outcome.stderr}"
    assert "Traceback" not in outcome.stderr + outcome.stdout, label
    if outcome.code == 2:
        assert len(outcome.error_lines) == 1, f"{label}: {outcome.stderr}"
        assert outcome.error_lines[0].startswith("error: "), f"{label}: {outcome.stderr}"


def run_case(base: Path, target: str, kind: str, rng, command: str) -> None:
    work = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        shutil.copytree(base, work, dirs_exist_ok=True)
        path = work / target
        path.write_bytes(mutate(path.read_bytes(), kind, rng))
        before = snapshot(work / "run")
        outcome = _invoke(work, command)
        check_outcome(outcome, f"{command} after {kind} of {target}")
        after = snapshot(work / "run")
        if command == "resume" and outcome.code == 0:
            old, new = complete_lines(before.get(RECORDS, b"")), complete_lines(after.get(RECORDS, b""))
            assert new[: len(old)] == old, f"resume changed finished records after {kind} of {target}"
        else:
            assert after == before, f"{command} changed the run after {kind} of {target}"
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _invoke(work: Path, command: str):
    cwd = os.getcwd()
    os.chdir(work)
    try:
        args = {
            "show": ["show", "run"],
            "export": ["export", "run", "-o", "out.jsonl"],
            "export-self": ["export", "run", "-o", f"run/{RECORDS}"],
            "evaluate": ["evaluate", "run", "-o", "report", "--detector", "none"],
            "compare": ["compare", "run", "chat.jsonl", "--detector", "none"],
            "import": ["import", "chat.jsonl", "-o", "imported"],
            "import-records": ["import", f"run/{RECORDS}", "-o", "imported"],
            "simulate": ["simulate", "-i", "goals.txt", "--out", "new", *SCRIPTED],
            "resume": ["simulate", "--resume", "run", "-q"],
            "flip": ["flip", "chat.jsonl", "-o", "flipped"],
        }[command]
        return invoke(*args)
    finally:
        os.chdir(cwd)


RUN_COMMANDS = ["show", "export", "export-self", "evaluate", "compare", "import-records", "resume"]


@settings(PROFILE_SETTINGS, max_examples=400 if LONG else 60)
@given(target=st.sampled_from([f"run/{RECORDS}", "run/run.json"]), mutation=mutations(),
       command=st.sampled_from(RUN_COMMANDS))
def test_damaged_run_directories(base, target, mutation, command):
    run_case(base, target, *mutation, command)


@PROFILE_SETTINGS
@given(target=st.sampled_from(["chat.jsonl", "goals.txt"]), mutation=mutations(), data=st.data())
def test_damaged_input_files(base, target, mutation, data):
    command = "simulate" if target == "goals.txt" else data.draw(st.sampled_from(["import", "compare"]))
    run_case(base, target, *mutation, command)


@settings(PROFILE_SETTINGS, max_examples=40 if LONG else 3)
@given(mutation=mutations())
def test_damaged_logs_for_flip(base, mutation):
    run_case(base, "chat.jsonl", *mutation, "flip")


def test_export_never_writes_over_the_run_it_reads(base, tmp_path):
    shutil.copytree(base, tmp_path, dirs_exist_ok=True)
    before = snapshot(tmp_path / "run")
    outcome = _invoke(tmp_path, "export-self")
    assert outcome.code == 2 and "is an input" in outcome.stderr
    assert snapshot(tmp_path / "run") == before


def test_a_run_stopped_before_its_first_conversation_reads_as_empty(base, tmp_path):
    shutil.copytree(base, tmp_path, dirs_exist_ok=True)
    (tmp_path / "run" / RECORDS).unlink()
    shown = _invoke(tmp_path, "show")
    assert shown.code == 0 and "0 of 0" in shown.stdout
    check_outcome(_invoke(tmp_path, "evaluate"), "evaluate of a run without records")
    assert _invoke(tmp_path, "resume").code == 0
    assert len((tmp_path / "run" / RECORDS).read_text().splitlines()) == 6
