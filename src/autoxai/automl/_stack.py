"""One stacking layer: a level-2 model on the ensemble members' out-of-fold predictions.

The greedy blend (:func:`~autoxai.automl._ensemble.greedy_selection`) can only average
its members. A level-2 model can also re-scale and re-weight them per class: a logistic
regression on the members' log-odds for classification, non-negative least squares on
their predictions for regression (Wolpert 1992; Breiman 1996 for the non-negative
weights). It is fitted on the out-of-fold predictions, so it never sees a member's
prediction of a row that member was trained on; and it is scored with an inner
cross-validation over the same folds (fitted on the other folds' rows, scored on this
fold's), so its loss is not measured on the rows it was fitted on, and is the mean over
folds like the blend's: the two losses compare like for like.

References
----------
D. H. Wolpert, "Stacked generalization", Neural Networks 5, 1992.
L. Breiman, "Stacked regressions", Machine Learning 24, 1996.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression

from autoxai.automl._ensemble import MembersEstimator, fold_loss

__all__ = ["StackedEnsemble", "fit_level2", "stack_features", "stacked_oof", "stacking_loss"]

#: Probabilities are clipped to [EPS, 1 - EPS] before their log-odds are taken.
EPS = 1e-6


def stack_features(predictions: Sequence[np.ndarray], classification: bool) -> np.ndarray:
    """The level-2 model's inputs: per member, the log-odds of the positive class
    (binary), the log-probability of each class (multiclass), or the prediction."""
    if not classification:
        return np.column_stack([np.asarray(p, dtype=float) for p in predictions])
    parts = []
    for p in predictions:
        p = np.clip(np.asarray(p, dtype=float), EPS, 1 - EPS)
        parts.append(np.log(p[:, 1] / p[:, 0])[:, None] if p.shape[1] == 2 else np.log(p))
    return np.hstack(parts)


def fit_level2(features: np.ndarray, y: np.ndarray, classification: bool, random_state: int):
    """A level-2 model fitted on ``features`` (:func:`stack_features`) and ``y``
    (class indices ``0..k-1`` for classification)."""
    if classification:
        model = LogisticRegression(max_iter=1000, random_state=random_state)
    else:
        model = LinearRegression(positive=True, fit_intercept=False)  # NNLS
    return model.fit(features, y)


def _level2_predict(model, features: np.ndarray, classification: bool) -> np.ndarray:
    return model.predict_proba(features) if classification else model.predict(features)


def stacked_oof(features, y, folds, classification: bool, random_state: int) -> np.ndarray:
    """Level-2 predictions of each fold's rows by a level-2 model fitted on the other
    folds' rows (the inner cross-validation)."""
    n_out = len(np.unique(y)) if classification else None
    out = np.zeros((len(y), n_out) if classification else len(y))
    for test in folds:
        train = np.setdiff1d(np.arange(len(y)), test)
        model = fit_level2(features[train], y[train], classification, random_state)
        pred = _level2_predict(model, features[test], classification)
        if classification:  # a class missing from the other folds gets probability 0
            full = np.zeros((len(test), n_out))
            full[:, model.classes_.astype(int)] = pred
            pred = full
        out[test] = pred
    return out


def stacking_loss(predictions, y, folds, loss, classification: bool, random_state: int):
    """The inner-CV loss of a level-2 model on ``predictions`` (members' out-of-fold
    predictions), as a mean over ``folds`` (comparable with the blend's), and the
    level-2 model fitted on all rows."""
    features = stack_features(predictions, classification)
    oof = stacked_oof(features, y, folds, classification, random_state)
    model = fit_level2(features, y, classification, random_state)
    return fold_loss(loss, y, oof, folds), model


class StackedEnsemble(MembersEstimator):
    """Members' predictions combined by a fitted level-2 model (see the module docstring).

    Like :class:`~autoxai.automl._ensemble.WeightedEnsemble` a clonable estimator whose
    :meth:`fit` refits the members (a bagged member refits its configuration once) and
    keeps the level-2 model as chosen.

    Parameters
    ----------
    members : list of estimators
        Each takes the original columns.
    level2 : fitted estimator
        From :func:`fit_level2`, on the members' :func:`stack_features`.
    classes : array or None
        Class labels (the level-2 model's classes are their indices); None: regression.
    """

    def __init__(self, members, level2, classes=None) -> None:
        self.members = members
        self.level2 = level2
        self.classes = classes

    def _features(self, X) -> np.ndarray:
        classification = self.classes is not None
        preds = [m.predict_proba(X) if classification else m.predict(X) for m in self.members]
        return stack_features(preds, classification)

    def fit(self, X, y) -> StackedEnsemble:
        """Refit every member on ``X, y`` (the level-2 model stays as chosen)."""
        self.members = [clone(m).fit(X, y) for m in self.members]
        return self

    def predict_proba(self, X) -> np.ndarray:
        if self.classes is None:
            raise AttributeError("a regression ensemble has no predict_proba")
        return self.level2.predict_proba(self._features(X))

    def predict(self, X) -> np.ndarray:
        if self.classes is None:
            return self.level2.predict(self._features(X))
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self.level2, "coef_")

    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        kind = "logistic" if self.classes is not None else "NNLS"
        return f"StackedEnsemble({len(self.members)} members, {kind} level 2)"
