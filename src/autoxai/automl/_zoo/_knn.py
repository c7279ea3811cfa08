"""k-nearest neighbours."""

from __future__ import annotations

from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

from autoxai.automl._zoo._base import ModelFamily
from autoxai.space import Categorical, Int


def _space(task, n_rows):
    return {
        "n_neighbors": Int(1, max(2, min(100, n_rows // 4)), log=True),
        "weights": Categorical(["uniform", "distance"]),
    }


def _defaults(task, n_rows):
    return [{"n_neighbors": min(15, max(1, n_rows // 10)), "weights": "distance"}]


def _build(params, task, random_state, n_threads):
    cls = KNeighborsRegressor if task == "regression" else KNeighborsClassifier
    return cls(n_neighbors=int(params["n_neighbors"]), weights=params["weights"],
               n_jobs=n_threads)  # fmt: skip


KNN = ModelFamily("knn", "k-nearest neighbours", "linear", _space, _defaults, _build)
