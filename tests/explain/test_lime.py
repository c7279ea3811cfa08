"""LIME: exact recovery on linear models, original columns, seeds, stability, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from autoxai.exceptions import DataError, InvalidParameterError, ParameterTypeError
from autoxai.explain import Explanation, lime

COLUMNS = ["x0", "x1", "x2"]


@pytest.fixture(scope="module")
def linear():
    """f = 2*x0 - 3*x1 + 0*x2 on columns with standard deviations about 1, 2 and 0.5."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 3)) * [1.0, 2.0, 0.5], columns=COLUMNS)
    return LinearRegression().fit(X, 2 * X["x0"] - 3 * X["x1"]), X


@pytest.fixture(scope="module")
def mixed():
    """Two numeric columns and a colour, through a one-hot Pipeline; a binary classifier."""
    rng = np.random.default_rng(1)
    n = 200
    X = pd.DataFrame(
        {
            "age": rng.uniform(20, 60, n),
            "income": rng.normal(50, 10, n),
            "colour": rng.choice(["red", "green", "blue"], n),
        }
    )
    y = np.where((X["colour"] == "red") | (X["age"] > 50), "yes", "no")
    encode = make_column_transformer((OneHotEncoder(), ["colour"]), remainder="passthrough")
    model = make_pipeline(encode, LogisticRegression(max_iter=1000)).fit(X, y)
    return model, X


def test_recovers_linear_coefficients_times_std(linear):
    model, X = linear
    e = lime(model, X, 3, discretize=False, num_samples=1000, random_state=0)
    assert isinstance(e, Explanation)
    assert (e.method, e.scope, e.feature_names) == ("lime", "local", COLUMNS)
    assert e.values.shape == (3,)
    # Standardised interpretable features: weight = coefficient * reference std (ddof=0),
    # shrunk by well under 1 % by the ridge penalty (alpha=1 against ~200 units of weight).
    expected = np.array([2.0, -3.0, 0.0]) * X.std(ddof=0).to_numpy()
    np.testing.assert_allclose(e.values[:2], expected[:2], rtol=1e-2)
    assert e.values[0] / e.values[1] == pytest.approx(expected[0] / expected[1], rel=2e-3)
    assert abs(e.values[2]) < 1e-3
    assert e.diagnostics["fidelity"] > 0.9999
    assert e.warnings == []
    # The surrogate reproduces the row's prediction; the intercept is the output at the mean.
    assert float(e.prediction) == pytest.approx(model.predict(X.iloc[[3]])[0])
    assert float(e.local_prediction) == pytest.approx(float(e.prediction), abs=1e-2)
    assert float(e.intercept) == pytest.approx(model.predict(X.mean().to_frame().T)[0], abs=1e-2)
    assert e.output_names == ["prediction"]
    assert e.conditions[0] == f"x0 = {float(f'{X.x0[3]:.4g}')!r}"


def test_discretized_weights_have_the_coefficients_signs(linear):
    model, X = linear
    top = X["x0"] > X["x0"].quantile(0.75)
    bottom = X["x1"] <= X["x1"].quantile(0.25)
    row = int(np.flatnonzero(top & bottom)[0])  # x0 in its top bin, x1 in its bottom bin
    e = lime(model, X, row, num_samples=2000, random_state=0)
    assert e.values[0] > 0 and e.values[1] > 0  # being in these bins raises f
    assert abs(e.values[1]) > abs(e.values[2]) and abs(e.values[0]) > abs(e.values[2])
    q = np.quantile(X["x0"], 0.75)
    assert e.conditions[0] == f"x0 > {float(f'{q:.4g}')!r}"
    assert e.conditions[1].startswith("x1 <= ")
    assert 0 <= e.diagnostics["fidelity"] <= 1


def test_samples_come_from_bins_in_one_model_call(linear):
    _, X = linear
    calls = []

    def model(frame):
        calls.append(frame.copy())
        return np.asarray(frame, dtype=float) @ np.array([2.0, -3.0, 0.0])

    lime(model, X, 5, num_samples=4000, stability_seeds=2, random_state=0)
    assert [len(c) for c in calls] == [2, 3 * 4000]  # the probe, then one call for all runs
    samples = calls[1]
    np.testing.assert_array_equal(samples.iloc[0], X.iloc[5])  # the row itself comes first
    assert samples.min().ge(X.min()).all() and samples.max().le(X.max()).all()
    # Each quartile bin is drawn with its reference frequency (1/4).
    edges = np.quantile(X["x1"], [0.25, 0.5, 0.75])
    shares = np.bincount(np.searchsorted(edges, samples["x1"]), minlength=4) / len(samples)
    np.testing.assert_allclose(shares, 0.25, atol=0.02)


def test_categorical_column_explained_on_original_columns(mixed):
    model, X = mixed
    row = int(np.flatnonzero(X["colour"] == "red")[0])
    e = lime(model, X, row, num_samples=1000, random_state=0)
    assert e.feature_names == ["age", "income", "colour"]
    assert e.conditions[2] == "colour = red"
    assert e.row.tolist()[2] == "red"
    assert e.values[2] > 0  # red drives "yes"
    # Default output of a classifier: the row's predicted class, and its probability.
    predicted = model.predict(X.iloc[[row]])[0]
    assert e.output_names == [predicted] == [e.settings["output"]]
    proba = model.predict_proba(X.iloc[[row]])[0]
    assert float(e.prediction) == pytest.approx(proba.max())
    other = lime(model, X, row, num_samples=1000, output="no", random_state=0)
    assert float(other.prediction) == pytest.approx(proba[list(model.classes_).index("no")])


def test_row_given_as_frame_or_series_matches_position(mixed):
    model, X = mixed
    by_position = lime(model, X, 7, num_samples=500, random_state=3)
    reordered = X.iloc[[7]][["colour", "income", "age"]]
    by_frame = lime(model, X, reordered, num_samples=500, random_state=3)
    by_series = lime(model, X, X.iloc[7], num_samples=500, random_state=3)
    np.testing.assert_array_equal(by_frame.values, by_position.values)
    np.testing.assert_array_equal(by_series.values, by_position.values)


def test_seeds_and_stability(mixed):
    model, X = mixed
    a = lime(model, X, 0, num_samples=500, random_state=1)
    b = lime(model, X, 0, num_samples=500, random_state=1)
    c = lime(model, X, 0, num_samples=500, random_state=2)
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)
    assert a.random_state == 1 and "stability" not in a.diagnostics and a.std is None
    s = lime(model, X, 0, num_samples=500, stability_seeds=3, random_state=1)
    np.testing.assert_array_equal(s.values, a.values)  # the main run is unchanged
    assert 0.0 <= s.diagnostics["stability"] <= 1.0
    assert s.diagnostics["stability_top_k"] == 3  # min(5, n_features)
    assert s.std.shape == (3,)


def test_num_features_keeps_the_largest_weights(linear):
    model, X = linear
    full = lime(model, X, 3, discretize=False, num_samples=500, random_state=0)
    top = lime(model, X, 3, discretize=False, num_samples=500, num_features=1, random_state=0)
    assert top.selected.tolist() == [False, True, False]  # |-3 * 2| is the largest
    assert top.values[0] == 0 == top.values[2]
    assert top.values[1] == pytest.approx(full.values[1], rel=0.05)
    assert top.settings["feature_selection"] == "highest_weights"


def test_missing_row_value_is_held_fixed(linear):
    _, X = linear
    row = X.iloc[[0]].copy()
    row.loc[:, "x2"] = np.nan
    e = lime(lambda f: f[["x0", "x1"]].sum(axis=1).to_numpy(), X, row, num_samples=200)
    assert e.values[2] == 0.0
    assert e.conditions[2] == "x2 is missing"
    assert any("not varied" in w for w in e.warnings)


def test_low_fidelity_warns():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.uniform(-1, 1, (200, 2)), columns=["a", "b"])
    e = lime(lambda f: np.sin(12 * f["a"]) * f["b"], X, 0, num_samples=500, random_state=0)
    assert e.diagnostics["fidelity"] < 0.5
    assert any("reproduces the model poorly" in w for w in e.warnings)


def test_json_round_trip(mixed):
    model, X = mixed
    e = lime(model, X, 2, num_samples=300, stability_seeds=1, random_state=0)
    back = Explanation.from_json(e.to_json())
    np.testing.assert_array_equal(back.values, e.values)
    assert back.conditions.tolist() == e.conditions.tolist()
    assert back.row.tolist() == e.row.tolist()
    assert float(back.intercept) == float(e.intercept)
    assert back.diagnostics["stability"] == e.diagnostics["stability"]
    assert back.output_names == e.output_names


def test_errors(mixed):
    model, X = mixed
    with pytest.raises(InvalidParameterError, match=r"0 <= row < 200"):
        lime(model, X, 200)
    with pytest.raises(InvalidParameterError, match=r"0 <= row < 200"):
        lime(model, X, -1)
    with pytest.raises(DataError, match="lacks colour"):
        lime(model, X, X.iloc[[0]].drop(columns="colour"))
    with pytest.raises(DataError, match="unknown size"):
        lime(model, X, X.iloc[[0]].assign(size=1))
    with pytest.raises(DataError, match="single row"):
        lime(model, X, X.iloc[:2])
    with pytest.raises(ParameterTypeError, match="row must be"):
        lime(model, X, "first")
    with pytest.raises(InvalidParameterError, match="num_samples must be an int >= 10"):
        lime(model, X, 0, num_samples=5)
    with pytest.raises(InvalidParameterError, match="Did you mean 'yes'"):
        lime(model, X, 0, num_samples=50, output="yess")
    with pytest.raises(InvalidParameterError, match="kernel_width"):
        lime(model, X, 0, kernel_width=0)
    with pytest.raises(InvalidParameterError, match="stability_seeds"):
        lime(model, X, 0, stability_seeds=-1)


def test_column_kinds_are_kept_and_missing_reference_values_ignored():
    rng = np.random.default_rng(0)
    n = 60
    X = pd.DataFrame(
        {
            "count": rng.integers(0, 5, n),
            "size": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
            "shape": pd.Categorical(rng.choice(["o", "x"], n), categories=["o", "x", "v"]),
            "flag": rng.random(n) < 0.5,
            "name": rng.choice(["ann", "bob"], n).astype(object),
        }
    )
    seen = []

    def model(frame):
        seen.append(frame)
        return frame["count"].to_numpy(dtype=float) + (frame["shape"] == "x").to_numpy()

    e = lime(model, X, int(np.flatnonzero(X["size"].notna())[0]), num_samples=100)
    table = seen[-1]
    assert isinstance(table["shape"].dtype, pd.CategoricalDtype)
    assert list(table["shape"].cat.categories) == ["o", "x", "v"]
    assert set(table["shape"]) <= {"o", "x"}  # drawn from the reference, never "v"
    assert table["flag"].dtype == bool and table["name"].dtype == X["name"].dtype
    assert table["size"].notna().all()
    assert table["size"].between(X["size"].min(), X["size"].max()).all()
    assert e.values.shape == (5,) and np.isfinite(e.values).all()
    assert e.row.tolist()[3] in (True, False) and e.conditions[3].startswith("flag = ")
