"""Kernel SHAP: exact mode against brute-force Shapley values, sampled mode against exact."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.neural_network import MLPClassifier

from autoxai.exceptions import InvalidParameterError
from autoxai.explain._model import as_predictor
from autoxai.explain.shap._kernel import MAX_BACKGROUND, kernel_shap, summarise_background

COLUMNS = ["x0", "x1", "x2", "x3", "x4"]


def black_box(data):
    """Nonlinear, with two- and three-way interactions; two outputs."""
    a = np.asarray(data, dtype=float)
    first = a[:, 0] * a[:, 1] + np.sin(a[:, 2]) + a[:, 3] ** 2 * a[:, 4]
    second = np.tanh(a[:, 0] + a[:, 4] * a[:, 2] * a[:, 1])
    return np.column_stack([first, second])


def brute_force(function, x, background):
    """Interventional Shapley values from the textbook formula, all subsets: (K, M)."""
    m = len(x)

    def v(subset):
        data = background.copy()
        data[:, list(subset)] = x[list(subset)]
        return np.asarray(function(data), dtype=float).reshape(len(data), -1).mean(axis=0)

    phi = []
    for i in range(m):
        others = [j for j in range(m) if j != i]
        total = 0.0
        for size in range(m):
            weight = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
            for subset in itertools.combinations(others, size):
                total = total + weight * (v((*subset, i)) - v(subset))
        phi.append(total)
    return np.array(phi).T


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(4, 5)), columns=COLUMNS)
    background = pd.DataFrame(rng.normal(size=(7, 5)), columns=COLUMNS)
    return X, background


@pytest.fixture(scope="module")
def truth(data):
    X, background = data
    return np.stack(
        [brute_force(black_box, X.to_numpy()[i], background.to_numpy()) for i in range(len(X))],
        axis=1,
    )


def test_exact_mode_equals_brute_force(data, truth):
    X, background = data
    predictor, frame = as_predictor(black_box, X)
    info = {}
    base, values, std = kernel_shap(predictor, frame, background, info=info)
    assert values.shape == (2, 4, 5) and std is None
    np.testing.assert_allclose(values, truth, atol=1e-8)
    np.testing.assert_allclose(base, black_box(background).mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(base + values.sum(axis=2).T, black_box(X), atol=1e-10)
    # every coalition but the empty one, for each row, times the background
    assert info["n_evaluations"] == 4 + 7 + 4 * (2**5 - 1) * 7
    assert info["n_exact_rows"] == 4 and info["n_sampled_rows"] == 0


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_exact_mode_on_an_mlp_equals_brute_force():
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(60, 4)), columns=COLUMNS[:4])
    y = (X["x0"] * X["x1"] + X["x2"] > 0).astype(int)
    mlp = MLPClassifier(hidden_layer_sizes=(8,), max_iter=300, random_state=0).fit(X, y)
    predictor, frame = as_predictor(mlp, X)
    rows, background = frame.iloc[:2], frame.iloc[10:16]
    _, values, _ = kernel_shap(predictor, rows, background)

    def proba(array):
        return mlp.predict_proba(pd.DataFrame(array, columns=X.columns))

    expected = np.stack(
        [brute_force(proba, rows.to_numpy()[i], background.to_numpy()) for i in (0, 1)], axis=1
    )
    np.testing.assert_allclose(values, expected, atol=1e-8)
    np.testing.assert_allclose(values.sum(axis=0), 0.0, atol=1e-12)  # probabilities sum to 1


def wide_box(data):
    """Ten columns, interactions of up to three of them; two outputs."""
    a = np.asarray(data, dtype=float)
    first = (
        a[:, 0] * a[:, 1] * a[:, 2]
        + np.sin(a[:, 3] + a[:, 4])
        + a[:, 5] ** 2 * a[:, 6]
        + np.tanh(a[:, 7] * a[:, 8] - a[:, 9])
    )
    second = np.exp(-((a[:, 0] - a[:, 9]) ** 2)) * a[:, 4]
    return np.column_stack([first, second])


@pytest.fixture(scope="module")
def wide():
    rng = np.random.default_rng(3)
    columns = [f"x{i}" for i in range(10)]
    X = pd.DataFrame(rng.normal(size=(4, 10)), columns=columns)
    background = pd.DataFrame(rng.normal(size=(7, 10)), columns=columns)
    predictor, frame = as_predictor(wide_box, X)
    _, truth, _ = kernel_shap(predictor, frame, background)  # exact: 1023 coalitions
    return predictor, frame, background, truth


def test_sampled_mode_converges_with_honest_standard_errors(wide):
    predictor, frame, background, truth = wide
    errors = {}
    for n_samples in (200, 600):
        info = {}
        _, values, std = kernel_shap(
            predictor,
            frame,
            background,
            max_exact=0,
            n_samples=n_samples,
            random_state=0,
            info=info,
        )
        assert info["n_sampled_rows"] == 4 and std.shape == values.shape
        errors[n_samples] = np.abs(values - truth)
        assert np.mean(errors[n_samples] <= 3 * std) >= 0.9
    assert errors[600].mean() < errors[200].mean()
    # a budget that covers every coalition size is solved exactly
    info = {}
    _, values, std = kernel_shap(
        predictor, frame, background, max_exact=0, n_samples=4000, random_state=0, info=info
    )
    assert info["n_exact_rows"] == 4 and std is None
    np.testing.assert_allclose(values, truth, atol=1e-8)


def test_reported_standard_errors_match_the_spread_over_seeds(wide):
    predictor, frame, background, _ = wide
    runs = [
        kernel_shap(
            predictor, frame.iloc[:1], background, max_exact=0, n_samples=150, random_state=seed
        )
        for seed in range(40)
    ]
    spread = np.stack([r[1] for r in runs]).std(axis=0)
    reported = np.stack([r[2] for r in runs]).mean(axis=0)
    ratio = spread.mean() / reported.mean()
    assert 0.7 < ratio < 1.4


def test_sampled_values_add_up_exactly(wide):
    predictor, frame, background, _ = wide
    base, values, _ = kernel_shap(
        predictor, frame, background, max_exact=0, n_samples=100, random_state=3
    )
    np.testing.assert_allclose(base + values.sum(axis=2).T, wide_box(frame), atol=1e-10)


def test_same_seed_same_values_other_seed_other_values(wide):
    predictor, frame, background, _ = wide

    def run(seed):
        return kernel_shap(
            predictor, frame, background, max_exact=0, n_samples=60, random_state=seed
        )

    first, again, other = run(7), run(7), run(8)
    np.testing.assert_array_equal(first[1], again[1])
    np.testing.assert_array_equal(first[2], again[2])
    assert not np.array_equal(first[1], other[1])


def test_small_games_fit_the_budget_and_are_exact(data, truth):
    X, background = data
    predictor, frame = as_predictor(black_box, X)
    info = {}
    _, values, std = kernel_shap(predictor, frame, background, max_exact=0, n_samples=40, info=info)
    assert info["n_exact_rows"] == 4 and std is None  # 30 coalitions < 40 samples
    np.testing.assert_allclose(values, truth, atol=1e-8)


def test_symmetric_columns_get_identical_values():
    rng = np.random.default_rng(2)
    values = rng.normal(size=(3, 2))
    X = pd.DataFrame({"a": values[:, 0], "b": values[:, 0], "c": values[:, 1]})
    bg = rng.normal(size=(6, 2))
    background = pd.DataFrame({"a": bg[:, 0], "b": bg[:, 0], "c": bg[:, 1]})

    def model(d):
        return np.exp(d["a"] * d["b"]) + d["c"] * (d["a"] + d["b"])

    predictor, frame = as_predictor(model, X)
    _, phi, _ = kernel_shap(predictor, frame, background)
    np.testing.assert_allclose(phi[0, :, 0], phi[0, :, 1], atol=1e-12)


def test_an_ignored_column_gets_exactly_zero(data):
    X, background = data

    def ignores_x2(d):
        d = d.copy()
        d["x2"] = 0.0
        return black_box(d)

    predictor, frame = as_predictor(ignores_x2, X)
    _, values, _ = kernel_shap(predictor, frame, background)
    assert np.all(values[:, :, 2] == 0.0)
    assert np.all(values[0][:, [0, 1, 3, 4]] != 0.0)  # the first output uses the others


def test_columns_equal_to_the_whole_background_are_dummies_and_skipped(data):
    X, background = data
    X, background = X.copy(), background.copy()
    X["x4"], background["x4"] = 1.5, 1.5  # x4 cannot change anything
    predictor, frame = as_predictor(black_box, X)
    info = {}
    _, values, _ = kernel_shap(predictor, frame, background, info=info)
    assert np.all(values[:, :, 4] == 0.0)
    truth = np.stack(
        [brute_force(black_box, X.to_numpy()[i], background.to_numpy()) for i in range(4)],
        axis=1,
    )
    np.testing.assert_allclose(values, truth, atol=1e-8)
    assert info["n_evaluations"] == 4 + 7 + 4 * (2**4 - 1) * 7  # a 4-player game per row


def test_string_and_categorical_columns_keep_their_dtype():
    X = pd.DataFrame(
        {
            "num": [1.0, 2.0, 3.0],
            "cat": pd.Categorical(["a", "b", "a"], categories=["a", "b", "c"]),
            "text": ["u", "v", "w"],
        }
    )
    seen = []

    def model(d):
        seen.append((d["cat"].dtype, d["num"].dtype))
        return d["num"] * (d["cat"] == "b") + (d["text"] == "w") * 2.0

    predictor, frame = as_predictor(model, X)
    base, values, _ = kernel_shap(predictor, frame, frame)
    np.testing.assert_allclose(base + values.sum(axis=2).T[:, 0], model(X), atol=1e-12)
    assert all(isinstance(c, pd.CategoricalDtype) and n == np.float64 for c, n in seen)


def test_background_is_summarised_to_max_background_rows():
    large = pd.DataFrame({"a": np.arange(250.0)})
    rows, note, warnings = summarise_background(large, 0)
    assert len(rows) == MAX_BACKGROUND == 100 and "100 of the 250 rows" in note
    assert len(warnings) == 1 and "random sample" in warnings[0]
    again, _, _ = summarise_background(large, 0)
    pd.testing.assert_frame_equal(rows, again)
    small, note, warnings = summarise_background(large.iloc[:100], 0)
    assert len(small) == 100 and warnings == [] and note.startswith("all 100 rows")


def test_bad_settings_are_rejected(data):
    X, background = data
    predictor, frame = as_predictor(black_box, X)
    with pytest.raises(InvalidParameterError, match="n_samples"):
        kernel_shap(predictor, frame, background, n_samples=1)
    with pytest.raises(InvalidParameterError, match="max_exact"):
        kernel_shap(predictor, frame, background, max_exact=-1)
