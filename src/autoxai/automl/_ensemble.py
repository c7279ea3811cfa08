"""Greedy ensemble selection (Caruana et al., 2004) and the fitted ensemble it yields."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator

__all__ = ["MembersEstimator", "WeightedEnsemble", "fold_loss", "greedy_selection"]


def fold_loss(loss, y: np.ndarray, prediction: np.ndarray, folds=None) -> float:
    """``loss`` of ``prediction``: the mean over ``folds`` (row index arrays) of the loss
    on each fold's rows, or the loss on all rows pooled when ``folds`` is None.

    The mean over the validation folds is what the search minimises and the leaderboard
    shows for one configuration, so an ensemble scored this way is compared with its
    members like for like. Pooled and per-fold losses differ systematically (an RMSE
    pooled over folds is never below the mean of the folds' RMSEs; a pooled AUC also
    ranks rows of different folds against each other), which once made an ensemble
    that beat the best model on either quantity look worse than it.
    """
    if folds is None:
        return float(loss(y, prediction))
    return float(np.mean([loss(y[f], prediction[f]) for f in folds]))


def greedy_selection(
    predictions: Sequence[np.ndarray],
    y: np.ndarray,
    loss,
    *,
    n_rounds: int = 25,
    folds: Sequence[np.ndarray] | None = None,
) -> tuple[np.ndarray, float]:
    """Choose ensemble weights by forward selection with replacement.

    Start from the best single model; in each round add (again, possibly) the model whose
    addition lowers the loss of the averaged predictions most. The weights are the
    counts at the round with the lowest loss, divided by their sum. The loss is the
    mean over ``folds`` of the per-fold losses when they are given (see
    :func:`fold_loss`), so the first round reproduces the best model's
    cross-validation loss exactly, and the returned loss is comparable with it.

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
    folds : list of index arrays, optional
        The validation fold of each row group; None scores all rows pooled.

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
        losses = [fold_loss(loss, y, (total + p) / step, folds) for p in predictions]
        pick = int(np.argmin(losses))  # ties: the earlier (better-ranked) model
        counts[pick] += 1
        total += predictions[pick]
        if losses[pick] < best_loss - 1e-12:
            best_loss, best_counts = losses[pick], counts.copy()
    return best_counts / best_counts.sum(), float(best_loss)


class MembersEstimator(BaseEstimator):
    """What autoxai's ensembles share: fitted members over the original columns, the
    class labels (None for regression) and the estimator type they imply."""

    @property
    def classes_(self):
        return None if self.classes is None else np.asarray(self.classes)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "regressor" if self.classes is None else "classifier"
        return tags


class WeightedEnsemble(MembersEstimator):
    """A weighted average of fitted pipelines' predictions (probabilities for classes).

    A scikit-learn estimator: :func:`sklearn.base.clone` copies it unfitted and
    :meth:`fit` refits every member on the same rows, keeping the weights. So a method
    that refits the model (drop-column importance, a refit on a training part) refits
    the ensemble itself, not one of its members.

    A *bagged* model is one too: the k fold models of a configuration (fitted during
    cross-validation, each on k-1 folds), weights ``w/k``, with ``groups`` naming the
    configuration of each member. Its prediction is the mean of its folds'. Refitting
    it on new rows refits each configuration *once* on all of them, with its group's
    summed weight: k fits of one configuration on the same rows would give k copies
    of one model at k times the cost.

    Parameters
    ----------
    members : list of estimators
        Each takes the original columns.
    weights : array of float
        One per member, summing to 1.
    classes : array or None
        Class labels in the order of ``predict_proba``'s columns; None for regression.
    groups : list of int, optional
        The configuration of each member (members of one group are one configuration's
        fold models); None: every member its own.
    """

    def __init__(self, members, weights, classes=None, groups=None) -> None:
        self.members = members
        self.weights = weights
        self.classes = classes
        self.groups = groups

    @property
    def _weights(self) -> np.ndarray:
        return np.asarray(self.weights, dtype=float)

    def fit(self, X, y) -> WeightedEnsemble:
        """Refit every configuration once on ``X, y`` (the weights stay as chosen,
        summed over a bag's folds)."""
        from sklearn.base import clone

        groups = range(len(self.members)) if self.groups is None else self.groups
        first: dict = {}
        summed: dict = {}
        for i, (g, w) in enumerate(zip(groups, self._weights)):
            first.setdefault(g, i)
            summed[g] = summed.get(g, 0.0) + w
        self.members = [clone(self.members[i]).fit(X, y) for i in first.values()]
        self.weights = np.array([summed[g] for g in first])
        self.groups = None
        return self

    def predict_proba(self, X) -> np.ndarray:
        if self.classes is None:
            raise AttributeError("a regression ensemble has no predict_proba")
        return sum(w * m.predict_proba(X) for m, w in zip(self.members, self._weights))

    def predict(self, X) -> np.ndarray:
        if self.classes is None:
            return sum(w * m.predict(X) for m, w in zip(self.members, self._weights))
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def __setstate__(self, state: dict) -> None:
        # models saved before the ensemble was an estimator stored ``classes_`` itself
        if "classes" not in state:
            state["classes"] = state.pop("classes_", None)
        state.setdefault("groups", None)  # saved before bagging
        super().__setstate__(state)

    def __sklearn_is_fitted__(self) -> bool:
        return all(
            hasattr(m, "n_features_in_")
            or hasattr(m, "steps")
            or getattr(m, "__sklearn_is_fitted__", lambda: False)()  # a bag as a member
            for m in self.members
        )

    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        names = [type(m[-1]).__name__ if hasattr(m, "steps") else type(m).__name__
                 for m in self.members]  # fmt: skip
        parts = ", ".join(f"{w:.2f}*{n}" for w, n in zip(self._weights, names))
        return f"WeightedEnsemble({parts})"
