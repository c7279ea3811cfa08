"""Greedy ensemble selection (Caruana et al., 2004) and the fitted ensemble it yields."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["WeightedEnsemble", "greedy_selection"]


def greedy_selection(
    predictions: Sequence[np.ndarray],
    y: np.ndarray,
    loss,
    *,
    n_rounds: int = 25,
) -> tuple[np.ndarray, float]:
    """Choose ensemble weights by forward selection with replacement.

    Start from the best single model; in each round add (again, possibly) the model whose
    addition lowers the loss of the averaged predictions most. The weights are the
    counts at the round with the lowest loss, divided by their sum.

    Parameters
    ----------
    predictions : list of arrays
        Out-of-fold predictions of each candidate on the same rows (probabilities for
        classifiers, values for regressors).
    y : array
        True targets of those rows.
    loss : callable
        ``loss(y, prediction) -> float``, lower is better.
    n_rounds : int
        Rounds of selection.

    Returns
    -------
    weights : ndarray of shape (n_models,)
    best_loss : float

    References
    ----------
    R. Caruana, A. Niculescu-Mizil, G. Crew, A. Ksikes, "Ensemble Selection from
    Libraries of Models", ICML 2004.
    """
    n = len(predictions)
    counts = np.zeros(n, dtype=int)
    total = np.zeros_like(predictions[0], dtype=float)
    best_counts, best_loss = None, np.inf
    for step in range(1, n_rounds + 1):
        losses = [loss(y, (total + p) / step) for p in predictions]
        pick = int(np.argmin(losses))  # ties: the earlier (better-ranked) model
        counts[pick] += 1
        total += predictions[pick]
        if losses[pick] < best_loss - 1e-12:
            best_loss, best_counts = losses[pick], counts.copy()
    return best_counts / best_counts.sum(), float(best_loss)


class WeightedEnsemble:
    """A weighted average of fitted pipelines' predictions (probabilities for classes).

    Parameters
    ----------
    members : list of fitted estimators
        Each takes the original columns.
    weights : array of float
        One per member, summing to 1.
    classes : array or None
        Class labels in the order of ``predict_proba``'s columns; None for regression.
    """

    def __init__(self, members, weights, classes=None) -> None:
        self.members = list(members)
        self.weights = np.asarray(weights, dtype=float)
        self.classes_ = None if classes is None else np.asarray(classes)

    def predict_proba(self, X) -> np.ndarray:
        if self.classes_ is None:
            raise AttributeError("a regression ensemble has no predict_proba")
        return sum(w * m.predict_proba(X) for m, w in zip(self.members, self.weights))

    def predict(self, X) -> np.ndarray:
        if self.classes_ is None:
            return sum(w * m.predict(X) for m, w in zip(self.members, self.weights))
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def __repr__(self) -> str:
        names = [type(m[-1]).__name__ if hasattr(m, "steps") else type(m).__name__
                 for m in self.members]  # fmt: skip
        parts = ", ".join(f"{w:.2f}*{n}" for w, n in zip(self.weights, names))
        return f"WeightedEnsemble({parts})"
