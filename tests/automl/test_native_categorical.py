"""LightGBM splits on categories, not on their ordinal codes.

The tree preprocessing encodes a categorical column as codes in the levels' sorted
order. As numbers those codes order the levels arbitrarily; LightGBM declared
``categorical_column`` groups levels by their gradient statistics instead.
"""

import dataclasses

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from autoxai.automl._data import prepare
from autoxai.automl._preprocess import build_pipeline
from autoxai.automl._zoo import FAMILIES

PARAMS = {"n_estimators": 60, "learning_rate": 0.1, "num_leaves": 15, "min_child_samples": 20,
          "colsample_bytree": 1.0, "subsample": 1.0, "reg_lambda": 1e-3}  # fmt: skip


def _table(n: int, seed: int) -> pd.DataFrame:
    """A 300-level category whose levels are 'good' or 'bad' at random, and a weak number."""
    good = np.random.default_rng(99).random(300) < 0.5  # fixed: the same for every split
    rng = np.random.default_rng(seed)
    level = rng.integers(0, 300, size=n)
    x = rng.normal(size=n)
    p = 1 / (1 + np.exp(-(2.5 * np.where(good[level], 1, -1) + 0.5 * x)))
    return pd.DataFrame({"x": x, "shop": [f"s{i:03d}" for i in level],
                         "y": np.where(rng.random(n) < p, "yes", "no")})  # fmt: skip


def _pipeline(family, ds):
    return build_pipeline(ds.schema, family, family.build(PARAMS, ds.task, 0, 1))


def test_lightgbm_gets_the_categoricals_first_and_declared():
    ds = prepare(_table(3000, 0), "y", task="auto", n_folds=3)
    pipe = _pipeline(FAMILIES["lgbm"], ds).fit(ds.X, ds.y)
    assert pipe.feature_origins() == ["shop", "x"]
    model = pipe.named_steps["model"]
    assert model.get_params()["categorical_column"] == [0]
    splits = [
        node["decision_type"]
        for tree in model.booster_.dump_model()["tree_info"]
        for node in _nodes(tree["tree_structure"])
        if node.get("split_feature") == 0
    ]
    assert splits and set(splits) == {"=="}  # category splits, no thresholds on codes
    # a clone (the explanation stage's refit) keeps the declaration
    assert clone(model).get_params()["categorical_column"] == [0]


def _nodes(node):
    if "split_feature" not in node:
        return []
    return [node, *_nodes(node["left_child"]), *_nodes(node["right_child"])]


def test_declared_categories_beat_the_codes_as_numbers_on_held_out_rows():
    train, test = _table(3000, 0), _table(3000, 1)
    ds = prepare(train, "y", task="auto", n_folds=3)
    native = _pipeline(FAMILIES["lgbm"], ds).fit(ds.X, ds.y)
    as_numbers = dataclasses.replace(FAMILIES["lgbm"], categorical_param=None)
    codes = _pipeline(as_numbers, ds).fit(ds.X, ds.y)
    assert "categorical_column" not in codes.named_steps["model"].get_params()
    y = test["y"] == "yes"
    X = test.drop(columns="y")
    auc = {name: roc_auc_score(y, p.predict_proba(X)[:, 1])
           for name, p in {"native": native, "codes": codes}.items()}  # fmt: skip
    assert auc["native"] > auc["codes"] + 0.02, auc


def test_unseen_and_missing_levels_predict_like_missing():
    ds = prepare(_table(2000, 0), "y", task="auto", n_folds=3)
    pipe = _pipeline(FAMILIES["lgbm"], ds).fit(ds.X, ds.y)
    rows = pd.DataFrame({"x": [0.3, 0.3, 0.3], "shop": ["never-seen", None, "also-new"]})
    proba = pipe.predict_proba(rows)
    np.testing.assert_array_equal(proba[0], proba[1])
    np.testing.assert_array_equal(proba[0], proba[2])
