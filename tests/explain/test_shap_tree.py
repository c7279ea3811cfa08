"""TreeSHAP: brute-force Shapley oracles, additivity, dummy/symmetry, native libraries."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LinearRegression
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from autoxai.exceptions import DataError, ParameterTypeError
from autoxai.explain.shap import _tree
from autoxai.explain.shap._native import native_contributions, supports_native
from autoxai.explain.shap._tree import supports_tree, tree_shap


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5))
    X[:, 3] = np.round(X[:, 3])  # ties: thresholds between repeated values
    y = X[:, 0] + X[:, 1] * X[:, 2] + 0.5 * X[:, 3] + 0.3 * rng.normal(size=120)
    return X, y


def _models(X, y, depth=4):
    binary, three = (y > 0).astype(int), np.digitize(y, [-0.7, 0.7])
    small = {"max_depth": depth, "random_state": 0}
    return {
        "dt-reg": DecisionTreeRegressor(**small).fit(X, y),
        "dt-clf": DecisionTreeClassifier(**small).fit(X, three),
        "rf-reg": RandomForestRegressor(n_estimators=3, **small).fit(X, y),
        "rf-clf": RandomForestClassifier(n_estimators=3, **small).fit(X, three),
        "et-reg": ExtraTreesRegressor(n_estimators=3, **small).fit(X, y),
        "et-clf": ExtraTreesClassifier(n_estimators=3, **small).fit(X, binary),
        "gb-reg": GradientBoostingRegressor(n_estimators=4, **small).fit(X, y),
        "gb-bin": GradientBoostingClassifier(n_estimators=4, **small).fit(X, binary),
        "gb-multi": GradientBoostingClassifier(n_estimators=3, **small).fit(X, three),
    }


@pytest.fixture(scope="module")
def models(data):
    return _models(*data)


def model_output(model, X):
    """What tree_shap explains, as (n_outputs, n_rows), from the model's public API."""
    if isinstance(model, GradientBoostingClassifier):
        return np.atleast_2d(model.decision_function(X).T)
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X).T
    return model.predict(X).reshape(len(X), -1).T


def members(model, X):
    """(tree_, leaf values (n_nodes, n_outputs)) per tree, and the constant offset."""
    n_out = len(model_output(model, X[:1]))
    if isinstance(model, (GradientBoostingClassifier, GradientBoostingRegressor)):
        parts = []
        for stage in model.estimators_:
            for k, est in enumerate(stage):
                value = np.zeros((est.tree_.node_count, n_out))
                value[:, k] = est.tree_.value[:, 0, 0] * model.learning_rate
                parts.append((est.tree_, value))
        trees_at_x = sum(p[1][p[0].apply(X[:1].astype(np.float32))[0]] for p in parts)
        return parts, model_output(model, X[:1])[:, 0] - trees_at_x
    estimators = getattr(model, "estimators_", [model])
    parts = []
    for est in estimators:
        value = est.tree_.value[:, 0, :]
        if hasattr(model, "classes_"):
            value = value / value.sum(axis=1, keepdims=True)
        parts.append((est.tree_, value / len(estimators)))
    return parts, np.zeros(n_out)


def expected_value(tree, value, x, subset):
    """Lundberg et al.'s EXPVALUE: features in ``subset`` follow x, the others are
    integrated out with the training cover of each node."""

    def walk(node):
        left, right = tree.children_left[node], tree.children_right[node]
        if left == -1:
            return value[node]
        f = tree.feature[node]
        if f in subset:
            xf = np.float32(x[f])
            go_left = tree.missing_go_to_left[node] if np.isnan(xf) else xf <= tree.threshold[node]
            return walk(left if go_left else right)
        cover = tree.weighted_n_node_samples
        return (cover[left] * walk(left) + cover[right] * walk(right)) / cover[node]

    return walk(0)


def shapley(value_of, n_features):
    """Exact Shapley values (outputs x features) by enumerating every coalition."""
    v = {
        s: np.asarray(value_of(set(s)), dtype=float)
        for r in range(n_features + 1)
        for s in itertools.combinations(range(n_features), r)
    }
    phi = np.zeros((len(v[()]), n_features))
    for i in range(n_features):
        for s, v_s in v.items():
            if i in s:
                continue
            weight = math.factorial(len(s)) * math.factorial(n_features - len(s) - 1)
            phi[:, i] += weight / math.factorial(n_features) * (v[tuple(sorted((*s, i)))] - v_s)
    return v[()], phi


def path_dependent_oracle(model, X, row):
    parts, offset = members(model, X)
    x = X[row]
    return shapley(
        lambda s: offset + sum(expected_value(t, value, x, s) for t, value in parts), X.shape[1]
    )


def interventional_oracle(model, x, background):
    n = x.shape[0]
    subsets = [
        s for r in range(n + 1) for s in itertools.combinations(range(n), r)
    ]  # all hybrid rows in one predict call
    masks = np.array([[j in s for j in range(n)] for s in subsets])
    hybrid = np.where(masks[:, None, :], x, background[None]).reshape(-1, n)
    means = model_output(model, hybrid).reshape(-1, len(subsets), len(background)).mean(axis=2)
    lookup = {s: means[:, k] for k, s in enumerate(subsets)}
    return shapley(lambda s: lookup[tuple(sorted(s))], n)


NAMES = ["dt-reg", "dt-clf", "rf-reg", "rf-clf", "et-reg", "et-clf", "gb-reg", "gb-bin",
         "gb-multi"]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("n_rows", [3, 40])  # few rows: weights per row; many: tabulated
def test_path_dependent_equals_brute_force(models, data, name, n_rows):
    X, _ = data
    model = models[name]
    base, values, _ = tree_shap(model, X[:n_rows])
    for row in (0, n_rows - 1):
        want_base, want = path_dependent_oracle(model, X, row)
        np.testing.assert_allclose(base, want_base, rtol=0, atol=1e-10)
        np.testing.assert_allclose(values[:, row], want, rtol=0, atol=1e-10)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("n_rows", [3, 40])
def test_interventional_equals_brute_force(models, data, name, n_rows):
    X, _ = data
    model, background = models[name], X[-10:]
    base, values, _ = tree_shap(model, X[:n_rows], background=background)
    for row in (0, n_rows - 1):
        want_base, want = interventional_oracle(model, X[row], background)
        np.testing.assert_allclose(base, want_base, rtol=0, atol=1e-10)
        np.testing.assert_allclose(values[:, row], want, rtol=0, atol=1e-10)


@pytest.fixture(scope="module")
def deep_models():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(500, 5))
    return X, _models(X, X[:, 0] + X[:, 1] * X[:, 2] + X[:, 4], depth=8)


@pytest.mark.parametrize(
    ("name", "space", "n_outputs"),
    [("dt-reg", "prediction", 1), ("dt-clf", "probability", 3), ("rf-reg", "prediction", 1),
     ("rf-clf", "probability", 3), ("et-reg", "prediction", 1), ("et-clf", "probability", 2),
     ("gb-reg", "prediction", 1), ("gb-bin", "margin", 1), ("gb-multi", "margin", 3)],
)  # fmt: skip
def test_additivity_on_every_family(deep_models, name, space, n_outputs):
    X, models = deep_models
    model = models[name]
    expected = model_output(model, X[:200])
    for background in (None, X[-25:]):
        base, values, found = tree_shap(model, X[:200], background=background)
        assert found == space and values.shape == (n_outputs, 200, 5)
        np.testing.assert_allclose(base[:, None] + values.sum(axis=2), expected, atol=1e-10)
    # interventional: the base value is the mean output over the background
    np.testing.assert_allclose(base, model_output(model, X[-25:]).mean(axis=1), atol=1e-10)


def test_unused_feature_gets_exactly_zero(data):
    X, y = data
    X = X.copy()
    X[:, 2] = 1.0  # constant: never split on
    model = RandomForestRegressor(n_estimators=5, max_depth=6, random_state=0).fit(X, y)
    for background in (None, X[:15]):
        _, values, _ = tree_shap(model, X[:50], background=background)
        assert np.all(values[:, :, 2] == 0.0)
        assert np.abs(values[:, :, [0, 1]]).max() > 0


def test_symmetric_features_share_the_credit():
    # y = x0 AND x1 on the four corners: whichever feature the root splits on, the two
    # play symmetric roles, so rows (0, 0) and (1, 1) credit them equally.
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    model = DecisionTreeRegressor(random_state=0).fit(X, X[:, 0] * X[:, 1])
    for background in (None, X):
        base, values, _ = tree_shap(model, X, background=background)
        assert base[0] == pytest.approx(0.25)
        np.testing.assert_allclose(values[0, 3], [0.375, 0.375], atol=1e-12)
        np.testing.assert_allclose(values[0, 0], [-0.125, -0.125], atol=1e-12)


def test_missing_values_follow_the_tree(data):
    X, y = data
    rng = np.random.default_rng(2)
    X = X.copy()
    X[rng.random(X.shape) < 0.2] = np.nan
    model = DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, y > 0)
    rows = np.flatnonzero(np.isnan(X).any(axis=1))[:3]
    base, values, _ = tree_shap(model, X[rows])
    _, ivalues, _ = tree_shap(model, X[rows], background=X[-10:])
    for k, row in enumerate(rows):
        np.testing.assert_allclose(
            values[:, k], path_dependent_oracle(model, X, row)[1], atol=1e-10
        )
        want = interventional_oracle(model, X[row], X[-10:])[1]
        np.testing.assert_allclose(ivalues[:, k], want, atol=1e-10)
    np.testing.assert_allclose(
        base[:, None] + values.sum(2), model_output(model, X[rows]), atol=1e-10
    )


def test_blocking_and_sparse_scatter_change_nothing(data, models, monkeypatch):
    X, _ = data
    model = models["rf-clf"]
    want = [tree_shap(model, X[:30], background=b) for b in (None, X[-8:])]
    monkeypatch.setattr(_tree, "_BUDGET", 64)  # one leaf, a few rows per block
    monkeypatch.setattr(_tree, "_DENSE_SCATTER", 0)
    monkeypatch.setattr(_tree, "_MAX_TABLE", 4)  # most leaves computed row by row
    for (base, values, _), b in zip(want, (None, X[-8:])):
        got_base, got, _ = tree_shap(model, X[:30], background=b)
        np.testing.assert_allclose(got_base, base, atol=1e-12)
        np.testing.assert_allclose(got, values, atol=1e-12)


def test_pattern_table_equals_direct_weights():
    rng = np.random.default_rng(3)
    for d in (1, 2, 5, 7):
        z = rng.uniform(0.01, 1.0, size=(3, d))
        t, w = _tree._gauss(d)
        patterns = ((np.arange(2**d)[:, None] >> np.arange(d)) & 1).astype(float)
        direct = _tree._path_weights(z.T[:, :, None], patterns.T[:, None, :], t, w)
        np.testing.assert_allclose(
            _tree._path_table(z, t, w), direct.transpose(1, 2, 0), atol=1e-15
        )


def test_single_leaf_tree_is_a_constant():
    X = np.arange(10.0).reshape(5, 2)
    model = DecisionTreeRegressor().fit(X, np.full(5, 3.0))
    base, values, _ = tree_shap(model, X, background=X[:2])
    assert base.tolist() == [3.0] and not values.any()


def test_supports_tree():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10) % 2
    assert supports_tree(RandomForestClassifier(n_estimators=2).fit(X, y))
    assert supports_tree(GradientBoostingClassifier(n_estimators=2, init="zero").fit(X, y))
    assert not supports_tree(RandomForestClassifier())  # not fitted
    assert not supports_tree(LinearRegression().fit(X, y))
    custom = GradientBoostingRegressor(n_estimators=2, init=LinearRegression()).fit(X, y)
    assert not supports_tree(custom)  # its init is not a tree
    two_targets = DecisionTreeClassifier().fit(X, np.c_[y, 1 - y])
    assert not supports_tree(two_targets)


def test_errors(data, models):
    X, _ = data
    with pytest.raises(DataError, match="not fitted"):
        tree_shap(DecisionTreeRegressor(), X)
    with pytest.raises(ParameterTypeError, match="DecisionTree"):
        tree_shap(LinearRegression().fit(X, X[:, 0]), X)
    with pytest.raises(DataError, match="4 columns but the model was fitted on 5"):
        tree_shap(models["dt-reg"], X[:, :4])
    with pytest.raises(DataError, match="background has 3 columns"):
        tree_shap(models["dt-reg"], X, background=X[:, :3])
    missing = X[:3].copy()
    missing[0, 0] = np.nan
    with pytest.raises(DataError, match="missing values"):
        tree_shap(models["gb-reg"], missing)


# -- LightGBM / XGBoost ------------------------------------------------------------------


@pytest.fixture(scope="module")
def boosting_data():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(300, 4))
    X[:, 3] = 2.0  # never used by any tree
    y = X[:, 0] + np.sin(2 * X[:, 1]) + 0.2 * rng.normal(size=300)
    return X, y


def check_native(model, X, margin, space, n_outputs):
    base, values, found = native_contributions(model, X)
    assert found == space and values.shape == (n_outputs, len(X), X.shape[1])
    np.testing.assert_allclose(base[:, None] + values.sum(axis=2), margin, rtol=1e-6, atol=1e-6)
    assert np.all(values[:, :, 3] == 0.0)


def test_lightgbm(boosting_data):
    lgb = pytest.importorskip("lightgbm")
    X, y = boosting_data
    options = {"n_estimators": 20, "num_leaves": 8, "verbose": -1}
    regressor = lgb.LGBMRegressor(**options).fit(X, y)
    check_native(regressor, X, regressor.predict(X, raw_score=True)[None], "prediction", 1)
    binary = lgb.LGBMClassifier(**options).fit(X, y > 0)
    check_native(binary, X, binary.predict(X, raw_score=True)[None], "margin", 1)
    three = lgb.LGBMClassifier(**options).fit(X, np.digitize(y, [-0.5, 0.5]))
    check_native(three, X, three.predict(X, raw_score=True).T, "margin", 3)
    poisson = lgb.train({"objective": "poisson", "verbose": -1}, lgb.Dataset(X, np.exp(y)), 10)
    check_native(poisson, X, poisson.predict(X, raw_score=True)[None], "margin", 1)
    assert supports_native(three) and supports_native(poisson)
    assert not supports_native(lgb.LGBMRegressor())
    linear = lgb.LGBMRegressor(n_estimators=2, linear_tree=True, verbose=-1).fit(X, y)
    assert not supports_native(linear)
    with pytest.raises(DataError, match="not fitted"):
        native_contributions(lgb.LGBMClassifier(), X)


def test_xgboost(boosting_data):
    xgb = pytest.importorskip("xgboost")
    from autoxai.automl._zoo._xgb import LabelEncodedClassifier

    X, y = boosting_data
    options = {"n_estimators": 20, "max_depth": 3}
    regressor = xgb.XGBRegressor(**options).fit(X, y)
    check_native(regressor, X, regressor.predict(X, output_margin=True)[None], "prediction", 1)
    binary = xgb.XGBClassifier(**options).fit(X, y > 0)
    check_native(binary, X, binary.predict(X, output_margin=True)[None], "margin", 1)
    labels = np.array(["low", "mid", "high"])[np.digitize(y, [-0.5, 0.5])]
    wrapped = LabelEncodedClassifier(xgb.XGBClassifier(**options)).fit(X, labels)
    margin = wrapped.estimator_.predict(X, output_margin=True).T
    check_native(wrapped, X, margin, "margin", 3)
    assert supports_native(wrapped) and not supports_native(xgb.XGBRegressor())
    with pytest.raises(DataError, match="fitted on 4"):
        native_contributions(regressor, X[:, :2])


def test_supports_native_rejects_other_models():
    assert not supports_native(DecisionTreeRegressor().fit([[0.0], [1.0]], [0.0, 1.0]))
    with pytest.raises(ParameterTypeError, match="LightGBM"):
        native_contributions(LinearRegression(), np.zeros((2, 1)))


def test_multi_output_regressor_and_frames(data):
    import pandas as pd

    X, y = data
    frame = pd.DataFrame(X, columns=list("abcde"))
    targets = np.c_[y, X[:, 0] - y]
    forest = RandomForestRegressor(n_estimators=3, max_depth=5, random_state=0).fit(frame, targets)
    boosted = GradientBoostingRegressor(n_estimators=3, random_state=0).fit(frame, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "X does not have valid feature names"
        base, values, _ = tree_shap(forest, X)
        assert values.shape == (2, len(X), 5)
        np.testing.assert_allclose(
            base[:, None] + values.sum(2), forest.predict(frame).T, atol=1e-10
        )
        base, values, _ = tree_shap(boosted, frame)
        np.testing.assert_allclose(base + values[0].sum(1), boosted.predict(frame), atol=1e-10)
