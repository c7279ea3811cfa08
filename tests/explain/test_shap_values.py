"""shap_values: dispatch, pipelines, output spaces, additivity on every zoo family, errors."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, PolynomialFeatures, StandardScaler
from sklearn.svm import SVC

from autoxai import AutoML, explain
from autoxai.automl._ensemble import WeightedEnsemble
from autoxai.datasets import load_penguins
from autoxai.exceptions import InvalidParameterError
from autoxai.explain import Explanation, shap_importance, shap_values

HAS_XGBOOST = importlib.util.find_spec("xgboost") is not None


def additivity(e: Explanation) -> float:
    """Largest |base + sum - output| the result reports, recomputed from its arrays."""
    return e.diagnostics["additivity_error"]


@pytest.fixture(scope="module")
def numeric():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(80, 4)), columns=["a", "b", "c", "d"])
    y_reg = 2 * X["a"] - X["b"] + X["a"] * X["c"]
    y_cls = np.where(X["a"] + 0.5 * X["b"] > 0, "yes", "no")
    return X, y_reg, y_cls


@pytest.fixture(scope="module")
def mixed():
    """A numeric and a string column; the label depends on both."""
    rng = np.random.default_rng(1)
    X = pd.DataFrame(
        {"size": rng.normal(size=120), "colour": rng.choice(["red", "green", "blue"], 120)}
    )
    score = X["size"] + X["colour"].map({"red": 1.0, "green": -1.0, "blue": 0.0})
    y = np.where(score + rng.normal(0, 0.3, 120) > 0, "pos", "neg")
    return X, y


# -- linear SHAP ---------------------------------------------------------------------------


def test_linear_equals_coef_times_deviation_from_the_background_mean(numeric):
    X, y, _ = numeric
    model = Ridge(alpha=0.1).fit(X, y)
    background = X.iloc[40:]
    e = shap_values(model, X.iloc[:5], background=background)
    assert e.method == "shap" and e.scope == "local" and e.settings["method"] == "linear"
    assert e.settings["output"] == "prediction" and e.output_names == ["prediction"]
    expected = model.coef_ * (X.iloc[:5].to_numpy() - background.to_numpy().mean(axis=0))
    np.testing.assert_allclose(e.values[0], expected, atol=1e-12)
    np.testing.assert_allclose(e.base_value, [model.predict(background).mean()], atol=1e-12)
    assert additivity(e) < 1e-10 and e.std is None and e.warnings == []
    # the model-agnostic algorithm, exact, agrees with the closed form on the same game
    k = shap_values(model, X.iloc[:5], background=background, method="kernel")
    assert k.settings["method"] == "kernel-exact"
    np.testing.assert_allclose(k.values, e.values, atol=1e-10)


def test_logistic_regression_binary_is_explained_in_log_odds(numeric):
    X, _, y = numeric
    model = LogisticRegression().fit(X, y)
    e = shap_values(model, X.iloc[:6])
    assert e.settings["output"] == "margin" and e.output_names == ["yes"]  # positive class
    assert "log-odds" in e.diagnostics["output"]
    fitted = e.base_value[0] + e.values[0].sum(axis=1)
    np.testing.assert_allclose(fitted, model.decision_function(X.iloc[:6]), atol=1e-10)


def test_multiclass_logistic_regression_has_one_output_per_class():
    X = load_penguins().dropna().reset_index(drop=True)
    features = X[["bill_length_mm", "bill_depth_mm", "flipper_length_mm"]]
    model = LogisticRegression(max_iter=1000).fit(features, X["species"])
    e = shap_values(model, features.iloc[:4])
    assert e.output_names == ["Adelie", "Chinstrap", "Gentoo"] and e.values.shape == (3, 4, 3)
    assert additivity(e) < 1e-8


def test_onehot_pipeline_is_explained_on_original_columns(mixed):
    X, y = mixed
    prep = ColumnTransformer(
        [("num", StandardScaler(), ["size"]), ("cat", OneHotEncoder(), ["colour"])]
    )
    model = make_pipeline(prep, LogisticRegression()).fit(X, y)
    rows, background = X.iloc[:8], X.iloc[60:80]
    e = shap_values(model, rows, background=background)
    assert e.feature_names == ["size", "colour"] and e.values.shape == (1, 8, 2)
    assert e.settings["method"] == "linear" and e.settings["output"] == "margin"
    fitted = e.base_value[0] + e.values[0].sum(axis=1)
    np.testing.assert_allclose(fitted, model.decision_function(rows), atol=1e-10)
    # summed over its dummies, a column's value is its own Shapley value: Kernel SHAP on
    # the original columns, in the same margin space, gives the same numbers
    k = shap_values(model, rows, background=background, method="kernel", output="margin")
    assert k.settings["method"] == "kernel-exact" and k.settings["output"] == "margin"
    np.testing.assert_allclose(k.values, e.values, atol=1e-10)
    assert list(e.data[0]) == [X["size"][0], X["colour"][0]]


def test_probability_output_for_a_margin_method_falls_back_to_kernel(mixed):
    X, y = mixed
    model = make_pipeline(
        ColumnTransformer([("n", "passthrough", ["size"]), ("c", OneHotEncoder(), ["colour"])]),
        LogisticRegression(),
    ).fit(X, y)
    e = shap_values(model, X.iloc[:5], output="probability", random_state=0)
    assert e.settings["method"] == "kernel-exact" and e.settings["output"] == "probability"
    assert "probabilit" in e.diagnostics["method_reason"]
    np.testing.assert_allclose(
        e.base_value + e.values.sum(axis=2).T, model.predict_proba(X.iloc[:5]), atol=1e-10
    )
    with pytest.raises(InvalidParameterError, match="output='margin'"):
        shap_values(model, X.iloc[:5], method="linear", output="probability")


def test_unmappable_preprocessing_falls_back_to_kernel_with_a_warning(numeric):
    X, y, _ = numeric
    model = make_pipeline(PolynomialFeatures(2), LinearRegression()).fit(X, y)
    e = shap_values(model, X.iloc[:3], background=X.iloc[:10])
    assert e.settings["method"] == "kernel-exact" and e.feature_names == list(X.columns)
    assert any("traced" in w for w in e.warnings)
    assert additivity(e) < 1e-8
    with pytest.raises(InvalidParameterError, match="traced"):
        shap_values(model, X.iloc[:3], method="linear")


# -- trees ---------------------------------------------------------------------------------


def test_random_forest_path_dependent_and_interventional(numeric):
    X, _, y = numeric
    model = RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0).fit(X, y)
    e = shap_values(model, X.iloc[:6])
    assert e.settings["method"] == "tree-path-dependent" and e.settings["output"] == "probability"
    assert e.output_names == ["no", "yes"] and e.settings["n_background"] is None
    assert additivity(e) < 1e-10
    background = X.iloc[40:60]
    i = shap_values(model, X.iloc[:6], background=background)
    assert i.settings["method"] == "tree-interventional" and i.settings["n_background"] == 20
    # interventional TreeSHAP and exact Kernel SHAP solve the same game
    k = shap_values(model, X.iloc[:6], background=background, method="kernel")
    np.testing.assert_allclose(i.values, k.values, atol=1e-10)


def test_gradient_boosting_gives_margins_and_falls_back_for_probabilities(numeric):
    X, _, y = numeric
    model = GradientBoostingClassifier(n_estimators=10, max_depth=2, random_state=0).fit(X, y)
    e = shap_values(model, X.iloc[:5])
    assert e.settings["output"] == "margin" and e.output_names == ["yes"]
    assert additivity(e) < 1e-8
    p = shap_values(model, X.iloc[:5], output="probability", background=X.iloc[:10])
    assert p.settings["method"] == "kernel-exact" and p.output_names == ["no", "yes"]
    with pytest.raises(InvalidParameterError, match="method='tree'"):
        shap_values(model, X.iloc[:5], method="tree", output="probability")


def test_lightgbm_uses_its_own_treeshap(numeric):
    lgb = pytest.importorskip("lightgbm")
    X, y, _ = numeric
    model = lgb.LGBMRegressor(n_estimators=20, num_leaves=4, verbose=-1).fit(X, y)
    e = shap_values(model, X.iloc[:5], background=X.iloc[:10])
    assert e.settings["method"] == "native" and additivity(e) < 1e-8
    assert any("not used" in w for w in e.warnings)  # native TreeSHAP is path-dependent


def test_a_forest_behind_a_onehot_pipeline_sums_its_dummies(mixed):
    X, y = mixed
    prep = ColumnTransformer([("n", "passthrough", ["size"]), ("c", OneHotEncoder(), ["colour"])])
    forest = RandomForestClassifier(n_estimators=4, max_depth=3, random_state=0)
    model = make_pipeline(prep, forest).fit(X, y)
    e = shap_values(model, X.iloc[:5])
    assert e.settings["method"] == "tree-path-dependent" and e.feature_names == ["size", "colour"]
    assert e.values.shape == (2, 5, 2) and additivity(e) < 1e-10


def test_a_bare_model_reading_categories_itself_uses_kernel(mixed):
    lgb = pytest.importorskip("lightgbm")
    X, y = mixed
    X = X.assign(colour=X["colour"].astype("category"))
    model = lgb.LGBMClassifier(n_estimators=5, verbose=-1).fit(X, y)
    e = shap_values(model, X.iloc[:4])
    assert e.settings["method"] == "kernel-exact" and additivity(e) < 1e-10
    assert any("non-numeric" in w for w in e.warnings)
    with pytest.raises(InvalidParameterError, match="non-numeric"):
        shap_values(model, X.iloc[:4], method="tree")


def test_weighted_ensemble_is_explained_member_by_member_and_refuses_tree(numeric):
    X, _, y = numeric
    members = [
        RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y),
        LogisticRegression().fit(X, y),
    ]
    ensemble = WeightedEnsemble(members, [0.5, 0.5], classes=members[0].classes_)
    e = shap_values(ensemble, X.iloc[:3], background=X.iloc[:8])
    assert e.settings["method"] == "ensemble-exact" and "ensemble" in e.diagnostics["method_reason"]
    assert [m["algorithm"] for m in e.diagnostics["members"]] == ["tree-interventional", "kernel"]
    assert additivity(e) < 1e-10
    with pytest.raises(InvalidParameterError, match="ensemble"):
        shap_values(ensemble, X.iloc[:3], method="tree")


# -- every family of the zoo, through AutoML ----------------------------------------------------

FAMILIES = ["lgbm", "rf", "et", "linear", "hgb", "knn"] + (["xgb"] if HAS_XGBOOST else [])


@pytest.fixture(scope="module")
def penguins():
    df = load_penguins().iloc[::3].reset_index(drop=True)  # 115 rows, missing values kept
    return df.drop(columns="species"), df["species"]


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_every_zoo_family_adds_up_on_original_columns(penguins, family):
    X, y = penguins
    # refit: one model of the family (a bag of fold models is explained as an ensemble)
    model = AutoML(n_trials=1, time_budget=None, cv=2, models=[family], ensemble=False,
                   final_model="refit")  # fmt: skip
    model.fit(X, y)
    e = shap_values(model, X.iloc[:4], background=X.iloc[4:24], random_state=0)
    assert e.feature_names == list(X.columns)
    expected = {
        "lgbm": "native",
        "xgb": "native",
        "rf": "tree-interventional",
        "et": "tree-interventional",
        "linear": "linear",
    }
    assert e.settings["method"] == expected.get(family, "kernel-exact")
    tolerance = 1e-4 if family == "xgb" else 1e-8
    assert additivity(e) < tolerance, e.diagnostics
    assert not [w for w in e.warnings if "add up" in w]
    assert e.values.shape[1:] == (4, X.shape[1])


# -- the result ---------------------------------------------------------------------------------


def test_arrays_settings_and_json_round_trip():
    rng = np.random.default_rng(4)
    X = pd.DataFrame(rng.normal(size=(16, 8)), columns=list("abcdefgh"))

    def model(d):
        return d["a"] * d["b"] + np.sin(d["c"] * d["e"]) + d["f"] * d["g"] * d["h"]

    def run():
        return shap_values(
            model, X.iloc[:6], background=X.iloc[6:], max_exact=0, n_samples=40, random_state=5
        )

    e = run()
    assert e.settings["method"] == "kernel-sampled" and e.settings["n_samples"] == 40
    assert e.std.shape == e.values.shape and e.random_state is not None
    assert additivity(e) < 1e-10
    assert e.mean_abs.shape == (1, 8) and e.mean_abs_interval.shape == (2, 1, 8)
    np.testing.assert_allclose(e.mean_abs[0], np.abs(e.values[0]).mean(axis=0))
    assert e.data.shape == (6, 8) and e.diagnostics["n_evaluations"] > 0
    assert np.isnan(e.sign[0, 3])  # d is ignored: its values are all (about) 0
    back = Explanation.from_json(e.to_json())
    np.testing.assert_array_equal(back.values, e.values)
    np.testing.assert_array_equal(back.std, e.std)
    np.testing.assert_array_equal(back.base_value, e.base_value)
    np.testing.assert_array_equal(back.sign, e.sign)
    assert back.settings == e.settings and back.output_names == e.output_names
    np.testing.assert_array_equal(run().values, e.values)


def test_shap_importance_ranks_columns_with_direction(numeric):
    X, y, _ = numeric
    model = LinearRegression().fit(X, y)
    e = shap_values(model, X)
    g = shap_importance(e)
    assert g.method == "shap_importance" and g.scope == "global" and g.values.shape == (1, 4)
    table = g.to_frame()
    assert table["feature"].iloc[0] == "a"
    direction = dict(zip(table["feature"], table["direction"]))
    assert direction["a"] == 1.0 and direction["b"] == -1.0
    assert (table["low"] <= table["value"]).all() and (table["value"] <= table["high"]).all()
    again = shap_importance(Explanation.from_json(e.to_json()))
    np.testing.assert_allclose(again.values, g.values)
    with pytest.raises(InvalidParameterError, match="local SHAP"):
        shap_importance(g)


def test_a_large_background_is_sampled_with_a_warning(numeric):
    X, y, _ = numeric
    big = pd.concat([X] * 2, ignore_index=True)  # 160 rows
    e = shap_values(Ridge().fit(X, y), X.iloc[:2], background=big, random_state=0)
    assert e.settings["n_background"] == 100 and "100 of the 160" in e.diagnostics["background"]
    assert any("160 rows" in w for w in e.warnings) and e.random_state is not None


# -- errors -------------------------------------------------------------------------------


def test_clear_errors(numeric):
    X, _, y = numeric
    svc = SVC().fit(X, y)
    with pytest.raises(InvalidParameterError, match="method='tree' needs a tree model.*SVC"):
        shap_values(svc, X.iloc[:2], method="tree")
    with pytest.raises(InvalidParameterError, match="decision function"):
        shap_values(lambda d: d["a"] * 2, X.iloc[:2], output="margin")
    with pytest.raises(InvalidParameterError, match="Did you mean 'kernel'"):
        shap_values(svc, X.iloc[:2], method="kernal")
    with pytest.raises(InvalidParameterError, match="not additive"):
        shap_values(LogisticRegression().fit(X, y), X.iloc[:2], output="prediction")
    with pytest.raises(InvalidParameterError, match="for classifiers"):
        shap_values(Ridge().fit(X, X["a"]), X.iloc[:2], output="probability")


def test_exported_from_autoxai_explain():
    assert explain.shap_values is shap_values and explain.shap_importance is shap_importance
