"""Local explanations: autoxai.explain's SHAP and LIME against the shap and lime packages.

What is measured
----------------
Four comparisons, all in the same run, each on the same fitted model, rows and (where
there is one) background for both libraries:

1. **TreeSHAP, scikit-learn trees** -- ``explain.shap_values(model, X_df,
   method="tree")`` (the public path: our vectorised path-dependent TreeSHAP plus the
   additivity check and the summaries of the Explanation) against
   ``shap.TreeExplainer(model, feature_perturbation="tree_path_dependent")
   .shap_values(X)`` (construction included: it converts the model; its default
   additivity check included) on 1,000 rows, for a ``RandomForestRegressor`` and a
   ``GradientBoostingRegressor`` on ``make_friedman1(5000, n_features=10)`` and a
   ``RandomForestClassifier`` and a ``GradientBoostingClassifier`` on
   ``make_classification(5000, 10)`` (forests: 100 trees, ``max_depth=10``; boosting:
   100 trees, ``max_depth=3``). The low-level ``autoxai.explain.shap._tree.tree_shap``
   is timed too. Compared: the largest absolute difference of the values (and of the
   base values) after aligning the layouts -- ours is ``(n_outputs, n_rows,
   n_features)``, shap's ``(n_rows, n_features[, n_outputs])``; the forest classifier is
   explained in probabilities (one output per class), gradient boosting classifiers in
   log-odds (one output). Targets: time ratio ours/shap <= 2.0, difference <= 1e-8.
2. **LightGBM's own TreeSHAP** -- ``LGBMRegressor`` / ``LGBMClassifier`` (200 trees) on
   the same tables: ``explain.shap_values(model, X_df, method="tree")`` (LightGBM's
   ``pred_contrib``, plus our additivity check on the raw scores) against
   ``shap.TreeExplainer(model).shap_values(X)`` (which also calls ``pred_contrib`` and,
   for LightGBM, checks nothing). Both read the same numbers from LightGBM, so the
   difference should be 0 up to float rounding (target <= 1e-9); the times are reported
   for information. ``native_contributions`` (the low-level call) is timed too.
3. **Kernel SHAP** -- a model treated as a black box, fitted on 2,000 rows of
   ``make_friedman1`` with M = 10 and M = 20 features: at M = 10
   ``Pipeline(StandardScaler(), MLPRegressor((32,), random_state=0, max_iter=500))``, at
   M = 20 ``GradientBoostingRegressor(n_estimators=100, max_depth=3)`` (a tree model, so
   that an exact reference exists), explained on 20 other rows against the same 50
   background rows (a seeded sample of the training rows) by
   ``explain.shap_values(model, X_rows_df, background=bg_df, method="kernel",
   max_exact=0, n_samples=N)`` (``max_exact=0`` forces sampling) and by
   ``shap.KernelExplainer(f, bg).shap_values(X_rows, nsamples=N, l1_reg=False)`` with
   N = 500 and 2,000 coalitions per row. ``l1_reg=False`` makes shap's estimate the
   plain Kernel SHAP regression; shap's default ``l1_reg="num_features(10)"`` (which
   keeps only 10 features, so it matters at M = 20) is run beside it at M = 20 and
   reported apart. Ground truth, exact and from neither library's Kernel SHAP: at
   M = 10 the brute-force Shapley sum over all 2^10 coalitions written here
   (:func:`brute_force_shapley`) for every explained row; at M = 20 shap's exact
   interventional TreeSHAP against the same background
   (``shap.TreeExplainer(model, data=bg, feature_perturbation="interventional")``), the
   very value function Kernel SHAP estimates. Both are checked for additivity (base +
   values = prediction, within 1e-6), and ours exact (``max_exact=12``) is checked
   against the brute force at M = 10. Compared: the mean absolute error against the
   ground truth over rows x features, and the wall time per explained row. Targets:
   lower error than shap at equal evaluations (equal errors, as when both enumerate
   every coalition, are ties, not wins), and >= 2x faster.
4. **LIME** -- ``explain.lime(model, X, row, num_samples=5000, random_state=s,
   output=1)`` against ``lime.lime_tabular.LimeTabularExplainer(X,
   mode="classification", discretize_continuous=True, random_state=s)
   .explain_instance(X[row], model.predict_proba, labels=(1,), num_features=10,
   num_samples=5000)`` (both: quartile bins, kernel width ``0.75 * sqrt(10)``,
   ridge with ``alpha=1``, all 10 features) on a ``RandomForestClassifier`` (100 trees)
   and a ``Pipeline(StandardScaler(), LogisticRegression())`` fitted on
   ``make_classification(1000, 10)``, 20 rows, 10 seeds each. Compared: time per
   explanation (median over rows x seeds), top-5 stability (per row the mean pairwise
   Jaccard overlap of the 10 seeds' top-5 feature sets by ``|weight|``, averaged over
   rows) and fidelity (ours ``diagnostics["fidelity"]``, lime's ``exp.score``: both the
   weighted R² of the surrogate). The explainers of ``lime`` are built before the clock
   starts (it computes its bin statistics once); ours computes them in every call. The
   model's own ``predict_proba`` on 5,000 rows is timed as the floor of both. Targets:
   ours >= 2x faster per row, and at least as stable. Ours is also timed with
   ``stability_seeds=9`` (the 10 runs in one call).

Methodology
-----------
* ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``,
  ``VECLIB_MAXIMUM_THREADS`` and ``NUMEXPR_NUM_THREADS`` are set to 1 at the top of this
  script, before numpy is imported, so both libraries (and LightGBM's OpenMP) run on one
  thread; every model also has ``n_jobs=1``. The report records them with
  threadpoolctl's view.
* Every model is fitted on numpy arrays, so both libraries call it on arrays (ours
  passes arrays to a model fitted without column names).
* Wall time with ``time.perf_counter`` around the whole call, median over repetitions
  (3 by default) with min-max; the two libraries take turns going first (even
  repetitions ours first). Each side runs once untimed on a few rows first. The
  garbage collector runs before each timed call (LIME: before each row).
* Kernel SHAP at equal evaluations: both are given N coalitions per row; both
  enumerate the coalition sizes of largest kernel weight while the budget allows and
  draw the rest (in complementary pairs), and evaluate each distinct coalition once
  over the 50 background rows, so each calls the model on at most N x 50 rows per
  explained row plus the row itself and the background once. The rows actually passed
  to the model are reported per explained row: ours from
  ``diagnostics["n_evaluations"]``, shap's from a counting wrapper around the model's
  ``predict`` (its construction, which predicts the background, included).
* The CPU used by other processes during the run is measured from ``/proc/stat`` and
  the 1-minute load average recorded at start and end (above 0.2 cores the run is
  marked as not quiet).

Run ``python benchmarks/xai_local.py`` alone on a quiet machine: about 7 minutes on 2
cores, estimated from single-call timings (TreeSHAP ~1.2 min, most of it shap on the
random forest regressor; LightGBM seconds; Kernel SHAP ~1-2 min; LIME ~1.2 min); not
re-timed since the ground truth became exact. ``--quick`` is a smoke run on tiny sizes
(about 15 s); ``--reps``, ``--sections`` and ``--output`` adjust it. The results go to
``benchmarks/results/xai_local.md`` unless ``--output`` says otherwise.
"""

from __future__ import annotations

import os

import _common as common
from _common import THREAD_VARS

# One thread for every library: set before numpy (and anything that loads BLAS/OpenMP).
os.environ.update(dict.fromkeys(THREAD_VARS, "1"))

import argparse
import dataclasses
import datetime as dt
import gc
import itertools
import math
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lime
import lime.lime_tabular
import numpy as np
import pandas as pd
import shap
from lightgbm import LGBMClassifier, LGBMRegressor
from sklearn.datasets import make_classification, make_friedman1
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from _common import Load, guarded, median, orders, seconds_text, timed, verdict
from autoxai import explain
from autoxai.explain.shap._native import native_contributions
from autoxai.explain.shap._tree import tree_shap

SECTIONS = ("tree", "native", "kernel", "lime")
TREE_RATIO_TARGET = 2.0  # ours / shap, at most
TREE_EXACT = 1e-8
NATIVE_EXACT = 1e-9
BRUTE_EXACT = 1e-8
MAX_BRUTE = 12  # features up to which the Kernel SHAP ground truth is the brute-force sum
# base + values = prediction for the ground truth: shap's TreeSHAP on scikit-learn's
# float32 trees leaves ~4e-8 on outputs of ~15, far below the errors compared (~1e-3)
TRUTH_ADDITIVITY = 1e-6
KERNEL_SPEED_TARGET = 2.0  # shap / ours, at least
LIME_SPEED_TARGET = 2.0  # lime / ours, at least
TOP_K = 5
DISTS = ("shap", "lime", "scikit-learn", "lightgbm", "numpy", "pandas", "scipy")
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "xai_local.md"


@dataclass(frozen=True)
class Sizes:
    """Every size of the run (full or --quick)."""

    tree_train: int = 5000
    tree_rows: int = 1000
    forest_trees: int = 100
    boosting_trees: int = 100
    lgbm_trees: int = 200
    kernel_train: int = 2000
    kernel_rows: int = 20
    kernel_features: tuple[int, ...] = (10, 20)
    background: int = 50
    budgets: tuple[int, ...] = (500, 2000)
    kernel_trees: int = 100  # the gradient boosting explained above MAX_BRUTE features
    lime_data: int = 1000
    lime_rows: int = 20
    lime_seeds: int = 10
    lime_samples: int = 5000
    lime_trees: int = 100


QUICK = Sizes(
    tree_train=400,
    tree_rows=100,
    forest_trees=10,
    boosting_trees=10,
    lgbm_trees=20,
    kernel_train=300,
    kernel_rows=3,
    background=10,
    budgets=(100, 300),
    kernel_trees=10,
    lime_data=300,
    lime_rows=3,
    lime_seeds=3,
    lime_samples=500,
    lime_trees=10,
)


# -- results ---------------------------------------------------------------------------------
@dataclass
class Row:
    """One comparison: both sides' timings per repetition, and named measurements."""

    section: str
    case: str
    ours: list[float] = field(default_factory=list)
    ref: list[float] = field(default_factory=list)
    values: dict[str, list[float]] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def add(self, name: str, value: float) -> None:
        self.values.setdefault(name, []).append(float(value))

    def get(self, name: str) -> list[float]:
        return self.values.get(name, [])


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def fit(model: Any, X: np.ndarray, y: np.ndarray) -> float:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return time.perf_counter() - start


def frame(X: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])


def as_outputs_first(values: Any) -> np.ndarray:
    """shap's layout -- (n, M), (n, M, K) or a list of K (n, M) -- as (K, n, M)."""
    if isinstance(values, list):
        return np.stack([np.asarray(v, dtype=float) for v in values])
    array = np.asarray(values, dtype=float)
    if array.ndim == 2:
        return array[None]
    return np.moveaxis(array, -1, 0)


def align(ours: np.ndarray, theirs: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """Both as (K, n, M); a binary model with one output on one side: the last output."""
    if ours.shape == theirs.shape:
        return ours, theirs, f"same shape {ours.shape}"
    if ours.shape[0] == 1 and theirs.shape[0] == 2 and ours.shape[1:] == theirs.shape[1:]:
        return ours, theirs[-1:], f"ours {ours.shape} vs shap's positive class of {theirs.shape}"
    raise ValueError(f"shapes do not match: ours {ours.shape}, shap {theirs.shape}")


# -- 1 and 2: TreeSHAP -------------------------------------------------------------------------
def tree_cases(sizes: Sizes, seed: int, native: bool) -> list[tuple[str, str, Any, np.ndarray]]:
    """(name, description, fitted model, rows to explain) for section 1 or 2."""
    Xr, yr = make_friedman1(sizes.tree_train, n_features=10, noise=1.0, random_state=seed)
    Xc, yc = make_classification(sizes.tree_train, n_features=10, random_state=seed)
    data_r = f"make_friedman1({sizes.tree_train}, n_features=10, noise=1)"
    data_c = f"make_classification({sizes.tree_train}, n_features=10), binary"
    n = sizes.tree_rows
    if native:
        t = sizes.lgbm_trees
        specs = [
            (f"LGBMRegressor(n_estimators={t})", data_r, LGBMRegressor, Xr, yr),
            (f"LGBMClassifier(n_estimators={t})", data_c, LGBMClassifier, Xc, yc),
        ]
        made = [
            (name, data, kind(n_estimators=t, n_jobs=1, verbose=-1, random_state=seed), X, y)
            for name, data, kind, X, y in specs
        ]
    else:
        f, b = sizes.forest_trees, sizes.boosting_trees
        made = [
            (
                f"RandomForestRegressor(n_estimators={f}, max_depth=10)",
                data_r,
                RandomForestRegressor(f, max_depth=10, n_jobs=1, random_state=seed),
                Xr,
                yr,
            ),
            (
                f"RandomForestClassifier(n_estimators={f}, max_depth=10)",
                data_c,
                RandomForestClassifier(f, max_depth=10, n_jobs=1, random_state=seed),
                Xc,
                yc,
            ),
            (
                f"GradientBoostingRegressor(n_estimators={b}, max_depth=3)",
                data_r,
                GradientBoostingRegressor(n_estimators=b, max_depth=3, random_state=seed),
                Xr,
                yr,
            ),
            (
                f"GradientBoostingClassifier(n_estimators={b}, max_depth=3)",
                data_c,
                GradientBoostingClassifier(n_estimators=b, max_depth=3, random_state=seed),
                Xc,
                yc,
            ),
        ]
    cases = []
    for name, data, model, X, y in made:
        seconds = fit(model, X, y)
        log(f"fitted {name} in {seconds:.2f} s")
        cases.append((name, f"{data}; fit {seconds:.1f} s", model, X[:n]))
    return cases


def shap_tree(model: Any, X: np.ndarray, native: bool) -> tuple[Any, float, float]:
    """shap's values, its expected value and the seconds its construction took."""
    start = time.perf_counter()
    if native:
        explainer = shap.TreeExplainer(model)
    else:
        explainer = shap.TreeExplainer(model, feature_perturbation="tree_path_dependent")
    built = time.perf_counter() - start
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="LightGBM binary classifier")
        values = explainer.shap_values(X)
    return values, explainer.expected_value, built


def bench_tree(sizes: Sizes, reps: int, seed: int, native: bool) -> list[Row]:
    section = "native" if native else "tree"
    rows = []
    for name, data, model, X in tree_cases(sizes, seed, native):
        row = Row(section, name, info={"data": data, "rows": len(X)})
        X_df = frame(X)
        low_level = native_contributions if native else tree_shap

        def run(row=row, model=model, X=X, X_df=X_df, low_level=low_level) -> None:
            # untimed warm-up on a few rows
            explain.shap_values(model, X_df.iloc[:5], method="tree")
            shap_tree(model, X[:5], native)
            low_level(model, X[:5])
            for rep in range(reps):
                got: dict[str, Any] = {}
                for side in orders(rep):
                    if side == "ours":
                        got["ours"], seconds = timed(
                            lambda: explain.shap_values(model, X_df, method="tree")
                        )
                        row.ours.append(seconds)
                    else:
                        got["ref"], seconds = timed(lambda: shap_tree(model, X, native))
                        row.ref.append(seconds)
                        row.add("shap construction s", got["ref"][2])
                    log(f"{section} {row.case:<58} rep {rep + 1}/{reps} {side:<4} {seconds:8.3f} s")
                (_, low_values, _), seconds = timed(lambda: low_level(model, X))
                row.add("low-level s", seconds)
                mine = got["ours"]
                ours_v, theirs_v, how = align(
                    np.asarray(mine.values, dtype=float), as_outputs_first(got["ref"][0])
                )
                row.add("max |Δ values|", np.max(np.abs(ours_v - theirs_v)))
                base_ours = np.atleast_1d(np.asarray(mine.arrays["base_value"], dtype=float))
                base_theirs = np.atleast_1d(np.asarray(got["ref"][1], dtype=float))
                if base_theirs.shape != base_ours.shape:
                    base_theirs = base_theirs[-len(base_ours) :]
                row.add("max |Δ base|", np.max(np.abs(base_ours - base_theirs)))
                low = np.asarray(low_values, dtype=float)
                row.add("max |Δ low-level vs public|", np.max(np.abs(low - mine.values)))
                row.add("additivity error (ours)", mine.diagnostics["additivity_error"])
                if rep == 0:
                    row.info["method"] = mine.settings["method"]
                    row.info["output"] = mine.settings["output"]
                    row.info["layout"] = how

        guarded(row, run)
        rows.append(row)
    return rows


# -- 3: Kernel SHAP ----------------------------------------------------------------------------
class Counting:
    """A model that counts the rows its ``predict`` is called on, and the time inside.

    autoxai calls ``predict`` of anything that has one (no probe call, as for a bare
    function), shap and lime call the object itself; both count.
    """

    def __init__(self, predict: Callable[[np.ndarray], np.ndarray]) -> None:
        self._predict = predict
        self.rows = 0
        self.calls = 0
        self.seconds = 0.0

    def predict(self, X: Any) -> np.ndarray:
        self.rows += len(X)
        self.calls += 1
        start = time.perf_counter()
        out = self._predict(np.asarray(X, dtype=float))
        self.seconds += time.perf_counter() - start
        return out

    __call__ = predict


def brute_force_shapley(
    predict: Callable[[np.ndarray], np.ndarray], x: np.ndarray, background: np.ndarray
) -> tuple[float, np.ndarray]:
    """Interventional Shapley values of one row from the definition: ``(base, phi)``.

    ``v(S) = mean_b f(x_S, b_rest)`` on all ``2^M`` coalitions, then
    ``phi_i = sum_{S not containing i} |S|! (M - |S| - 1)! / M! (v(S + i) - v(S))``.
    """
    m = len(x)
    masks = ((np.arange(2**m)[:, None] >> np.arange(m)) & 1).astype(bool)
    table = np.where(masks[:, None, :], x[None, None, :], background[None, :, :])
    v = np.asarray(predict(table.reshape(-1, m)), dtype=float)
    v = v.reshape(2**m, len(background)).mean(axis=1)
    phi = np.zeros(m)
    for i in range(m):
        for S in range(2**m):
            if S >> i & 1:
                continue
            s = bin(S).count("1")
            weight = math.factorial(s) * math.factorial(m - s - 1) / math.factorial(m)
            phi[i] += weight * (v[S | (1 << i)] - v[S])
    return float(v[0]), phi


@dataclass
class KernelProblem:
    n_features: int
    model: Any
    X_rows: np.ndarray
    background: np.ndarray
    fit_seconds: float
    truth: np.ndarray | None = None  # (n_rows, M)


def kernel_problem(sizes: Sizes, n_features: int, seed: int) -> KernelProblem:
    """The model to explain: an MLP up to MAX_BRUTE features (where brute force gives
    the exact values), gradient boosting above (where shap's exact interventional
    TreeSHAP does)."""
    n = sizes.kernel_train + sizes.kernel_rows
    X, y = make_friedman1(n, n_features=n_features, noise=1.0, random_state=seed)
    train, rows = X[: sizes.kernel_train], X[sizes.kernel_train :]
    if n_features <= MAX_BRUTE:
        model = make_pipeline(
            StandardScaler(), MLPRegressor(hidden_layer_sizes=(32,), random_state=0, max_iter=500)
        )
    else:
        model = GradientBoostingRegressor(
            n_estimators=sizes.kernel_trees, max_depth=3, random_state=0
        )
    seconds = fit(model, train, y[: sizes.kernel_train])
    picks = np.sort(
        np.random.default_rng(seed).choice(sizes.kernel_train, sizes.background, replace=False)
    )
    return KernelProblem(n_features, model, rows, train[picks], seconds)


def exact_truth(problem: KernelProblem) -> tuple[np.ndarray, np.ndarray, str]:
    """Exact interventional Shapley values ``(n_rows, M)``, base values ``(n_rows,)`` and
    what computed them: a neutral reference, not either library's Kernel SHAP."""
    if problem.n_features <= MAX_BRUTE:
        pairs = [brute_force_shapley(problem.model.predict, x, problem.background)
                 for x in problem.X_rows]  # fmt: skip
        kind = f"exact: brute-force Shapley sum over all 2^{problem.n_features} coalitions"
        return np.array([phi for _, phi in pairs]), np.array([b for b, _ in pairs]), kind
    explainer = shap.TreeExplainer(
        problem.model, data=problem.background, feature_perturbation="interventional"
    )
    values = np.asarray(explainer.shap_values(problem.X_rows, check_additivity=False))
    base = np.full(len(values), float(np.ravel(explainer.expected_value)[0]))
    kind = "exact: shap's interventional TreeSHAP (TreeExplainer with the background)"
    return values, base, kind


def ours_kernel(
    problem: KernelProblem, n_samples: int | None, random_state: int, **kwargs: Any
) -> Any:
    options = {"max_exact": 0, "n_samples": n_samples, **kwargs}
    return explain.shap_values(
        problem.model,
        frame(problem.X_rows),
        background=frame(problem.background),
        method="kernel",
        random_state=random_state,
        **options,
    )


def shap_kernel(problem: KernelProblem, n_samples: int, seed: int, l1_reg: Any) -> tuple:
    """shap's values (n, M) and its counting model (construction included)."""
    counter = Counting(problem.model.predict)
    np.random.seed(seed)  # noqa: NPY002 (shap's KernelExplainer draws from the global one)
    explainer = shap.KernelExplainer(counter, problem.background)
    values = explainer.shap_values(problem.X_rows, nsamples=n_samples, l1_reg=l1_reg, silent=True)
    return np.asarray(values, dtype=float), counter


def bench_kernel(sizes: Sizes, reps: int, seed: int) -> list[Row]:
    rows: list[Row] = []
    for n_features in sizes.kernel_features:
        truth_row = Row("kernel-truth", f"M = {n_features}")
        rows.append(truth_row)
        problem: KernelProblem | None = None

        def make_truth(truth_row=truth_row, n_features=n_features) -> None:
            nonlocal problem
            problem = kernel_problem(sizes, n_features, seed)
            truth_row.info["fit"] = problem.fit_seconds
            truth_row.info["rows"] = len(problem.X_rows)
            truth_row.info["background"] = len(problem.background)
            truth_row.info["model"] = type(problem.model).__name__
            log(f"kernel M={n_features}: {truth_row.info['model']} fitted in "
                f"{problem.fit_seconds:.1f} s")  # fmt: skip
            start = time.perf_counter()
            truth, base, truth_row.info["kind"] = exact_truth(problem)
            truth_row.ours.append(time.perf_counter() - start)
            prediction = np.asarray(problem.model.predict(problem.X_rows), dtype=float)
            truth_row.add("truth additivity |Δ|", np.max(np.abs(base + truth.sum(1) - prediction)))
            problem.truth = truth
            if n_features <= MAX_BRUTE:  # ours exact against the definition, on every row
                e = ours_kernel(problem, None, seed, max_exact=MAX_BRUTE)
                if e.settings["method"] != "kernel-exact":
                    raise RuntimeError(f"expected an exact run, got {e.settings['method']}")
                worst = max(float(np.max(np.abs(e.values[0] - truth))),
                            float(np.max(np.abs(e.arrays["base_value"][0] - base))))  # fmt: skip
                truth_row.add("ours exact vs brute force max |Δ|", worst)
            log(f"kernel M={n_features}: ground truth in {truth_row.ours[0]:.1f} s")

        guarded(truth_row, make_truth)
        if problem is None or problem.truth is None:
            continue

        def check_and_warm_up(truth_row=truth_row, problem=problem) -> None:
            # ours' evaluation count against a counting model (untimed), then warm-ups
            counter = Counting(problem.model.predict)
            check = explain.shap_values(
                counter,
                frame(problem.X_rows),
                background=frame(problem.background),
                method="kernel",
                max_exact=0,
                n_samples=sizes.budgets[0],
                random_state=seed,
            )
            truth_row.info["count check"] = (
                counter.rows,
                check.diagnostics["n_evaluations"],
                len(problem.X_rows),
            )
            ours_kernel(problem, sizes.budgets[0], seed)
            shap_kernel(problem, sizes.budgets[0], seed, False)

        guarded(truth_row, check_and_warm_up)
        if truth_row.error:
            continue

        for budget in sizes.budgets:
            row = Row("kernel", f"M = {n_features}, N = {budget:,}")
            row.info["M"], row.info["N"] = n_features, budget
            rows.append(row)
            with_default = n_features > 10

            def run(row=row, budget=budget, problem=problem, with_default=with_default) -> None:
                n = len(problem.X_rows)
                for rep in range(reps):
                    rs = seed + 1 + rep
                    for side in orders(rep):
                        if side == "ours":
                            e, seconds = timed(lambda rs=rs: ours_kernel(problem, budget, rs))
                            row.ours.append(seconds / n)
                            row.add("ours error", np.mean(np.abs(e.values[0] - problem.truth)))
                            # n_evaluations leaves out the additivity check's prediction
                            # of the n explained rows (see the count check): add it
                            row.add("ours evaluations", e.diagnostics["n_evaluations"] / n + 1)
                            row.add(
                                "ours model share",
                                e.diagnostics["model_seconds"] / e.diagnostics["wall_seconds"],
                            )
                            row.add("ours mean std", 0.0 if e.std is None else np.mean(e.std))
                            row.info["ours method"] = e.settings["method"]
                        else:
                            (values, counter), seconds = timed(
                                lambda rs=rs: shap_kernel(problem, budget, rs, False)
                            )
                            row.ref.append(seconds / n)
                            row.add("shap error", np.mean(np.abs(values - problem.truth)))
                            row.add("shap evaluations", counter.rows / n)
                            row.add("shap model share", counter.seconds / seconds)
                        log(
                            f"kernel {row.case:<18} rep {rep + 1}/{reps} {side:<4} "
                            f"{seconds / n:8.4f} s/row"
                        )
                    if with_default:
                        (values, _), seconds = timed(
                            lambda rs=rs: shap_kernel(problem, budget, rs, "num_features(10)")
                        )
                        row.add("shap default s", seconds / n)
                        row.add("shap default error", np.mean(np.abs(values - problem.truth)))
                        log(
                            f"kernel {row.case:<18} rep {rep + 1}/{reps} shap default "
                            f"{seconds / n:8.4f} s/row"
                        )

            guarded(row, run)
    return rows


# -- 4: LIME -----------------------------------------------------------------------------------
def top_k(weights: np.ndarray, k: int) -> set[int]:
    return set(np.argsort(-np.abs(weights), kind="stable")[:k].tolist())


def jaccard(a: set[int], b: set[int]) -> float:
    return len(a & b) / len(a | b)


def mean_pairwise_jaccard(runs: list[np.ndarray], k: int) -> float:
    tops = [top_k(w, k) for w in runs]
    return float(np.mean([jaccard(a, b) for a, b in itertools.combinations(tops, 2)]))


def clock(function: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def bench_lime(sizes: Sizes, seed: int) -> list[Row]:
    X, y = make_classification(sizes.lime_data, n_features=10, n_informative=5, random_state=seed)
    X_df = frame(X)
    names = list(X_df.columns)
    models = [
        (
            f"RandomForestClassifier(n_estimators={sizes.lime_trees})",
            RandomForestClassifier(sizes.lime_trees, n_jobs=1, random_state=seed),
        ),
        (
            "Pipeline(StandardScaler, LogisticRegression)",
            make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        ),
    ]
    seeds = list(range(seed, seed + sizes.lime_seeds))
    explained = list(range(sizes.lime_rows))
    k = min(TOP_K, X.shape[1])
    out = []
    for name, model in models:
        row = Row("lime", name)
        out.append(row)

        def run(row=row, model=model) -> None:
            row.info["fit"] = fit(model, X, y)
            sample = np.tile(X, (math.ceil(sizes.lime_samples / len(X)), 1))[: sizes.lime_samples]
            model.predict_proba(sample)
            for _ in range(5):
                _, seconds = timed(lambda: model.predict_proba(sample))
                row.add("predict s", seconds)
            builds = []
            explainers = {}
            for s in seeds:
                explainer, seconds = clock(
                    lambda s=s: lime.lime_tabular.LimeTabularExplainer(
                        X,
                        mode="classification",
                        feature_names=names,
                        discretize_continuous=True,
                        random_state=s,
                    )
                )
                explainers[s] = explainer
                builds.append(seconds)
            row.add("lime explainer build s", median(builds))

            def ours(i: int, s: int, **kwargs: Any) -> Any:
                return explain.lime(
                    model,
                    X_df,
                    i,
                    num_samples=sizes.lime_samples,
                    random_state=s,
                    output=1,
                    **kwargs,
                )

            def theirs(i: int, s: int) -> tuple[Any, Counting]:
                predict = Counting(model.predict_proba)  # times the model inside lime
                exp = explainers[s].explain_instance(
                    X[i],
                    predict,
                    labels=(1,),
                    num_features=X.shape[1],
                    num_samples=sizes.lime_samples,
                )
                return exp, predict

            ours(0, seed)  # warm-up
            theirs(0, seed)
            for i in explained:
                gc.collect()
                mine, other = [], []
                for r, s in enumerate(seeds):
                    for side in orders(r + i):
                        if side == "ours":
                            e, seconds = clock(lambda i=i, s=s: ours(i, s))
                            row.ours.append(seconds)
                            row.add("ours model s", e.diagnostics["model_seconds"])
                            mine.append(np.asarray(e.values, dtype=float))
                            if r == 0:
                                row.add("ours fidelity", e.diagnostics["fidelity"])
                        else:
                            (exp, predict), seconds = clock(lambda i=i, s=s: theirs(i, s))
                            row.ref.append(seconds)
                            row.add("lime model s", predict.seconds)
                            weights = np.zeros(X.shape[1])
                            for j, w in exp.as_map()[1]:
                                weights[j] = w
                            other.append(weights)
                            if r == 0:
                                row.add("lime fidelity", exp.score)
                row.add("ours stability", mean_pairwise_jaccard(mine, k))
                row.add("lime stability", mean_pairwise_jaccard(other, k))
                row.add(
                    "ours vs lime top-5 overlap", jaccard(top_k(mine[0], k), top_k(other[0], k))
                )
                e, seconds = timed(lambda i=i: ours(i, seed, stability_seeds=sizes.lime_seeds - 1))
                row.add("ours one call s", seconds)
                row.add("ours one call stability", e.diagnostics["stability"])
                log(
                    f"lime {row.case:<46} row {i + 1}/{len(explained)} ours "
                    f"{median(row.ours[-len(seeds) :]):.3f} s, lime "
                    f"{median(row.ref[-len(seeds) :]):.3f} s"
                )

        guarded(row, run)
    return out


# -- the report --------------------------------------------------------------------------------
def number(values: list[float], fmt: str = ".2e") -> str:
    if not values:
        return "–"
    text = format(median(values), fmt)
    if len(values) == 1 or min(values) == max(values):
        return text
    return f"{text} ({format(min(values), fmt)}-{format(max(values), fmt)})"


def versus(ours: float, theirs: float, *, lower_is_better: bool = True,
           tie_below: float | None = None) -> str:  # fmt: skip
    """The verdict of a comparison: ``met`` when ours is better, ``tie`` when the two are
    equal (or both below ``tie_below``, as two exact errors are), ``**missed**``
    otherwise. A tie is reported as a tie, never counted as a win."""
    if ours == theirs or (tie_below is not None and max(ours, theirs) < tie_below):
        return "tie"
    return verdict(ours < theirs if lower_is_better else ours > theirs)


def within(label: str, row: Row, name: str, bound: float) -> tuple[str, str, str, str]:
    """A headline line: the largest of ``row``'s ``name`` values against ``bound``."""
    diff = max(row.get(name))
    return label, row.case, f"{diff:.2e}", verdict(diff <= bound)


def headline(rows: list[Row]) -> list[tuple[str, str, str, str]]:
    out: list[tuple[str, str, str, str]] = []
    for row in rows:
        if row.error:
            out.append((row.section, row.case, f"error: {row.error[:80]}", "**not measured**"))
            continue
        if row.section == "tree":
            ratio = median(row.ours) / median(row.ref)
            out.append(
                (
                    f"TreeSHAP: time ours/shap ≤ {TREE_RATIO_TARGET:g}",
                    row.case,
                    f"{ratio:.2f} ({median(row.ours):.3f} s vs {median(row.ref):.3f} s)",
                    verdict(ratio <= TREE_RATIO_TARGET),
                )
            )
            out.append(
                within(
                    f"TreeSHAP: max |Δ values| ≤ {TREE_EXACT:g}", row, "max |Δ values|", TREE_EXACT
                )
            )
        elif row.section == "native":
            out.append(
                within(
                    f"LightGBM: max |Δ values| ≤ {NATIVE_EXACT:g}",
                    row,
                    "max |Δ values|",
                    NATIVE_EXACT,
                )
            )
            ratio = median(row.ours) / median(row.ref)
            out.append(
                (
                    "LightGBM: time ours/shap (no target)",
                    row.case,
                    f"{ratio:.2f} ({median(row.ours):.3f} s vs {median(row.ref):.3f} s)",
                    "info",
                )
            )
        elif row.section == "kernel-truth":
            out.append(
                within(
                    f"Kernel ground truth: base + values = prediction within {TRUTH_ADDITIVITY:g}",
                    row,
                    "truth additivity |Δ|",
                    TRUTH_ADDITIVITY,
                )
            )
            if row.get("ours exact vs brute force max |Δ|"):
                out.append(
                    within(
                        f"Kernel exact (ours) = brute-force Shapley within {BRUTE_EXACT:g} "
                        "(every row; check)",
                        row,
                        "ours exact vs brute force max |Δ|",
                        BRUTE_EXACT,
                    )
                )
            counted = row.info.get("count check")
            if counted:
                rows_counted, n_evaluations, n_rows = counted
                out.append(
                    (
                        "Kernel: rows counted in the model = ours' n_evaluations + the "
                        "n explained rows (re-predicted by the additivity check; check)",
                        row.case,
                        f"{rows_counted:,} = {n_evaluations:,} + {n_rows}",
                        verdict(rows_counted == n_evaluations + n_rows),
                    )
                )
        elif row.section == "kernel":
            ours_err, shap_err = median(row.get("ours error")), median(row.get("shap error"))
            both_exact = max(ours_err, shap_err) < 1e-9
            out.append(
                (
                    "Kernel: error ours < shap (equal N; equal errors are a tie)",
                    row.case,
                    f"{ours_err:.2e} vs {shap_err:.2e}"
                    + (" (both exact: every coalition fits in N)" if both_exact else ""),
                    versus(ours_err, shap_err, tie_below=1e-9),
                )
            )
            speed = median(row.ref) / median(row.ours)
            out.append(
                (
                    f"Kernel: time shap/ours ≥ {KERNEL_SPEED_TARGET:g}",
                    row.case,
                    f"{speed:.2f} ({median(row.ours) * 1e3:.1f} vs {median(row.ref) * 1e3:.1f}"
                    " ms/row)",
                    verdict(speed >= KERNEL_SPEED_TARGET),
                )
            )
        elif row.section == "lime":
            speed = median(row.ref) / median(row.ours)
            out.append(
                (
                    f"LIME: time lime/ours ≥ {LIME_SPEED_TARGET:g}",
                    row.case,
                    f"{speed:.2f} ({median(row.ours) * 1e3:.1f} vs {median(row.ref) * 1e3:.1f}"
                    " ms/row)",
                    verdict(speed >= LIME_SPEED_TARGET),
                )
            )
            mine = float(np.mean(row.get("ours stability")))
            other = float(np.mean(row.get("lime stability")))
            out.append(
                (
                    f"LIME: top-{TOP_K} stability ours ≥ lime (equal is a tie)",
                    row.case,
                    f"{mine:.3f} vs {other:.3f}",
                    versus(mine, other, lower_is_better=False),
                )
            )
            out.append(
                (
                    "LIME: fidelity (weighted R²) ours vs lime (no target)",
                    row.case,
                    f"{np.mean(row.get('ours fidelity')):.3f} vs "
                    f"{np.mean(row.get('lime fidelity')):.3f}",
                    "info",
                )
            )
    order = ["TreeSHAP: time", "TreeSHAP: max", "LightGBM: max", "LightGBM: time", "Kernel ground"]
    order += [
        "Kernel exact",
        "Kernel: rows counted",
        "Kernel: error",
        "Kernel: time",
        "LIME: time",
    ]
    order += ["LIME: top", "LIME: fidelity"]

    def rank(item: tuple[str, str, str, str]) -> int:
        hits = [i for i, prefix in enumerate(order) if item[0].startswith(prefix)]
        return hits[0] if hits else len(order)

    return sorted(out, key=rank)


def tree_table(rows: list[Row], native: bool) -> list[str]:
    low = "native_contributions" if native else "tree_shap (low level)"
    lines = [
        f"| model | ours s | shap s (of which construction) | ratio ours/shap | {low} s "
        "| max abs Δ values | max abs Δ base | ours method / output | additivity error (ours) |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for row in rows:
        if row.error:
            lines.append(f"| {row.case} | **error:** {row.error} |||||||| ")
            continue
        ratio = median(row.ours) / median(row.ref)
        lines.append(
            f"| `{row.case}` | {seconds_text(row.ours)} | {seconds_text(row.ref)} "
            f"({median(row.get('shap construction s')):.3f}) | {ratio:.2f} "
            f"| {seconds_text(row.get('low-level s'))} | {max(row.get('max |Δ values|')):.2e} "
            f"| {max(row.get('max |Δ base|')):.2e} | {row.info.get('method')} / "
            f"{row.info.get('output')} | {max(row.get('additivity error (ours)')):.1e} |"
        )
    lines.append("")
    for row in rows:
        if not row.error:
            lines.append(
                f"- `{row.case}`: {row.info['data']}; {row.info['rows']} rows explained; "
                f"layouts: {row.info['layout']}; low-level vs public values max |Δ| "
                f"{max(row.get('max |Δ low-level vs public|')):.1e}"
            )
    return lines


def counted_budget(rows: list[Row]) -> str:
    budgets = [r.info["N"] for r in rows if r.section == "kernel" and "N" in r.info]
    return f"{min(budgets):,}" if budgets else "?"


def kernel_lines(rows: list[Row]) -> list[str]:
    lines = ["### Ground truth", ""]
    for row in rows:
        if row.section != "kernel-truth":
            continue
        if row.error:
            lines.append(f"- {row.case}: **error:** {row.error}")
            continue
        text = (
            f"- {row.case}: `{row.info['model']}` fitted in {row.info['fit']:.1f} s; "
            f"{row.info['kind']}; {row.info['rows']} rows, {row.info['background']} "
            f"background rows; computed in {row.ours[0]:.1f} s; base + values = prediction "
            f"within {max(row.get('truth additivity |Δ|')):.1e}"
        )
        if row.get("ours exact vs brute force max |Δ|"):
            text += (
                "; ours exact (`max_exact=12`) against it on every row: max |Δ| "
                f"{max(row.get('ours exact vs brute force max |Δ|')):.2e} (values and base)"
            )
        counted = row.info.get("count check")
        if counted:
            text += (
                f"; one untimed run at N = {counted_budget(rows)}: {counted[0]:,} rows counted "
                f"by a wrapper around `predict`, ours' `n_evaluations` {counted[1]:,} (it "
                f"leaves out the additivity check's second prediction of the {counted[2]} "
                "explained rows)"
            )
        lines.append(text)
    lines += [
        "",
        "### At equal coalitions per row",
        "",
        "Per explained row: wall ms (median over repetitions, min-max), mean |error| against "
        "the ground truth over rows × features (median over repetitions), ours' mean reported "
        "standard error, model evaluations (all rows passed to the model per explained row, "
        "the row itself and the background included: shap's counted by the wrapper, ours "
        "`n_evaluations / n + 1` for the additivity check's prediction, as the count check "
        "confirms) and the share of the wall time spent inside the model's `predict`.",
        "",
        "| case | ours ms/row | shap ms/row | shap/ours | ours error | shap error "
        "| ours mean std | ours evals/row | shap evals/row | model-time share ours / shap "
        "| ours method |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    defaults = []
    for row in rows:
        if row.section != "kernel":
            continue
        if row.error:
            lines.append(f"| {row.case} | **error:** {row.error} ||||||||||")
            continue
        ms_ours = [v * 1e3 for v in row.ours]
        ms_ref = [v * 1e3 for v in row.ref]
        lines.append(
            f"| {row.case} | {seconds_text(ms_ours, 1)} | {seconds_text(ms_ref, 1)} "
            f"| {median(row.ref) / median(row.ours):.2f} | {number(row.get('ours error'))} "
            f"| {number(row.get('shap error'))} | {number(row.get('ours mean std'))} "
            f"| {median(row.get('ours evaluations')):,.0f} "
            f"| {median(row.get('shap evaluations')):,.0f} "
            f"| {median(row.get('ours model share')):.0%} / "
            f"{median(row.get('shap model share')):.0%} | {row.info.get('ours method')} |"
        )
        if row.get("shap default error"):
            defaults.append(
                f"| {row.case} | {seconds_text([v * 1e3 for v in row.get('shap default s')], 1)} "
                f"| {number(row.get('shap default error'))} |"
            )
    if defaults:
        lines += [
            "",
            'shap with its default `l1_reg="num_features(10)"` (keeps 10 of the features, '
            "the others get 0), same runs, for information:",
            "",
            "| case | shap default ms/row | shap default error |",
            "|---|---:|---:|",
            *defaults,
        ]
    return lines


def lime_lines(rows: list[Row], sizes: Sizes) -> list[str]:
    lines = [
        f"Time per explanation: median over {sizes.lime_rows} rows × {sizes.lime_seeds} "
        "seeds (min-max). Stability: per row the mean pairwise Jaccard overlap of the "
        f"top-{TOP_K} features (by |weight|) over the {sizes.lime_seeds} seeds, averaged over "
        "rows (min over rows in brackets). Fidelity: weighted R² of the surrogate (first "
        "seed), mean over rows.",
        "",
        "| model | ours ms | lime ms | lime/ours | ours stability | lime stability "
        "| ours fidelity | lime fidelity | predict_proba on "
        f"{sizes.lime_samples:,} rows ms | ms in the model ours / lime "
        f"| ours, {sizes.lime_seeds} runs in one call ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    notes = []
    for row in rows:
        if row.error:
            lines.append(f"| {row.case} | **error:** {row.error} ||||||||||")
            continue
        ms = [v * 1e3 for v in row.ours]
        ms_ref = [v * 1e3 for v in row.ref]

        def stab(name: str, row: Row = row) -> str:
            v = row.get(name)
            return f"{np.mean(v):.3f} ({min(v):.2f})"

        lines.append(
            f"| `{row.case}` | {seconds_text(ms, 1)} | {seconds_text(ms_ref, 1)} "
            f"| {median(row.ref) / median(row.ours):.2f} | {stab('ours stability')} "
            f"| {stab('lime stability')} | {np.mean(row.get('ours fidelity')):.3f} "
            f"| {np.mean(row.get('lime fidelity')):.3f} "
            f"| {seconds_text([v * 1e3 for v in row.get('predict s')], 1)} "
            f"| {median(row.get('ours model s')) * 1e3:.1f} / "
            f"{median(row.get('lime model s')) * 1e3:.1f} "
            f"| {seconds_text([v * 1e3 for v in row.get('ours one call s')], 1)} |"
        )
        notes.append(
            f"- `{row.case}`: fitted in {row.info.get('fit', float('nan')):.2f} s; building "
            f"one `LimeTabularExplainer` (untimed above) takes "
            f"{median(row.get('lime explainer build s')) * 1e3:.1f} ms; ours' own stability "
            f"diagnostic (`stability_seeds={sizes.lime_seeds - 1}`) averages "
            f"{np.mean(row.get('ours one call stability')):.3f}; top-{TOP_K} overlap of ours "
            f"and lime (first seed) averages {np.mean(row.get('ours vs lime top-5 overlap')):.3f}"
        )
    return [*lines, "", *notes]


def render(
    rows: list[Row],
    args: argparse.Namespace,
    sizes: Sizes,
    command: str,
    started: dt.datetime,
    elapsed: float,
    load: Load,
) -> str:
    lines = [
        "# Local explanations: autoxai.explain vs shap and lime",
        "",
        f"- date: {started.isoformat(timespec='seconds')} (whole run {elapsed:.0f} s)",
        *common.provenance_lines(
            command,
            load,
            DISTS,
            ["all set to 1 by this script before numpy is imported; every model has n_jobs=1"],
        ),
        f"- repetitions: {args.reps} (LIME: {sizes.lime_seeds} seeds per row); sections: "
        f"{', '.join(args.sections)}",
        *(
            [
                "- **smoke run (`--quick`)**: tiny models, few rows and coalitions; fixed "
                "per-call costs dominate, so the verdicts below say little"
            ]
            if args.quick
            else []
        ),
        "",
        "## Headline",
        "",
        "| target | case | measured | verdict |",
        "|---|---|---:|---|",
    ]
    lines += [f"| {t} | {c} | {m} | {v} |" for t, c, m, v in headline(rows)]
    tree = [r for r in rows if r.section == "tree"]
    if tree:
        lines += [
            "",
            "## 1. TreeSHAP on scikit-learn trees (path-dependent)",
            "",
            "Ours: `explain.shap_values(model, X_df, method='tree')`; shap: "
            "`TreeExplainer(model, feature_perturbation='tree_path_dependent')"
            ".shap_values(X)`, construction included. Wall seconds, median over "
            "repetitions (min-max).",
            "",
            *tree_table(tree, native=False),
        ]
    native = [r for r in rows if r.section == "native"]
    if native:
        lines += [
            "",
            "## 2. LightGBM: both read LightGBM's own TreeSHAP (`pred_contrib`)",
            "",
            "Ours: `explain.shap_values(model, X_df, method='tree')` (raw score space, with "
            "an additivity check that predicts the rows); shap: "
            "`TreeExplainer(model).shap_values(X)` (no additivity check for LightGBM).",
            "",
            *tree_table(native, native=True),
        ]
    kernel = [r for r in rows if r.section.startswith("kernel")]
    if kernel:
        lines += [
            "",
            "## 3. Kernel SHAP on a black box (MLP pipeline at M = 10, gradient boosting at "
            "M = 20)",
            "",
            "Ours: `explain.shap_values(model, X_rows_df, background=bg_df, method='kernel', "
            "max_exact=0, n_samples=N)`; shap: `KernelExplainer(f, bg).shap_values(X_rows, "
            "nsamples=N, l1_reg=False)` with `f` a counting wrapper of the model's `predict`. Same "
            "background rows, same explained rows. Each repetition uses a new seed "
            "(shap: `np.random.seed`), so the errors vary between repetitions.",
            "",
            *kernel_lines(kernel),
        ]
    lime_rows = [r for r in rows if r.section == "lime"]
    if lime_rows:
        lines += [
            "",
            "## 4. LIME",
            "",
            f"`make_classification({sizes.lime_data}, n_features=10, n_informative=5)`; "
            f"{sizes.lime_rows} rows, class 1 explained by both, num_samples="
            f"{sizes.lime_samples}, all 10 features.",
            "",
            *lime_lines(lime_rows, sizes),
        ]
    lines += [
        "",
        "## Notes",
        "",
        "- TreeSHAP: our public call also checks additivity (predicts the rows), computes "
        "the per-column summaries (mean |value|, its interval, the Spearman sign) and copies "
        "the rows into the Explanation; the low-level column is the algorithm alone. shap's "
        "time includes building its `TreeExplainer` (model conversion) and its own "
        "additivity check.",
        "- Kernel SHAP: both spend N coalitions per row (shap's `nsamples`, ours "
        "`n_samples`) × the background rows. With M = 10 only 2^10 - 2 = 1,022 coalitions "
        "exist, so at N ≥ 1,022 both enumerate them all and are exact. Ours draws N/2 "
        "complementary pairs and evaluates each distinct coalition once, so duplicates make "
        "it evaluate fewer than N; shap draws until it has N distinct ones. The ground "
        "truth is exact and neutral: the brute-force Shapley sum at M = 10, shap's "
        "interventional TreeSHAP on the gradient boosting at M = 20 (which is why that case "
        "explains a tree model: both Kernel SHAP estimators still see only its `predict`).",
        "- LIME: both sample 5,000 rows from quartile bins of the reference data and fit a "
        "weighted ridge; ours draws from a scrambled Sobol' sequence (randomised "
        "quasi-Monte Carlo), lime independently. The model's `predict_proba` on that many "
        "rows is the floor of both.",
    ]
    return "\n".join(lines) + "\n"


# -- command line ------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = common.argument_parser(
        "Local explanations (SHAP, LIME) of autoxai vs the shap and lime packages.",
        DEFAULT_OUTPUT,
        "smoke run: tiny models and sizes, 2 repetitions",
    )
    parser.add_argument(
        "--reps",
        type=int,
        default=None,
        help="repetitions of the TreeSHAP, LightGBM and Kernel SHAP timings (default 3; "
        "--quick: 2)",
    )
    parser.add_argument(
        "--sections",
        nargs="+",
        choices=SECTIONS,
        default=list(SECTIONS),
        help="what to measure (default: all)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of data, models and methods")
    args = parser.parse_args(argv)
    args.reps = args.reps or (2 if args.quick else 3)
    if args.reps < 1:
        parser.error("--reps must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = QUICK if args.quick else Sizes()
    command = common.command_line("xai_local.py", argv)
    warnings.filterwarnings("ignore", message=".*does not have valid feature names.*")
    # autoxai computes a gradient-boosting classifier's margin on the DataFrame (see README)
    warnings.filterwarnings("ignore", message="X has feature names, but")

    started = dt.datetime.now().astimezone()
    meter = common.LoadMeter()
    clock_start = time.perf_counter()
    rows: list[Row] = []
    for section in args.sections:
        began = time.perf_counter()
        if section in ("tree", "native"):
            rows += bench_tree(sizes, args.reps, args.seed, native=section == "native")
        elif section == "kernel":
            rows += bench_kernel(sizes, args.reps, args.seed)
        else:
            rows += bench_lime(sizes, args.seed)
        log(f"section {section}: {time.perf_counter() - began:.1f} s")
    elapsed = time.perf_counter() - clock_start
    load = meter.stop()
    report = render(rows, args, sizes, command, started, elapsed, load)

    common.write_report(args.output, report)
    meta = {"command": command, "started": started, "load": dataclasses.asdict(load)}
    common.write_raw(common.raw_path(args.output), meta, [dataclasses.asdict(r) for r in rows])
    checks = {"truth additivity |Δ|": TRUTH_ADDITIVITY,
              "ours exact vs brute force max |Δ|": BRUTE_EXACT}  # fmt: skip
    failed = [r for r in rows if r.error] or [
        r for r in rows for name, bound in checks.items() if max(r.get(name), default=0) > bound
    ]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
