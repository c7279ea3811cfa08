"""Scores computed from a :class:`Predictor`'s outputs, always "higher is better".

Importance methods report a *score drop*: the model's score on intact data minus its
score with a column perturbed or removed, so a positive value means the column helps.
Named metrics are autoxai's own (the ones AutoML optimises, so the numbers in the report
agree with the leaderboard); a loss such as RMSE is negated to a score. A callable gets
``(y_true, outputs)`` — class indices and the probability matrix for classifiers, the
values and predictions for regressors — and must return a score where higher is better.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from autoxai.exceptions import InvalidParameterError, ParameterTypeError
from autoxai.explain._model import Predictor
from autoxai.metrics import get_metric

__all__ = ["Scorer", "get_scorer"]


@dataclass(frozen=True)
class Scorer:
    """A higher-is-better score of outputs against encoded targets."""

    name: str
    function: Callable[[np.ndarray, np.ndarray], float]

    def __call__(self, y: np.ndarray, outputs: np.ndarray) -> float:
        return float(self.function(y, outputs))


def get_scorer(scoring: str | Callable | None, predictor: Predictor) -> Scorer:
    """The scorer for ``scoring`` (default: the AutoML default metric of the task)."""
    if callable(scoring):
        name = getattr(scoring, "__name__", type(scoring).__name__)
        regression = not predictor.is_classifier
        return Scorer(name, lambda y, out: scoring(y, out[:, 0] if regression else out))
    if scoring is not None and not isinstance(scoring, str):
        raise ParameterTypeError(
            f"scoring must be a metric name or a callable, got {type(scoring).__name__}"
        )
    try:
        metric = get_metric(scoring, predictor.task)
    except InvalidParameterError as exc:
        raise InvalidParameterError(f"scoring: {exc}") from exc
    sign = 1.0 if metric.greater_is_better else -1.0
    regression = not predictor.is_classifier

    def score(y: np.ndarray, out: np.ndarray) -> float:
        return sign * float(metric.score(y, out[:, 0] if regression else out))

    return Scorer(metric.name if metric.greater_is_better else f"-{metric.name}", score)
