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


def _with_interval(method, values, half, features=FEATURES):
    values = np.asarray(values, float)
    return _global(method, values, features, interval=np.stack([values - half, values + half]))


def test_identical_rankings_agree_fully():
    a = _global("permutation_importance", [0.4, 0.3, 0.2, 0.1])
    b = _global("drop_column_importance", [4.0, 3.0, 2.0, 1.0])
    c = _global("surrogate", [0.5, 0.25, 0.15, 0.1])
    e = compare([a, b, c])
    assert (e.method, e.scope, e.feature_names) == ("consensus", "global", FEATURES)
    np.testing.assert_array_equal(e.values, [1, 2, 3, 4])
    np.testing.assert_array_equal(e.ranks, np.tile([1, 2, 3, 4], (3, 1)))
    np.testing.assert_allclose(e.rank_correlation, 1.0)
    assert not e.disagree.any() and not e.unimportant.any()
    assert e.warnings == []
    assert e.diagnostics["mean_rank_correlation"] == pytest.approx(1.0)
    assert e.methods.tolist() == ["permutation_importance", "drop_column_importance", "surrogate"]
    for pair in e.diagnostics["agreement"]:
        assert pair["k"] == 4
        assert pair["feature"] == pair["rank"] == pair["pairwise_rank"] == 1.0
    np.testing.assert_array_equal(e.std, 0.0)
    frame = e.to_frame()  # mean ranks: the most important (rank 1) first
    assert frame["feature"].tolist() == FEATURES


def test_noise_is_unimportant_by_consensus_not_ranked_or_flagged():
    # f2, f3: within noise of 0 under the score drops, tiny under SHAP
    perm = _with_interval("permutation_importance", [0.5, 0.2, 0.004, -0.003], 0.01)
    drop = _with_interval("drop_column_importance", [0.4, 0.25, -0.002, 0.006], 0.01)
    shap = _with_interval("shap_importance", [1.0, 0.5, 0.03, 0.04], 0.005)
    e = compare([perm, drop, shap])
    assert e.unimportant.tolist() == [False, False, True, True]
    assert e.diagnostics["unimportant_features"] == ["f2", "f3"]
    assert np.isnan(e.values[2:]).all() and np.isnan(e.ranks[:, 2:]).all()
    np.testing.assert_array_equal(e.values[:2], [1, 2])
    assert not e.disagree.any() and e.warnings == []
    assert e.to_frame()["feature"].tolist()[:2] == ["f0", "f1"]
    # a noise column that one score drop finds (barely) above 0 is still below 2 % of its top
    perm = _with_interval("permutation_importance", [0.5, 0.2, 0.008, 0.0], 0.005)
    assert compare([perm, drop, shap]).unimportant.tolist() == [False, False, True, True]


def test_a_clear_disagreement_is_flagged_with_its_cause():
    # f1: the fitted model relies on it, but refits without it lose nothing (f1 ~ f2)
    pairs = [["f1", "f2", 0.98]]
    perm = _with_interval("permutation_importance", [0.5, 0.3, 0.2, 0.0], 0.02)
    perm.diagnostics["correlated_pairs"] = pairs
    drop = _with_interval("drop_column_importance", [0.4, 0.01, 0.02, 0.0], 0.03)
    e = compare([perm, drop])
    assert e.disagree.tolist() == [False, True, True, False]
    assert e.diagnostics["disagreeing_features"] == ["f1", "f2"]
    first = e.warnings[0]
    assert first.startswith("permutation_importance finds f1 clearly important (0.3")
    assert "drop_column_importance cannot tell it from 0" in first
    assert "correlated columns (f1 ~ f2, rho=+0.98)" in first
    # without a known correlation: an interaction or extrapolation
    perm.diagnostics["correlated_pairs"] = []
    assert "interaction or extrapolation" in compare([perm, drop]).warnings[0]
    # measured on other rows: said first
    perm.settings["rows"], drop.settings["rows"] = "training", "held-out"
    assert "other rows (training vs held-out" in compare([perm, drop]).warnings[0]


def test_a_magnitude_alone_cannot_flag_or_count_noise():
    # SHAP gives f2 a fifth of its top, but no score drop can tell f2 from 0: SHAP is
    # strong enough to flag it (clearly important) ...
    perm = _with_interval("permutation_importance", [0.5, 0.3, 0.001, 0.0], 0.01)
    shap = _with_interval("shap_importance", [1.0, 0.5, 0.2, 0.05], 0.01)
    e = compare([perm, shap])
    assert e.disagree.tolist() == [False, False, True, False]
    # ... but a magnitude under strong_share counts for nothing, and never says "zero"
    assert e.unimportant.tolist() == [False, False, False, True]
    surrogate = _global("surrogate", [0.0, 0.9, 0.1, 0.0])
    assert not compare([perm, surrogate]).disagree.any()


def test_agreement_metrics_of_krishna_et_al():
    from autoxai.explain._agreement import agreement

    a = np.array([0.9, 0.5, 0.4, 0.1, 0.0])
    b = np.array([0.8, 0.3, 0.6, 0.0, 0.2])  # top 3: f0, f2, f1 vs f0, f1, f2
    m = agreement(a, b, k=3, sign_a=np.array([1, 1, -1, 1, 1]), sign_b=np.array([1, -1, -1, 1, 1]))
    assert m["feature"] == 1.0  # the same three features
    assert m["rank"] == pytest.approx(1 / 3)  # only f0 in the same place
    assert m["sign"] == pytest.approx(2 / 3)  # f1's sign differs
    assert m["signed_rank"] == pytest.approx(1 / 3)
    # pairs in another order: (f1, f2) and (f3, f4) of 10
    assert m["pairwise_rank"] == pytest.approx(0.8)
    assert m["rank_correlation"] == pytest.approx(0.8)
    assert np.isnan(agreement(a, b, k=3)["sign"])  # no signs: no sign agreement
    only = agreement(a, b, k=3, among=np.array([1, 1, 1, 0, 0], bool))
    assert only["pairwise_rank"] == pytest.approx(2 / 3)


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
    a = _global("surrogate", [0.7, 0.3, 0.0, 0.0, 0.2], [*FEATURES, "f4"])
    b = _global("permutation_importance", [0.2, np.nan, 0.1, -0.1, 0.1], [*FEATURES, "f4"])
    e = compare([a, b])  # f3 is unimportant by consensus (0 and below 0): not ranked
    np.testing.assert_array_equal(e.ranks[:, :3], [[1, 2, 4], [1, 4, 2.5]])
    np.testing.assert_array_equal(e.ranks[:, 4], [3, 2.5])
    assert e.unimportant.tolist() == [False, False, False, True, False]


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
    with pytest.raises(InvalidParameterError, match="min_share"):
        compare([a], min_share=0)
    with pytest.raises(InvalidParameterError, match="min_share must be <= strong_share"):
        compare([a], min_share=0.5, strong_share=0.1)


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
