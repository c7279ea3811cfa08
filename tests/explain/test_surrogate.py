"""Global surrogate: exact fidelity on models it can represent, warnings where it cannot."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from autoxai.exceptions import DataError, InvalidParameterError
from autoxai.explain._base import Explanation
from autoxai.explain._surrogate import surrogate

N = 200


@pytest.fixture(scope="module")
def integer_X():
    """Integer-valued features: a tree's thresholds fall at x.5 whichever rows it saw."""
    rng = np.random.default_rng(0)
    return pd.DataFrame(rng.integers(0, 10, size=(N, 3)), columns=["a", "b", "c"])


@pytest.fixture(scope="module")
def normal_X():
    rng = np.random.default_rng(1)
    return pd.DataFrame(rng.normal(size=(N, 4)), columns=["x0", "x1", "x2", "x3"])


@pytest.fixture(scope="module")
def colour_data():
    """A string column, a numeric one and a column the model never reads."""
    rng = np.random.default_rng(2)
    X = pd.DataFrame(
        {
            "colour": rng.choice(["red", "green", "blue"], size=N),
            "size": rng.normal(size=N),
            "noise": rng.normal(size=N),
        }
    )
    y = 3.0 * (X["colour"] == "red") + 1.0 * (X["size"] > 0)
    return X, y


def colour_pipeline(estimator, X, y):
    encode = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["colour"]), ("passthrough", ["size"])
    )
    return make_pipeline(encode, estimator).fit(X, y)


def assert_same_explanation(a: Explanation, b: Explanation) -> None:
    first, second = a.to_dict(), b.to_dict()
    first["diagnostics"].pop("model_time")
    second["diagnostics"].pop("model_time")
    assert first == second


# -- exact oracles ------------------------------------------------------------------------
@pytest.mark.parametrize("max_depth", [2, 3])
def test_tree_imitates_a_depth_two_classifier_exactly(integer_X, max_depth):
    y = (integer_X["a"] > 4) & (integer_X["b"] > 2) | (integer_X["c"] > 7)
    model = DecisionTreeClassifier(max_depth=2, random_state=0).fit(integer_X, y)
    result = surrogate(model, integer_X, max_depth=max_depth, random_state=0)
    assert result.diagnostics["fidelity_metric"] == "agreement"
    assert result.diagnostics["fidelity"] == 1.0
    assert result.warnings == []
    assert result.settings["target_used"] == "label"
    assert result.diagnostics["stratified"] is True
    assert set(result.surrogate_outputs.tolist()) <= {"False", "True"}
    assert "class: True" in result.rules


@pytest.mark.parametrize("max_depth", [2, 3])
def test_tree_imitates_a_depth_two_regressor_exactly(integer_X, max_depth):
    y = 2.0 * integer_X["a"] - integer_X["b"] ** 2
    model = DecisionTreeRegressor(max_depth=2, random_state=0).fit(integer_X, y)
    result = surrogate(model, integer_X, max_depth=max_depth, random_state=0)
    assert result.diagnostics["fidelity_metric"] == "r2"
    assert result.diagnostics["fidelity"] == pytest.approx(1.0, abs=1e-12)
    assert result.diagnostics["fidelity_train"] == pytest.approx(1.0, abs=1e-12)
    assert result.values.sum() == pytest.approx(1.0)
    if max_depth == 2:
        # The model's own four leaves, split on the columns the model used. (Deeper, greedy
        # CART may take a split on a column that only correlates with them in the sample:
        # same predictions, other importances.)
        assert result.diagnostics["n_leaves"] == 4
        used = set(np.flatnonzero(model.feature_importances_ > 0))
        assert set(np.flatnonzero(result.values > 0)) == used


def test_linear_surrogate_of_a_linear_model(normal_X):
    coefficients = np.array([0.5, -3.0, 1.0, -2.0])
    model = LinearRegression().fit(normal_X, normal_X.to_numpy() @ coefficients + 1.0)
    result = surrogate(model, normal_X, kind="linear", random_state=0)
    assert result.diagnostics["fidelity"] > 0.999
    # Unit-variance features: importance order is the order of |coefficient|.
    assert np.argsort(-result.values).tolist() == np.argsort(-np.abs(coefficients)).tolist()
    assert result.direction.tolist() == np.sign(coefficients).tolist()
    # The rules are in original units; the default alpha shrinks each coefficient by at
    # most 1 % of the target's standard deviation (the features have unit variance).
    shrink = 0.01 * model.predict(normal_X).std()
    np.testing.assert_allclose(result.coefficients[0], coefficients, atol=1.5 * shrink)
    np.testing.assert_allclose(result.intercept, [1.0], atol=0.05)
    assert result.diagnostics["n_nonzero"] == 4
    assert result.rules.startswith("prediction = ")
    terms = result.rules.split(" = ", 1)[1]
    for sign, name in zip(["+", "−", "+", "−"], normal_X.columns):
        assert re.search(rf"{re.escape(sign)} [0-9.]+ × {name}\b", terms), (name, terms)
    # Terms come most important first.
    assert [terms.index(c) for c in ["x1", "x3", "x2", "x0"]] == sorted(
        terms.index(c) for c in ["x1", "x3", "x2", "x0"]
    )


def test_linear_surrogate_of_labels(normal_X):
    y = np.where(normal_X["x0"] - 2 * normal_X["x2"] > 0, "yes", "no")
    model = LogisticRegression().fit(normal_X, y)
    result = surrogate(model, normal_X, kind="linear", random_state=0)
    assert result.diagnostics["fidelity_metric"] == "agreement"
    assert result.diagnostics["fidelity"] > 0.9
    assert result.surrogate_outputs.tolist() == ["yes"]
    assert result.rules.startswith("log-odds(class = yes) = ")
    assert result.values.argmax() == 2
    assert result.direction[[0, 2]].tolist() == [1.0, -1.0]


def test_multiclass_linear_and_proba_targets(normal_X):
    y = np.digitize(normal_X["x0"], [-0.5, 0.5])
    model = DecisionTreeClassifier(max_depth=3, random_state=0).fit(normal_X, y)
    linear = surrogate(model, normal_X.iloc[:90], kind="linear", random_state=0)
    assert linear.coefficients.shape == (3, 4)
    assert linear.rules.count("score(class = ") == 3
    assert np.isnan(linear.direction).all()
    proba = surrogate(model, normal_X, target="proba", random_state=0)
    assert proba.diagnostics["fidelity_metric"] == "r2"
    assert proba.surrogate_outputs.tolist() == ["0", "1", "2"]
    assert proba.tree_value.shape == (len(proba.tree_feature), 3)
    np.testing.assert_allclose(proba.tree_value.sum(axis=1), 1.0)
    assert proba.values.argmax() == 0


# -- fidelity warnings ----------------------------------------------------------------------
def test_shallow_tree_of_a_complex_model_warns():
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.uniform(-1, 1, size=(N, 2)), columns=["x0", "x1"])
    model = RandomForestRegressor(n_estimators=10, random_state=0)
    model.fit(X, np.sin(6 * X["x0"]) * X["x1"])
    result = surrogate(model, X, max_depth=1, random_state=0)
    assert result.diagnostics["fidelity"] < 0.8
    assert result.diagnostics["n_leaves"] == 2
    assert any(
        "held-out rows" in w and "threshold 0.80" in w and "raise max_depth (now 1)" in w
        for w in result.warnings
    )
    assert "warning(s)" in repr(result)


def test_fidelity_is_measured_on_held_out_rows():
    rng = np.random.default_rng(4)
    X = pd.DataFrame(rng.normal(size=(N, 3)), columns=["a", "b", "c"])
    model = RandomForestRegressor(n_estimators=10, random_state=0)
    model.fit(X, X["a"] * X["b"] + rng.normal(size=N))
    result = surrogate(model, X, max_depth=6, random_state=0)
    diagnostics = result.diagnostics
    assert diagnostics["fidelity_train"] > diagnostics["fidelity"]
    assert diagnostics["n_test"] == round(0.3 * N)
    assert diagnostics["n_train"] + diagnostics["n_test"] == N
    assert result.tree_samples[0] == diagnostics["n_train"]


@pytest.mark.parametrize(("n", "test_size"), [(10, 0.3), (37, 0.25), (50, 0.5), (120, 0.1)])
def test_held_out_rows_are_rounded_share(n, test_size, normal_X):
    X = normal_X.iloc[:n]
    model = LinearRegression().fit(X, X["x0"])
    result = surrogate(model, X, test_size=test_size, random_state=0)
    assert result.diagnostics["n_test"] == round(test_size * n)


# -- encoded columns ------------------------------------------------------------------------
def test_one_hot_columns_read_as_categories(colour_data):
    X, y = colour_data
    model = colour_pipeline(DecisionTreeRegressor(max_depth=3, random_state=0), X, y)
    result = surrogate(model, X, max_depth=3, random_state=0)
    rules = result.rules
    assert "colour = red" in rules and "colour ≠ red" in rules
    assert "colour_red" not in rules and "<= 0.5" not in rules.split("size")[0]
    assert result.feature_names == ["colour", "size", "noise"]
    assert result.values.shape == (3,)
    assert result.values[2] == 0.0
    assert result.values[0] > result.values[1] > 0
    assert "colour = red" in result.encoded_names.tolist()
    assert result.encoded_column.tolist().count("colour") == 3
    assert result.diagnostics["fidelity"] == pytest.approx(1.0)
    root = result.tree_feature[0]
    assert root == "colour = red"
    assert np.isnan(result.tree_threshold[result.tree_left == -1]).all()
    assert (result.tree_feature[result.tree_left == -1] == "").all()


def test_linear_rules_name_dummies(colour_data):
    X, y = colour_data
    model = colour_pipeline(LinearRegression(), X, y)
    result = surrogate(model, X, kind="linear", random_state=0)
    assert "[colour = red]" in result.rules
    assert result.coefficients.shape == (1, len(result.encoded_names))
    assert result.values.argmax() == 0
    assert np.isnan(result.direction[0]) and result.direction[1] == 1.0


def test_missing_values_bools_and_categoricals():
    rng = np.random.default_rng(5)
    X = pd.DataFrame(
        {
            "num": rng.normal(size=60),
            "flag": rng.random(60) > 0.5,
            "cat": pd.Categorical(rng.choice(["a", "b"], size=60)),
        }
    )
    X.loc[::7, "num"] = np.nan
    X.loc[::5, "cat"] = np.nan

    def model(frame):
        return frame["num"].fillna(0).to_numpy() + 2 * frame["flag"].to_numpy()

    for kind in ("tree", "linear"):
        result = surrogate(model, X, kind=kind, random_state=0)
        assert "flag = True" in result.encoded_names.tolist()
        assert result.values.shape == (3,)
        assert np.isfinite(result.values).all()


# -- reproducibility and JSON ---------------------------------------------------------------
@pytest.mark.parametrize("kind", ["tree", "linear"])
def test_same_seed_same_result_and_json_round_trip(colour_data, kind):
    X, y = colour_data
    model = colour_pipeline(RandomForestRegressor(n_estimators=5, random_state=0), X, y)
    first = surrogate(model, X, kind=kind, random_state=7)
    assert_same_explanation(first, surrogate(model, X, kind=kind, random_state=7))
    assert first.random_state == 7
    other = surrogate(model, X, kind=kind, random_state=8)
    assert other.to_dict()["arrays"] != first.to_dict()["arrays"]

    back = Explanation.from_json(first.to_json())
    assert_same_explanation(back, first)
    assert back.rules == first.rules
    assert set(back.arrays) == set(first.arrays)
    for key, value in first.arrays.items():
        restored = back.arrays[key]
        assert restored.shape == np.shape(value), key
        if np.asarray(value).dtype.kind == "f":
            np.testing.assert_array_equal(restored, value)
        else:
            assert restored.tolist() == np.asarray(value).tolist(), key
    assert back.settings == {
        "kind": kind,
        "max_depth": 3,
        "target": "auto",
        "target_used": "prediction",
        "alpha": None,
        "test_size": 0.3,
        "fidelity_threshold": 0.8,
    }
    assert back.to_frame()["feature"].iloc[0] == "colour"


def test_generator_random_state_is_recorded(normal_X):
    model = LinearRegression().fit(normal_X, normal_X["x0"])
    result = surrogate(model, normal_X, random_state=np.random.default_rng(0))
    assert isinstance(result.random_state, int)
    again = surrogate(model, normal_X, random_state=result.random_state)
    assert_same_explanation(result, again)


# -- errors -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def regressor(normal_X):
    return LinearRegression().fit(normal_X, normal_X["x0"])


def test_too_few_rows(regressor, normal_X):
    with pytest.raises(DataError, match="at least 10 rows"):
        surrogate(regressor, normal_X.iloc[:9])
    with pytest.raises(DataError, match="held-out"):
        surrogate(regressor, normal_X.iloc[:20], test_size=0.01)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"kind": "tre"}, "kind must be one of .* Did you mean 'tree'"),
        ({"target": "prob"}, "target must be one of .* Did you mean 'proba'"),
        ({"target": "proba"}, "for classifiers, but the model is a regressor"),
        ({"target": "label"}, "for classifiers, but the model is a regressor"),
        ({"max_depth": 0}, "max_depth must be an int >= 1"),
        ({"test_size": 1.0}, r"test_size must be in \(0.0, 1.0\)"),
        ({"fidelity_threshold": 1.5}, r"fidelity_threshold must be in \[0.0, 1.0\]"),
        ({"alpha": 0.0}, "alpha must be in"),
    ],
)
def test_invalid_options(regressor, normal_X, options, message):
    with pytest.raises(InvalidParameterError, match=message):
        surrogate(regressor, normal_X, **options)


def test_single_class_model(normal_X):
    model = DummyClassifier().fit(normal_X, np.r_[np.zeros(N - 10), np.ones(10)])
    tree = surrogate(model, normal_X, random_state=0)
    assert tree.diagnostics["n_leaves"] == 1
    assert tree.values.tolist() == [0.0] * 4
    assert tree.diagnostics["fidelity"] == 1.0
    with pytest.raises(DataError, match="one class"):
        surrogate(model, normal_X, kind="linear", random_state=0)


def test_a_multiclass_linear_surrogate_repeats_with_its_seed():
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier

    X, y = load_iris(return_X_y=True, as_frame=True)
    model = RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
    first = surrogate(model, X, kind="linear", target="label", random_state=3)
    again = surrogate(model, X, kind="linear", target="label", random_state=3)
    np.testing.assert_array_equal(first.values, again.values)
