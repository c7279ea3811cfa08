"""Deletion curves: a ranking by the true effect sizes is the most faithful; exact local curves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression

from autoxai.exceptions import DataError, InvalidParameterError
from autoxai.explain import Explanation, deletion_curves, local_deletion, shap_values

COEF = np.array([4.0, 2.0, 1.0, 0.5, 0.0])
COLUMNS = ["a", "b", "c", "d", "e"]


@pytest.fixture(scope="module")
def linear():
    """y = 4a + 2b + c + 0.5d + noise; e is pure noise. True order a, b, c, d, e."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(400, 5)), columns=COLUMNS)
    y = X.to_numpy() @ COEF + rng.normal(0, 0.5, 400)
    model = LinearRegression().fit(X, y)
    return model, X, y


def ranking(name: str, values) -> Explanation:
    return Explanation(name, "global", COLUMNS, np.asarray(values, dtype=float))


def test_the_true_effect_order_wins_and_a_reversed_one_loses(linear):
    model, X, y = linear
    truth = ranking("truth", np.abs(COEF))  # |coef| x std (all stds 1)
    swapped = ranking("swapped", [1.0, 2.0, 4.0, 0.5, 0.0])  # a and c exchanged
    reverse = ranking("reverse", np.abs(COEF)[::-1] + np.arange(5) * 0.01)
    e = deletion_curves(model, X, y, [truth, swapped, reverse], scoring="r2", random_state=0)
    area = dict(zip(e.methods, e.area))
    assert area["truth"] > area["swapped"] > area["reverse"]
    assert e.diagnostics["most_faithful"] == "truth" and e.diagnostics["clear_winner"]
    assert e.diagnostics["tied_with"] == [] and e.warnings == []
    low, high = e.area_interval
    assert np.all(low <= e.area) and np.all(e.area <= high)
    assert all(lo > 0 for lo, _ in e.diagnostics["lead_intervals"].values())
    # every curve starts at 0 and ends at the same point (all features removed)
    assert np.all(e.curves[:, 0] == 0) and np.ptp(e.curves[:, -1]) < 1e-12
    np.testing.assert_allclose(e.values.sum(axis=1), e.curves[:, -1])
    # R² drop when a is replaced from other rows: 2 * 4² * Var(a) / Var(y)
    expected = 2 * 16 / np.var(y)
    assert e.to_frame(output="truth").iloc[0]["feature"] == "a"
    assert e.values[0, 0] == pytest.approx(expected, rel=0.2)
    assert e.order[0].tolist() == [0, 1, 2, 3, 4]


def test_equal_rankings_share_their_model_calls_and_tie(linear):
    model, X, y = linear
    one, two = ranking("one", np.abs(COEF)), ranking("two", np.abs(COEF) * 3)
    e = deletion_curves(model, X, y, {"one": one, "two": two}, n_draws=2, random_state=1)
    assert e.diagnostics["n_evaluations"] == len(X) + 2 * len(X) * len(COLUMNS)
    np.testing.assert_array_equal(e.curves[0], e.curves[1])
    assert not e.diagnostics["clear_winner"] and e.diagnostics["tied_with"] == ["two"]
    assert "cannot be told from two" in e.warnings[0]
    e = deletion_curves(model, X, y, [one, ranking("reverse", -np.abs(COEF))], n_bootstrap=0)
    assert e.diagnostics["most_faithful"] == "one" and not e.diagnostics["clear_winner"]
    assert np.isnan(e.area_interval).all() and "without a bootstrap" in e.warnings[0]


def test_a_classifier_with_a_categorical_column(linear):
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"x": rng.normal(size=300), "colour": rng.choice(["r", "g", "b"], 300)})
    X["colour"] = X["colour"].astype("category")
    y = np.where(X["x"] + (X["colour"] == "r") > 0.5, "yes", "no")
    codes = X.assign(colour=X["colour"].cat.codes)
    model = RandomForestClassifier(30, random_state=0).fit(codes, y)

    def predict_proba(frame):
        return model.predict_proba(frame.assign(colour=frame["colour"].cat.codes))

    predict_proba.classes_ = model.classes_  # a bare function: probabilities by width
    good = Explanation("good", "global", ["x", "colour"], np.array([1.0, 0.5]))
    bad = Explanation("bad", "global", ["colour", "x"], np.array([1.0, 0.5]))
    e = deletion_curves(predict_proba, X, (y == "yes").astype(int), [good, bad], random_state=0)
    assert e.diagnostics["scoring"] == "roc_auc" and e.diagnostics["most_faithful"] == "good"
    assert np.isfinite(e.area).all() and e.curves[0, -1] > 0.3


def test_deletion_refuses_other_features(linear):
    model, X, y = linear
    other = Explanation("other", "global", ["a", "b"], np.array([1.0, 0.0]))
    with pytest.raises(DataError, match="same features"):
        deletion_curves(model, X, y, [ranking("truth", COEF), other])


def test_local_curve_of_a_linear_model_is_the_partial_sum_of_its_shap_values(linear):
    """Interventional removal from the same background: D(k) = |sum of the first k phi|."""
    model, X, _ = linear
    rows, background = X.iloc[:6], X.iloc[100:150]
    shap = shap_values(model, rows, background=background).values[0]  # (6, 5)
    reverse = -np.abs(shap)  # least important first
    e = local_deletion(model, rows, {"shap": shap, "reverse": reverse}, background=background)
    for i in range(len(rows)):
        order = e.order[0, i]
        np.testing.assert_allclose(
            e.curves[0, i, 1:], np.abs(np.cumsum(shap[i, order])), atol=1e-10
        )
    assert e.diagnostics["most_faithful"] == "shap" and e.diagnostics["wins"]["shap"] == 6
    assert np.all(e.area[0] >= e.area[1])
    np.testing.assert_allclose(e.values.sum(axis=2), e.curves[:, :, -1])


def test_local_deletion_checks_its_input(linear):
    model, X, _ = linear
    with pytest.raises(DataError, match="one value per row and feature"):
        local_deletion(model, X.iloc[:2], {"a": np.zeros((3, 5))}, background=X)
    with pytest.raises(InvalidParameterError, match="output index"):
        local_deletion(model, X.iloc[:2], {"a": np.zeros((2, 5))}, background=X, outputs=[0, 4])
