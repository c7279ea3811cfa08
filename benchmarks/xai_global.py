"""Global explanations: autoxai.explain against scikit-learn and plain reference code.

What is measured
----------------
For three fitted models (below), in the same run, on the same model and data, four
global methods of :mod:`autoxai.explain` are timed beside a reference doing the same
work, and their numbers are compared:

1. **Permutation importance** -- ``explain.permutation_importance(model, X, y,
   scoring=S, n_repeats=5, n_jobs=1, random_state=r)`` against
   ``sklearn.inspection.permutation_importance(model, X, y, scoring=S, n_repeats=5,
   n_jobs=1, random_state=r)`` with ``S = "r2"`` (regression) or ``"roc_auc"``
   (binary). Ours is timed with ``direction=False`` (like for like: scikit-learn does
   not estimate the sign of the effect) and, separately, with its default
   ``direction=True`` (one extra small partial-dependence pass). Agreement: the share
   of features whose two means are within the sum of the two 95 % t-interval
   half-widths, ``|m_ours - m_sk| <= h_ours + h_sk`` (scikit-learn's interval is
   computed here from its ``importances`` array, ``t(0.975, n-1) * sd / sqrt(n)``).
   The permutations differ (two generators), so this is a statistical agreement.
2. **PDP/ICE** -- for every feature, ``explain.partial_dependence(model, X, f, grid=g,
   kind="both")`` against ``sklearn.inspection.partial_dependence(model, X, [f],
   custom_values={f: g}, kind="both", method="brute")`` (string columns also listed in
   ``categorical_features``) on the same grid ``g``: autoxai's default grid, taken from
   an untimed first call of ours. Compared: the maximum absolute difference of the
   average curves and of the individual (ICE) curves; scikit-learn keeps only the
   positive class of a binary classifier, compared with our last output.
3. **ALE** -- ``explain.ale(model, X, f)`` (20 quantile bins) for every numeric feature
   against :func:`ale_reference`, a direct loop written here from the definition in
   ``autoxai/explain/_ale.py``'s docstring: quantile edges, the rows of each bin
   predicted at its lower and upper edge, mean difference, cumulative sum, centred by
   the count-weighted mean of the bin midpoints.
4. **Drop-column importance** -- ``explain.drop_column_importance(model, X, y, cv=3,
   scoring=S, n_jobs=1, random_state=seed)`` against :func:`drop_column_reference`, a
   plain loop over the same folds (the splitter seed and model seed drawn from the
   same generator in the same order as ``_ablation.py`` does) that refits
   ``sklearn.clone(model)`` on every fold, once on all columns and once per column with
   that column set to the training fold's median (numeric) or mode (strings) in both
   the training and the test fold, and scores with the same metric.
5. **Model-time share** -- ``diagnostics["model_time_fraction"]`` of ours (time inside
   the model's own ``predict``/``predict_proba`` over wall time) for permutation
   (``direction=False``), PDP/ICE and ALE; for PDP and ALE it is the sum of model
   seconds over the sum of wall seconds of the per-feature calls.

Models and data (fixed seeds; every model is fitted on the table it is explained on):

* A -- ``RandomForestRegressor(n_estimators=100, max_depth=10, random_state=0,
  n_jobs=1)`` on ``make_friedman1(5000, n_features=10, noise=1, random_state=0)``;
* B -- ``LGBMClassifier(n_estimators=200, verbose=-1, random_state=0, n_jobs=1)`` on
  ``make_classification(5000, n_features=10, random_state=0)``;
* C -- ``autoxai.AutoML(n_trials=2, time_budget=None, cv=3, models=["lgbm"],
  ensemble=False, random_state=0)`` on a generated 5000-row table with 6 numeric and
  2 string columns and a regression target depending on both. Our functions get the
  fitted AutoML object; scikit-learn and the reference loops get ``automl.best_model_``
  (a Pipeline on the original columns).

Methodology
-----------
* Wall time with ``time.perf_counter`` around the whole call (for PDP and ALE: the loop
  over all features), median over repetitions (3 by default; 2 for drop-column, whose
  repetitions are the most expensive), min-max alongside. Ratio = median reference
  time / median ours, so ratio >= 1 means ours is not slower.
* The libraries take turns going first (even repetitions ours first, odd ones the
  reference first; the ``direction=True`` permutation run goes last). Everything runs
  once, untimed and on few rows, before any measurement (imports, first-call caches).
  The garbage collector is run (not disabled) before each timed call.
* All models run single-threaded (``n_jobs=1``) and so do both libraries (``n_jobs=1``);
  thread environment variables are left as they are and recorded in the report, with
  threadpoolctl's view of the BLAS/OpenMP pools.
* The 1-minute load average is recorded at the start and end: another process using
  the CPU inflates both sides of each ratio, though not necessarily equally.

Targets: permutation (``direction=False``) and PDP/ICE no slower than scikit-learn
(median ratio >= 1); PDP/ICE identical to scikit-learn within 1e-9; model-time share
>= 80 % for permutation, PDP/ICE and ALE. Checks (same definition, so should agree to
rounding): ALE and drop-column importance within 1e-9 of the reference loops.

Run ``python benchmarks/xai_global.py`` (``--quick`` for a smoke run on 300 rows,
``--reps``/``--drop-reps`` for the repetitions, ``--models``/``--sections`` to run a
part). The results go to ``benchmarks/results/xai_global.md`` unless ``--output`` says
otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from scipy import stats
from sklearn.base import clone
from sklearn.datasets import make_classification, make_friedman1
from sklearn.ensemble import RandomForestRegressor
from sklearn.inspection import partial_dependence as sk_partial_dependence
from sklearn.inspection import permutation_importance as sk_permutation_importance
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.model_selection import KFold, StratifiedKFold

import _common as common
import autoxai
from _common import Load, guarded, median, orders, seconds_text, timed, verdict
from autoxai import explain

MODELS = ("A", "B", "C")
SECTIONS = ("permutation", "pdp", "ale", "drop")
N_REPEATS = 5
CONFIDENCE = 0.95
ALE_BINS = 20
DROP_CV = 3
EXACT = 1e-9  # "identical": largest absolute difference allowed
SPEED_TARGET = 1.0
MODEL_TIME_TARGET = 0.80
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "xai_global.md"
DISTS = ("scikit-learn", "lightgbm", "numpy", "pandas", "scipy")


# -- models and data -----------------------------------------------------------------------
@dataclass
class Case:
    """One fitted model with its data: what ours and the references are given."""

    key: str
    title: str
    data: str
    task: str  # "regression" or "binary"
    X: pd.DataFrame
    y: pd.Series
    ours: Any  # passed to autoxai.explain (the AutoML object for C)
    estimator: Any  # passed to scikit-learn and the reference loops
    fit_seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def scoring(self) -> str:
        return "r2" if self.task == "regression" else "roc_auc"

    @property
    def numeric(self) -> list[str]:
        return [c for c in self.X.columns if pd.api.types.is_numeric_dtype(self.X[c])]

    @property
    def categorical(self) -> list[str]:
        return [c for c in self.X.columns if c not in self.numeric]


def _fit(model: Any, X: pd.DataFrame, y: pd.Series) -> float:
    start = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - start


def make_case(key: str, rows: int, quick: bool, seed: int) -> Case:
    columns = [f"x{i}" for i in range(10)]
    if key == "A":
        data, target = make_friedman1(rows, n_features=10, noise=1.0, random_state=seed)
        X, y = pd.DataFrame(data, columns=columns), pd.Series(target, name="y")
        trees = 20 if quick else 100
        model = RandomForestRegressor(n_estimators=trees, max_depth=10, random_state=seed, n_jobs=1)
        seconds = _fit(model, X, y)
        return Case(
            key,
            f"RandomForestRegressor(n_estimators={trees}, max_depth=10, n_jobs=1)",
            f"make_friedman1, {rows} x 10, noise=1",
            "regression",
            X,
            y,
            model,
            model,
            seconds,
        )
    if key == "B":
        data, target = make_classification(rows, n_features=10, random_state=seed)
        X, y = pd.DataFrame(data, columns=columns), pd.Series(target, name="y")
        trees = 20 if quick else 200
        model = LGBMClassifier(n_estimators=trees, verbose=-1, random_state=seed, n_jobs=1)
        seconds = _fit(model, X, y)
        return Case(
            key,
            f"LGBMClassifier(n_estimators={trees}, n_jobs=1)",
            f"make_classification, {rows} x 10, binary",
            "binary",
            X,
            y,
            model,
            model,
            seconds,
        )
    if key == "C":
        X, y = mixed_table(rows, seed)
        automl = autoxai.AutoML(
            n_trials=2,
            time_budget=None,
            cv=3,
            models=["lgbm"],
            ensemble=False,
            random_state=seed,
        )
        seconds = _fit(automl, X, y)
        best = automl.best_model_
        final = best.steps[-1][1] if hasattr(best, "steps") else best
        return Case(
            key,
            'AutoML(n_trials=2, time_budget=None, cv=3, models=["lgbm"], ensemble=False)',
            f"generated, {rows} rows: 6 numeric + 2 string columns, regression",
            "regression",
            X,
            y,
            automl,
            best,
            seconds,
            notes=[
                f"best_model_: a {type(best).__name__} ending in {type(final).__name__}"
                f"(n_estimators={getattr(final, 'n_estimators', '?')})"
            ],
        )
    raise ValueError(f"unknown model {key!r}")


def mixed_table(rows: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """6 numeric and 2 string columns; y depends on both kinds (with an interaction)."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(rows, 6)), columns=[f"n{i}" for i in range(6)])
    X["c0"] = rng.choice(np.array(["a", "b", "c", "d", "e"], dtype=object), size=rows)
    X["c1"] = rng.choice(np.array(["lo", "mid", "hi"], dtype=object), size=rows)
    level = X["c0"].map({"a": 0.0, "b": 1.0, "c": -1.0, "d": 2.0, "e": 0.5}).to_numpy()
    y = (
        2.0 * X["n0"]
        + np.sin(2.0 * X["n1"])
        + X["n2"] * X["n3"]
        + level
        + (X["c1"] == "hi").to_numpy() * X["n4"]
        + rng.normal(0.0, 0.5, rows)
    )
    return X, pd.Series(np.asarray(y, dtype=float), name="y")


# -- references ----------------------------------------------------------------------------
def outputs_of(estimator: Any, task: str) -> Callable[[pd.DataFrame], np.ndarray]:
    """What autoxai explains: class probabilities (classifiers) or the prediction."""
    if task == "regression":
        return lambda frame: np.asarray(estimator.predict(frame), dtype=float).reshape(-1, 1)
    return lambda frame: np.asarray(estimator.predict_proba(frame), dtype=float)


def ale_reference(
    predict: Callable[[pd.DataFrame], np.ndarray], X: pd.DataFrame, feature: str, bins: int
) -> tuple[np.ndarray, np.ndarray]:
    """First-order ALE by a plain loop over bins: ``(edges, values (n_outputs, n_edges))``.

    Edges: the distinct quantiles of the feature at ``0, 1/K, ..., 1``. Bin ``k`` holds
    the rows with ``edges[k] < x <= edges[k+1]`` (the first bin also ``x == edges[0]``);
    a bin without rows is merged into the next one (its upper edge is dropped). Each
    bin's local effect is the mean over its rows of f(upper edge) - f(lower edge); the
    effects are summed from the left (0 at the first edge) and the curve is centred by
    ``sum_k n_k * (A_k + A_{k+1}) / 2 / n``.
    """
    x = X[feature].to_numpy(dtype=float)

    def members(edges: np.ndarray) -> list[np.ndarray]:
        masks = []
        for k in range(len(edges) - 1):
            above = x >= edges[k] if k == 0 else x > edges[k]
            masks.append(above & (x <= edges[k + 1]))
        return masks

    edges = np.unique(np.quantile(x, np.linspace(0.0, 1.0, bins + 1)))
    masks = members(edges)
    if any(not m.any() for m in masks):
        kept = [edges[k + 1] for k, m in enumerate(masks) if m.any()]
        edges = np.array([edges[0], *kept])
        masks = members(edges)

    effects, counts = [], []
    for k, mask in enumerate(masks):
        low = X[mask].copy()
        high = X[mask].copy()
        low[feature] = edges[k]
        high[feature] = edges[k + 1]
        effects.append((predict(high) - predict(low)).mean(axis=0))
        counts.append(int(mask.sum()))
    accumulated = np.vstack([np.zeros_like(effects[0]), np.cumsum(effects, axis=0)])
    centre = sum(
        n_k * (accumulated[k] + accumulated[k + 1]) / 2 for k, n_k in enumerate(counts)
    ) / sum(counts)
    return edges, (accumulated - centre).T


def drop_column_reference(
    estimator: Any, X: pd.DataFrame, y: pd.Series, task: str, cv: int, seed: int
) -> np.ndarray:
    """Drop-column importance (mean over folds of baseline - ablated score) by plain refits.

    The folds and the model seed are drawn as ``explain.drop_column_importance`` draws
    them: one generator seeded with ``seed``, first the splitter's seed, then the seed
    given to every ``random_state`` parameter that is None.
    """
    rng = np.random.default_rng(seed)
    split_seed = int(rng.integers(2**31 - 1))
    model_seed = int(rng.integers(2**31 - 1))
    estimator = clone(estimator)
    unset = {
        key: model_seed
        for key, value in estimator.get_params(deep=True).items()
        if (key == "random_state" or key.endswith("__random_state")) and value is None
    }
    estimator.set_params(**unset)
    if task == "regression":
        splitter: Any = KFold(cv, shuffle=True, random_state=split_seed)
    else:
        splitter = StratifiedKFold(cv, shuffle=True, random_state=split_seed)

    def score(X_train: pd.DataFrame, y_train, X_test: pd.DataFrame, y_test) -> float:
        fitted = clone(estimator).fit(X_train, y_train)
        if task == "regression":
            return r2_score(y_test, fitted.predict(X_test))
        return roc_auc_score(y_test, fitted.predict_proba(X_test)[:, 1])

    target = y.to_numpy()
    drops = []
    for train, test in splitter.split(X, target):
        X_train = X.iloc[train].reset_index(drop=True)
        X_test = X.iloc[test].reset_index(drop=True)
        baseline = score(X_train, target[train], X_test, target[test])
        fold = []
        for column in X.columns:
            series = X_train[column]
            if pd.api.types.is_numeric_dtype(series):
                fill: Any = float(series.median())
            else:
                fill = series.mode().iloc[0]
            A, B = X_train.copy(), X_test.copy()
            A[column] = fill
            B[column] = fill
            fold.append(baseline - score(A, target[train], B, target[test]))
        drops.append(fold)
    return np.mean(drops, axis=0)


def t_halfwidth(samples: np.ndarray) -> np.ndarray:
    """Half-width of the 95 % t-interval of each row's mean (rows: features)."""
    n = samples.shape[1]
    sd = samples.std(axis=1, ddof=1)
    return stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * sd / np.sqrt(n)


# -- measurements --------------------------------------------------------------------------
@dataclass
class Row:
    """One method on one model: timings of both sides per repetition and the comparison."""

    case: str
    method: str
    reference: str
    ours: list[float] = field(default_factory=list)
    ref: list[float] = field(default_factory=list)
    checks: dict[str, list[float]] = field(default_factory=dict)  # name -> per repetition
    fraction: list[float] = field(default_factory=list)
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, value: float) -> None:
        self.checks.setdefault(name, []).append(float(value))

    @property
    def ratio(self) -> float | None:
        if not self.ours or not self.ref:
            return None
        return statistics.median(self.ref) / statistics.median(self.ours)


def log(case: Case, method: str, rep: int, reps: int, side: str, seconds: float) -> None:
    print(
        f"{case.key} {method:<26} rep {rep + 1}/{reps} {side:<5} {seconds:9.3f} s",
        file=sys.stderr,
        flush=True,
    )


def bench_permutation(case: Case, reps: int, seed: int) -> list[Row]:
    like = Row(case.key, "permutation (direction=False)", "sklearn permutation_importance")
    default = Row(case.key, "permutation (direction=True)", "sklearn permutation_importance")
    like.notes.append(f"scoring={case.scoring!r}, n_repeats={N_REPEATS}, n_jobs=1")

    def ours(
        direction: bool, rs: int, n_repeats: int = N_REPEATS, max_samples: int | None = None
    ) -> Any:
        return explain.permutation_importance(
            case.ours,
            case.X,
            case.y,
            scoring=case.scoring,
            n_repeats=n_repeats,
            max_samples=max_samples,
            n_jobs=1,
            random_state=rs,
            direction=direction,
        )

    def sk(rs: int, X: pd.DataFrame, y: pd.Series, n_repeats: int = N_REPEATS) -> Any:
        return sk_permutation_importance(
            case.estimator,
            X,
            y,
            scoring=case.scoring,
            n_repeats=n_repeats,
            n_jobs=1,
            random_state=rs,
        )

    def run() -> None:
        ours(True, seed, n_repeats=2, max_samples=min(100, len(case.X)))  # warm-up
        sk(seed, case.X.iloc[:100], case.y.iloc[:100], n_repeats=2)
        for rep in range(reps):
            rs = seed + rep
            results: dict[str, Any] = {}
            for side in orders(rep):
                if side == "ours":
                    results["ours"], seconds = timed(lambda rs=rs: ours(False, rs))
                    like.ours.append(seconds)
                else:
                    results["ref"], seconds = timed(lambda rs=rs: sk(rs, case.X, case.y))
                    like.ref.append(seconds)
                    default.ref.append(seconds)
                log(case, like.method, rep, reps, side, seconds)
            results["default"], seconds = timed(lambda rs=rs: ours(True, rs))
            default.ours.append(seconds)
            log(case, default.method, rep, reps, "ours", seconds)

            mine, theirs = results["ours"], results["ref"]
            half_ours = (mine.interval[1] - mine.interval[0]) / 2
            half_sk = t_halfwidth(theirs.importances)
            agree = np.abs(mine.values - theirs.importances_mean) <= half_ours + half_sk
            like.add("agreement", agree.mean())
            like.fraction.append(mine.diagnostics["model_time_fraction"])
            default.fraction.append(results["default"].diagnostics["model_time_fraction"])
            if rep == 0:
                like.notes.append(per_feature_table(case, mine, theirs, half_ours, half_sk))
                same = np.allclose(results["default"].values, mine.values, rtol=0, atol=0)
                default.notes.append(
                    "same importances as direction=False (same seed): "
                    + ("yes" if same else "**no**")
                )

    guarded(like, run)
    default.error = like.error
    return [like, default]


def per_feature_table(case: Case, mine: Any, theirs: Any, h_ours: Any, h_sk: Any) -> str:
    lines = [
        f"Model {case.key}, repetition 1: mean ± 95 % half-width per feature.",
        "",
        "| feature | autoxai | sklearn | agree |",
        "|---|---:|---:|:---:|",
    ]
    for j, name in enumerate(mine.feature_names):
        a, b = mine.values[j], theirs.importances_mean[j]
        ok = abs(a - b) <= h_ours[j] + h_sk[j]
        lines.append(
            f"| {name} | {a:.4f} ± {h_ours[j]:.4f} | {b:.4f} ± {h_sk[j]:.4f} "
            f"| {'yes' if ok else '**no**'} |"
        )
    return "\n".join(lines)


def bench_pdp(case: Case, reps: int, seed: int) -> list[Row]:
    row = Row(case.key, "PDP/ICE, all features", "sklearn partial_dependence (brute)")
    features = list(case.X.columns)
    categorical = case.categorical or None

    def ours_one(feature: str, grid: np.ndarray) -> Any:
        return explain.partial_dependence(case.ours, case.X, feature, grid=grid, kind="both")

    def sk_one(feature: str, grid: np.ndarray, X: pd.DataFrame | None = None) -> Any:
        return sk_partial_dependence(
            case.estimator,
            case.X if X is None else X,
            [feature],
            categorical_features=categorical,
            custom_values={feature: grid},
            kind="both",
            method="brute",
        )

    def run() -> None:
        # Untimed first calls: our default grid (taken from all rows, whatever
        # max_samples) and warm-ups of both libraries on a few rows.
        grids = {
            f: explain.partial_dependence(
                case.ours, case.X, f, max_samples=min(50, len(case.X)), random_state=seed
            ).grid
            for f in features
        }
        sk_one(features[0], grids[features[0]], case.X.iloc[:50])
        if categorical:
            row.notes.append(
                f"scikit-learn given categorical_features={categorical} (string columns)"
            )
        row.notes.append(
            "grid sizes: "
            + ", ".join(f"{f} {len(g)}" for f, g in grids.items())
            + f"; {len(case.X)} rows"
        )
        for rep in range(reps):
            results: dict[str, Any] = {}
            for side in orders(rep):
                one = ours_one if side == "ours" else sk_one
                results[side], seconds = timed(lambda one=one: [one(f, grids[f]) for f in features])
                (row.ours if side == "ours" else row.ref).append(seconds)
                log(case, row.method, rep, reps, side, seconds)
            diff_average, diff_individual, grid_ok = 0.0, 0.0, True
            for mine, theirs, f in zip(results["ours"], results["ref"], features):
                grid_ok &= _same_grid(theirs["grid_values"][0], grids[f])
                diff_average = max(
                    diff_average, float(np.max(np.abs(mine.average[-1] - theirs["average"][0])))
                )
                diff_individual = max(
                    diff_individual,
                    float(np.max(np.abs(mine.individual[-1] - theirs["individual"][0]))),
                )
            row.add("max |Δ average|", diff_average)
            row.add("max |Δ individual|", diff_individual)
            note = "**scikit-learn's grid_values differ from the grid given**"
            if not grid_ok and note not in row.notes:
                row.notes.append(note)
            model = sum(r.diagnostics["model_seconds"] for r in results["ours"])
            wall = sum(r.diagnostics["wall_seconds"] for r in results["ours"])
            row.fraction.append(model / wall)

    guarded(row, run)
    return [row]


def _same_grid(theirs: np.ndarray, ours: np.ndarray) -> bool:
    if len(theirs) != len(ours):
        return False
    try:
        return bool(np.array_equal(np.asarray(theirs, dtype=float), np.asarray(ours, dtype=float)))
    except (TypeError, ValueError):
        return [str(v) for v in theirs] == [str(v) for v in ours]


def bench_ale(case: Case, reps: int, seed: int) -> list[Row]:
    features = case.numeric
    row = Row(case.key, f"ALE, {len(features)} numeric features", "loop over bins (this file)")
    predict = outputs_of(case.estimator, case.task)

    def ours_one(feature: str) -> Any:
        return explain.ale(case.ours, case.X, feature, grid_resolution=ALE_BINS)

    def reference_one(feature: str) -> tuple[np.ndarray, np.ndarray]:
        return ale_reference(predict, case.X, feature, ALE_BINS)

    def run() -> None:
        small = case.X.iloc[: min(100, len(case.X))]
        explain.ale(case.ours, small, features[0], grid_resolution=ALE_BINS)  # warm-up
        ale_reference(predict, small, features[0], ALE_BINS)
        for rep in range(reps):
            results: dict[str, Any] = {}
            for side in orders(rep):
                one = ours_one if side == "ours" else reference_one
                results[side], seconds = timed(lambda one=one: [one(f) for f in features])
                (row.ours if side == "ours" else row.ref).append(seconds)
                log(case, row.method, rep, reps, side, seconds)
            diff, grid_ok = 0.0, True
            for mine, (edges, values) in zip(results["ours"], results["ref"]):
                if len(edges) != len(mine.grid) or not np.array_equal(edges, mine.grid):
                    grid_ok = False
                    continue
                diff = max(diff, float(np.max(np.abs(mine.values - values))))
            row.add("max |Δ ALE|", diff if grid_ok else float("nan"))
            note = "**bin edges differ from the reference's** (difference not computed)"
            if not grid_ok and note not in row.notes:
                row.notes.append(note)
            model = sum(r.diagnostics["model_seconds"] for r in results["ours"])
            wall = sum(r.diagnostics["wall_seconds"] for r in results["ours"])
            row.fraction.append(model / wall)

    guarded(row, run)
    return [row]


def bench_drop(case: Case, reps: int, seed: int) -> list[Row]:
    row = Row(
        case.key,
        f"drop-column (cv={DROP_CV})",
        "plain refit loop (this file)",
    )
    n_fits = DROP_CV * (case.X.shape[1] + 1)
    row.notes.append(f"{n_fits} fits per side; scoring={case.scoring!r}, n_jobs=1")

    def ours() -> Any:
        return explain.drop_column_importance(
            case.ours,
            case.X,
            case.y,
            cv=DROP_CV,
            scoring=case.scoring,
            n_jobs=1,
            random_state=seed,
        )

    def reference() -> np.ndarray:
        return drop_column_reference(case.estimator, case.X, case.y, case.task, DROP_CV, seed)

    def run() -> None:
        # Warm-up, untimed: 2 folds of 60 rows.
        small, labels = case.X.iloc[:60], case.y.iloc[:60]
        explain.drop_column_importance(case.ours, small, labels, cv=2, random_state=seed)
        drop_column_reference(case.estimator, small, labels, case.task, 2, seed)
        for rep in range(reps):
            results: dict[str, Any] = {}
            for side in orders(rep):
                results[side], seconds = timed(ours if side == "ours" else reference)
                (row.ours if side == "ours" else row.ref).append(seconds)
                log(case, row.method, rep, reps, side, seconds)
            row.add(
                "max |Δ importance|", float(np.max(np.abs(results["ours"].values - results["ref"])))
            )
            row.fraction.append(results["ours"].diagnostics["model_time_fraction"])

    guarded(row, run)
    return [row]


BENCHES = {
    "permutation": bench_permutation,
    "pdp": bench_pdp,
    "ale": bench_ale,
    "drop": bench_drop,
}


# -- the report ----------------------------------------------------------------------------
def _check_text(row: Row) -> str:
    parts = []
    for name, values in row.checks.items():
        if name == "agreement":
            parts.append(f"agreement {median(values):.0%} (min {min(values):.0%})")
        else:
            parts.append(f"{name} {max(values):.2e}")
    return "; ".join(parts) or "–"


def _fraction_text(row: Row) -> str:
    return f"{median(row.fraction):.0%}" if row.fraction else "–"


def headline(rows: list[Row]) -> list[tuple[str, str, str, str]]:
    """(target, model, measured, verdict) for every target and check that was measured."""
    out = []
    for row in rows:
        if row.error:
            out.append((row.method, row.case, f"error: {row.error[:80]}", "**not measured**"))
            continue
        if row.method.startswith("permutation (direction=False)"):
            out.append(
                (
                    "permutation: ratio sklearn/ours ≥ 1",
                    row.case,
                    f"{row.ratio:.2f}",
                    verdict(row.ratio >= SPEED_TARGET),
                )
            )
            agreement = median(row.checks["agreement"])
            out.append(
                (
                    "permutation: features within the summed 95 % half-widths (no target)",
                    row.case,
                    f"{agreement:.0%}",
                    "info",
                )
            )
        if row.method.startswith("PDP"):
            diff = max(max(v) for v in row.checks.values())
            out.append(
                (
                    f"PDP/ICE: identical to sklearn within {EXACT:g}",
                    row.case,
                    f"{diff:.2e}",
                    verdict(diff <= EXACT),
                )
            )
            out.append(
                (
                    "PDP/ICE: ratio sklearn/ours ≥ 1",
                    row.case,
                    f"{row.ratio:.2f}",
                    verdict(row.ratio >= SPEED_TARGET),
                )
            )
        if row.method.startswith("ALE"):
            diffs = row.checks["max |Δ ALE|"]
            same_edges = not any(np.isnan(diffs))
            out.append(
                (
                    f"ALE: equal to the reference loop within {EXACT:g} (check)",
                    row.case,
                    f"{max(diffs):.2e}" if same_edges else "bin edges differ",
                    verdict(same_edges and max(diffs) <= EXACT),
                )
            )
        if row.method.startswith("drop-column"):
            diff = max(row.checks["max |Δ importance|"])
            out.append(
                (
                    f"drop-column: equal to the refit loop within {EXACT:g} (check)",
                    row.case,
                    f"{diff:.2e}",
                    verdict(bool(diff <= EXACT)),
                )
            )
        if row.fraction and not row.method.startswith(("drop", "permutation (direction=True")):
            share = median(row.fraction)
            name = row.method.split(",")[0].split(" (")[0]
            out.append(
                (
                    f"{name}: model-time share ≥ {MODEL_TIME_TARGET:.0%}",
                    row.case,
                    f"{share:.0%}",
                    verdict(share >= MODEL_TIME_TARGET),
                )
            )
    order = [
        "permutation: ratio",
        "permutation: features",
        "PDP/ICE: identical",
        "PDP/ICE: ratio",
        "ALE: equal",
        "drop-column: equal",
        "permutation: model",
        "PDP/ICE: model",
        "ALE: model",
    ]

    def rank(item: tuple[str, str, str, str]) -> tuple[int, str]:
        hits = [i for i, prefix in enumerate(order) if item[0].startswith(prefix)]
        return (hits[0] if hits else len(order), item[1])

    return sorted(out, key=rank)


def render(
    cases: list[Case],
    rows: list[Row],
    args: argparse.Namespace,
    command: str,
    started: dt.datetime,
    elapsed: float,
    load: Load,
) -> str:
    lines = [
        "# Global explanations: autoxai.explain vs scikit-learn and reference loops",
        "",
        f"- date: {started.isoformat(timespec='seconds')} (whole run {elapsed:.0f} s)",
        *common.provenance_lines(
            command, load, DISTS, ["every model and both libraries run with n_jobs=1"]
        ),
        f"- repetitions: {args.reps} (drop-column: {args.drop_reps}); "
        f"sections: {', '.join(args.sections)}; {args.rows} rows per table",
        *(
            [
                "- **smoke run (`--quick`)**: 300 rows and 20 trees (AutoML unchanged); at "
                "this size fixed per-call costs (scoring, pandas copies) weigh far more than "
                "at full size, so the verdicts below say little"
            ]
            if args.quick
            else []
        ),
        "",
        "Times are wall seconds, median over repetitions (min-max in brackets); ratio = "
        "median reference time / median autoxai time (≥ 1: autoxai not slower). "
        "Model-time share = autoxai's `diagnostics['model_time_fraction']` (time inside "
        "the model's `predict`/`predict_proba` over wall time; for drop-column fitting "
        "and predicting), median over repetitions.",
        "",
        "## Headline",
        "",
        "| target | model | measured | verdict |",
        "|---|---|---:|---|",
    ]
    lines += [f"| {t} | {m} | {v} | {verdict} |" for t, m, v, verdict in headline(rows)]
    lines += [
        "",
        "## Models and data",
        "",
        "| model | estimator | data | fit s | notes |",
        "|---|---|---|---:|---|",
    ]
    for case in cases:
        lines.append(
            f"| {case.key} | `{case.title}` | {case.data} | {case.fit_seconds:.2f} "
            f"| {'; '.join(case.notes) or '–'} |"
        )
    for case in cases:
        lines += [
            "",
            f"## Model {case.key}: {case.title}",
            "",
            "| method | autoxai s | reference | reference s | ratio ref/autoxai "
            "| agreement / max difference | model-time share |",
            "|---|---:|---|---:|---:|---|---:|",
        ]
        mine = [r for r in rows if r.case == case.key]
        for row in mine:
            if row.error:
                lines.append(
                    f"| {row.method} | – | {row.reference} | – | – | **error:** {row.error} | – |"
                )
                continue
            ratio = "–" if row.ratio is None else f"{row.ratio:.2f}"
            lines.append(
                f"| {row.method} | {seconds_text(row.ours)} | {row.reference} "
                f"| {seconds_text(row.ref)} | {ratio} | {_check_text(row)} "
                f"| {_fraction_text(row)} |"
            )
        notes = [n for r in mine for n in r.notes if "\n" not in n]
        if notes:
            lines += ["", *[f"- {n}" for n in notes]]
    tables = [n for r in rows for n in r.notes if "\n" in n]
    if tables:
        lines += ["", "## Permutation importance per feature", ""]
        for table in tables:
            lines += [table, ""]
    lines += [
        "",
        "## Notes",
        "",
        "- Permutation: the two libraries draw different permutations, so their means "
        "differ by sampling noise; a feature agrees when the difference is within the "
        "sum of the two 95 % t-interval half-widths (n_repeats=5, t with 4 d.o.f.). "
        "`direction=True` (the default) adds a partial-dependence pass on ≤ 500 rows and "
        "10 grid points per numeric feature to give the sign of each effect; its time "
        "is compared with the same scikit-learn runs.",
        "- PDP/ICE: same grid for both (autoxai's default: 20 quantiles between the 5th "
        "and 95th percentiles; the levels of a string column); scikit-learn keeps only "
        "the positive class of a binary classifier, compared with autoxai's last output. "
        "Our time includes one extra prediction of the unmodified rows per feature (the "
        "ICE heterogeneity diagnostic).",
        "- ALE: the reference predicts each bin's rows at its two edges, two `predict` "
        "calls per bin; autoxai stacks all rows into one call per feature.",
        "- Drop-column: the reference reproduces the folds and model seed as "
        "`_ablation.py` draws them, and takes a string column's mode with "
        "`Series.mode()` (ties: the smallest value) where autoxai takes the first of "
        "`value_counts()`; a tie would make the two differ.",
    ]
    return "\n".join(lines) + "\n"


# -- command line --------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = common.argument_parser(
        "Global explanations of autoxai vs scikit-learn and reference loops.",
        DEFAULT_OUTPUT,
        "smoke run: 300 rows, 20 trees, 1 repetition",
    )
    parser.add_argument(
        "--reps", type=int, default=None, help="repetitions (default 3; --quick: 1)"
    )
    parser.add_argument(
        "--drop-reps",
        type=int,
        default=None,
        help="repetitions of drop-column importance (default 2; --quick: 1)",
    )
    parser.add_argument(
        "--rows", type=int, default=None, help="rows of every table (default 5000; --quick: 300)"
    )
    parser.add_argument(
        "--models", nargs="+", choices=MODELS, default=list(MODELS), help="models (A B C)"
    )
    parser.add_argument(
        "--sections",
        nargs="+",
        choices=SECTIONS,
        default=list(SECTIONS),
        help="methods to measure (default: all)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of data, models and methods")
    args = parser.parse_args(argv)
    args.reps = args.reps or (1 if args.quick else 3)
    args.drop_reps = args.drop_reps or (1 if args.quick else 2)
    args.rows = args.rows or (300 if args.quick else 5000)
    if args.reps < 1 or args.drop_reps < 1:
        parser.error("--reps and --drop-reps must be >= 1")
    if args.rows < 50:
        parser.error("--rows must be >= 50")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = common.command_line("xai_global.py", argv)
    warnings.filterwarnings("ignore", message=".*does not have valid feature names.*")

    started = dt.datetime.now().astimezone()
    meter = common.LoadMeter()
    clock = time.perf_counter()
    cases, rows = [], []
    for key in args.models:
        case = make_case(key, args.rows, args.quick, args.seed)
        print(f"model {key}: fitted in {case.fit_seconds:.2f} s", file=sys.stderr, flush=True)
        cases.append(case)
        for section in args.sections:
            reps = args.drop_reps if section == "drop" else args.reps
            rows += BENCHES[section](case, reps, args.seed)
    elapsed = time.perf_counter() - clock
    load = meter.stop()
    report = render(cases, rows, args, command, started, elapsed, load)

    common.write_report(args.output, report)
    meta = {"command": command, "started": started, "load": asdict(load)}
    common.write_raw(common.raw_path(args.output), meta, [asdict(r) for r in rows])
    return 0


if __name__ == "__main__":
    sys.exit(main())
