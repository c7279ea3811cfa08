"""Drop-column importance: refit without a column, in every fold; small data, few fits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, PolynomialFeatures
from sklearn.svm import SVC

from autoxai.automl import AutoML, WeightedEnsemble
from autoxai.exceptions import DataError, InvalidParameterError, ParameterTypeError
from autoxai.explain._ablation import drop_column_importance
from autoxai.explain._base import Explanation

COLUMNS = ["x0", "x1", "x2", "x3"]


@pytest.fixture(scope="module")
def data():
    """x0..x3 independent uniform(-1, 1); y = 3*x0 + x1**2 + small noise."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.uniform(-1, 1, (240, 4)), columns=COLUMNS)
    y = 3 * X["x0"] + X["x1"] ** 2 + rng.normal(0, 0.05, len(X))
    return X, y


def by_name():
    """A pipeline that selects x0, x1, x2 by name (and so never sees x3)."""
    return make_pipeline(
        ColumnTransformer([("poly", PolynomialFeatures(2), ["x0", "x1", "x2"])]),
        LinearRegression(),
    )


def test_unused_columns_score_zero_and_the_main_one_leads(data):
    X, y = data
    e = drop_column_importance(by_name(), X, y, cv=4, scoring="r2", random_state=0)
    assert e.method == "drop_column_importance" and e.scope == "global"
    assert e.feature_names == COLUMNS
    assert int(np.argmax(e.values)) == 0
    assert e.values[1] > 0.01  # x1**2 is learnable through the polynomial features
    assert abs(e.values[2]) < 0.005  # x2 is seen but useless
    # The pipeline never reads x3: baseline and ablated refits are the same model.
    np.testing.assert_array_equal(e.importances[3], 0.0)
    assert e.importances.shape == (4, 4)
    assert e.diagnostics["n_refits"] == 4 * 5
    assert e.diagnostics["n_folds"] == 4
    assert e.diagnostics["baseline_score"] > 0.99
    assert e.warnings == []


def test_constant_replacement_keeps_a_one_hot_pipeline_working():
    rng = np.random.default_rng(1)
    X = pd.DataFrame(
        {
            "colour": rng.choice(["red", "green", "blue"], 240),
            "flag": rng.random(240) > 0.5,
            "age": rng.uniform(-1, 1, 240),
        }
    )
    y = np.where((X["colour"] == "red") | (X["age"] > 0.5), "yes", "no")
    model = make_pipeline(
        ColumnTransformer([("oh", OneHotEncoder(), ["colour", "flag"])], remainder="passthrough"),
        LogisticRegression(),
    )
    e = drop_column_importance(model, X, y, cv=3, random_state=0)
    assert e.feature_names == ["colour", "flag", "age"]
    assert e.diagnostics["scoring"] == "roc_auc"
    assert e.values[0] > 0.05 and e.values[2] > 0.05
    assert abs(e.values[1]) < 0.05


def test_one_and_two_processes_agree_and_unseeded_models_are_seeded(data):
    X, y = data
    model = RandomForestRegressor(n_estimators=4, max_depth=4)  # random_state=None
    kwargs = {"cv": 3, "scoring": "r2", "random_state": 2}
    one = drop_column_importance(model, X, y, n_jobs=1, **kwargs)
    again = drop_column_importance(model, X, y, n_jobs=1, **kwargs)
    two = drop_column_importance(model, X, y, n_jobs=2, **kwargs)
    np.testing.assert_array_equal(one.importances, again.importances)
    np.testing.assert_array_equal(one.importances, two.importances)
    assert one.random_state == 2
    assert model.random_state is None  # the user's estimator is left as it was
    assert int(np.argmax(one.values)) == 0


def test_grouping_redundant_columns_shows_their_shared_information(data):
    X, y = data
    X = X.assign(x0_copy=X["x0"] + np.random.default_rng(3).normal(0, 1e-3, len(X)))
    alone = drop_column_importance(LinearRegression(), X, y, cv=3, scoring="r2", random_state=0)
    assert abs(alone.values[0]) < 0.01 and abs(alone.values[4]) < 0.01
    assert any("x0 ~ x0_copy" in w for w in alone.warnings)
    together = drop_column_importance(
        LinearRegression(), X, y, cv=3, scoring="r2", groups={"x0s": ["x0", "x0_copy"]},
        random_state=0,
    )  # fmt: skip
    assert together.feature_names == ["x0s", "x1", "x2", "x3"]
    assert together.values[0] > 0.9


def test_indistinguishable_top_importance_is_warned_about():
    rng = np.random.default_rng(4)
    X = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    y = rng.normal(size=60)  # nothing to learn
    e = drop_column_importance(LinearRegression(), X, y, cv=5, random_state=0)
    top = e.to_frame()["feature"].iloc[0]
    assert any(f"importance of {top}" in w and "not distinguishable" in w for w in e.warnings)


def test_a_splitter_can_be_passed_as_cv(data):
    X, y = data
    e = drop_column_importance(by_name(), X, y, cv=KFold(3), random_state=0)
    assert e.diagnostics["n_folds"] == 3
    assert e.settings["cv"].startswith("KFold")


def test_automl_ensemble_is_refitted_as_an_ensemble(data):
    X, y = data
    automl = AutoML()
    with pytest.raises(DataError, match="not fitted"):
        drop_column_importance(automl, X, y)
    pipes = [by_name().fit(X, y), by_name().fit(X, y)]
    automl.best_pipeline_ = pipes[0]
    automl.best_model_ = WeightedEnsemble(pipes, [0.5, 0.5])
    e = drop_column_importance(automl, X, y, cv=3, random_state=0)
    assert e.settings["estimator"] == "WeightedEnsemble" and e.warnings == []
    # two equal members: the ensemble's refits equal the single pipeline's
    single = drop_column_importance(pipes[0], X, y, cv=3, random_state=0)
    np.testing.assert_allclose(e.values, single.values)


def test_interval_is_nadeau_bengio_corrected(data):
    from scipy import stats

    X, y = data
    e = drop_column_importance(by_name(), X, y, cv=3, random_state=0)
    k = e.importances.shape[1]
    plain = stats.t.ppf(0.975, k - 1) * e.std / np.sqrt(k)
    # 1/k + n_test/n_train = 1/3 + 1/2 for three folds
    np.testing.assert_allclose(e.interval[1] - e.values, plain * np.sqrt(1 + 3 * 0.5), rtol=0.02)


def test_json_round_trip(data):
    X, y = data
    e = drop_column_importance(by_name(), X, y, cv=3, random_state=0)
    back = Explanation.from_json(e.to_json())
    for name in ("values", "std", "interval", "importances"):
        np.testing.assert_array_equal(getattr(back, name), getattr(e, name))
    assert back.feature_names == COLUMNS and back.random_state == 0
    assert back.diagnostics["baseline_scores"] == list(e.diagnostics["baseline_scores"])


# -- errors ----------------------------------------------------------------------------


def test_models_that_cannot_be_refitted_are_rejected(data):
    X, y = data
    with pytest.raises(ParameterTypeError, match="clone"):
        drop_column_importance(lambda frame: frame["x0"], X, y)
    with pytest.raises(ParameterTypeError, match="predict_proba"):
        drop_column_importance(SVC(), X, y > 0)


def test_bad_arguments(data):
    X, y = data
    with pytest.raises(InvalidParameterError, match="rmse"):
        drop_column_importance(LogisticRegression(), X, y > 0, scoring="rmse")
    labels = np.where(y > 0, "a", "b").astype(object)
    labels[:2] = "rare"
    with pytest.raises(InvalidParameterError, match="class 'rare' has 2"):
        drop_column_importance(LogisticRegression(), X, labels, cv=3)
    with pytest.raises(InvalidParameterError, match="cv"):
        drop_column_importance(LinearRegression(), X, y, cv=1)
    with pytest.raises(DataError, match="one value per row"):
        drop_column_importance(LinearRegression(), X, y[:5])
    with pytest.raises(InvalidParameterError, match="[Dd]id you mean 'x1'"):
        drop_column_importance(LinearRegression(), X, y, groups={"g": ["x11"]})
