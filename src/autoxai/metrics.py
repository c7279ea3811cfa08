"""Metrics the search optimises, all computed from predictions the models made.

Classifiers are always asked for probabilities (one column per class, in the order of
``classes``); metrics on labels take the most probable class. Every metric becomes a
*loss* to minimise: ``loss = -score`` for metrics where higher is better, so the study
always minimises and the leaderboard shows the metric itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn import metrics as skm

from autoxai._utils import choose

__all__ = ["METRICS", "Metric", "default_metric", "get_metric"]


@dataclass(frozen=True)
class Metric:
    """A named score, its direction, and the tasks it applies to."""

    name: str
    greater_is_better: bool
    tasks: frozenset[str]
    score: Callable[[np.ndarray, np.ndarray], float]

    def loss(self, y_true: np.ndarray, pred: np.ndarray) -> float:
        """The value the search minimises."""
        value = float(self.score(y_true, pred))
        return -value if self.greater_is_better else value

    def from_loss(self, loss: float) -> float:
        """The metric's own value from a loss."""
        return -loss if self.greater_is_better else loss


def _labels(proba):
    return np.argmax(proba, axis=1)


def _auc(y, proba):
    if proba.shape[1] == 2:
        return skm.roc_auc_score(y, proba[:, 1])
    return skm.roc_auc_score(y, proba, multi_class="ovr", labels=np.arange(proba.shape[1]))


def _log_loss(y, proba):
    return skm.log_loss(y, np.clip(proba, 1e-15, 1.0), labels=np.arange(proba.shape[1]))


def _accuracy(y, proba):
    return skm.accuracy_score(y, _labels(proba))


def _balanced_accuracy(y, proba):
    return skm.balanced_accuracy_score(y, _labels(proba))


def _f1(y, proba):
    return skm.f1_score(y, _labels(proba))


def _rmse(y, pred):
    return float(np.sqrt(skm.mean_squared_error(y, pred)))


# Module-level functions, not lambdas: a fitted AutoML keeps its Metric and must pickle.
_CLS = frozenset({"binary", "multiclass"})
_REG = frozenset({"regression"})

METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("roc_auc", True, _CLS, _auc),
        Metric("log_loss", False, _CLS, _log_loss),
        Metric("accuracy", True, _CLS, _accuracy),
        Metric("balanced_accuracy", True, _CLS, _balanced_accuracy),
        Metric("f1", True, frozenset({"binary"}), _f1),
        Metric("rmse", False, _REG, _rmse),
        Metric("mae", False, _REG, skm.mean_absolute_error),
        Metric("r2", True, _REG, skm.r2_score),
    )
}


def default_metric(task: str) -> str:
    """ROC AUC for binary, log-loss for multiclass, RMSE for regression.

    Log-loss rather than accuracy for multiclass: it rewards calibrated probabilities,
    which the ensemble and the explanations (SHAP on probabilities) rely on, and it
    separates models that accuracy ties.
    """
    return {"binary": "roc_auc", "multiclass": "log_loss", "regression": "rmse"}[task]


def get_metric(name: str | None, task: str) -> Metric:
    """The metric called ``name`` (default for the task when None), checked against it."""
    from autoxai.exceptions import InvalidParameterError

    name = default_metric(task) if name is None else choose("metric", name, METRICS)
    metric = METRICS[name]
    if task not in metric.tasks:
        usable = sorted(n for n, m in METRICS.items() if task in m.tasks)
        raise InvalidParameterError(
            f"metric {name!r} does not apply to a {task} task; use one of {usable}"
        )
    return metric
