"""XGBoost gradient-boosted trees (Chen & Guestrin 2016), an optional extra.

Installed with ``pip install "autoxai[xgboost]"`` and used only when named in
``models=`` (``AutoML(models=["lgbm", "xgb"])``), so a default run does not change with
what happens to be installed. XGBoost's classifiers accept only the labels 0..k-1;
:class:`LabelEncodedClassifier` lets the refit use the user's own labels, like every
other family.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone

from autoxai.automl._zoo._base import ModelFamily
from autoxai.space import Float, Int


class LabelEncodedClassifier(ClassifierMixin, BaseEstimator):
    """Fit ``estimator`` on class indices; predict the original labels.

    Parameters
    ----------
    estimator : classifier
        Unfitted; it sees labels ``0..k-1`` in the sorted order of the originals.

    Attributes
    ----------
    classes_ : ndarray
        The original labels, sorted.
    estimator_ : classifier
        The fitted inner estimator.
    """

    def __init__(self, estimator) -> None:
        self.estimator = estimator

    def fit(self, X, y, **fit_params):
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        self.estimator_ = clone(self.estimator).fit(X, codes, **fit_params)
        return self

    def predict_proba(self, X) -> np.ndarray:
        return self.estimator_.predict_proba(X)

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def _space(task, n_rows):
    return {
        "n_estimators": Int(32, 2048, log=True),
        "learning_rate": Float(0.005, 0.3, log=True),
        "max_depth": Int(2, 12),
        "min_child_weight": Float(0.5, 64.0, log=True),
        "colsample_bytree": Float(0.3, 1.0),
        "subsample": Float(0.5, 1.0),
        "reg_lambda": Float(1e-3, 100.0, log=True),
    }


def _defaults(task, n_rows):
    # XGBoost's own defaults, then a slower, more regularised variant.
    return [
        {"n_estimators": 100, "learning_rate": 0.3, "max_depth": 6, "min_child_weight": 1.0,
         "colsample_bytree": 1.0, "subsample": 1.0, "reg_lambda": 1.0},
        {"n_estimators": 400, "learning_rate": 0.03, "max_depth": 6, "min_child_weight": 1.0,
         "colsample_bytree": 0.7, "subsample": 0.8, "reg_lambda": 1.0},
    ]  # fmt: skip


def _build(params, task, random_state, n_threads):
    import xgboost as xgb

    cls = xgb.XGBRegressor if task == "regression" else xgb.XGBClassifier
    model = cls(
        n_estimators=int(params["n_estimators"]),
        learning_rate=float(params["learning_rate"]),
        max_depth=int(params["max_depth"]),
        min_child_weight=float(params["min_child_weight"]),
        colsample_bytree=float(params["colsample_bytree"]),
        subsample=float(params["subsample"]),
        reg_lambda=float(params["reg_lambda"]),
        tree_method="hist",
        n_jobs=n_threads,
        random_state=random_state,
        verbosity=0,
    )
    return model if task == "regression" else LabelEncodedClassifier(model)


XGBOOST = ModelFamily(
    "xgb", "XGBoost", "tree", _space, _defaults, _build,
    budget_param="n_estimators", handles_missing=True, requires="xgboost",
)  # fmt: skip
