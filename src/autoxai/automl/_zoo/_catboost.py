"""CatBoost gradient-boosted oblivious trees (Prokhorenkova et al. 2018), an optional extra.

Installed with ``pip install "autoxai[catboost]"`` (the CPU wheel from PyPI; about
270 MB installed, and it pulls plotly and graphviz, so it is an extra, not a core
dependency) and used only when named in ``models=``.

CatBoost encodes categorical columns itself, with ordered target statistics, which is
its main strength on tables with categories. The pipeline hands it the same
ordinal-encoded categoricals as every other tree model (unseen and missing -> -1); the
:class:`CatBoostModel` wrapper casts those columns to integers and declares them as
``cat_features``, so CatBoost treats the codes as categories, not as numbers, and the
features stay numeric for the explainers (SHAP from CatBoost's own
``get_feature_importance(type="ShapValues")``).

References
----------
L. Prokhorenkova, G. Gusev, A. Vorobev, A. V. Dorogush, A. Gulin, "CatBoost: unbiased
boosting with categorical features", NeurIPS 2018.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from autoxai.automl._zoo._base import ModelFamily
from autoxai.space import Float, Int

__all__ = ["CATBOOST", "CatBoostClassifierModel", "CatBoostModel", "CatBoostRegressorModel"]

#: Names of the pipeline's categorical features start with this (the ColumnTransformer's
#: ``cat`` step; see :mod:`autoxai.automl._preprocess`).
CATEGORICAL_PREFIX = "cat__"


def categorical_positions(X) -> list[int]:
    """Positions of the categorical features in a table from the pipeline."""
    if not isinstance(X, pd.DataFrame):
        return []
    return [i for i, c in enumerate(X.columns) if str(c).startswith(CATEGORICAL_PREFIX)]


def as_catboost_frame(X, cat_features) -> pd.DataFrame:
    """``X`` as a DataFrame whose ``cat_features`` columns (positions) hold integers."""
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=float))
    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    for i in cat_features:
        name = frame.columns[i]
        codes = np.asarray(frame[name], dtype=float)
        frame[name] = np.nan_to_num(codes, nan=-1).astype(np.int64)  # a new integer column
    return frame


class CatBoostModel(BaseEstimator):
    """CatBoost on the pipeline's features, its categorical codes declared as categories.

    Parameters
    ----------
    params : dict
        CatBoost's own parameters (``iterations``, ``depth``, ...).

    Attributes
    ----------
    model_ : catboost.CatBoostClassifier or catboost.CatBoostRegressor
        The fitted CatBoost model.
    cat_features_ : list of int
        The positions of the features CatBoost treats as categories.
    n_features_in_ : int
    """

    _classifier = False

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        self.params = params

    def _make(self):
        import catboost

        cls = catboost.CatBoostClassifier if self._classifier else catboost.CatBoostRegressor
        return cls(**(self.params or {}))

    def fit(self, X, y):
        self.cat_features_ = categorical_positions(X)
        self.n_features_in_ = X.shape[1]
        frame = as_catboost_frame(X, self.cat_features_)
        self.model_ = self._make()
        self.model_.fit(frame, y, cat_features=self.cat_features_ or None)
        return self

    def _frame(self, X) -> pd.DataFrame:
        return as_catboost_frame(X, self.cat_features_)


class CatBoostClassifierModel(ClassifierMixin, CatBoostModel):
    """CatBoost classifier; labels as given, probabilities in the order of ``classes_``."""

    _classifier = True

    def fit(self, X, y):
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        super().fit(X, codes)
        # CatBoost's own class order is that of its classes_; map it to ours
        self._order_ = np.argsort(np.asarray(self.model_.classes_, dtype=int))
        return self

    def predict_proba(self, X) -> np.ndarray:
        return self.model_.predict_proba(self._frame(X))[:, self._order_]

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class CatBoostRegressorModel(RegressorMixin, CatBoostModel):
    """CatBoost regressor."""

    def predict(self, X) -> np.ndarray:
        return np.asarray(self.model_.predict(self._frame(X)), dtype=float)


def _space(task, n_rows):
    return {
        "iterations": Int(64, 2048, log=True),
        "learning_rate": Float(0.01, 0.3, log=True),
        "depth": Int(4, 10),
        "l2_leaf_reg": Float(1.0, 30.0, log=True),
        "random_strength": Float(0.1, 10.0, log=True),
    }


def _iterations(n_rows: int) -> int:
    """Default boosting rounds, fewer on larger tables so a trial stays cheap.

    CatBoost's own default is 1000 rounds at a learning rate it picks for them (about
    0.03-0.05 on small tables). A cross-validated trial of that costs five 1000-round
    fits, several seconds even on a few hundred rows, too much for a one-minute budget;
    half the rounds at about twice the rate keep most of the accuracy for half the time.
    """
    if n_rows <= 10_000:
        return 500
    if n_rows <= 50_000:
        return 300
    return 150


def _defaults(task, n_rows):
    # CatBoost's own defaults (depth 6, l2 3, random strength 1) at a learning rate
    # matched to the rounds, then a cheaper variant (a third of the rounds, rate 0.15).
    rounds = _iterations(n_rows)
    return [
        {"iterations": rounds, "learning_rate": 0.08, "depth": 6, "l2_leaf_reg": 3.0,
         "random_strength": 1.0},
        {"iterations": max(50, rounds // 3), "learning_rate": 0.15, "depth": 6,
         "l2_leaf_reg": 3.0, "random_strength": 1.0},
    ]  # fmt: skip


def _build(params, task, random_state, n_threads):
    own = {
        "iterations": int(params["iterations"]),
        "learning_rate": float(params["learning_rate"]),
        "depth": int(params["depth"]),
        "l2_leaf_reg": float(params["l2_leaf_reg"]),
        "random_strength": float(params["random_strength"]),
        "random_seed": int(random_state),
        "thread_count": int(n_threads),
        "verbose": False,
        "allow_writing_files": False,  # no catboost_info/ directory in the user's cwd
    }
    if task == "regression":
        return CatBoostRegressorModel(own)
    return CatBoostClassifierModel(own)


CATBOOST = ModelFamily(
    "catboost", "CatBoost", "tree", _space, _defaults, _build,
    budget_param="iterations", handles_missing=True, requires="catboost", frame_input=True,
)  # fmt: skip
