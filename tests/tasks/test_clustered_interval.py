"""Task success with --n > 1: the interval is widened for conversations of one task sharing its difficulty.

The coverage test is the one that matters: tasks whose conversations mostly agree, drawn many times; the
plain Wilson interval over all conversations misses the true rate far more often than 5% of the time, the
clustered one does not.
"""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simuser.intervals import clustered_wilson_interval, design_effect, wilson_interval
from simuser.tasks.stats import task_success


def test_one_conversation_per_task_is_the_plain_wilson_interval():
    groups = [(1, 1)] * 7 + [(0, 1)] * 5
    assert design_effect(groups) == 1.0
    assert clustered_wilson_interval(groups) == pytest.approx(wilson_interval(7, 12))


def test_tasks_whose_conversations_all_agree_count_as_one_trial_each():
    groups = [(5, 5)] * 6 + [(0, 5)] * 4  # 10 tasks x 5: as informative as 10 trials, not 50
    assert design_effect(groups) == pytest.approx(5.0)
    assert clustered_wilson_interval(groups) == pytest.approx(wilson_interval(6, 10))
    interval = task_success(groups)
    assert interval.estimate == 0.6 and (interval.low, interval.high) == pytest.approx(wilson_interval(6, 10))


def test_outcomes_as_varied_within_tasks_as_between_them_keep_the_plain_interval():
    groups = [(2, 4)] * 10  # every task half solved: nothing shared within a task
    assert design_effect(groups) == 1.0
    assert clustered_wilson_interval(groups) == pytest.approx(wilson_interval(20, 40))


def _covers(interval, rate):
    return interval[0] <= rate <= interval[1]


def test_the_clustered_interval_keeps_its_coverage_where_the_plain_one_does_not():
    rng = random.Random(0)
    true_rate, tasks, n, draws = 0.5, 20, 5, 400
    plain = clustered = 0
    for _ in range(draws):
        # each task is easy (solved 90% of the time) or hard (10%): the pooled rate is 0.5
        groups = []
        for _ in range(tasks):
            p = 0.9 if rng.random() < 0.5 else 0.1
            groups.append((sum(rng.random() < p for _ in range(n)), n))
        solved = sum(k for k, _ in groups)
        plain += _covers(wilson_interval(solved, tasks * n), true_rate)
        clustered += _covers(clustered_wilson_interval(groups), true_rate)
    assert plain / draws < 0.85  # about 0.7 here: treating 100 correlated conversations as independent
    assert clustered / draws >= 0.92


@given(st.lists(st.integers(min_value=1, max_value=6).flatmap(lambda t: st.tuples(st.integers(0, t), st.just(t))),
                min_size=1, max_size=30))
def test_never_narrower_than_the_plain_interval_and_holds_the_estimate(groups):
    solved, total = sum(k for k, _ in groups), sum(t for _, t in groups)
    low, high = clustered_wilson_interval(groups)
    plain_low, plain_high = wilson_interval(solved, total)
    assert 1.0 <= design_effect(groups) <= max(t for _, t in groups) + 1e-9  # at most: each task one trial
    assert low <= plain_low + 1e-12 and high >= plain_high - 1e-12
    assert low <= solved / total <= high
