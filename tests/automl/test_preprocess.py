"""Numbers beyond what a model family can compute with are clipped, at fit and predict time.

A regression test: a column holding 1e308 made a random forest (which casts its input
to float32, largest 3.4e38) raise scikit-learn's "Input X contains infinity or a value
too large for dtype('float32')" from ``predict``, through an ensemble up to the CLI.
"""

import numpy as np
import pandas as pd
import pytest

from autoxai.automl._data import prepare
from autoxai.automl._preprocess import CLIP, build_pipeline
from autoxai.automl._zoo import FAMILIES


def _table(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x, "z": rng.normal(size=n), "y": np.where(x > 0, "a", "b")})


@pytest.mark.parametrize("name", ["rf", "et", "hgb", "lgbm", "linear", "knn"])
def test_huge_numbers_predict_as_the_clip_bound(name):
    family = FAMILIES[name]
    train = _table()
    ds = prepare(train, "y", task="auto", n_folds=3)
    params = family.defaults(ds.task, len(ds.X))[0]
    pipe = build_pipeline(ds.schema, family, family.build(params, ds.task, 0, 1)).fit(ds.X, ds.y)
    bound = CLIP[family.style]
    huge = pd.DataFrame({"x": [1e308, -1e308, 1e300], "z": [-1e308, 1e308, 0.5]})
    at_bound = pd.DataFrame({"x": [bound, -bound, bound], "z": [-bound, bound, 0.5]})
    np.testing.assert_array_equal(pipe.predict_proba(huge), pipe.predict_proba(at_bound))


def test_huge_numbers_in_the_training_rows_are_clipped_too():
    family = FAMILIES["rf"]
    train = _table()
    train.loc[:9, "z"] = 1e308
    ds = prepare(train, "y", task="auto", n_folds=3)
    params = family.defaults(ds.task, len(ds.X))[0]
    pipe = build_pipeline(ds.schema, family, family.build(params, ds.task, 0, 1)).fit(ds.X, ds.y)
    seen = pipe[:-1].transform(ds.X)
    assert seen[:10, 1].tolist() == [np.float32(CLIP["tree"])] * 10
    held_out = _table(60, seed=1)
    accuracy = (pipe.predict(held_out.drop(columns="y")) == held_out["y"]).mean()
    assert accuracy > 0.9


def test_number_cleaner_matches_median_imputation_then_clipping():
    # the oracle: scikit-learn's SimpleImputer(strategy="median") followed by np.clip
    from sklearn.impute import SimpleImputer

    from autoxai.automl._preprocess import NumberCleaner

    rng = np.random.default_rng(1)
    train = rng.normal(size=(501, 4))
    train[rng.uniform(size=train.shape) < 0.2] = np.nan
    train[3, 1] = 1e300
    test = rng.normal(size=(50, 4))
    test[::7, 2] = np.nan
    test[0, 0] = -1e300
    cleaner = NumberCleaner(bound=1e10).fit(pd.DataFrame(train, columns=list("abcd")))
    imputer = SimpleImputer(strategy="median").fit(train)
    for X in (train, test):
        np.testing.assert_array_equal(
            cleaner.transform(X), np.clip(imputer.transform(X), -1e10, 1e10)
        )
    assert list(cleaner.get_feature_names_out()) == list("abcd")
    kept = test.copy()
    cleaner.transform(test)
    np.testing.assert_array_equal(test, kept)  # its input is never written to


def test_number_cleaner_keeps_a_column_with_no_value_filled_with_zero():
    from autoxai.automl._preprocess import NumberCleaner

    X = np.array([[1.0, np.nan], [3.0, np.nan], [np.nan, np.nan]])
    out = NumberCleaner().fit_transform(X)
    np.testing.assert_array_equal(out, [[1.0, 0.0], [3.0, 0.0], [2.0, 0.0]])
    # without filling, missing values stay for the models that handle them
    assert np.isnan(NumberCleaner(fill_missing=False).fit_transform(X)).sum() == 4


def test_trees_get_float32_and_a_forest_predicts_as_it_would_from_float64():
    # scikit-learn's forests compute in float32: the smaller input changes nothing there
    from sklearn.ensemble import RandomForestClassifier

    from autoxai.automl._preprocess import NumberCleaner

    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 3)) * [1, 1e6, 1e-6]
    X[::9, 0] = np.nan
    y = (X[:, 1] > 0).astype(int)
    wide = NumberCleaner(bound=CLIP["tree"]).fit(X)
    narrow = NumberCleaner(bound=CLIP["tree"], dtype=np.float32).fit(X)
    assert narrow.transform(X).dtype == np.float32
    np.testing.assert_array_equal(narrow.transform(X), wide.transform(X).astype(np.float32))
    forest = RandomForestClassifier(n_estimators=20, random_state=0)
    p64 = forest.fit(wide.transform(X), y).predict_proba(wide.transform(X))
    p32 = forest.fit(narrow.transform(X), y).predict_proba(narrow.transform(X))
    np.testing.assert_array_equal(p32, p64)
    # a float64 value beyond float32's range is clipped, not made infinite
    assert np.isfinite(narrow.transform(np.array([[1e300, 0.0, 0.0]]))).all()


def test_the_tree_pipeline_hands_its_model_one_float32_array():
    table = _table()
    table["c"] = ["u", "v", "w"] * 40
    ds = prepare(table, "y", task="auto", n_folds=3)
    assert ds.schema.kinds["c"] == "categorical"
    family = FAMILIES["rf"]
    params = family.defaults(ds.task, len(ds.X))[0]
    pipe = build_pipeline(ds.schema, family, family.build(params, ds.task, 0, 1)).fit(ds.X, ds.y)
    seen = pipe[:-1].transform(ds.X)
    assert seen.dtype == np.float32 and seen.shape == (120, 3)
