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

#: Rows above which forests train each tree on a sample of the rows.
LARGE = 20_000


def _make(classifier, regressor, name, title):
    def space(task, n_rows):
        out = {
            "n_estimators": Int(50, 500, log=True),
            "max_features": Float(0.05, 1.0),
            "min_samples_leaf": Int(1, 32, log=True),
        }
        if n_rows > LARGE:  # each tree sees a sample of the rows: keeps big tables cheap
            out["max_samples"] = Float(min(0.5, LARGE / n_rows), 1.0)
        return out

    def defaults(task, n_rows):
        # Fewer trees, each on a sample of the rows, on large tables, so a default stays
        # cheap inside a short budget.
        big = {} if n_rows <= LARGE else {"max_samples": min(0.5, LARGE / n_rows)}
        trees = 300 if n_rows <= LARGE else 100
        base = 0.3 if task == "regression" else 0.5
        return [
            {"n_estimators": trees, "max_features": 1.0 if task == "regression" else 0.3,
             "min_samples_leaf": 1, **big},
            {"n_estimators": trees, "max_features": base, "min_samples_leaf": 3, **big},
        ]  # fmt: skip

    def build(params, task, random_state, n_threads):
        cls = regressor if task == "regression" else classifier
        return cls(
            n_estimators=int(params["n_estimators"]),
            max_features=float(params["max_features"]),
            min_samples_leaf=int(params["min_samples_leaf"]),
            max_samples=params.get("max_samples"),
            # row sampling needs bootstrap; random forests bootstrap anyway
            bootstrap=params.get("max_samples") is not None or name == "rf",
            n_jobs=n_threads,
            random_state=random_state,
        )

    return ModelFamily(name, title, "tree", space, defaults, build, budget_param="n_estimators")


RANDOM_FOREST = _make(RandomForestClassifier, RandomForestRegressor, "rf", "Random forest")
EXTRA_TREES = _make(ExtraTreesClassifier, ExtraTreesRegressor, "et", "Extra trees")
