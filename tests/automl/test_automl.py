import time

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes

from autoxai import AutoML, load
from autoxai.datasets import load_penguins
from autoxai.exceptions import AutoXAIError, InvalidParameterError


@pytest.fixture(scope="module")
def penguins():
    df = load_penguins()
    return df.drop(columns="species"), df["species"]


@pytest.fixture(scope="module")
def fitted(penguins):
    X, y = penguins
    automl = AutoML(n_trials=6, time_budget=None, cv=3, models=["linear", "rf", "lgbm"])
    return automl.fit(X, y)


def test_every_core_by_default_gives_the_same_leaderboard_as_one(fitted, penguins):
    # ``fitted`` ran with the default n_jobs=-1: one trial per core, one thread each,
    # and the refit on every core
    from autoxai.automl._automl import available_cores

    cores = available_cores()
    assert fitted.n_jobs == -1
    assert fitted._cores() == (cores, 1, cores)
    X, y = penguins
    serial = AutoML(n_trials=6, time_budget=None, cv=3, models=["linear", "rf", "lgbm"], n_jobs=1)
    serial.fit(X, y)
    assert serial._cores() == (1, 1, 1)
    columns = ["trial", "model", "cv_log_loss"]
    pd.testing.assert_frame_equal(serial.leaderboard_[columns], fitted.leaderboard_[columns])
    assert serial.leaderboard_["params"].tolist() == fitted.leaderboard_["params"].tolist()
    assert serial.ensemble_ == fitted.ensemble_
    np.testing.assert_allclose(serial.predict_proba(X), fitted.predict_proba(X), rtol=1e-9)


@pytest.mark.parametrize("n_jobs", [0, -2, 1.5, True])
def test_n_jobs_must_be_minus_one_or_positive(penguins, n_jobs):
    X, y = penguins
    with pytest.raises(InvalidParameterError, match="n_jobs must be -1 .every core. or an int"):
        AutoML(n_trials=1, time_budget=None, n_jobs=n_jobs).fit(X, y)


def test_fit_predict_and_leaderboard(fitted, penguins):
    X, y = penguins
    assert fitted.dataset_.task == "multiclass"
    assert fitted.classes_.tolist() == ["Adelie", "Chinstrap", "Gentoo"]
    assert fitted.score(X, y) > 0.95
    proba = fitted.predict_proba(X.head(5))
    assert proba.shape == (5, 3)
    assert np.allclose(proba.sum(axis=1), 1.0)
    board = fitted.leaderboard_
    assert {"model", "params", "cv_log_loss", "cv_std", "fit_time"} <= set(board.columns)
    assert len(board) == 6
    assert board["cv_log_loss"].is_monotonic_increasing  # lower log-loss ranks first
    assert set(board["model"]) <= {"linear", "rf", "lgbm"}
    # the known-good defaults are tried first, one family after another
    assert fitted.study_.trials[0].params["model"] == "linear"


def test_same_seed_and_trial_budget_give_the_same_leaderboard(penguins):
    X, y = penguins

    def board():
        automl = AutoML(n_trials=5, time_budget=None, cv=3, models=["linear", "knn"],
                        search="tpe", random_state=3)  # fmt: skip
        return automl.fit(X, y).leaderboard_.drop(columns=["fit_time"])

    pd.testing.assert_frame_equal(board(), board())


def test_regression_and_binary_tasks():
    data = load_diabetes(as_frame=True)
    reg = AutoML(n_trials=3, time_budget=None, cv=3, models=["linear", "lgbm"])
    reg.fit(data.data, data.target)
    assert reg.dataset_.task == "regression"
    assert reg.classes_ is None
    assert "cv_rmse" in reg.leaderboard_.columns
    assert reg.score(data.data, data.target) > 0.3

    cancer = load_breast_cancer(as_frame=True)
    clf = AutoML(n_trials=3, time_budget=None, cv=3, models=["linear", "rf"])
    clf.fit(cancer.data, cancer.target)
    assert clf.dataset_.task == "binary"
    assert clf.leaderboard_["cv_roc_auc"].iloc[0] > 0.95


@pytest.mark.slow
def test_time_budget_covers_search_and_refit(penguins):
    X, y = penguins
    start = time.time()
    automl = AutoML(time_budget=8, cv=3).fit(X, y)
    wall = time.time() - start
    assert wall <= 8 * 1.1 + 2
    assert automl.timings_["total"] <= wall
    assert len(automl.leaderboard_) >= 3


def test_save_load_round_trip_and_tampering(fitted, penguins, tmp_path):
    X, _ = penguins
    path = fitted.save(tmp_path / "model")
    again = load(path)
    assert np.array_equal(again.predict(X), fitted.predict(X))
    assert np.allclose(again.predict_proba(X), fitted.predict_proba(X))
    with open(path / "model.joblib", "ab") as fh:
        fh.write(b"tampered")
    with pytest.raises(AutoXAIError, match="does not match the hash"):
        load(path)


def test_unseen_categories_and_new_missing_values_at_predict_time(fitted, penguins):
    X, _ = penguins
    odd = X.head(3).copy()
    odd["island"] = ["Atlantis", None, "Biscoe"]
    odd["bill_length_mm"] = [np.nan, 40.0, 45.0]
    pred = fitted.predict(odd)
    assert len(pred) == 3
    assert set(pred) <= set(fitted.classes_)


def test_missing_column_at_predict_time_is_named(fitted, penguins):
    X, _ = penguins
    with pytest.raises(AutoXAIError, match="bill_depth_mm"):
        fitted.predict(X.drop(columns="bill_depth_mm"))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"models": ["lgbn"]}, "Did you mean 'lgbm'"),
        ({"time_budget": None, "n_trials": None}, "give time_budget, n_trials or both"),
        ({"search": "bayess"}, "Did you mean 'bayes'"),
        ({"cv": 1}, "cv must be an int >= 2"),
        ({"time_budget": -1}, "time_budget must be a number of seconds > 0"),
    ],
)
def test_bad_settings(penguins, kwargs, match):
    X, y = penguins
    with pytest.raises(InvalidParameterError, match=match):
        AutoML(**kwargs).fit(X, y)


def test_predict_before_fit():
    with pytest.raises(AutoXAIError, match="not fitted yet"):
        AutoML().predict(pd.DataFrame({"a": [1]}))


def test_xgboost_extra_refits_on_the_original_labels(penguins, tmp_path):
    pytest.importorskip("xgboost")
    X, y = penguins
    automl = AutoML(n_trials=2, time_budget=None, cv=3, models=["xgb"], ensemble=False)
    automl.fit(X, y)
    assert set(automl.leaderboard_["model"]) == {"xgb"}
    assert set(automl.predict(X.head(20))) <= set(y)
    assert automl.score(X, y) > 0.95
    automl.save(tmp_path / "m")
    np.testing.assert_array_equal(load(tmp_path / "m").predict(X), automl.predict(X))


def test_models_default_leaves_out_optional_families(penguins, monkeypatch):
    from autoxai.automl._zoo import DEFAULT_FAMILIES, FAMILIES

    assert "xgb" in FAMILIES and "xgb" not in DEFAULT_FAMILIES
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "xgboost" else real(name, *a)
    )
    X, y = penguins
    with pytest.raises(InvalidParameterError, match=r'pip install "autoxai\[xgboost\]"'):
        AutoML(models=["xgb"]).fit(X, y)


def test_every_metric_pickles_so_a_fitted_model_can_be_saved():
    import pickle

    from autoxai.metrics import METRICS

    for name, metric in METRICS.items():
        assert pickle.loads(pickle.dumps(metric)).name == name


def test_regression_model_with_the_default_metric_saves_and_loads(tmp_path):
    data = load_diabetes(as_frame=True)
    automl = AutoML(n_trials=1, time_budget=None, cv=2, models=["linear"]).fit(
        data.data, data.target
    )
    assert automl.metric_.name == "rmse"
    automl.save(tmp_path / "m")
    np.testing.assert_allclose(load(tmp_path / "m").predict(data.data), automl.predict(data.data))


def test_when_every_configuration_fails_the_error_says_why(penguins, monkeypatch):
    from autoxai.automl import _objective
    from autoxai.exceptions import NoCompletedTrialsError

    def broken(self, params, budget):
        raise ValueError("the solver diverged")

    monkeypatch.setattr(_objective.CVObjective, "_evaluate", broken)
    X, y = penguins
    # n_jobs=1: the patch lives in this process, not in the workers of a process pool
    automl = AutoML(n_trials=2, time_budget=None, cv=2, models=["linear"], n_jobs=1)
    with pytest.raises(NoCompletedTrialsError, match="every configuration failed .*diverged"):
        automl.fit(X, y)


@pytest.mark.slow
def test_trial_timeout_runs_each_evaluation_in_its_own_process(penguins):
    from autoxai.exceptions import NoCompletedTrialsError

    X, y = penguins
    automl = AutoML(n_trials=2, time_budget=None, cv=2, models=["linear"], trial_timeout=120)
    automl.fit(X, y)
    assert len(automl.leaderboard_) == 2 and automl.score(X, y) > 0.9
    hasty = AutoML(n_trials=2, time_budget=None, cv=2, models=["rf"], trial_timeout=0.001)
    with pytest.raises(NoCompletedTrialsError, match="timed out"):
        hasty.fit(X, y)
