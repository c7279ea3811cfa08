"""Schedulers inside a study: every registered one, best trial, resume, parallel runs."""

import itertools
import os
import time

import pandas as pd
import pytest

from autoxai import Float, Int, TrialState, create_study, tune
from autoxai.exceptions import InvalidParameterError, StudyError
from autoxai.schedulers import SCHEDULERS, SuccessiveHalving
from autoxai.schedulers._sha import BracketScheduler


def _loss(params, budget):
    return (params["x"] - 0.3) ** 2 + params["k"] * 0.01 + 1.0 / budget


SPACE = {"x": Float(-1, 1), "k": Int(0, 5)}


@pytest.mark.parametrize("method", sorted(SCHEDULERS))
def test_every_scheduler_keeps_its_own_rules(method):
    study = tune(_loss, SPACE, method=method, min_budget=1, max_budget=27, random_state=0)
    trials = study.trials
    budgets = study.scheduler.budgets
    assert trials and all(t.state is TrialState.COMPLETE for t in trials)
    for t in trials:
        assert t.budget == budgets[t.rung]
        assert isinstance(t.budget, int)
        if t.parent is None:  # a new configuration starts on its bracket's first rung
            shaped = isinstance(study.scheduler, BracketScheduler)
            assert t.rung == (study.scheduler.bracket_shape(t.bracket)[0] if shaped else 0)
        else:  # a promotion re-runs a finished configuration one rung up
            parent = trials[t.parent]
            assert parent.state is TrialState.COMPLETE
            assert parent.rung == t.rung - 1 and parent.bracket == t.bracket
            assert parent.params == t.params
    assert study.best_trial.budget == 27
    assert abs(study.best_params["x"] - 0.3) < 0.3


@pytest.mark.parametrize("method", sorted(SCHEDULERS))
def test_same_seed_same_search(method):
    runs = [
        tune(_loss, SPACE, method=method, min_budget=1, max_budget=9, random_state=3).trials
        for _ in range(2)
    ]
    assert [(t.params, t.budget, t.parent) for t in runs[0]] == [
        (t.params, t.budget, t.parent) for t in runs[1]
    ]


def test_sha_gives_the_same_evaluations_with_two_workers():
    def slow_loss(params, budget):
        time.sleep(0.002 * budget)
        return _loss(params, budget)

    one = tune(slow_loss, SPACE, method="sha", min_budget=1, max_budget=9, random_state=1)
    two = tune(slow_loss, SPACE, method="sha", min_budget=1, max_budget=9, random_state=1,
               n_jobs=2)  # fmt: skip

    def key(study):
        return sorted((t.budget, sorted(t.params.items())) for t in study.trials)

    assert key(one) == key(two)
    assert one.best_params == two.best_params


def test_asha_keeps_two_workers_busy():
    def slow(params, budget):
        time.sleep(0.01 * budget)
        return _loss(params, budget)

    study = tune(slow, SPACE, method="asha", min_budget=1, max_budget=9, n_trials=40,
                 n_jobs=2, random_state=0)  # fmt: skip
    trials = study.trials
    assert len(trials) == 40
    # both workers ran: some evaluations overlapped in time
    spans = sorted((t.time_start, t.time_complete) for t in trials)
    overlaps = sum(1 for a, b in itertools.pairwise(spans) if b[0] < a[1])
    assert overlaps >= 10


def test_best_trial_is_judged_at_the_largest_budget_reached():
    study = create_study({"x": Float(0, 1)}, scheduler=SuccessiveHalving(1, 9, n_configs=3))
    low = study.ask()
    study.tell(low, 0.0)  # a lucky low-budget value
    for _ in range(2):
        study.tell(study.ask(), 1.0)
    top = study.ask()  # the promotion of the best one
    assert top.budget == 3 and top.parent == low.number
    study.tell(top, 0.5)
    assert study.best_trial.number == top.number
    assert study.best_value == 0.5


def test_ask_explains_a_waiting_rung():
    scheduler = SuccessiveHalving(1, 9, n_configs=3, n_brackets=1)
    study = create_study({"x": Float(0, 1)}, scheduler=scheduler)
    asked = [study.ask() for _ in range(3)]
    with pytest.raises(StudyError, match="waits for the running trials"):
        study.ask()
    for t in asked:
        study.tell(t, t.params["x"])
    assert study.ask().rung == 1


def test_method_and_budget_arguments_are_checked():
    with pytest.raises(InvalidParameterError, match="min_budget and max_budget"):
        tune(_loss, SPACE, method="asha")
    with pytest.raises(InvalidParameterError, match="multi-fidelity"):
        tune(lambda p: 0.0, SPACE, method="tpe", n_trials=2, min_budget=1, max_budget=9)
    with pytest.raises(InvalidParameterError, match="Did you mean 'asha'"):
        tune(_loss, SPACE, method="ashaa", min_budget=1, max_budget=9)


def test_trials_table_shows_the_rung_history():
    study = tune(_loss, SPACE, method="sha", min_budget=1, max_budget=9, random_state=0)
    df = study.trials_dataframe()
    assert {"budget", "bracket", "rung", "parent"} <= set(df.columns)
    top = df[df["rung"] == 2].iloc[0]
    chain = [int(top["number"])]
    while pd.notna(df.loc[chain[-1], "parent"]):
        chain.append(int(df.loc[chain[-1], "parent"]))
    assert df.loc[chain, "budget"].tolist() == [9, 3, 1]


def test_killed_run_resumes_without_losing_finished_evaluations(tmp_path):
    url = f"sqlite:///{tmp_path / 'mf.db'}"
    calls = []

    def interrupted(params, budget):
        calls.append(budget)
        if len(calls) == 11:  # the second evaluation of rung 1 (9 + 3 + 1 in all)
            raise KeyboardInterrupt
        return _loss(params, budget)

    with pytest.raises(KeyboardInterrupt):
        tune(interrupted, SPACE, method="sha", min_budget=1, max_budget=9, storage=url,
             random_state=0)  # fmt: skip
    before = create_study(SPACE, storage=url, study_name="autoxai", load_if_exists=True,
                          requeue_interrupted=False).trials  # fmt: skip
    finished = {t.number: t for t in before if t.state is TrialState.COMPLETE}
    assert len(finished) == 10

    study = tune(_loss, SPACE, method="sha", min_budget=1, max_budget=9, storage=url,
                 random_state=0)  # fmt: skip
    after = study.trials
    for number, t in finished.items():  # nothing finished was lost or re-run
        assert after[number] == t
    complete = [t for t in after if t.state is TrialState.COMPLETE]
    assert [sum(t.rung == r for t in complete) for r in range(3)] == [9, 3, 1]
    retry = next(t for t in after if t.retry_of is not None)
    lost = after[retry.retry_of]
    assert lost.interrupted
    assert (retry.budget, retry.rung, retry.parent) == (lost.budget, lost.rung, lost.parent)
    assert os.path.exists(tmp_path / "mf.db")
