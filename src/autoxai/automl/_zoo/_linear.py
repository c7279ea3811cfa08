"""Regularised linear models: logistic regression and ridge regression."""

from __future__ import annotations

from sklearn.linear_model import LogisticRegression, Ridge

from autoxai.automl._zoo._base import ModelFamily
from autoxai.space import Float


def _space(task, n_rows):
    if task == "regression":
        return {"alpha": Float(1e-4, 1e4, log=True)}
    return {"C": Float(1e-4, 1e4, log=True)}


def _defaults(task, n_rows):
    return [{"alpha": 1.0}] if task == "regression" else [{"C": 1.0}]


def _build(params, task, random_state, n_threads):
    if task == "regression":
        return Ridge(alpha=params["alpha"])
    return LogisticRegression(C=params["C"], max_iter=2000)


LINEAR = ModelFamily("linear", "Linear model (logistic / ridge)", "linear", _space, _defaults,
                     _build)  # fmt: skip
