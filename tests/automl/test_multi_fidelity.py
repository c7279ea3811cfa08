"""AutoML with a multi-fidelity search: budgets are shares of the training rows."""

import logging
import time
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification

import autoxai.automl._automl as automl_module
from autoxai import AutoML, Categorical, Float
from autoxai.automl._automl import _RefitReserve
from autoxai.automl._fidelity import full_budget, rung_history
from autoxai.automl._objective import CVObjective, read_evaluation
from autoxai.datasets import load_penguins
from autoxai.exceptions import InvalidParameterError
from autoxai.metrics import get_metric
from autoxai.schedulers import ASHA, SCHEDULERS
from autoxai.study import TrialState, create_study


@pytest.fixture(scope="module")
def table():
    X, y = make_classification(n_samples=600, n_features=6, n_informative=4, random_state=0)
    return pd.DataFrame(X, columns=[f"f{i}" for i in range(6)]), pd.Series(y, name="y")


@pytest.fixture(scope="module")
def split_table():
    """600 rows to fit on (the rungs below are sized for them) and 300 more of the same
    law, never fitted on."""
    X, y = make_classification(n_samples=900, n_features=6, n_informative=4, random_state=0)
    X, y = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)]), pd.Series(y, name="y")
    return X.iloc[:600], y.iloc[:600], X.iloc[600:], y.iloc[600:]


@pytest.fixture
def small_rungs(monkeypatch):
    """400 training rows per fold (600 rows, 3 folds) then make three rungs: 1/9, 1/3, 1."""
    monkeypatch.setattr(automl_module, "MIN_RUNG_ROWS", 40)


@pytest.mark.parametrize("search", sorted(SCHEDULERS))
def test_each_scheduler_fits_and_ranks_full_budget_trials_only(split_table, small_rungs, search):
    X, y, X_test, y_test = split_table
    automl = AutoML(search=search, n_trials=20, time_budget=None, cv=3, portfolio=False,
                    models=["linear", "knn"], random_state=0).fit(X, y)  # fmt: skip
    schedule = automl.schedule_
    assert schedule["scheduler"] == search and not schedule["fallback"]
    assert schedule["budgets"] == pytest.approx([1 / 9, 1 / 3, 1.0])
    assert schedule["training_rows"] == [44, 133, 400]
    trials = automl.study_.trials
    assert len(trials) == 20  # n_trials counts evaluations
    # the defaults come first, on all rows and outside the schedule
    defaults = [t for t in trials if t.rung is None]
    assert [t.number for t in defaults] == [0, 1]  # one default per family
    assert all(t.budget == 1.0 for t in defaults)
    budgets = {t.budget for t in trials}
    assert min(budgets) == pytest.approx(1 / 9) and 1.0 in budgets
    # only evaluations on all rows reach the leaderboard and the ensemble
    board = automl.leaderboard_
    by_number = {t.number: t for t in trials}
    assert len(board) == len(full_budget(trials)) >= 3
    assert all(by_number[n].budget == 1.0 for n in board["trial"])
    assert set(board["budget"]) == {1.0}
    assert {m["trial"] for m in automl.ensemble_} <= set(board["trial"])
    for _, row in board.iterrows():
        assert row["history"][-1] == row["trial"]
        assert [by_number[n].budget for n in row["history"]] == sorted(
            by_number[n].budget for n in row["history"]
        )
    assert automl.score(X_test, y_test) > 0.8
    assert set(automl.predict(X_test.head(5))) <= {0, 1}


def test_sha_goes_on_after_its_first_bracket(table, small_rungs):
    X, y = table
    # one bracket is 9 + 3 + 1 = 13 evaluations: 3 defaults + 17 scheduled reach the second
    automl = AutoML(search="sha", n_trials=20, time_budget=None, cv=3, models=["linear"],
                    ensemble=False).fit(X, y)  # fmt: skip
    assert max(t.bracket for t in automl.study_.trials if t.bracket is not None) >= 1


def test_time_budget_runs_brackets_until_time_is_up(table, small_rungs):
    X, y = table
    start = time.time()
    automl = AutoML(search="hyperband", time_budget=5, cv=3, models=["linear", "knn"]).fit(X, y)
    assert time.time() - start <= 5 * 1.1 + 2
    trials = automl.study_.trials
    # Hyperband's natural end (a round of 3 brackets, 9 + 5 + 3 new configurations) is
    # no limit under a time budget
    assert max(t.bracket for t in trials if t.bracket is not None) >= 3
    assert len(automl.leaderboard_) == len(full_budget(trials))


def test_a_table_too_small_for_two_rungs_is_searched_on_all_rows(caplog):
    df = load_penguins()
    X, y = df.drop(columns="species"), df["species"]
    with caplog.at_level(logging.WARNING, logger="autoxai.automl._automl"):
        automl = AutoML(search="asha", n_trials=6, time_budget=None, cv=3,
                        models=["linear", "rf"]).fit(X, y)  # fmt: skip
    schedule = automl.schedule_
    assert schedule["fallback"] and schedule["budgets"] == [1.0]
    assert "too few for a second rung" in schedule["note"]
    assert "too few for a second rung" in caplog.text
    assert all(t.budget == 1.0 for t in automl.study_.trials)
    assert len(automl.leaderboard_) == 6


def test_samplers_have_no_schedule(table):
    X, y = table
    automl = AutoML(n_trials=2, time_budget=None, cv=3, models=["linear"]).fit(X, y)
    assert automl.schedule_ is None
    assert "budget" not in automl.leaderboard_.columns


def test_a_misspelt_scheduler_is_suggested(table):
    X, y = table
    with pytest.raises(InvalidParameterError, match="Did you mean 'hyperband'"):
        AutoML(search="hyperbnd").fit(X, y)


# -- the parts that keep low-fidelity results out -------------------------------------------


def _objective(table, workdir):
    X, y = table
    n = len(y)
    splits = [(np.arange(n // 2, n), np.arange(n // 2)), (np.arange(n // 2), np.arange(n // 2, n))]
    return CVObjective(X, y.to_numpy(), task="binary", metric=get_metric("log_loss", "binary"),
                       schema=None, splits=splits, n_classes=2, random_state=0,
                       workdir=workdir)  # fmt: skip


def test_an_evaluation_on_part_of_the_rows_never_overwrites_the_full_one(table, tmp_path):
    from autoxai.automl import prepare

    X, y = table
    dataset = prepare(X.assign(y=y), "y")
    objective = _objective(table, tmp_path)
    objective.schema = dataset.schema
    params = {"model": "linear", "linear.C": 1.0}
    full = objective(params, 1.0)
    part = objective(params, 1 / 3)
    oof, stats = read_evaluation(tmp_path, params)
    assert stats["budget"] is None and stats["loss_mean"] == pytest.approx(full)
    oof_part, stats_part = read_evaluation(tmp_path, params, budget=1 / 3)
    assert stats_part["budget"] == pytest.approx(1 / 3)
    assert stats_part["loss_mean"] == pytest.approx(part) and part != pytest.approx(full)
    assert not np.allclose(oof, oof_part)
    # a configuration only ever evaluated on part of the rows has no full evaluation
    other = {"model": "linear", "linear.C": 0.01}
    objective(other, 1 / 9)
    assert read_evaluation(tmp_path, other) == (None, None)


def _budgeted_study():
    """A full evaluation (loss 0.5), and a better loss (0.1) on a third of the rows."""
    space = {"model": Categorical(["linear"]), "linear.C": Float(0.01, 10, log=True)}
    study = create_study(space, scheduler=ASHA(1 / 3, 1.0))
    study.enqueue({"model": "linear", "linear.C": 1.0}, budget=1.0)
    full = study.ask()
    study.tell(full, 0.5)
    partial = study.ask()
    assert partial.budget == pytest.approx(1 / 3)
    study.tell(partial, 0.1)
    return study, full, partial


def test_leaderboard_and_refit_reserve_ignore_partial_evaluations(tmp_path):
    study, full, _ = _budgeted_study()
    assert [t.number for t in full_budget(study.trials)] == [full.number]
    board = AutoML()._leaderboard(study, tmp_path, get_metric("log_loss", "binary"))
    assert board["trial"].tolist() == [full.number]
    assert board["history"].tolist() == [[full.number]]

    objective = SimpleNamespace(deadline=None, splits=[(None, None)] * 3)
    reserve = _RefitReserve(tmp_path, objective)
    now = time.time()
    reserve.stop_when_needed(now, now + 3600)(study, study.trials[-1])
    assert reserve.best_params == [full.params]


def test_rung_history_follows_parents():
    study, _, partial = _budgeted_study()
    for value in (0.3, 0.4):  # ASHA promotes the top third of a rung: fill it to three
        study.tell(study.ask(), value)
    promoted = study.ask()  # the best third-of-the-rows trial goes up to all rows
    assert promoted.parent == partial.number and promoted.budget == 1.0
    study.tell(promoted, 0.2)
    trials = study.trials
    assert rung_history(trials[promoted.number], trials) == [partial.number, promoted.number]
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 5
