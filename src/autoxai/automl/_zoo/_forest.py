"""Random forests and extra trees (Breiman 2001; Geurts et al. 2006)."""

from __future__ import annotations

from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)

from autoxai.automl._zoo._base import ModelFamily
from autoxai.space import Float, Int


def _make(classifier, regressor, name, title):
    def space(task, n_rows):
        return {
            "n_estimators": Int(50, 500, log=True),
            "max_features": Float(0.05, 1.0),
            "min_samples_leaf": Int(1, 32, log=True),
        }

    def defaults(task, n_rows):
        # sklearn's defaults (sqrt features for classification, all for regression)
        base = 0.3 if task == "regression" else 0.5
        return [
            {"n_estimators": 300, "max_features": 1.0 if task == "regression" else 0.3,
             "min_samples_leaf": 1},
            {"n_estimators": 300, "max_features": base, "min_samples_leaf": 3},
        ]  # fmt: skip

    def build(params, task, random_state, n_threads):
        cls = regressor if task == "regression" else classifier
        return cls(
            n_estimators=int(params["n_estimators"]),
            max_features=float(params["max_features"]),
            min_samples_leaf=int(params["min_samples_leaf"]),
            n_jobs=n_threads,
            random_state=random_state,
        )

    return ModelFamily(name, title, "tree", space, defaults, build, budget_param="n_estimators")


RANDOM_FOREST = _make(RandomForestClassifier, RandomForestRegressor, "rf", "Random forest")
EXTRA_TREES = _make(ExtraTreesClassifier, ExtraTreesRegressor, "et", "Extra trees")
