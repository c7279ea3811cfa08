"""compare (consensus ranks, rank correlations, disagreement) and explain_model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier

from autoxai.exceptions import DataError, InvalidParameterError, ParameterTypeError
from autoxai.explain import Explanation, compare, explain_model

FEATURES = ["f0", "f1", "f2", "f3"]


def _global(method, values, features=FEATURES, **kwargs):
    return Explanation(method, "global", list(features), np.asarray(values, float), **kwargs)


def test_identical_rankings_agree_fully():
    a = _global("permutation_importance", [0.4, 0.3, 0.2, 0.1])
    b = _global("drop_column_importance", [4.0, 3.0, 2.0, 1.0])
    c = _global("surrogate", [0.5, 0.25, 0.15, 0.1])
    e = compare([a, b, c])
    assert (e.method, e.scope, e.feature_names) == ("consensus", "global", FEATURES)
    np.testing.assert_array_equal(e.values, [1, 2, 3, 4])
    np.testing.assert_array_equal(e.ranks, np.tile([1, 2, 3, 4], (3, 1)))
    np.testing.assert_allclose(e.rank_correlation, 1.0)
    np.testing.assert_allclose(e.kendall, 1.0)
    assert not e.disagree.any()
    assert e.warnings == []
    assert e.diagnostics["mean_rank_correlation"] == pytest.approx(1.0)
    assert e.methods.tolist() == ["permutation_importance", "drop_column_importance", "surrogate"]
    np.testing.assert_array_equal(e.std, 0.0)
    frame = e.to_frame()  # mean ranks: the most important (rank 1) first
    assert frame["feature"].tolist() == FEATURES


def test_reversed_order_is_flagged_and_explained():
    perm = _global("permutation_importance", [0.4, 0.3, 0.2, 0.1])
    drop = _global("drop_column_importance", [0.1, 0.2, 0.3, 0.4])
    e = compare([perm, drop])
    np.testing.assert_array_equal(e.values, 2.5)
    assert e.rank_correlation[0, 1] == pytest.approx(-1.0)
    assert e.kendall[0, 1] == pytest.approx(-1.0)
    # 4 features: top k = min(5, ceil(4/2) - 1) = 1, bottom half = ranks 3 and 4, and a
    # spread above 2 ranks is flagged: f0 and f3 (1 vs 4), not f1 and f2 (2 vs 3).
    assert e.disagree.tolist() == [True, False, False, True]
    assert e.diagnostics["disagreeing_features"] == ["f0", "f3"]
    assert e.diagnostics["top_k_used"] == 1
    first = e.warnings[0]
    assert first.startswith(
        "permutation_importance and drop_column_importance disagree on f0: ranked 1 vs 4 of 4"
    )
    assert "reliance of this fitted model" in first and "information the column adds" in first
    assert "Correlated columns can explain it" in first
    assert e.warnings[1].startswith("drop_column_importance and permutation_importance")
    assert "refits a new model per fold" in e.warnings[1]
    lowest = "least concordant methods are permutation_importance and drop_column_importance"
    assert lowest in e.warnings[-1]
    np.testing.assert_array_equal(e.interval, [[1, 2, 2, 1], [4, 3, 3, 4]])


def test_rank_spread_threshold_and_top_k():
    names = [f"f{i}" for i in range(10)]
    a = _global("a", np.arange(10, 0, -1), names)  # f0 first ... f9 last
    b_ranks = np.array([1, 2, 3, 4, 10, 6, 7, 8, 9, 5])  # b swaps f4 (5th) and f9 (10th)
    e = compare([a, _global("b", 11 - b_ranks, names)])
    np.testing.assert_array_equal(e.ranks[1], b_ranks)
    # f4 and f9: best rank 5 is outside the top k = min(5, ceil(10/2) - 1) = 4, and their
    # spread 5 does not exceed the default threshold 10/2: not flagged.
    assert not e.disagree.any()
    b = _global("b", 11 - b_ranks, names)
    assert compare([a, b], disagreement=4).disagree.tolist() == [i in (4, 9) for i in range(10)]
    assert compare([a, b], top_k=5).diagnostics["top_k_used"] == 4


def test_features_are_aligned_by_name_and_dict_keys_name_methods():
    a = _global("permutation_importance", [0.4, 0.3, 0.2, 0.1])
    b = _global("permutation_importance", [0.1, 0.2, 0.3, 0.4], FEATURES[::-1])
    e = compare({"test": a, "train": b})
    assert e.methods.tolist() == ["test", "train"]
    np.testing.assert_allclose(e.rank_correlation, 1.0)
    assert compare([a, b]).methods.tolist() == [
        "permutation_importance",
        "permutation_importance#2",
    ]


def test_per_output_values_are_summed_or_picked():
    # Class "a" ranks f0 first, class "b" ranks f3 first; |.| summed: f3 > f0 > f1 > f2.
    shap = _global(
        "shap_importance",
        [[0.5, 0.1, 0.0, 0.2], [-0.1, 0.1, 0.05, 0.6]],
        output_names=["a", "b"],
    )
    perm = _global("permutation_importance", [0.3, 0.2, 0.1, 0.4])
    e = compare([shap, perm])
    np.testing.assert_array_equal(e.ranks[0], [2, 3, 4, 1])
    np.testing.assert_allclose(e.scores[0], [0.6, 0.2, 0.05, 0.8])
    picked = compare([shap, perm], output="a")
    np.testing.assert_array_equal(picked.ranks[0], [1, 3, 4, 2])
    with pytest.raises(InvalidParameterError, match="Did you mean 'a'"):
        compare([shap, perm], output="aa")


def test_ties_and_nan_rank_last():
    a = _global("surrogate", [0.7, 0.3, 0.0, 0.0])
    b = _global("permutation_importance", [0.2, np.nan, 0.1, -0.1])
    e = compare([a, b])
    np.testing.assert_array_equal(e.ranks, [[1, 2, 3.5, 3.5], [1, 4, 2, 3]])


def test_errors():
    a = _global("permutation_importance", [0.4, 0.3, 0.2, 0.1])
    other = _global("surrogate", [0.4, 0.3, 0.2, 0.1], ["f0", "f1", "f2", "g"])
    with pytest.raises(DataError, match="'surrogate' lacks f3 and has g"):
        compare([a, other])
    local = Explanation("lime", "local", FEATURES, np.zeros(4))
    with pytest.raises(DataError, match="local explanation"):
        compare([a, local])
    with pytest.raises(DataError, match="one value per feature"):
        compare([a, _global("pdp", np.zeros((2, 3, 4)))])
    with pytest.raises(InvalidParameterError, match="at least one"):
        compare([])
    with pytest.raises(ParameterTypeError, match="list of Explanation"):
        compare(a)
    with pytest.raises(ParameterTypeError, match="not an Explanation"):
        compare([a, "b"])
    with pytest.raises(InvalidParameterError, match="disagreement"):
        compare([a], disagreement=0)


def test_consensus_json_round_trip():
    a = _global("permutation_importance", [0.4, 0.3, 0.2, 0.1])
    b = _global("drop_column_importance", [0.1, 0.2, 0.3, 0.4])
    e = compare([a, b])
    back = Explanation.from_json(e.to_json())
    np.testing.assert_array_equal(back.values, e.values)
    np.testing.assert_array_equal(back.ranks, e.ranks)
    np.testing.assert_allclose(back.rank_correlation, e.rank_correlation)
    assert back.disagree.tolist() == e.disagree.tolist()
    assert back.methods.tolist() == e.methods.tolist()
    assert back.warnings == e.warnings


# -- explain_model -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def forest():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.uniform(-1, 1, (90, 3)), columns=["a", "b", "c"])
    y = np.where(X["a"] + 0.3 * X["b"] > 0, "up", "down")
    model = RandomForestClassifier(n_estimators=8, max_depth=4, random_state=0).fit(X, y)
    return model, X, y


def test_explain_model_without_shap(forest):
    model, X, y = forest
    methods = ["permutation", "surrogate", "drop_column"]
    result = explain_model(model, X, y, methods=methods, max_rows=60, random_state=0)
    assert sorted(result) == [
        "consensus",
        "drop_column_importance",
        "permutation_importance",
        "surrogate",
    ]
    consensus = result["consensus"]
    assert consensus.feature_names == ["a", "b", "c"]
    assert consensus.methods.tolist() == [
        "permutation_importance",
        "surrogate",
        "drop_column_importance",
    ]
    assert result["permutation_importance"].diagnostics["n_rows"] == 60
    assert result["drop_column_importance"].diagnostics["n_folds"] == 3
    assert consensus.ranks[:, 0].tolist() == [1, 1, 1]  # "a" drives the target everywhere
    again = explain_model(model, X, y, methods=["permutation"], max_rows=60, random_state=0)
    np.testing.assert_array_equal(  # a method's seed does not depend on the others run
        again["permutation_importance"].values, result["permutation_importance"].values
    )


def test_explain_model_with_shap(forest):
    model, X, y = forest
    result = explain_model(model, X, y, max_rows=60, random_state=0)
    assert sorted(result) == [
        "consensus",
        "drop_column_importance",
        "permutation_importance",
        "shap_importance",
        "surrogate",
    ]
    assert result["consensus"].feature_names == list(X.columns)
    assert len(result["consensus"].methods) == 4


def test_explain_model_rejects_unknown_methods(forest):
    model, X, y = forest
    with pytest.raises(InvalidParameterError, match="Did you mean 'permutation'"):
        explain_model(model, X, y, methods=["permutaton"])
    with pytest.raises(InvalidParameterError, match="at least one"):
        explain_model(model, X, y, methods=[])
