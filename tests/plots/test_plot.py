"""Explanation.plot draws the report's figure on a notebook's Axes."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from autoxai import explain


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=120), "b": rng.normal(size=120),
                      "c": rng.normal(size=120)})  # fmt: skip
    y = 3 * X["a"] - X["b"] + 0.1 * rng.normal(size=120)
    return LinearRegression().fit(X, y), X, y


def test_global_importance_draws_one_bar_per_feature_on_the_given_axes(fitted):
    model, X, y = fitted
    result = explain.permutation_importance(model, X, y, n_repeats=3, random_state=0)
    fig, ax = plt.subplots()
    assert result.plot(ax=ax) is ax
    bars = [p for p in ax.patches if p.get_height() > 0]
    assert len(bars) == 3
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "a"  # the most important on top
    plt.close(fig)


def test_local_shap_draws_a_waterfall_and_lime_its_weights(fitted):
    model, X, _ = fitted
    shap = explain.shap_values(model, X.head(2))
    ax = shap.plot(row=1)
    assert len(ax.patches) >= 3  # one bar per feature
    lime = explain.lime(model, X, X.head(1), num_samples=300, random_state=0)
    ax2 = lime.plot()
    assert ax2 is not ax and len(ax2.patches) == 3
    plt.close("all")


def test_effects_draw_a_curve(fitted):
    model, X, _ = fitted
    pdp = explain.partial_dependence(model, X, "a", kind="both")
    ax = pdp.plot()
    assert ax.lines and "a" in ax.get_title(loc="left")
    ale = explain.ale(model, X, "a")
    assert ale.plot().lines
    plt.close("all")


def test_local_to_frame_lists_each_rows_contributions_largest_first(fitted):
    model, X, _ = fitted
    frame = explain.shap_values(model, X.head(2)).to_frame()
    assert list(frame.columns[:3]) == ["row", "feature", "value"]
    assert len(frame) == 2 * 3
    first = frame[frame["row"] == 0]["value"].abs().to_numpy()
    assert (np.diff(first) <= 1e-12).all()
    assert "<table" in explain.shap_values(model, X.head(1))._repr_html_()
