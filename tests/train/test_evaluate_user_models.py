"""scripts/evaluate_user_models.py: which people it measures against, and how it pools what it measured.

The models and metrics it calls are tested where they live; here, the script's own bookkeeping: the dev
split (for pilots) leaves out a source that has none, and pooled perplexity sums NLL and tokens over the
sources measured, so a table of dev pilots and one of the test report read the same way.
"""

import argparse
import json
import math
from pathlib import Path

from repo_scripts import load_script


def _script():
    return load_script("evaluate_user_models")


def _people(path: Path, source: str, n: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [{"id": f"{source}:{i}", "intent": f"You are a user chatting with an assistant language model to ask {i}.",
             "messages": [{"role": "user", "content": f"question {i}"}, {"role": "assistant", "content": "answer"}]}
            for i in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _args(split: str) -> argparse.Namespace:
    return argparse.Namespace(split=split, ppl_conversations=2, intents=1, pooled_people=1)


def test_dev_split_leaves_out_sources_without_one(tmp_path):
    script = _script()
    for source in ("mtrag", "star", "multiwoz", "hh_rlhf", "camrest"):
        _people(tmp_path / "data" / "test" / f"{source}.jsonl", source, 3)
    for source in ("mtrag", "star"):  # no dev split for the others, as CamRest676 has none
        _people(tmp_path / "data" / "dev" / f"{source}.jsonl", source, 3)
    script.write_samples(tmp_path / "data", tmp_path / "dev-eval", _args("dev"))
    script.write_samples(tmp_path / "data", tmp_path / "test-eval", _args("test"))
    assert script.sources_in(tmp_path / "dev-eval") == ("mtrag", "star")
    assert script.sources_in(tmp_path / "test-eval") == script.SOURCES
    assert len((tmp_path / "dev-eval" / "samples" / "ppl-star.jsonl").read_text().splitlines()) == 2


def test_pooled_perplexity_pools_the_measured_sources_by_tokens(tmp_path):
    script = _script()
    out = tmp_path / "eval"
    for source, nll, tokens in (("mtrag", 20.0, 10), ("star", 90.0, 30)):
        _people(out / "samples" / f"ppl-{source}.jsonl", source, 1)
        target = out / "ppl" / "m" / f"{source}-with.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps({"value": math.exp(nll / tokens), "nll": nll, "tokens": tokens}))
    assert math.isclose(script.pooled_perplexity(out, "m", "with"), math.exp(110.0 / 40))
    assert script.pooled_perplexity(out, "m", "without") is None  # not measured: no number, not a partial one
    table = script.perplexity_table(out, ["m"])
    assert "| mtrag |" in table and "| star |" in table and "| camrest |" not in table
    assert f"| pooled | {math.exp(110.0 / 40):.2f} / - |" in table


def test_turns_are_compared_with_people_counted_at_the_simulations_cap(tmp_path):
    """Simulations stop at 4 turns; people who went on for 9 count as 4, or the model that ends least wins."""
    script = _script()
    out = tmp_path / "eval"
    people = out / "samples" / "people-pooled.jsonl"
    people.parent.mkdir(parents=True)
    turns = [1, 1, 9, 9]  # mean 5.0, at cap 4: 2.5
    people.write_text("".join(json.dumps({"messages": [{"role": "user", "content": "hi"},
                                                        {"role": "assistant", "content": "hello"}] * n}) + "\n"
                              for n in turns))
    assert script.capped_turns(people, 4) == 2.5
    for name, pace in (("ender", 2.0), ("stayer", 4.0)):
        report = {"metrics": {"pace": pace}, "reference": {"metrics": {"pace": 5.0}}}
        (out / "reports" / name).mkdir(parents=True)
        (out / "reports" / name / "pooled.json").write_text(json.dumps(report))
    wins = script.closer_count(out, "ender", "stayer", people, cap=4)
    assert wins == ["user turns per conversation (cap 4): **ender** (2.0 vs 4.0, people 2.5)"]
    table = script.report_table(out, ["ender", "stayer"], "pooled", people, 4)
    assert "| 5.0 (2.5 at cap 4) |" in table


def test_split_matrix_puts_every_split_in_one_row_with_people_last(tmp_path):
    script = _script()
    out, data = tmp_path / "eval", tmp_path / "data"
    _people(out / "samples" / "ppl-mtrag.jsonl", "mtrag", 1)
    _people(out / "samples" / "people-pooled.jsonl", "mtrag", 2)
    _people(data / "test" / "mtrag.jsonl", "mtrag", 2)
    reports = {
        ("a", "pooled"): {"metrics": {"pace": 2.0, "termination_f1": 60.0, "termination_f1.precision": 50.0,
                                      "termination_f1.recall": 75.0}, "reference": {"metrics": {"pace": 1.0}}},
        ("b", "pooled"): {"metrics": {"pace": 4.0, "termination_f1": 20.0, "termination_f1.precision": 10.0,
                                      "termination_f1.recall": 100.0}},
        ("a", "mtrag"): {"metrics": {"pace": 3.0}, "reference": {"metrics": {"pace": 1.0}}},
        ("b", "mtrag"): {"metrics": {"pace": 1.0}},
    }
    for (name, source), report in reports.items():
        (out / "reports" / name).mkdir(parents=True, exist_ok=True)
        (out / "reports" / name / f"{source}.json").write_text(json.dumps(report))
    lines = script.split_matrix(out, ["a", "b"], data).splitlines()
    assert lines[0] == "| split (a / b / people) | user turns per conversation (cap 4) | termination F1 (%) |"
    assert lines[2] == "| pooled | 2.0 / 4.0 / 1.0 (1.0) | 60.0 (50 / 75) / 20.0 (10 / 100) / - |"
    assert lines[3] == "| mtrag | 3.0 / 1.0 / 1.0 (1.0) | - |"
