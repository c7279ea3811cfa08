"""SHAP of a WeightedEnsemble: members' exact values, weighted, equal brute-force Shapley values."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from autoxai import AutoML
from autoxai.automl._ensemble import WeightedEnsemble
from autoxai.datasets import load_penguins
from autoxai.explain import shap_values

NUMERIC = ["a", "b", "c", "d"]


def brute_force(function, X: pd.DataFrame, background: pd.DataFrame) -> np.ndarray:
    """Interventional Shapley values on the original columns, every coalition: (K, n, M).

    ``v(S) = mean_b f(x_S, b_rest)``: the columns outside ``S`` take the background
    rows' values, the textbook formula sums over all subsets.
    """
    columns = list(X.columns)
    m = len(columns)
    out = []
    for i in range(len(X)):
        cache: dict[tuple[int, ...], np.ndarray] = {}

        def v(subset, i=i, cache=cache):
            key = tuple(sorted(subset))
            if key not in cache:
                data = background.copy()
                for j in key:
                    data[columns[j]] = X[columns[j]].iloc[i]
                cache[key] = np.asarray(function(data), dtype=float).reshape(len(data), -1).mean(0)
            return cache[key]

        phi = []
        for j in range(m):
            others = [k for k in range(m) if k != j]
            total = 0.0
            for size in range(m):
                weight = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
                for subset in itertools.combinations(others, size):
                    total = total + weight * (v((*subset, j)) - v(subset))
            phi.append(total)
        out.append(np.array(phi).T)  # (K, M)
    return np.stack(out, axis=1)


@pytest.fixture(scope="module")
def table():
    """Four numbers and a category; the target has interactions."""
    rng = np.random.default_rng(0)
    n = 150
    X = pd.DataFrame(rng.normal(size=(n, 4)), columns=NUMERIC)
    X["colour"] = rng.choice(["red", "green", "blue"], n)
    shift = X["colour"].map({"red": 1.0, "green": -1.0, "blue": 0.0})
    y_reg = 2 * X["a"] - X["b"] + X["a"] * X["c"] + shift
    score = X["a"] + X["b"] * X["c"] + shift
    y_cls = np.select([score < -0.5, score > 0.5], ["low", "high"], "mid")
    return X, y_reg, y_cls


def _pipe(encoder, model):
    prep = ColumnTransformer([("num", "passthrough", NUMERIC), ("cat", encoder, ["colour"])])
    return make_pipeline(prep, model)


def _ordinal():
    return OrdinalEncoder()


def _onehot():
    return OneHotEncoder(sparse_output=False, handle_unknown="ignore")


def test_regression_ensemble_equals_brute_force(table):
    X, y, _ = table
    members = [
        _pipe(_ordinal(), RandomForestRegressor(20, random_state=0)),  # tree, exact
        _pipe(_onehot(), make_pipeline(StandardScaler(), Ridge())),  # kernel: not a linear step
        _pipe(_onehot(), Ridge(alpha=0.5)),  # linear, exact through one-hot dummies
        _pipe(_onehot(), RandomForestRegressor(10, random_state=1)),  # tree on dummies: kernel
        _pipe(_onehot(), KNeighborsRegressor(5)),  # no exact algorithm: kernel
    ]
    members = [m.fit(X, y) for m in members]
    ensemble = WeightedEnsemble(members, [0.3, 0.1, 0.25, 0.15, 0.2])
    rows, background = X.iloc[:3], X.iloc[100:112]
    e = shap_values(ensemble, rows, background=background)
    truth = brute_force(ensemble.predict, rows, background)
    np.testing.assert_allclose(e.values, truth, atol=1e-10)
    np.testing.assert_allclose(e.arrays["base_value"], [ensemble.predict(background).mean()])
    assert e.diagnostics["additivity_error"] < 1e-10 and e.std is None
    assert e.settings["method"] == "ensemble-exact" and e.settings["output"] == "prediction"
    algorithms = [m["algorithm"] for m in e.diagnostics["members"]]
    assert algorithms == ["tree-interventional", "kernel", "linear", "kernel", "kernel"]
    assert "splits a column" in e.diagnostics["members"][3]["reason"]
    assert [m["weight"] for m in e.diagnostics["members"]] == [0.3, 0.1, 0.25, 0.15, 0.2]


def test_classification_ensemble_equals_brute_force_in_probabilities(table):
    X, _, y = table
    members = [
        _pipe(_ordinal(), RandomForestClassifier(20, random_state=0)),
        _pipe(_ordinal(), ExtraTreesClassifier(15, random_state=0)),
        _pipe(_ordinal(), GradientBoostingClassifier(n_estimators=10, random_state=0)),
        _pipe(_onehot(), LogisticRegression(max_iter=1000)),
    ]
    members = [m.fit(X, y) for m in members]
    ensemble = WeightedEnsemble(members, [0.4, 0.2, 0.2, 0.2], classes=members[0].classes_)
    rows, background = X.iloc[:3], X.iloc[100:110]
    e = shap_values(ensemble, rows, background=background)
    truth = brute_force(ensemble.predict_proba, rows, background)
    assert e.values.shape == (3, 3, 5) and e.output_names == ["high", "low", "mid"]
    np.testing.assert_allclose(e.values, truth, atol=1e-10)
    fitted = e.arrays["base_value"][None, :] + e.values.sum(axis=2).T
    np.testing.assert_allclose(fitted, ensemble.predict_proba(rows), atol=1e-10)
    members_seen = e.diagnostics["members"]
    assert [m["algorithm"] for m in members_seen] == [
        "tree-interventional", "tree-interventional", "kernel", "kernel"]  # fmt: skip
    assert "log-odds" in members_seen[2]["reason"] and "log-odds" in members_seen[3]["reason"]


def test_all_exact_members_need_no_model_calls(table):
    X, y, _ = table
    members = [
        _pipe(_ordinal(), RandomForestRegressor(10, random_state=0)).fit(X, y),
        _pipe(_onehot(), Ridge()).fit(X, y),
    ]
    ensemble = WeightedEnsemble(members, [0.7, 0.3])
    rows, background = X.iloc[:4], X.iloc[100:115]
    e = shap_values(ensemble, rows, background=background)
    assert e.diagnostics["n_evaluations"] == 0 and e.settings["method"] == "ensemble-exact"
    truth = brute_force(ensemble.predict, rows, background)
    np.testing.assert_allclose(e.values, truth, atol=1e-10)
    # the same numbers as Kernel SHAP on the whole ensemble (exact: five columns)
    kernel = shap_values(ensemble, rows, background=background, method="kernel")
    assert kernel.settings["method"] == "kernel-exact"
    np.testing.assert_allclose(e.values, kernel.values, atol=1e-10)
    assert "weighted sum" in e.diagnostics["method_reason"]


def test_sampled_rest_states_its_error_and_only_it_carries_one(table):
    """Beyond max_exact the rest is sampled: std > 0 only there, smaller error than kernel."""
    X, y, _ = table
    members = [
        _pipe(_ordinal(), RandomForestRegressor(20, random_state=0)).fit(X, y),
        _pipe(_onehot(), KNeighborsRegressor(5)).fit(X, y),
    ]
    ensemble = WeightedEnsemble(members, [0.8, 0.2])
    rows, background = X.iloc[:5], X.iloc[100:110]
    options = dict(background=background, max_exact=0, n_samples=6, random_state=0)
    e = shap_values(ensemble, rows, **options)
    assert e.settings["method"] == "ensemble-sampled" and e.settings["n_samples"] == 6
    assert e.std is not None and np.all(e.std >= 0) and e.std.max() > 0
    assert e.diagnostics["additivity_error"] < 1e-10  # efficiency is a constraint
    truth = brute_force(ensemble.predict, rows, background)
    whole = shap_values(ensemble, rows, method="kernel", **options)
    ours, theirs = np.abs(e.values - truth).mean(), np.abs(whole.values - truth).mean()
    assert 0 < ours < theirs


def test_margin_of_an_ensemble_is_refused_and_tree_still_refused(table):
    from autoxai.exceptions import InvalidParameterError

    X, _, y = table
    member = _pipe(_ordinal(), RandomForestClassifier(5, random_state=0)).fit(X, y)
    ensemble = WeightedEnsemble([member], [1.0], classes=member.classes_)
    with pytest.raises(InvalidParameterError, match="decision function"):
        shap_values(ensemble, X.iloc[:2], output="margin")
    with pytest.raises(InvalidParameterError, match="ensemble"):
        shap_values(ensemble, X.iloc[:2], method="tree")


@pytest.mark.slow
def test_automl_members_on_penguins_equal_exact_kernel_shap():
    """AutoML pipelines (missing values, categoricals) of four families, combined."""
    df = load_penguins().iloc[::3].reset_index(drop=True)
    X, y = df.drop(columns="species"), df["species"]
    members = []
    for family in ("rf", "et", "linear", "lgbm"):
        # refit: one pipeline each (a bagged model would be an ensemble itself)
        model = AutoML(n_trials=1, time_budget=None, cv=2, models=[family], ensemble=False,
                       final_model="refit")  # fmt: skip
        members.append(model.fit(X, y).best_model_)
    ensemble = WeightedEnsemble(members, [0.4, 0.2, 0.2, 0.2], classes=members[0].classes_)
    rows, background = X.iloc[:4], X.iloc[4:24]
    e = shap_values(ensemble, rows, background=background)
    kernel = shap_values(ensemble, rows, background=background, method="kernel")
    assert kernel.settings["method"] == "kernel-exact"
    np.testing.assert_allclose(e.values, kernel.values, atol=1e-9)
    assert [m["algorithm"] for m in e.diagnostics["members"]] == [
        "tree-interventional", "tree-interventional", "kernel", "kernel"]  # fmt: skip
    assert e.diagnostics["additivity_error"] < 1e-9
