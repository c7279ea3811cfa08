"""LightGBM gradient-boosted trees (Ke et al. 2017)."""

from __future__ import annotations

from autoxai.automl._zoo._base import ModelFamily
from autoxai.space import Float, Int


def _space(task, n_rows):
    return {
        "n_estimators": Int(32, 2048, log=True),
        "learning_rate": Float(0.005, 0.3, log=True),
        "num_leaves": Int(4, 256, log=True),
        "min_child_samples": Int(2, 128, log=True),
        "colsample_bytree": Float(0.3, 1.0),
        "subsample": Float(0.5, 1.0),
        "reg_lambda": Float(1e-3, 100.0, log=True),
    }


def _defaults(task, n_rows):
    # LightGBM's own defaults first, then configurations that do well across many
    # tables (slower learning rate, more rounds; a wide and a shallow variant).
    return [
        {"n_estimators": 100, "learning_rate": 0.1, "num_leaves": 31, "min_child_samples": 20,
         "colsample_bytree": 1.0, "subsample": 1.0, "reg_lambda": 1e-3},
        {"n_estimators": 400, "learning_rate": 0.03, "num_leaves": 31, "min_child_samples": 10,
         "colsample_bytree": 0.7, "subsample": 0.8, "reg_lambda": 1.0},
        {"n_estimators": 300, "learning_rate": 0.05, "num_leaves": 128,
         "min_child_samples": 5, "colsample_bytree": 0.5, "subsample": 0.8, "reg_lambda": 3.0},
        {"n_estimators": 600, "learning_rate": 0.02, "num_leaves": 8, "min_child_samples": 30,
         "colsample_bytree": 0.8, "subsample": 0.7, "reg_lambda": 0.1},
    ]  # fmt: skip


def _build(params, task, random_state, n_threads):
    import lightgbm as lgb

    cls = lgb.LGBMRegressor if task == "regression" else lgb.LGBMClassifier
    return cls(
        n_estimators=int(params["n_estimators"]),
        learning_rate=float(params["learning_rate"]),
        num_leaves=int(params["num_leaves"]),
        min_child_samples=int(params["min_child_samples"]),
        colsample_bytree=float(params["colsample_bytree"]),
        subsample=float(params["subsample"]),
        subsample_freq=1 if params["subsample"] < 1.0 else 0,
        reg_lambda=float(params["reg_lambda"]),
        n_jobs=n_threads,
        random_state=random_state,
        deterministic=True,
        force_row_wise=True,
        verbose=-1,
    )


LIGHTGBM = ModelFamily(
    "lgbm", "LightGBM", "tree", _space, _defaults, _build,
    budget_param="n_estimators", handles_missing=True,
)  # fmt: skip
