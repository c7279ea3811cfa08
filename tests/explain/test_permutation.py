"""Permutation and background importance: exact oracles where they exist, small data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestRegressor
from sklearn.inspection import permutation_importance as sk_permutation_importance
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from autoxai.exceptions import DataError, InvalidParameterError, ParameterTypeError
from autoxai.explain._base import Explanation
from autoxai.explain._permutation import background_importance, permutation_importance

COLUMNS = ["x0", "x1", "x2", "x3"]


def _data(n=300, seed=0):
    """x0..x3 independent uniform(-1, 1); y = 3*x0 + x1**2 + small noise."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.uniform(-1, 1, (n, 4)), columns=COLUMNS)
    y = 3 * X["x0"] + X["x1"] ** 2 + rng.normal(0, 0.05, n)
    return X, y


def truth(X):
    """The true function: ignores x2 and x3 entirely."""
    a = np.asarray(X, dtype=float)
    return 3 * a[:, 0] + a[:, 1] ** 2


@pytest.fixture(scope="module")
def data():
    return _data()


@pytest.fixture(scope="module")
def forest(data):
    X, y = data
    return RandomForestRegressor(n_estimators=10, max_depth=6, random_state=0).fit(X, y)


# -- what the numbers mean -------------------------------------------------------------


def test_ignored_columns_have_exactly_zero_importance(data):
    X, y = data
    e = permutation_importance(truth, X, y, scoring="r2", random_state=0)
    assert e.method == "permutation_importance" and e.scope == "global"
    assert e.feature_names == COLUMNS
    assert e.values[0] > e.values[1] > 0
    np.testing.assert_array_equal(e.values[2:], 0.0)
    np.testing.assert_array_equal(e.std[2:], 0.0)
    np.testing.assert_array_equal(e.interval[:, 2:], 0.0)
    # Permuting x0 in 3*x0 + x1**2 costs about 2*Var(3*x0)/Var(y) = 2*3/3.09 of R^2.
    assert e.values[0] == pytest.approx(2 * 3 / (3 + 4 / 45), rel=0.1)


def test_matches_a_hand_computed_permutation(data):
    # The documented order: one generator seeded with random_state, feature by feature,
    # repeat by repeat.
    X, y = data
    e = permutation_importance(truth, X, y, scoring="r2", n_repeats=3, random_state=7)
    rng = np.random.default_rng(7)
    baseline = r2_score(y, truth(X))
    expected = np.empty((4, 3))
    for j, column in enumerate(COLUMNS):
        for r in range(3):
            broken = X.copy()
            broken[column] = X[column].to_numpy()[rng.permutation(len(X))]
            expected[j, r] = baseline - r2_score(y, truth(broken))
    np.testing.assert_allclose(e.importances, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(e.values, expected.mean(axis=1), rtol=1e-12, atol=1e-12)
    assert e.random_state == 7
    assert e.diagnostics["baseline_score"] == pytest.approx(baseline)


def test_forest_ranks_used_columns_first(data, forest):
    X, y = data
    e = permutation_importance(forest, X, y, scoring="r2", n_repeats=3, random_state=0)
    assert min(e.values[:2]) > max(e.values[2:])
    assert np.all(np.abs(e.values[2:]) < 0.05)
    assert e.diagnostics["scoring"] == "r2"
    assert e.diagnostics["n_rows"] == len(X)
    assert e.diagnostics["model_seconds"] > 0
    assert 0 < e.diagnostics["model_time_fraction"] <= 1


def test_interval_is_over_rows_and_the_shuffle_spread_is_named_apart(data):
    from scipy import stats

    X, y = data
    e = permutation_importance(truth, X, y, n_repeats=4, confidence=0.9, random_state=1)
    np.testing.assert_allclose(e.values, e.importances.mean(axis=1))
    np.testing.assert_allclose(e.shuffle_std, e.importances.std(axis=1, ddof=1))
    half = stats.norm.ppf(0.95) * e.std
    np.testing.assert_allclose(e.interval, np.stack([e.values - half, e.values + half]))
    assert e.interval.shape == (2, 4) and e.settings["interval"] == "bootstrap over rows"
    # the columns the model ignores: exactly 0 in every bootstrap draw too
    np.testing.assert_array_equal(e.std[2:], 0.0)
    # more shuffles of the same rows do not make the interval over the data narrower
    many = permutation_importance(truth, X, y, n_repeats=30, confidence=0.9, random_state=1)
    assert 0.7 < many.std[0] / e.std[0] < 1.4
    assert many.shuffle_std[0] / np.sqrt(30) < e.shuffle_std[0] / np.sqrt(4)


def _coverage(n_sets: int, n_repeats: int, scoring, truth_value: float) -> float:
    """Share of fresh data sets whose interval for ``a`` covers the true reliance.

    y = 2a + b + e with a, b, e independent N(0, 1) and the fixed model 2a + b: the
    reliance on ``a`` is E[(2(a' - a) - e)^2] - E[e^2] = 2 * 2^2 * Var(a) = 8 in squared
    error, sqrt(9) - 1 = 2 in RMSE.
    """
    covered = 0
    for seed in range(n_sets):
        rng = np.random.default_rng(1000 + seed)
        X = pd.DataFrame(rng.normal(size=(200, 2)), columns=["a", "b"])
        y = 2 * X["a"] + X["b"] + rng.normal(size=200)
        e = permutation_importance(
            lambda frame: 2 * frame["a"].to_numpy() + frame["b"].to_numpy(), X, y,
            scoring=scoring, n_repeats=n_repeats, direction=False, random_state=seed,
        )  # fmt: skip
        covered += e.interval[0, 0] <= truth_value <= e.interval[1, 0]
    return covered / n_sets


def negative_mse(y, prediction):
    return -float(np.mean((y - prediction) ** 2))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("n_repeats", "scoring", "truth_value"),
    [(5, negative_mse, 8.0), (30, negative_mse, 8.0), (5, None, 2.0)],
)
def test_interval_covers_the_true_reliance(n_repeats, scoring, truth_value):
    """Nominal 95 %: the old t-interval over shuffles covered 0.61 (5 repeats), 0.23 (30)."""
    coverage = _coverage(120, n_repeats, scoring, truth_value)
    assert coverage >= 0.90, coverage


def test_default_scoring_is_a_negated_loss(data):
    X, y = data
    e = permutation_importance(truth, X, y, random_state=0)
    assert e.diagnostics["scoring"] == "-rmse"
    assert e.diagnostics["baseline_score"] < 0  # minus the RMSE
    assert e.values[0] > 0


def test_agrees_with_scikit_learn(data):
    X, _ = data
    rng = np.random.default_rng(3)
    y = 3 * X["x0"] - 2 * X["x1"] + rng.normal(0, 0.5, len(X))
    model = LinearRegression().fit(X, y)
    ours = permutation_importance(model, X, y, scoring="r2", n_repeats=20, random_state=0)
    theirs = sk_permutation_importance(model, X, y, scoring="r2", n_repeats=20, random_state=0)
    spread = np.sqrt(ours.shuffle_std**2 / 20 + theirs.importances_std**2 / 20)
    assert np.all(np.abs(ours.values - theirs.importances_mean) <= 4 * spread + 1e-3)
    assert np.argsort(ours.values).tolist() == np.argsort(theirs.importances_mean).tolist()


def test_one_hot_pipeline_is_explained_on_original_columns():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "age": rng.uniform(20, 60, 300),
            "colour": rng.choice(["red", "green", "blue"], 300),
            "noise": rng.normal(size=300),
        }
    )
    y = np.where((X["colour"] == "red") | (X["age"] > 50), "yes", "no")
    model = make_pipeline(
        ColumnTransformer([("oh", OneHotEncoder(), ["colour"])], remainder="passthrough"),
        LogisticRegression(),
    ).fit(X, y)
    e = permutation_importance(model, X, y, n_repeats=3, random_state=0)
    assert e.feature_names == ["age", "colour", "noise"]
    assert e.diagnostics["scoring"] == "roc_auc"
    assert e.values[1] > 0.1 and e.values[0] > 0.01
    assert abs(e.values[2]) < 0.02
    assert np.isnan(e.direction[1])  # a string column has no direction
    assert e.direction[0] == 1


# -- direction -------------------------------------------------------------------------


def test_direction_comes_from_the_partial_dependence_slope(data):
    X, _ = data
    model = LinearRegression().fit(X, 3 * X["x0"] - 2 * X["x1"])
    e = permutation_importance(model, X, 3 * X["x0"] - 2 * X["x1"], random_state=0)
    assert e.direction[0] == 1 and e.direction[1] == -1
    e = permutation_importance(model, X, 3 * X["x0"], direction=False, random_state=0)
    assert "direction" not in e.arrays


# -- groups ----------------------------------------------------------------------------


def test_a_group_of_one_equals_the_single_column(data):
    X, y = data
    single = permutation_importance(truth, X, y, random_state=5)
    grouped = permutation_importance(truth, X, y, groups={"g": ["x1"]}, random_state=5)
    assert grouped.feature_names == ["x0", "g", "x2", "x3"]
    np.testing.assert_array_equal(grouped.values, single.values)
    np.testing.assert_array_equal(grouped.std, single.std)
    np.testing.assert_array_equal(grouped.interval, single.interval)
    np.testing.assert_array_equal(grouped.direction, single.direction)


def test_a_group_sits_at_its_first_column_and_moves_rows_together(data):
    X, y = data
    single = permutation_importance(truth, X, y, random_state=5)
    grouped = permutation_importance(truth, X, y, groups={"g": ["x3", "x1"]}, random_state=5)
    assert grouped.feature_names == ["x0", "g", "x2"]
    # truth ignores x3, and the group's permutations are unit 1's draws, as x1's were.
    np.testing.assert_array_equal(grouped.values, single.values[:3])
    assert np.isnan(grouped.direction[1])  # a group of several columns has no direction


def test_grouping_correlated_columns_recovers_their_joint_importance():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.uniform(-1, 1, 300), "z": rng.uniform(-1, 1, 300)})
    X["b"] = X["a"] + rng.normal(0, 0.01, 300)
    y = X["a"] + X["b"]
    model = LinearRegression().fit(X, y)
    alone = permutation_importance(model, X, y, scoring="r2", random_state=0)
    together = permutation_importance(
        model, X, y, scoring="r2", groups={"ab": ["a", "b"]}, random_state=0
    )
    assert together.values[0] > alone.values[0] + alone.values[2]
    assert together.diagnostics["correlated_pairs"] == []


# -- reproducibility -------------------------------------------------------------------


def test_same_seed_same_result_other_seed_other_result(data, forest):
    X, y = data
    a = permutation_importance(forest, X, y, n_repeats=3, random_state=11)
    b = permutation_importance(forest, X, y, n_repeats=3, random_state=11)
    c = permutation_importance(forest, X, y, n_repeats=3, random_state=12)
    np.testing.assert_array_equal(a.importances, b.importances)
    assert not np.array_equal(a.values, c.values)
    g = permutation_importance(forest, X, y, n_repeats=3, random_state=np.random.default_rng(0))
    assert isinstance(g.random_state, int)
    again = permutation_importance(forest, X, y, n_repeats=3, random_state=g.random_state)
    np.testing.assert_array_equal(g.values, again.values)


def test_one_and_two_processes_agree(data, forest):
    X, y = data
    kwargs = {"n_repeats": 3, "max_samples": 150, "random_state": 3}
    one = permutation_importance(forest, X, y, n_jobs=1, **kwargs)
    two = permutation_importance(forest, X, y, n_jobs=2, **kwargs)
    np.testing.assert_array_equal(one.importances, two.importances)
    np.testing.assert_array_equal(one.interval, two.interval)
    np.testing.assert_array_equal(one.direction, two.direction)
    assert two.diagnostics["model_seconds"] > 0


def test_max_samples(data):
    X, y = data
    assert permutation_importance(truth, X, y, max_samples=100).diagnostics["n_rows"] == 100
    assert permutation_importance(truth, X, y, max_samples=0.5).diagnostics["n_rows"] == 150
    assert permutation_importance(truth, X, y, max_samples=1.0).diagnostics["n_rows"] == 300
    # a count above the rows means "all of them", as for the other methods
    assert permutation_importance(truth, X, y, max_samples=301).diagnostics["n_rows"] == 300
    for bad in (0, 0.0, 1.5, "half", True):
        with pytest.raises(InvalidParameterError, match="max_samples"):
            permutation_importance(truth, X, y, max_samples=bad)


# -- correlated columns ----------------------------------------------------------------


def test_correlated_pair_is_reported_with_the_grouping_remedy(data):
    X, y = data
    X = X.assign(x4=X["x0"] + np.random.default_rng(1).normal(0, 1e-3, len(X)))
    model = LinearRegression().fit(X, y)
    e = permutation_importance(model, X, y, n_repeats=2, random_state=0)
    (a, b, rho), *rest = e.diagnostics["correlated_pairs"]
    assert (a, b) == ("x0", "x4") and rho > 0.99 and rest == []
    assert len(e.warnings) == 1
    assert "x0 ~ x4" in e.warnings[0] and "groups=" in e.warnings[0]
    grouped = permutation_importance(
        model, X, y, n_repeats=2, groups={"x0+x4": ["x0", "x4"]}, random_state=0
    )
    assert grouped.diagnostics["correlated_pairs"] == [] and grouped.warnings == []
    quiet = permutation_importance(model, X, y, n_repeats=2, correlation_threshold=None)
    assert quiet.warnings == []


def test_independent_columns_raise_no_warning(data):
    X, y = data
    e = permutation_importance(truth, X, y, random_state=0)
    assert e.diagnostics["correlated_pairs"] == [] and e.warnings == []


# -- errors ----------------------------------------------------------------------------


def test_unfitted_model_is_a_data_error(data):
    X, y = data
    with pytest.raises(DataError, match="not fitted"):
        permutation_importance(LinearRegression(), X, y)


def test_wrong_columns_are_a_data_error(data, forest):
    X, y = data
    with pytest.raises(DataError, match="lacks column"):
        permutation_importance(forest, X.rename(columns={"x2": "z"}), y)
    with pytest.raises(DataError, match="one value per row"):
        permutation_importance(forest, X, y[:10])


def test_regression_metric_on_a_classifier_is_invalid(data):
    X, y = data
    model = LogisticRegression().fit(X, y > 0)
    with pytest.raises(InvalidParameterError, match="rmse"):
        permutation_importance(model, X, y > 0, scoring="rmse")


@pytest.mark.parametrize(
    ("groups", "error", "match"),
    [
        ({"g": ["x00", "x1"]}, InvalidParameterError, "[Dd]id you mean 'x0'"),
        ({"g": ["x0"], "h": ["x1", "x0"]}, InvalidParameterError, "also in group 'g'"),
        ({"g": ["x0", "x0"]}, InvalidParameterError, "twice"),
        ({"g": []}, InvalidParameterError, "empty"),
        ({"x2": ["x0", "x1"]}, InvalidParameterError, "rename the group"),
        ({"g": "x0"}, ParameterTypeError, "list of column names"),
        (["x0", "x1"], ParameterTypeError, "dict"),
    ],
)
def test_bad_groups(data, groups, error, match):
    X, y = data
    with pytest.raises(error, match=match):
        permutation_importance(truth, X, y, groups=groups)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_repeats": 0}, "n_repeats"),
        ({"confidence": 1.0}, "confidence"),
        ({"correlation_threshold": 2}, "correlation_threshold"),
        ({"n_jobs": 0}, "n_jobs"),
        ({"random_state": -1}, "random_state"),
    ],
)
def test_bad_options(data, kwargs, match):
    X, y = data
    with pytest.raises(InvalidParameterError, match=match):
        permutation_importance(truth, X, y, **kwargs)


# -- background importance -------------------------------------------------------------


def test_background_unused_column_is_exactly_zero(data):
    X, y = data
    e = background_importance(truth, X, y, scoring="r2", random_state=0)
    assert e.method == "background_importance"
    assert e.feature_names == COLUMNS
    assert e.values[0] > e.values[1] > 0
    np.testing.assert_array_equal(e.values[2:], 0.0)
    assert e.diagnostics["n_background_rows"] == len(X)
    assert "direction" not in e.arrays


def test_background_of_one_row_sets_the_column_to_that_value(data):
    X, y = data
    e = background_importance(truth, X, y, background=X.iloc[[5]], scoring="r2", random_state=0)
    fixed = X.assign(x0=X["x0"].iloc[5])
    expected = r2_score(y, truth(X)) - r2_score(y, truth(fixed))
    np.testing.assert_allclose(e.importances[0], expected, rtol=1e-12)
    np.testing.assert_allclose(e.shuffle_std[0], 0.0, atol=1e-12)


def test_background_draws_a_group_from_the_same_row(data):
    X, y = data
    background = X.iloc[[3, 8]]
    seen = []

    def model(frame):
        seen.append(frame[["x0", "x1"]].copy())
        return truth(frame)

    e = background_importance(
        model, X.iloc[:50], y[:50], background=background, groups={"g": ["x0", "x1"]},
        n_repeats=2, random_state=0,
    )  # fmt: skip
    assert e.feature_names == ["g", "x2", "x3"]
    assert e.values[0] > 0
    np.testing.assert_array_equal(e.values[1:], 0.0)
    # The group's call: every row's (x0, x1) is background row 3's or row 8's, never a mix.
    group_call = next(f for f in seen if len(f) == 100)  # the first stacked call is g's
    allowed = set(map(tuple, background[["x0", "x1"]].to_numpy()))
    assert set(map(tuple, group_call.to_numpy())) <= allowed


def test_background_same_seed_same_result_and_processes_agree(data, forest):
    X, y = data
    a = background_importance(forest, X, y, n_repeats=2, random_state=4)
    b = background_importance(forest, X, y, n_repeats=2, random_state=4, n_jobs=2)
    np.testing.assert_array_equal(a.importances, b.importances)


def test_background_must_have_the_columns_of_x(data):
    X, y = data
    with pytest.raises(DataError, match="lacks column"):
        background_importance(truth, X, y, background=X.drop(columns="x2"))
    with pytest.raises(DataError, match="3 columns"):
        background_importance(truth, X, y, background=X.to_numpy()[:, :3])
    # Extra columns are ignored, and an array with X's width takes X's names.
    extra = background_importance(truth, X, y, background=X.assign(more=1.0), random_state=0)
    array = background_importance(truth, X, y, background=X.to_numpy(), random_state=0)
    np.testing.assert_array_equal(extra.values, array.values)


# -- the result ------------------------------------------------------------------------


def test_json_round_trip(data, forest):
    X, y = data
    X = X.assign(x4=X["x0"] + 1e-3)
    model = LinearRegression().fit(X, y)
    e = permutation_importance(model, X, y, n_repeats=3, groups={"g": ["x2", "x3"]}, random_state=0)
    back = Explanation.from_json(e.to_json())
    assert back.method == e.method and back.feature_names == e.feature_names
    for name in ("values", "std", "interval"):
        np.testing.assert_array_equal(getattr(back, name), getattr(e, name))
    np.testing.assert_array_equal(back.direction, e.direction)  # NaN for the group
    np.testing.assert_array_equal(back.importances, e.importances)
    assert back.random_state == 0
    assert back.settings["groups"] == {"g": ["x2", "x3"]}
    assert back.diagnostics["correlated_pairs"][0][:2] == ["x0", "x4"]
    assert back.warnings == e.warnings
