"""CatBoost in the zoo: fits and predicts every task with categorical columns, declares
them as categories, saves and loads, and is explained by its own TreeSHAP."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("catboost")

from autoxai import AutoML, load
from autoxai.automl._data import prepare
from autoxai.automl._preprocess import build_pipeline
from autoxai.automl._zoo import DEFAULT_FAMILIES, FAMILIES
from autoxai.exceptions import InvalidParameterError

FAST = {"iterations": 150, "learning_rate": 0.1, "depth": 4, "l2_leaf_reg": 3.0,
        "random_strength": 1.0}  # fmt: skip


def _table(task: str, n: int = 600, seed: int = 0) -> pd.DataFrame:
    """A table whose target depends on a 12-level category (with missing cells) and two
    numbers; one number has missing values too."""
    levels = np.array([f"c{i}" for i in range(12)], dtype=object)
    effect = np.random.default_rng(42).normal(0, 2, 12)  # the same law for every sample
    rng = np.random.default_rng(seed)
    cat = rng.integers(0, 12, n)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    score = effect[cat] + 1.5 * x1 - x2 + rng.normal(0, 0.3, n)
    colour = levels[cat].copy()
    colour[rng.random(n) < 0.05] = None
    x2 = np.where(rng.random(n) < 0.05, np.nan, x2)
    if task == "regression":
        y = score
    elif task == "binary":
        y = np.where(score > 0, "yes", "no")
    else:
        y = np.select([score < -1, score < 1], ["low", "mid"], "high")
    return pd.DataFrame({"colour": colour, "x1": x1, "x2": x2, "y": y})


def _fit(task: str, n_threads: int = 1):
    train, test = _table(task), _table(task, n=400, seed=1)
    ds = prepare(train, "y", task="auto", n_folds=3)
    family = FAMILIES["catboost"]
    pipe = build_pipeline(ds.schema, family, family.build(FAST, ds.task, 0, n_threads))
    return ds, pipe.fit(ds.X, ds.y), test


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_catboost_fits_and_predicts_held_out_rows_with_categories(task):
    ds, pipe, test = _fit(task)
    assert ds.task == task
    model = pipe.named_steps["model"]
    # the category reaches CatBoost as a category, not as its ordinal code
    names = model.model_.feature_names_
    assert [names[i] for i in model.model_.get_cat_feature_indices()] == ["cat__colour"]
    X_test, y_test = test.drop(columns="y"), test["y"]
    if task == "regression":
        from sklearn.metrics import r2_score

        assert r2_score(y_test, pipe.predict(X_test)) > 0.8
    else:
        proba = pipe.predict_proba(X_test)
        assert proba.shape == (len(test), len(pipe.classes_))
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
        assert set(pipe.predict(X_test)) <= set(pipe.classes_)
        assert (pipe.predict(X_test) == y_test).mean() > (0.8 if task == "binary" else 0.7)


def test_catboost_gives_the_same_model_on_one_or_two_threads():
    _, one, test = _fit("regression", n_threads=1)
    _, two, _ = _fit("regression", n_threads=2)
    X = test.drop(columns="y")
    np.testing.assert_array_equal(one.predict(X), two.predict(X))


def test_catboost_is_optional_and_named_in_the_error(monkeypatch):
    import importlib.util

    assert "catboost" in FAMILIES and "catboost" not in DEFAULT_FAMILIES
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "catboost" else real(name, *a)
    )
    df = _table("binary", n=50)
    with pytest.raises(InvalidParameterError, match=r'pip install "autoxai\[catboost\]"'):
        AutoML(models=["catboost"], n_jobs=1).fit(df, target="y")


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_catboost_pipeline_shap_values_add_up(task):
    from autoxai import explain

    _, pipe, test = _fit(task)
    X = test.drop(columns="y").head(30)
    e = explain.shap_values(pipe, X)
    assert "CatBoost" in e.diagnostics["method_reason"]
    assert "own TreeSHAP" in e.diagnostics["method_reason"]
    assert e.diagnostics["additivity_error"] < 1e-6
    assert set(e.feature_names) == {"colour", "x1", "x2"}
    # the category drives the target most: it carries the most SHAP mass
    values = np.abs(np.asarray(e.values))  # features on the last axis
    mass = values.reshape(-1, values.shape[-1]).sum(axis=0)
    assert e.feature_names[int(np.argmax(mass))] == "colour"


@pytest.mark.slow
def test_automl_catboost_saves_loads_and_is_explained_exactly(tmp_path):
    from autoxai import explain

    df = _table("multiclass", n=300)
    # refit: one CatBoost model, explained natively (a bag of three would be an ensemble)
    automl = AutoML(models=["catboost"], n_trials=1, time_budget=None, cv=3, n_jobs=1,
                    final_model="refit")  # fmt: skip
    automl.fit(df, target="y")
    assert automl.leaderboard_.iloc[0]["model"] == "catboost"
    X = df.drop(columns="y").head(25)
    automl.save(tmp_path / "m")
    again = load(tmp_path / "m")
    np.testing.assert_array_equal(again.predict_proba(X), automl.predict_proba(X))

    e = explain.shap_values(again.best_model_, X)
    assert "CatBoostClassifier" in e.diagnostics["method_reason"]
    assert "own TreeSHAP" in e.diagnostics["method_reason"]
    assert e.diagnostics["additivity_error"] < 1e-6
    assert set(e.feature_names) == {"colour", "x1", "x2"}
