"""Cost estimates before a configuration starts: families left out, configurations
skipped, each decision recorded. Thresholds are lowered on small tables; no timings."""

import json
import time

import pytest

from autoxai import AutoML, TrialState
from autoxai.automl import _cost
from autoxai.automl._cost import Shape, calibration, fold_seconds, plan_models, too_late

SMALL = Shape(n_train=800, n_test=200, n_features=5, n_classes=2)


def _per_cell(shape: Shape) -> float:
    return _cost.SECONDS_PER_CELL * (shape.n_train + shape.n_test) * shape.n_features


def test_costs_grow_with_the_table_as_each_family_does():
    big = SMALL._replace(n_train=8000, n_test=2000)

    def law(name, hp, shape):  # the family's own work, above what every fold pays
        return fold_seconds(name, hp, shape) - _per_cell(shape)

    hp = {"n_estimators": 100}
    assert law("lgbm", hp, big) == pytest.approx(10 * law("lgbm", hp, SMALL))
    # k-NN scans every training row for each test row: rows squared
    assert law("knn", {}, big) == pytest.approx(100 * law("knn", {}, SMALL))
    # half the trees, half the forest
    assert law("rf", {"n_estimators": 50}, SMALL) == pytest.approx(
        law("rf", {"n_estimators": 100}, SMALL) / 2
    )
    # a forest also walks its trees for every test row
    more_test = SMALL._replace(n_test=2000)
    assert law("rf", hp, more_test) > law("rf", hp, SMALL)
    # every fold pays for its cells, whatever the rounds
    assert fold_seconds("lgbm", {"n_estimators": 0}, big) == pytest.approx(_per_cell(big))
    assert _per_cell(big) == pytest.approx(10 * _per_cell(SMALL))


def test_knn_is_left_out_beyond_its_row_limit_and_the_decision_says_why(monkeypatch):
    monkeypatch.setattr(_cost, "KNN_MAX_ROWS", 500)
    kept, decisions = plan_models(["linear", "knn"], "binary", SMALL, seconds=None)
    assert kept == ["linear"]
    assert decisions == [{"model": "knn", "action": "left out", "reason": decisions[0]["reason"]}]
    assert "800 training rows is more than KNN_MAX_ROWS=500" in decisions[0]["reason"]
    kept, _ = plan_models(["linear", "knn"], "binary", SMALL._replace(n_train=400), seconds=None)
    assert kept == ["linear", "knn"]


def test_a_family_too_slow_for_the_budget_is_left_out_but_never_the_last(monkeypatch):
    monkeypatch.setitem(_cost.SECONDS_PER_UNIT, "rf", 1.0)  # forests now cost hours
    kept, decisions = plan_models(["rf", "linear"], "binary", SMALL, seconds=60)
    assert kept == ["linear"]
    assert [d["model"] for d in decisions] == ["rf"]
    assert "more than 0.5 of the 60 s search" in decisions[0]["reason"]
    kept, decisions = plan_models(["rf"], "binary", SMALL, seconds=60)
    assert kept == ["rf"] and decisions == []


def test_a_family_too_slow_as_it_is_but_not_shrunk_is_kept(monkeypatch):
    monkeypatch.setitem(_cost.SECONDS_PER_UNIT, "boosting", 1e-4)  # 100 rounds: 4,000 s
    shape = SMALL._replace(n_train=50_000)
    kept, decisions = plan_models(["lgbm", "linear"], "binary", shape, seconds=60)
    assert kept == ["lgbm", "linear"] and decisions == []  # fewer rows and rounds fit


def test_calibration_is_the_median_ratio_of_the_runs_own_evaluations(tmp_path):
    assert calibration(tmp_path, "rf") == 1.0  # nothing finished yet
    for i, (model, ratio) in enumerate([("rf", 2.0), ("rf", 4.0), ("rf", 30.0), ("lgbm", 0.5)]):
        stats = {"model": model, "estimate": 0.1, "seconds_per_fold": 0.1 * ratio}
        (tmp_path / f"{i}.json").write_text(json.dumps(stats))
    (tmp_path / "half-written.json").write_text('{"model": "rf", "est')
    assert calibration(tmp_path, "rf") == pytest.approx(4.0)
    assert calibration(tmp_path, "lgbm") == pytest.approx(0.5)
    assert calibration(tmp_path, "et") == pytest.approx(3.0)  # all families' median


def test_a_tiny_estimate_does_not_make_other_families_look_slow(tmp_path):
    # a k-NN fold estimated at 1e-5 s took 0.02 s: its fixed cost, not a slow machine
    stats = {"model": "knn", "estimate": 1e-5, "seconds_per_fold": 0.02}
    (tmp_path / "0.json").write_text(json.dumps(stats))
    assert calibration(tmp_path, "rf") == pytest.approx(0.02 / 0.05)
    assert calibration(tmp_path, "rf") < 1.0


def test_too_late_names_the_estimate_and_the_time_left():
    assert too_late(5.0, 100.0, None, what="x") is None
    assert too_late(5.0, 100.0, 106.0, what="x") is None
    assert too_late(5.0, 100.0, 104.0, what="one rf fold") == (
        "skipped: one rf fold is estimated at 5 s, and 4 s are left before the deadline"
    )


def test_automl_records_the_families_it_left_out(tiny_binary, monkeypatch):
    monkeypatch.setattr(_cost, "KNN_MAX_ROWS", 100)
    X, y = tiny_binary
    automl = AutoML(n_trials=4, time_budget=None, cv=3, models=["linear", "knn"],
                    n_jobs=1).fit(X, y)  # fmt: skip
    assert [d["model"] for d in automl.model_decisions_] == ["knn"]
    assert set(automl.leaderboard_["model"]) == {"linear"}


def test_a_configuration_that_cannot_finish_even_shrunk_is_skipped(tiny_binary, monkeypatch):
    monkeypatch.setattr(_cost, "MAX_SHARE", 1e9)  # keep the family, so its trials run
    monkeypatch.setitem(_cost.SECONDS_PER_UNIT, "rf", 1.0)  # one fold: hours
    X, y = tiny_binary
    # n_jobs=1: the patched constants live in this process, not in pool workers
    automl = AutoML(n_trials=6, time_budget=120, cv=3, models=["linear", "rf"],
                    n_jobs=1).fit(X, y)  # fmt: skip
    trials = automl.study_.trials
    forests = [t for t in trials if t.params["model"] == "rf"]
    assert forests, "the defaults include forests"
    for t in forests:
        assert t.state is TrialState.FAILED
        assert "skipped: rf on 3 folds is estimated at" in t.error
    assert all(t.state is TrialState.COMPLETE for t in trials if t.params["model"] == "linear")
    assert set(automl.leaderboard_["model"]) == {"linear"}
    # even 10 trees on every one of the 200 training rows would take hours: skipped
    assert automl.model_decisions_ == [
        {
            "model": "rf",
            "action": "skipped",
            "trial": t.number,
            "reason": t.error.split("\n")[0].removeprefix("OutOfTime: "),
        }
        for t in forests
    ]


@pytest.mark.parametrize(
    ("hard_deadline", "cells", "budget", "stops"),
    [("auto", 1, 60, True), ("auto", 10**9, 60, False), (True, 10**9, 60, True),
     (False, 1, 60, False), (True, 1, None, False)],
)  # fmt: skip
def test_hard_deadline_stops_trials_when_the_search_must_end(
    tiny_binary, monkeypatch, hard_deadline, cells, budget, stops
):
    from autoxai.study import Study

    seen = []
    optimize = Study.optimize

    def spy(self, objective, **kwargs):
        seen.append(kwargs["trial_deadline"])
        kwargs["trial_deadline"] = None  # the isolation itself is tested in tests/executors
        return optimize(self, objective, **kwargs)

    monkeypatch.setattr(Study, "optimize", spy)
    monkeypatch.setattr(_cost, "HARD_DEADLINE_CELLS", cells)
    X, y = tiny_binary
    start = time.time()
    AutoML(n_trials=2, time_budget=budget, cv=3, models=["linear"],
           hard_deadline=hard_deadline).fit(X, y)  # fmt: skip
    if stops:
        assert start < seen[0] < time.time() + budget  # the end of the search
    else:
        assert seen == [None]


def test_hard_deadline_must_be_auto_or_a_bool(tiny_binary):
    from autoxai.exceptions import InvalidParameterError

    with pytest.raises(InvalidParameterError, match='hard_deadline must be "auto", True or'):
        AutoML(n_trials=2, hard_deadline=1).fit(*tiny_binary)


@pytest.mark.slow
def test_under_a_hard_deadline_trials_run_in_their_own_processes(tiny_binary):
    X, y = tiny_binary
    automl = AutoML(n_trials=3, time_budget=60, cv=3, models=["linear", "knn"],
                    hard_deadline=True).fit(X, y)  # fmt: skip
    assert [t.state for t in automl.study_.trials] == [TrialState.COMPLETE] * 3
    assert automl.score(X, y) > 0.8
