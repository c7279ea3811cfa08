"""AutoML is a scikit-learn estimator: params, clone, and the estimator checks that apply."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import estimator_checks_generator

from autoxai import AutoML
from autoxai.automl import NotFittedError


def _small():
    return AutoML(n_trials=2, time_budget=None, cv=2, models=["linear"], ensemble=False)


#: Checks that do not apply, and why.
NOT_APPLICABLE = {
    "check_dtype_object": "text columns are data: AutoML types them as categories",
    "check_estimators_nan_inf": "missing values are data: AutoML imputes them "
    "(and clips infinities), so it does not refuse them",
    "check_estimators_empty_data_messages": "a table with no usable column is refused "
    "with autoxai's own message ('no column can be used as a feature')",
    "check_fit2d_1sample": "a one-row table is refused with autoxai's own message "
    "(fewer rows than cross-validation folds)",
}


#: Checks that cannot run here: array API inputs need SCIPY_ARRAY_API set before scipy is
#: imported, and AutoML takes tables, not array API arrays.
NOT_RUN = {"check_array_api_input"}

CHECKS = [
    (estimator, check)
    for estimator, check in estimator_checks_generator(_small(), mark=None)
    if check.func.__name__ not in NOT_RUN
]


@pytest.mark.parametrize(
    ("estimator", "check"),
    CHECKS,
    ids=lambda c: getattr(c, "func", c).__name__ if callable(c) else None,
)
def test_sklearn_estimator_checks(estimator, check):
    name = check.func.__name__
    if name in NOT_APPLICABLE:  # it must fail, for the reason given
        with pytest.raises((AssertionError, ValueError, TypeError)):
            check(estimator)
    else:
        check(estimator)


def test_get_params_set_params_and_clone():
    automl = AutoML(time_budget=30, models=["rf", "lgbm"], random_state=3)
    params = automl.get_params()
    assert params["time_budget"] == 30 and params["models"] == ["rf", "lgbm"]
    assert params["random_state"] == 3
    copy = clone(automl)
    assert copy is not automl and copy.get_params() == params
    copy.set_params(time_budget=None, n_trials=4)
    assert copy.time_budget is None and copy.n_trials == 4 and automl.time_budget == 30
    with pytest.raises(ValueError, match="Invalid parameter"):
        automl.set_params(budget=3)


def test_fitted_attributes_end_in_an_underscore_and_clone_drops_them():
    X = np.random.default_rng(0).normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    automl = _small().fit(X, y)
    fitted = {k for k in vars(automl) if k not in automl.get_params()}
    assert fitted and all(k.endswith("_") or k.startswith("_") for k in fitted)
    assert automl.n_features_in_ == 3 and automl.feature_names_in_ is None
    assert automl.predict(X[:5]).shape == (5,)
    assert not any(k.endswith("_") for k in vars(clone(automl)))
    with pytest.raises(NotFittedError, match="not fitted"):
        _small().predict(X)


def test_explain_returns_every_method_without_writing_files(tmp_path, monkeypatch):
    from autoxai.datasets import load_penguins

    monkeypatch.chdir(tmp_path)
    df = load_penguins()
    train, test = df.iloc[::2], df.iloc[1::2]
    automl = AutoML(n_trials=3, time_budget=None, cv=3, models=["linear", "rf"])
    automl.fit(train.drop(columns="species"), train["species"])
    results = automl.explain(test.drop(columns="species"), test["species"], budget=30)
    assert {"permutation_importance", "surrogate", "consensus"} <= set(results)
    assert results["permutation_importance"].settings["rows"] == "given"
    assert list(tmp_path.iterdir()) == []
    assert "<table" in automl._repr_html_()
