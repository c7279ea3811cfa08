"""Accumulated local effects: a loop reference, linear and correlated-feature oracles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from autoxai.exceptions import DataError, InvalidParameterError
from autoxai.explain._ale import ale
from autoxai.explain._base import Explanation
from autoxai.explain._pdp import partial_dependence


def reference_ale(predict, X: pd.DataFrame, feature: str, resolution: int):
    """Apley & Zhu's estimator written out bin by bin, one model call per edge and bin."""
    x = X[feature].to_numpy(dtype=float)
    edges = np.unique(np.quantile(x, np.linspace(0, 1, resolution + 1)))
    effects, counts = [], []
    for k in range(1, len(edges)):
        inside = (x <= edges[k]) & ((x > edges[k - 1]) | (k == 1))
        lower, upper = X[inside].copy(), X[inside].copy()
        lower[feature] = edges[k - 1]
        upper[feature] = edges[k]
        difference = np.asarray(predict(upper)).reshape(inside.sum(), -1) - np.asarray(
            predict(lower)
        ).reshape(inside.sum(), -1)
        effects.append(difference.mean(axis=0))
        counts.append(inside.sum())
    accumulated = np.vstack([np.zeros_like(effects[0]), np.cumsum(effects, axis=0)])
    counts = np.array(counts)
    centre = (
        sum(counts[k] * (accumulated[k] + accumulated[k + 1]) / 2 for k in range(len(counts)))
        / counts.sum()
    )
    return edges, counts, (accumulated - centre).T


def weighted_centre(curve, counts):
    """``curve`` at the edges minus its count-weighted mean over the bins' midpoints."""
    midpoints = (curve[:-1] + curve[1:]) / 2
    return curve - counts @ midpoints / counts.sum()


@pytest.fixture
def uniform():
    rng = np.random.default_rng(0)
    return pd.DataFrame(rng.uniform(-1, 1, size=(200, 3)), columns=["x0", "x1", "x2"])


def test_linear_model_ale_is_its_slope_times_the_centred_edges(uniform):
    result = ale(lambda d: 3 * d["x0"] - d["x1"], uniform, "x0")

    edges, counts = result.grid, result.bin_counts
    np.testing.assert_allclose(result.values[0], weighted_centre(3 * edges, counts), atol=1e-9)
    assert counts.sum() == 200 and len(counts) == len(edges) - 1 == 20
    # Additive model, independent features: PDP on the same grid, centred alike, agrees.
    pdp = partial_dependence(lambda d: 3 * d["x0"] - d["x1"], uniform, "x0", grid=edges)
    np.testing.assert_allclose(result.values[0], weighted_centre(pdp.values[0], counts), atol=1e-9)


def test_matches_a_bin_by_bin_loop_on_a_nonlinear_model(uniform):
    def model(d):
        return np.sin(3 * d["x0"]) * d["x1"] + d["x2"] ** 2 + d["x0"] ** 3

    result = ale(model, uniform, "x0", grid_resolution=12)
    edges, counts, values = reference_ale(model, uniform, "x0", 12)

    np.testing.assert_array_equal(result.grid, edges)
    np.testing.assert_array_equal(result.bin_counts, counts)
    np.testing.assert_allclose(result.values, values, rtol=0, atol=1e-12)
    assert result.output_names == ["prediction"]


def test_matches_the_loop_per_class_of_a_multiclass_model(uniform):
    labels = np.where(uniform.x0 + uniform.x1 > 0.5, "a", np.where(uniform.x2 > 0, "b", "c"))
    model = LogisticRegression().fit(uniform, labels)

    result = ale(model, uniform, "x1", grid_resolution=8)
    _, _, values = reference_ale(model.predict_proba, uniform, "x1", 8)

    assert result.output_names == ["a", "b", "c"] and result.values.shape == (3, 9)
    np.testing.assert_allclose(result.values, values, rtol=0, atol=1e-12)
    np.testing.assert_allclose(result.values.sum(axis=0), 0.0, atol=1e-12)  # probabilities


def test_correlated_features_ale_follows_the_data_where_pdp_extrapolates():
    # x1 == x0 and f = x0 * x1. Moving x0 by dz changes f by x1 * dz, so the exact ALE is
    # A(z_k) = sum_j dz_j * mean(x1 in bin j) ~ x^2 / 2 (x0's half of f = x0^2 along the
    # data). The PDP averages f(v, x1) = v * mean(x1) over rows with x1 far from v: a line.
    x = np.random.default_rng(2).uniform(0, 1, 400)
    X = pd.DataFrame({"x0": x, "x1": x})

    def model(d):
        return d["x0"] * d["x1"]

    result = ale(model, X, "x0")
    edges, counts = result.grid, result.bin_counts
    bins = np.clip(np.searchsorted(edges, x, side="left"), 1, len(edges) - 1) - 1
    bin_means = np.bincount(bins, weights=x) / counts
    exact = np.concatenate([[0.0], np.cumsum(np.diff(edges) * bin_means)])
    np.testing.assert_allclose(result.values[0], weighted_centre(exact, counts), atol=1e-12)

    half_square = weighted_centre(edges**2 / 2, counts)
    pdp = weighted_centre(partial_dependence(model, X, "x0", grid=edges).values[0], counts)
    assert np.abs(result.values[0] - half_square).max() < 2e-3
    assert np.abs(pdp - half_square).max() > 0.05
    np.testing.assert_allclose(np.diff(pdp) / np.diff(edges), x.mean(), atol=1e-9)


def test_empty_bins_are_merged_into_the_next_one():
    # Ties: 100 quantiles of 30 rows put several edges between two neighbouring values.
    x = np.array([0.0] * 10 + [1.0] * 10 + [5.0] * 10)
    X = pd.DataFrame({"x": x, "z": np.arange(30.0)})
    raw_edges = np.unique(np.quantile(x, np.linspace(0, 1, 101)))
    assert len(raw_edges) == 9

    result = ale(lambda d: d["x"] ** 2 + d["z"], X, "x", grid_resolution=100)

    # z_0 and the upper edge of every bin that holds rows.
    np.testing.assert_allclose(result.grid, [0.0, 0.28, 1.0, 5.0])
    np.testing.assert_array_equal(result.bin_counts, [10, 10, 10])
    assert result.diagnostics["n_bins"] == 3
    expected = weighted_centre(result.grid**2, result.bin_counts)
    np.testing.assert_allclose(result.values[0], expected, atol=1e-12)


def test_sparse_bins_and_missing_values_are_reported():
    x = np.linspace(0, 1, 12)
    x[3] = np.nan
    X = pd.DataFrame({"x": x, "z": np.zeros(12)})
    result = ale(lambda d: d["x"].fillna(0) + d["z"], X, "x", grid_resolution=10)

    assert result.diagnostics["n_rows"] == 11
    assert any("1 row(s) with x missing" in w for w in result.warnings)
    assert any("fewer than 5 rows" in w for w in result.warnings)


def test_max_samples_is_reproducible_from_the_seed(uniform):
    def model(d):
        return d["x0"] * d["x1"]

    first = ale(model, uniform, "x0", max_samples=50, random_state=7)
    again = ale(model, uniform, "x0", max_samples=50, random_state=7)
    np.testing.assert_array_equal(first.values, again.values)
    np.testing.assert_array_equal(first.grid, again.grid)
    assert first.random_state == 7 and first.diagnostics["n_rows"] == 50
    subset = ale(model, uniform.iloc[first.sample_rows], "x0")
    np.testing.assert_array_equal(subset.values, first.values)


def test_categorical_feature_points_to_partial_dependence():
    X = pd.DataFrame({"color": ["red", "blue", "red"], "flag": [True, False, True]})
    for feature in ("color", "flag"):
        with pytest.raises(DataError, match=f"numeric feature, but '{feature}'.*partial_dep"):
            ale(lambda d: np.zeros(len(d)), X, feature)


def test_invalid_arguments(uniform):
    def model(d):
        return d["x0"]

    with pytest.raises(InvalidParameterError, match="Did you mean 'x1'"):
        ale(model, uniform, "x_1")
    with pytest.raises(InvalidParameterError, match="grid_resolution"):
        ale(model, uniform, "x0", grid_resolution=0)
    with pytest.raises(DataError, match="single value"):
        ale(model, uniform.assign(x0=1.0), "x0")


def test_json_round_trip(uniform):
    result = ale(lambda d: d["x0"] ** 2, uniform, "x0", grid_resolution=5)
    back = Explanation.from_json(result.to_json())
    assert back.method == "ale" and back.feature_names == ["x0"]
    np.testing.assert_array_equal(back.values, result.values)
    np.testing.assert_array_equal(back.grid, result.grid)
    np.testing.assert_array_equal(back.bin_counts, result.bin_counts)
