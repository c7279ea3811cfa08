"""Shrink instead of skip: fewer rounds, then fewer rows, then skip; each decision
recorded, and the refit fits what was shrunk. Cost constants are patched on small
tables (n_jobs=1: the patched constants live in this process); no timings."""

import json
import re

import pandas as pd
import pytest

from autoxai import AutoML, TrialState
from autoxai.automl import _cost, _shrink
from autoxai.automl._cost import Shape, fold_seconds
from autoxai.automl._shrink import ROUNDS_FLOOR, shrink

SHAPE = Shape(n_train=4000, n_test=1000, n_features=4, n_classes=2)


def cost(name, hp, n_train=SHAPE.n_train):
    return fold_seconds(name, hp, SHAPE._replace(n_train=n_train))


def test_a_configuration_that_fits_is_left_as_it_is():
    hp = {"n_estimators": 100}
    plan = shrink("lgbm", hp, SHAPE, left=cost("lgbm", hp))
    assert plan == (hp, SHAPE.n_train, cost("lgbm", hp), None)


@pytest.mark.parametrize("per_cell", [None, 5e-7])
def test_rounds_shrink_first_to_the_most_that_fit(per_cell, monkeypatch):
    if per_cell is not None:  # a fold's cost per cell, which fewer rounds keep, is most of it
        monkeypatch.setattr(_cost, "SECONDS_PER_CELL", per_cell)
    hp = {"n_estimators": 400, "learning_rate": 0.1}
    left = cost("lgbm", hp) / 3
    plan = shrink("lgbm", hp, SHAPE, left=left)
    rounds = plan.hp["n_estimators"]
    assert plan.n_train == SHAPE.n_train  # rows untouched while rounds suffice
    assert cost("lgbm", {"n_estimators": rounds}) <= left
    assert cost("lgbm", {"n_estimators": rounds + 1}) > left
    assert plan.hp["learning_rate"] == 0.1
    assert plan.note.startswith(f"shrunk to n_estimators 400 -> {rounds}: estimated at")


def test_rows_shrink_once_rounds_are_at_their_floor():
    hp = {"n_estimators": 100, "max_features": 0.5}
    left = cost("rf", {**hp, "n_estimators": ROUNDS_FLOOR}, n_train=2000)
    plan = shrink("rf", hp, SHAPE, left=left)
    floor = {**hp, "n_estimators": ROUNDS_FLOOR}
    assert plan.hp == floor
    assert cost("rf", floor, plan.n_train) <= left < cost("rf", floor, plan.n_train + 1)
    assert plan.n_train == 2000
    assert "n_estimators 100 -> 10, 2,000 of 4,000 training rows" in plan.note


def test_knn_shrinks_rows_only_and_the_calibration_counts():
    hp = {"n_neighbors": 15, "weights": "distance"}
    left = cost("knn", hp, n_train=1500) * 2
    plan = shrink("knn", hp, SHAPE, left=left, factor=2.0)
    assert plan.hp == hp
    assert plan.n_train == 1500  # k-NN's cost is linear in its training rows
    assert plan.seconds == pytest.approx(2 * cost("knn", hp, 1500))


def test_nothing_smaller_than_the_floors_is_tried():
    hp = {"n_estimators": 100}
    smallest = cost("lgbm", {"n_estimators": ROUNDS_FLOOR}, n_train=_shrink.ROWS_FLOOR)
    assert shrink("lgbm", hp, SHAPE, left=smallest).n_train == _shrink.ROWS_FLOOR
    assert shrink("lgbm", hp, SHAPE, left=smallest * 0.99) is None
    # a configuration already at or below the floors is only taken or skipped
    tiny = {"n_estimators": 5}
    assert shrink("lgbm", tiny, SHAPE._replace(n_train=500), left=1e-12) is None
    assert shrink("lgbm", hp, SHAPE, left=-1.0) is None  # the deadline has passed


def test_a_shrunk_forest_is_recorded_and_refit_as_shrunk(tiny_binary, monkeypatch):
    monkeypatch.setattr(_cost, "MAX_SHARE", 1e9)  # keep the family, so its trials run
    # 300 default trees on 200 rows: about 575 s a fold; the first trial's deadline is
    # ~108 s away, about 36 s for each of the 3 folds
    monkeypatch.setitem(_cost.SECONDS_PER_UNIT, "rf", 5e-4)
    X, y = tiny_binary
    automl = AutoML(n_trials=1, time_budget=120, cv=3, models=["rf"], n_jobs=1,
                    ensemble=False, final_model="refit").fit(X, y)  # fmt: skip
    (decision,) = automl.model_decisions_
    assert decision["action"] == "shrunk" and decision["trial"] == 0
    trees = int(re.search(r"n_estimators 300 -> (\d+)", decision["reason"]).group(1))
    assert ROUNDS_FLOOR <= trees < 300
    assert automl.leaderboard_.loc[0, "shrunk"] == decision["reason"]
    assert automl.best_pipeline_.steps[-1][1].n_estimators == trees


def test_a_shrunk_knn_is_refit_on_the_same_share_of_the_rows(tiny_binary, monkeypatch):
    monkeypatch.setattr(_cost, "MAX_SHARE", 1e9)
    monkeypatch.setattr(_shrink, "ROWS_FLOOR", 20)
    monkeypatch.setitem(_cost.SECONDS_PER_UNIT, "knn", 3e-3)  # all 200 rows: about 300 s
    X, y = tiny_binary
    automl = AutoML(n_trials=1, time_budget=120, cv=3, models=["knn"], n_jobs=1,
                    ensemble=False, final_model="refit").fit(X, y)  # fmt: skip
    (decision,) = automl.model_decisions_
    rows = int(re.search(r"shrunk to (\d+) of 200 training rows", decision["reason"]).group(1))
    assert 20 <= rows < 200
    assert automl.study_.trials[0].state is TrialState.COMPLETE
    assert automl.best_pipeline_.steps[-1][1].n_samples_fit_ == round(rows / 200 * len(y))


def test_no_time_budget_never_shrinks(tiny_binary, monkeypatch):
    monkeypatch.setitem(_cost.SECONDS_PER_UNIT, "rf", 5e-4)
    X, y = tiny_binary
    automl = AutoML(n_trials=1, time_budget=None, cv=3, models=["rf"], n_jobs=1,
                    ensemble=False, final_model="refit").fit(X, y)  # fmt: skip
    assert automl.model_decisions_ == []
    assert automl.leaderboard_["shrunk"].isna().all()
    assert automl.best_pipeline_.steps[-1][1].n_estimators == 300


def test_the_cli_prints_the_decision_and_writes_it_to_every_file(tiny_binary, tmp_path, capsys,
                                                                   monkeypatch):  # fmt: skip

    from autoxai.cli import main

    monkeypatch.setattr(_cost, "MAX_SHARE", 1e9)
    monkeypatch.setitem(_cost.SECONDS_PER_UNIT, "rf", 5e-4)
    X, y = tiny_binary
    data = tmp_path / "t.csv"
    X.assign(y=y).to_csv(data, index=False)
    out = tmp_path / "run"
    args = ["run", str(data), "--target", "y", "--out", str(out), "--n-trials", "1",
            "--time-budget", "120", "--cv", "3", "--models", "rf", "--n-jobs", "1",
            "--no-progress", "--no-explain"]  # fmt: skip
    assert main(args) == 0
    printed = capsys.readouterr().out
    (decision,) = json.loads((out / "run.json").read_text())["model_decisions"]
    assert decision["action"] == "shrunk"
    line = f"shrunk model 'rf' (trial 0): {decision['reason']}"
    assert " ".join(line.split()) in " ".join(printed.split())  # rich wraps long lines
    shrunk = pd.read_csv(out / "trials.csv").set_index("number")["shrunk"]
    assert shrunk[0] == decision["reason"] and shrunk.drop(0).isna().all()  # 1: not run
    assert pd.read_csv(out / "leaderboard.csv")["shrunk"].tolist() == [decision["reason"]]


def test_a_shrunk_forest_bagged_keeps_its_shrunk_fold_models(tiny_binary, monkeypatch):
    monkeypatch.setattr(_cost, "MAX_SHARE", 1e9)
    monkeypatch.setitem(_cost.SECONDS_PER_UNIT, "rf", 5e-4)
    X, y = tiny_binary
    automl = AutoML(n_trials=1, time_budget=120, cv=3, models=["rf"], n_jobs=1,
                    ensemble=False, final_model="bagged").fit(X, y)  # fmt: skip
    (decision,) = automl.model_decisions_
    trees = int(re.search(r"n_estimators 300 -> (\d+)", decision["reason"]).group(1))
    members = automl.best_pipeline_.members
    assert len(members) == 3  # one per fold
    assert all(m.steps[-1][1].n_estimators == trees for m in members)


def test_boosting_loses_rows_before_rounds_down_to_its_row_limit(monkeypatch):
    monkeypatch.setattr(_shrink, "ROWS_BEFORE_ROUNDS", 2000)
    hp = {"n_estimators": 400}
    # time for all 400 rounds on 3,000 of the 4,000 rows: the rounds are kept
    plan = shrink("lgbm", hp, SHAPE, left=cost("lgbm", hp, n_train=3000))
    assert plan.hp == hp and plan.n_train == 3000
    assert plan.note.startswith("shrunk to 3,000 of 4,000 training rows")
    # less than 400 rounds on 2,000 rows take: rows stop at 2,000, then rounds go
    left = cost("lgbm", hp, n_train=2000) / 2
    plan = shrink("lgbm", hp, SHAPE, left=left)
    assert plan.n_train == 2000 and ROUNDS_FLOOR < plan.hp["n_estimators"] < 400
    assert cost("lgbm", plan.hp, n_train=2000) <= left
    # a forest keeps its rows and loses trees first
    forest = {"n_estimators": 100, "max_features": 0.5}
    plan = shrink("rf", forest, SHAPE, left=cost("rf", forest) / 2)
    assert plan.n_train == SHAPE.n_train and plan.hp["n_estimators"] < 100


def test_under_cross_validation_each_fold_gets_its_share_of_the_time(tiny_binary, monkeypatch):
    monkeypatch.setattr(_cost, "MAX_SHARE", 1e9)
    monkeypatch.setitem(_cost.SECONDS_PER_UNIT, "rf", 5e-4)  # 300 trees: 575 s a fold
    X, y = tiny_binary
    automl = AutoML(n_trials=1, time_budget=120, cv=3, models=["rf"], n_jobs=1,
                    ensemble=False, final_model="refit").fit(X, y)  # fmt: skip
    (decision,) = automl.model_decisions_
    found = re.search(r"([\d.]+) s shrunk, and ([\d.]+) s per fold were left", decision["reason"])
    shrunk, per_fold = map(float, found.groups())
    # the trial's deadline is 108 s after the start (a tenth of the budget is kept): the
    # three folds share it, so each gets at most a third
    assert 0 < shrunk <= per_fold <= 108 / 3


@pytest.mark.parametrize(("n_splits", "stops"), [(1, False), (3, True)])
def test_a_holdout_search_does_not_stop_for_a_typical_trial(tmp_path, n_splits, stops):
    # the last trials took 50 s each and 30 s are left: under cross-validation the next
    # would not finish; under a holdout split it shrinks to the time left
    import time
    from types import SimpleNamespace

    from autoxai.automl._automl import _RefitReserve

    objective = SimpleNamespace(deadline=None, splits=[(None, None)] * n_splits)
    done = [SimpleNamespace(state=TrialState.COMPLETE, duration=50.0, value=0.5, number=i,
                            budget=None, params={"model": "rf"}) for i in range(3)]  # fmt: skip
    stopped = []
    study = SimpleNamespace(trials=done, stop=lambda: stopped.append(True))
    now = time.time()
    _RefitReserve(tmp_path, objective).stop_when_needed(now - 570, now + 30)(study, done[-1])
    assert bool(stopped) is stops
