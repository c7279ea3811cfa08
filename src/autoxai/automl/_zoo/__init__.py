"""The model zoo: one module per family, each with its space and known-good defaults."""

from __future__ import annotations

from autoxai.automl._zoo._base import ModelFamily
from autoxai.automl._zoo._catboost import CATBOOST
from autoxai.automl._zoo._forest import EXTRA_TREES, RANDOM_FOREST
from autoxai.automl._zoo._hgb import HIST_GRADIENT_BOOSTING
from autoxai.automl._zoo._knn import KNN
from autoxai.automl._zoo._lgbm import LIGHTGBM
from autoxai.automl._zoo._linear import LINEAR
from autoxai.automl._zoo._xgb import XGBOOST

__all__ = ["DEFAULT_FAMILIES", "FAMILIES", "ModelFamily"]

#: Every model family by name, in the order their defaults are tried.
FAMILIES: dict[str, ModelFamily] = {
    f.name: f
    for f in (
        LIGHTGBM, RANDOM_FOREST, EXTRA_TREES, LINEAR, HIST_GRADIENT_BOOSTING, KNN, XGBOOST,
        CATBOOST,
    )
}  # fmt: skip

#: The families of ``models=None``: all but those needing an optional package.
DEFAULT_FAMILIES: list[str] = [n for n, f in FAMILIES.items() if f.requires is None]
