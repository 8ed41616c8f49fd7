import pytest

from simuser.errors import UserError
from simuser.tasks import build_check
from simuser.tasks.suites import load_suite
from simuser.tasks.suites.gsm8k import shards


def test_gsm8k_ships_every_test_problem_with_its_number_check():
    suite = load_suite("gsm8k")
    assert len(suite.tasks) == 1319 and suite.knowledge == "shards"
    first = suite.tasks[0]
    assert first.id == "gsm8k-0000" and first.check == {"type": "number", "answer": "18"}
    assert first.shards[0] == "How much in dollars does she make every day at the farmers' market?"
    assert first.shards[1] == "Janet’s ducks lay 16 eggs per day."
    for task in suite.tasks[:50]:
        build_check(task)
        assert sorted(task.shards) == sorted(shards(task.question))


def test_gsm8k_shard_rule_by_hand():
    assert shards("Tom buys 3 pens at $1.50 each. How much does he pay? Assume no tax.") == [
        "How much does he pay?", "Tom buys 3 pens at $1.50 each.", "Assume no tax."]
    assert shards("Find the sum of 2 and 3.") == ["Find the sum of 2 and 3."]


def test_suite_picks_are_reproducible_and_bounded():
    assert [t.id for t in load_suite("gsm8k", 5, seed=1).tasks] == [t.id for t in load_suite("gsm8k", 5, seed=1).tasks]
    assert [t.id for t in load_suite("gsm8k", 5, seed=1).tasks] != [t.id for t in load_suite("gsm8k", 5, seed=2).tasks]
    with pytest.raises(UserError, match="--tasks-count must be between 1 and 1319"):
        load_suite("gsm8k", 5000)


def test_pubmedqa_suite_checks_the_gold_label():
    suite = load_suite("pubmedqa", 3, seed=0)
    assert len(suite.tasks) == 3 and suite.knowledge == "question"
    for task in suite.tasks:
        assert task.check["type"] == "choice" and task.check["answer"] == task.metadata["gold_label"]
        assert task.metadata["gold_doc_id"] and task.question.strip()
