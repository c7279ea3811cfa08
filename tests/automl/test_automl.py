import time

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, make_classification
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedShuffleSplit, train_test_split

from autoxai import AutoML, load
from autoxai.datasets import load_penguins
from autoxai.exceptions import AutoXAIError, InvalidParameterError


@pytest.fixture(scope="module")
def penguins():
    df = load_penguins()
    return df.drop(columns="species"), df["species"]


@pytest.fixture(scope="module")
def split(penguins):
    """Penguins split into training rows and held-out rows (X_train, X_test, y_train, y_test)."""
    X, y = penguins
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def fitted(split):
    X_train, _, y_train, _ = split
    automl = AutoML(n_trials=6, time_budget=None, cv=3, models=["linear", "rf", "lgbm"])
    return automl.fit(X_train, y_train)


def test_every_core_by_default_gives_the_same_leaderboard_as_one(fitted, split):
    # ``fitted`` ran with the default n_jobs=-1: one trial per core, one thread each,
    # and the refit on every core
    from autoxai.automl._automl import available_cores

    cores = available_cores()
    assert fitted.n_jobs == -1
    assert fitted._cores() == (cores, 1, cores)
    X, _, y, _ = split
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


def test_fit_predict_and_leaderboard(fitted, split):
    _, X_test, _, y_test = split
    assert fitted.dataset_.task == "multiclass"
    assert fitted.classes_.tolist() == ["Adelie", "Chinstrap", "Gentoo"]
    assert fitted.score(X_test, y_test) > 0.95  # rows the search and the refit never saw
    proba = fitted.predict_proba(X_test.head(5))
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
    X_train, X_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.3, random_state=0
    )
    reg = AutoML(n_trials=3, time_budget=None, cv=3, models=["linear", "lgbm"])
    reg.fit(X_train, y_train)
    assert reg.dataset_.task == "regression"
    assert reg.classes_ is None
    assert "cv_rmse" in reg.leaderboard_.columns
    assert reg.score(X_test, y_test) > 0.3  # held-out R² (a linear model reaches about 0.4)

    cancer = load_breast_cancer(as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(
        cancer.data, cancer.target, test_size=0.3, stratify=cancer.target, random_state=0
    )
    clf = AutoML(n_trials=3, time_budget=None, cv=3, models=["linear", "rf"])
    clf.fit(X_train, y_train)
    assert clf.dataset_.task == "binary"
    assert clf.leaderboard_["cv_roc_auc"].iloc[0] > 0.95
    assert roc_auc_score(y_test, clf.predict_proba(X_test)[:, 1]) > 0.95


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


def test_xgboost_extra_refits_on_the_original_labels(split, tmp_path):
    pytest.importorskip("xgboost")
    X, X_test, y, y_test = split
    automl = AutoML(n_trials=2, time_budget=None, cv=3, models=["xgb"], ensemble=False)
    automl.fit(X, y)
    assert set(automl.leaderboard_["model"]) == {"xgb"}
    assert set(automl.predict(X_test)) <= set(y)
    assert automl.score(X_test, y_test) > 0.95
    automl.save(tmp_path / "m")
    np.testing.assert_array_equal(load(tmp_path / "m").predict(X_test), automl.predict(X_test))


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
def test_trial_timeout_runs_each_evaluation_in_its_own_process(split):
    from autoxai.exceptions import NoCompletedTrialsError

    X, X_test, y, y_test = split
    automl = AutoML(n_trials=2, time_budget=None, cv=2, models=["linear"], trial_timeout=120)
    automl.fit(X, y)
    assert len(automl.leaderboard_) == 2 and automl.score(X_test, y_test) > 0.9
    hasty = AutoML(n_trials=2, time_budget=None, cv=2, models=["rf"], trial_timeout=0.001)
    with pytest.raises(NoCompletedTrialsError, match="timed out"):
        hasty.fit(X, y)


def test_large_tables_search_on_one_holdout_split(monkeypatch, tmp_path):
    """Above HOLDOUT_ROWS (lowered here from 100,000 to 300) each configuration is scored
    on one stratified 80/20 split: its predictions cover exactly the 20 %, its leaderboard
    score is the metric on those rows, the ensemble (which needs out-of-fold predictions
    for every row) falls back to the best model, and the refit predicts new rows well."""
    import autoxai.automl._automl as automl_module
    from autoxai.automl._objective import read_evaluation

    monkeypatch.setattr(automl_module, "HOLDOUT_ROWS", 300)
    X, y = make_classification(n_samples=600, n_features=6, n_informative=4, random_state=0)
    X = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    y = pd.Series(np.where(y == 1, "yes", "no"))
    X_train, X_test, y_train, y_test = X[:500], X[500:], y[:500], y[500:]
    automl = AutoML(n_trials=4, time_budget=None, models=["linear", "rf"], random_state=0,
                    n_jobs=1, workdir=tmp_path / "work")  # fmt: skip
    automl.fit(X_train, y_train)

    y_enc = (y_train == "yes").astype(int).to_numpy()  # classes_ sorted: "no", "yes"
    assert automl.classes_.tolist() == ["no", "yes"]
    splitter = StratifiedShuffleSplit(n_splits=1, test_size=0.2, random_state=0)
    [(_, held)] = splitter.split(np.zeros(500), y_enc)
    board = automl.leaderboard_
    assert len(board) == 4
    for _, row in board.iterrows():
        params = automl.study_.trials[int(row["trial"])].params
        oof, stats = read_evaluation(tmp_path / "work", params)
        scored = np.flatnonzero(~np.isnan(oof[:, 0]))
        np.testing.assert_array_equal(scored, np.sort(held))  # one split: the 20 %
        assert row["cv_roc_auc"] == pytest.approx(roc_auc_score(y_enc[held], oof[held, 1]))
        assert stats["loss_std"] == 0.0
    assert automl.ensemble_ == [{"trial": int(board["trial"].iloc[0]), "weight": 1.0}]
    assert roc_auc_score(y_test == "yes", automl.predict_proba(X_test)[:, 1]) > 0.9
