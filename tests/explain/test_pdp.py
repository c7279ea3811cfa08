"""Partial dependence and ICE: exact oracles (linear models, additive models, scikit-learn)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.inspection import partial_dependence as sklearn_partial_dependence
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from autoxai.exceptions import (
    AutoXAIError,
    DataError,
    InvalidParameterError,
    ParameterTypeError,
)
from autoxai.explain._base import Explanation
from autoxai.explain._pdp import HETEROGENEITY_WARNING, partial_dependence


@pytest.fixture
def numeric():
    """Three independent uniform columns and a noisy nonlinear target."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.uniform(-1, 1, size=(60, 3)), columns=["x0", "x1", "x2"])
    y = 2 * X.x0 - X.x1**2 + 0.5 * X.x2 + rng.normal(scale=0.1, size=60)
    return X, y


@pytest.fixture
def mixed():
    """Two numeric columns and a string column, with a one-hot linear pipeline."""
    rng = np.random.default_rng(1)
    X = pd.DataFrame(
        {
            "a": rng.normal(size=50),
            "b": rng.uniform(size=50),
            "color": rng.choice(["red", "green", "blue"], size=50),
        }
    )
    y = X.a + X.b**2 + 2.0 * (X.color == "green") + rng.normal(scale=0.1, size=50)
    encode = make_column_transformer((OneHotEncoder(), ["color"]), remainder="passthrough")
    return X, y, make_pipeline(encode, LinearRegression()).fit(X, y)


# -- exact oracles -----------------------------------------------------------------------
def test_linear_model_pdp_has_its_coefficient_as_slope_and_parallel_ice(numeric):
    X, y = numeric
    model = LinearRegression().fit(X, y)
    result = partial_dependence(model, X, "x1", kind="both", centered=True)

    slope = np.diff(result.values[0]) / np.diff(result.grid)
    np.testing.assert_allclose(slope, model.coef_[1], rtol=0, atol=1e-9)
    # Every centred ICE curve is coef * (v - v_0): all identical.
    expected = model.coef_[1] * (result.grid - result.grid[0])
    centred = result.centered_individual[0]
    np.testing.assert_allclose(centred, np.broadcast_to(expected, centred.shape), atol=1e-9)
    assert result.diagnostics["heterogeneity"] == [0.0]
    assert result.warnings == []


def test_product_model_warns_that_the_average_hides_an_interaction(numeric):
    X, _ = numeric
    result = partial_dependence(lambda d: d["x0"] * d["x1"], X, "x0")

    (score,) = result.diagnostics["heterogeneity"]
    assert score > HETEROGENEITY_WARNING
    (warning,) = result.warnings
    assert warning.startswith(f"ICE curves of x0 diverge (heterogeneity {score:.2f})")
    assert "two-way PDP" in warning


def test_additive_model_has_no_heterogeneity(numeric):
    X, _ = numeric
    result = partial_dependence(lambda d: np.sin(3 * d["x0"]) + d["x1"] ** 2, X, "x0")
    assert result.diagnostics["heterogeneity"] == [0.0]
    assert result.warnings == []


def test_heterogeneity_matches_its_definition(numeric):
    X, y = numeric
    model = RandomForestRegressor(n_estimators=5, max_depth=4, random_state=0).fit(X, y)
    result = partial_dependence(model, X, "x1", kind="individual")

    curves = result.individual[0]  # (n_rows, n_grid)
    level_free = curves - curves.mean(axis=1, keepdims=True)
    expected = np.sqrt(level_free.var(axis=0).mean()) / model.predict(X).std()
    assert result.diagnostics["heterogeneity"][0] == pytest.approx(expected, rel=1e-12)


def test_two_way_pdp_of_an_additive_model_has_no_interaction_contrast(numeric):
    X, _ = numeric
    result = partial_dependence(lambda d: np.sin(3 * d["x0"]) + d["x1"] ** 2, X, ("x0", "x1"))

    g0, g1 = result.grid
    assert result.values.shape == (1, len(g0), len(g1))
    average = result.values[0]
    contrast = average - average[:, :1] - average[:1, :] + average[0, 0]
    np.testing.assert_allclose(contrast, 0.0, atol=1e-12)
    # The surface is the sum of the two one-way effects plus the mean of the rest (0 here).
    np.testing.assert_allclose(average, np.sin(3 * g0)[:, None] + g1[None, :] ** 2, atol=1e-12)
    assert "heterogeneity" not in result.diagnostics


# -- agreement with scikit-learn ---------------------------------------------------------
def test_matches_sklearn_on_a_random_forest_regressor(numeric):
    X, y = numeric
    model = RandomForestRegressor(n_estimators=5, max_depth=4, random_state=0).fit(X, y)
    result = partial_dependence(model, X, "x0", kind="both")

    expected = sklearn_partial_dependence(
        model, X, ["x0"], custom_values={"x0": result.grid}, kind="both", method="brute"
    )
    np.testing.assert_allclose(result.values, expected["average"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.individual, expected["individual"], rtol=0, atol=1e-9)


def test_matches_sklearn_on_a_binary_classifier_positive_class(numeric):
    X, y = numeric
    model = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0)
    model.fit(X, y > np.median(y))
    result = partial_dependence(model, X, "x1", grid_kind="uniform")

    expected = sklearn_partial_dependence(
        model, X, ["x1"], custom_values={"x1": result.grid}, method="brute"
    )
    assert result.output_names == ["False", "True"]
    np.testing.assert_allclose(result.values[1], expected["average"][0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.values.sum(axis=0), 1.0, atol=1e-12)


def test_matches_sklearn_on_a_categorical_feature_through_a_one_hot_pipeline(mixed):
    X, _, model = mixed
    result = partial_dependence(model, X, "color")

    expected = sklearn_partial_dependence(
        model, X, ["color"], categorical_features=["color"], method="brute"
    )
    assert result.grid.tolist() == ["blue", "green", "red"]
    assert [str(v) for v in expected["grid_values"][0]] == result.grid.tolist()
    np.testing.assert_allclose(result.values, expected["average"], rtol=0, atol=1e-9)


def test_matches_sklearn_on_a_numeric_by_categorical_pair(mixed):
    X, _, model = mixed
    result = partial_dependence(model, X, ["a", "color"], kind="both")

    expected = sklearn_partial_dependence(
        model,
        X,
        ["a", "color"],
        categorical_features=["color"],
        custom_values={"a": result.grid[0]},
        kind="both",
        method="brute",
    )
    np.testing.assert_allclose(result.values, expected["average"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.individual, expected["individual"], rtol=0, atol=1e-9)


# -- layout ------------------------------------------------------------------------------
def test_kinds_and_shapes(numeric):
    X, y = numeric
    model = LinearRegression().fit(X, y)
    average = partial_dependence(model, X, "x2", grid_resolution=7)
    individual = partial_dependence(model, X, "x2", grid_resolution=7, kind="individual")
    both = partial_dependence(model, X, "x2", grid_resolution=7, kind="both")

    assert average.values.shape == (1, 7) and average.grid.shape == (7,)
    assert average.output_names == ["prediction"]
    assert average.feature_names == ["x2"]
    assert "individual" not in average.arrays and "centered_individual" not in average.arrays
    with pytest.raises(AttributeError):
        _ = average.individual
    for result in (individual, both):
        assert result.individual.shape == (1, 60, 7)
        np.testing.assert_allclose(result.individual.mean(axis=1), result.values, atol=1e-12)
        np.testing.assert_array_equal(result.average, result.values)
    assert set(average.diagnostics) >= {
        "model_seconds",
        "wall_seconds",
        "model_time_fraction",
        "n_rows",
        "heterogeneity",
        "warnings",
    }
    assert average.diagnostics["n_rows"] == 60
    assert 0 < average.diagnostics["model_time_fraction"] <= 1


def test_two_way_individual_surfaces_and_centring(numeric):
    X, _ = numeric
    grid = [np.array([-0.5, 0.0, 0.5]), np.array([0.0, 1.0])]
    result = partial_dependence(
        lambda d: d["x0"] * d["x1"] + d["x2"],
        X,
        ("x0", "x1"),
        grid=grid,
        kind="both",
        centered=True,
    )
    assert result.individual.shape == (1, 60, 3, 2)
    # Row i's surface is v0 * v1 + x2_i; centred at (v0[0], v1[0]) it loses x2_i.
    expected = np.outer(grid[0], grid[1])[None, :, :] + X.x2.to_numpy()[:, None, None]
    np.testing.assert_allclose(result.individual[0], expected, atol=1e-12)
    np.testing.assert_allclose(
        result.centered_individual[0],
        np.broadcast_to(np.outer(grid[0], grid[1]) - grid[0][0] * grid[1][0], (60, 3, 2)),
        atol=1e-12,
    )


def test_multiclass_gives_one_curve_per_class_summing_to_one(numeric):
    X, _ = numeric
    labels = np.where(X.x0 > 0.3, "high", np.where(X.x0 < -0.3, "low", "mid"))
    model = LogisticRegression().fit(X, labels)
    result = partial_dependence(model, X, "x0", grid_resolution=5, kind="both")

    assert result.output_names == ["high", "low", "mid"]
    assert result.values.shape == (3, 5) and result.individual.shape == (3, 60, 5)
    np.testing.assert_allclose(result.values.sum(axis=0), 1.0, atol=1e-12)
    np.testing.assert_allclose(result.individual.sum(axis=0), 1.0, atol=1e-12)
    assert len(result.diagnostics["heterogeneity"]) == 3
    assert result.values[0, -1] > result.values[0, 0]  # "high" rises with x0


def test_categorical_grids_keep_the_column_dtypes():
    X = pd.DataFrame(
        {
            "size": pd.Categorical(
                ["mid", "lo", "mid", "lo"], categories=["lo", "mid", "hi"], ordered=True
            ),
            "flag": [True, False, False, True],
            "x": [0.0, 1.0, 2.0, 3.0],
        }
    )

    def model(d):
        assert isinstance(d["size"].dtype, pd.CategoricalDtype)
        return d["size"].cat.codes.to_numpy() * 10.0 + d["flag"].to_numpy() + d["x"]

    by_size = partial_dependence(model, X, "size")
    assert by_size.grid.tolist() == ["lo", "mid"]  # category order, unused "hi" left out
    np.testing.assert_allclose(by_size.values, [[2.0, 12.0]])
    by_flag = partial_dependence(model, X, "flag")
    assert by_flag.grid.tolist() == [False, True]
    np.testing.assert_allclose(by_flag.values, [[6.5, 7.5]])


def test_automatic_numeric_grids():
    X = pd.DataFrame({"u": np.arange(101.0), "k": np.arange(101) % 4})
    model = LinearRegression().fit(X, X.u)
    uniform = partial_dependence(model, X, "u", grid_kind="uniform", grid_resolution=5)
    np.testing.assert_allclose(uniform.grid, np.linspace(5.0, 95.0, 5))
    quantile = partial_dependence(model, X, "u", grid_resolution=3, percentiles=(0.1, 0.9))
    np.testing.assert_allclose(quantile.grid, [10.0, 50.0, 90.0])
    few_values = partial_dependence(model, X, "k")
    np.testing.assert_array_equal(few_values.grid, [0.0, 1.0, 2.0, 3.0])


# -- parallelism and sampling ------------------------------------------------------------
def test_n_jobs_does_not_change_the_result(numeric):
    X, y = numeric
    model = RandomForestRegressor(n_estimators=5, max_depth=4, random_state=0).fit(X, y)
    one = partial_dependence(model, X, "x0", grid_resolution=6, kind="both", n_jobs=1)
    two = partial_dependence(model, X, "x0", grid_resolution=6, kind="both", n_jobs=2)
    np.testing.assert_array_equal(one.values, two.values)
    np.testing.assert_array_equal(one.individual, two.individual)
    assert two.settings["n_jobs"] == 2 and two.diagnostics["model_seconds"] > 0


def test_max_samples_is_reproducible_from_the_seed(numeric):
    X, y = numeric
    model = RandomForestRegressor(n_estimators=5, max_depth=4, random_state=0).fit(X, y)
    first = partial_dependence(model, X, "x1", max_samples=20, random_state=3, kind="both")
    again = partial_dependence(model, X, "x1", max_samples=20, random_state=3, kind="both")
    other = partial_dependence(model, X, "x1", max_samples=20, random_state=4)

    np.testing.assert_array_equal(first.values, again.values)
    np.testing.assert_array_equal(first.sample_rows, again.sample_rows)
    assert not np.array_equal(first.sample_rows, other.sample_rows)
    assert first.random_state == 3 and first.diagnostics["n_rows"] == 20
    assert first.individual.shape[1] == 20
    # The curves are those of the sampled rows.
    subset = partial_dependence(model, X.iloc[first.sample_rows], "x1", grid=first.grid)
    np.testing.assert_allclose(subset.values, first.values, atol=1e-12)
    drawn = partial_dependence(
        model, X, "x1", max_samples=20, random_state=np.random.default_rng(0)
    )
    assert isinstance(drawn.random_state, int)
    everything = partial_dependence(model, X, "x1", max_samples=500, random_state=3)
    assert everything.random_state is None and "sample_rows" not in everything.arrays


# -- validation --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"features": "x_1"}, InvalidParameterError, r"'x_1' is not a column.*mean 'x1'"),
        ({"features": ("x0", "xx2")}, InvalidParameterError, "Did you mean 'x2'"),
        ({"features": ("x0", "x1", "x2")}, InvalidParameterError, "pair"),
        ({"features": ("x0", "x0")}, InvalidParameterError, "two different"),
        ({"features": 0}, ParameterTypeError, "column name"),
        ({"grid_kind": "quantiles"}, InvalidParameterError, "grid_kind.*'quantile'"),
        ({"kind": "mean"}, InvalidParameterError, "kind must be one of"),
        ({"grid_resolution": 1}, InvalidParameterError, "grid_resolution must be an int >= 2"),
        ({"percentiles": (0.9, 0.1)}, InvalidParameterError, "low < high"),
        ({"grid": ["a", "b"]}, InvalidParameterError, "must hold numbers"),
        ({"grid": [[0.0, 1.0]]}, InvalidParameterError, "1-D"),
        ({"features": ("x0", "x1"), "grid": [0.0]}, InvalidParameterError, "two 1-D arrays"),
        ({"max_samples": 0}, InvalidParameterError, "max_samples"),
        ({"n_jobs": 0}, InvalidParameterError, "n_jobs"),
        ({"centered": "yes"}, ParameterTypeError, "centered"),
        ({"random_state": "seed"}, ParameterTypeError, "random_state"),
    ],
)
def test_invalid_arguments_are_rejected_with_a_clear_message(numeric, options, error, match):
    X, y = numeric
    model = LinearRegression().fit(X, y)
    options = {"features": "x0", **options}
    with pytest.raises(error, match=match):
        partial_dependence(model, X, options.pop("features"), **options)
    assert issubclass(error, AutoXAIError)


def test_grid_values_must_be_categories_of_a_category_column():
    X = pd.DataFrame({"c": pd.Categorical(["a", "b"]), "x": [0.0, 1.0]})
    with pytest.raises(InvalidParameterError, match="not categories.*'z'"):
        partial_dependence(lambda d: d["x"], X, "c", grid=["a", "z"])


def test_all_missing_feature_is_a_data_error():
    X = pd.DataFrame({"x": [np.nan, np.nan], "y": [0.0, 1.0]})
    with pytest.raises(DataError, match="no non-missing value"):
        partial_dependence(lambda d: d["y"], X, "x")


# -- JSON --------------------------------------------------------------------------------
def test_json_round_trip_with_a_string_grid(mixed):
    X, _, model = mixed
    result = partial_dependence(model, X, "color", kind="both", centered=True)
    back = Explanation.from_json(result.to_json())

    assert back.method == "partial_dependence" and back.feature_names == ["color"]
    assert back.grid.tolist() == ["blue", "green", "red"]
    np.testing.assert_array_equal(back.values, result.values)
    np.testing.assert_array_equal(back.individual, result.individual)
    np.testing.assert_array_equal(back.centered_individual, result.centered_individual)
    assert back.diagnostics["heterogeneity"] == result.diagnostics["heterogeneity"]
    assert back.settings == {**result.settings, "percentiles": [0.05, 0.95]}


def test_json_round_trip_of_a_pair(mixed):
    X, _, model = mixed
    result = partial_dependence(model, X, ("b", "color"), grid_resolution=4)
    back = Explanation.from_json(result.to_json())

    assert back.feature_names == ["b", "color"]
    np.testing.assert_array_equal(back.grid[0], result.grid[0])
    assert back.grid[1].tolist() == ["blue", "green", "red"]
    np.testing.assert_array_equal(back.values, result.values)
