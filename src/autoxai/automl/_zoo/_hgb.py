"""scikit-learn's histogram gradient boosting."""

from __future__ import annotations

from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

from autoxai.automl._zoo._base import ModelFamily
from autoxai.space import Float, Int


def _space(task, n_rows):
    return {
        "max_iter": Int(32, 1024, log=True),
        "learning_rate": Float(0.01, 0.3, log=True),
        "max_leaf_nodes": Int(4, 128, log=True),
        "min_samples_leaf": Int(2, 100, log=True),
        "l2_regularization": Float(1e-4, 10.0, log=True),
    }


def _defaults(task, n_rows):
    return [
        {"max_iter": 100, "learning_rate": 0.1, "max_leaf_nodes": 31, "min_samples_leaf": 20,
         "l2_regularization": 1e-4},
    ]  # fmt: skip


def _build(params, task, random_state, n_threads):
    cls = HistGradientBoostingRegressor if task == "regression" else HistGradientBoostingClassifier
    return cls(
        max_iter=int(params["max_iter"]),
        learning_rate=float(params["learning_rate"]),
        max_leaf_nodes=int(params["max_leaf_nodes"]),
        min_samples_leaf=int(params["min_samples_leaf"]),
        l2_regularization=float(params["l2_regularization"]),
        early_stopping=False,
        random_state=random_state,
    )


HIST_GRADIENT_BOOSTING = ModelFamily(
    "hgb", "Histogram gradient boosting", "tree", _space, _defaults, _build,
    budget_param="max_iter", handles_missing=True,
)  # fmt: skip
