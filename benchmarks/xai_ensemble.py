"""SHAP of an AutoML ensemble: member by member (exact where possible) vs Kernel SHAP.

What is measured
----------------
An autoxai ``WeightedEnsemble`` (equal weights) of scikit-learn / LightGBM models of the
zoo's families, fitted on the same rows (``make_friedman1`` for regression,
``make_classification`` for a binary task, ``M`` numeric features), explained on
``n_rows`` rows against the same ``n_background`` background rows by:

* **ours, member by member**: ``explain.shap_values(ensemble, X_rows, background=bg)``
  (``method="auto"``): the weighted sum of the members' interventional values —
  TreeSHAP for forests, linear SHAP for ridge, and one Kernel SHAP (exact: all ``2^M``
  coalitions, ``M <= max_exact``) for the members without an exact algorithm;
* **ours, Kernel SHAP on the whole ensemble**: ``method="kernel", max_exact=0,
  n_samples=N`` (sampled);
* **shap's Kernel SHAP** on the whole ensemble: ``shap.KernelExplainer(f,
  bg).shap_values(X_rows, nsamples=N, l1_reg=False)``, ``f`` the ensemble's
  ``predict`` (regression) or ``predict_proba`` (classes) on a DataFrame of the array.

The reference is the exact interventional Shapley value of the ensemble computed here
from the definition (:func:`brute_force`: ``v(S) = mean_b f(x_S, b_rest)`` on all
``2^M`` coalitions). Compared: wall time per explained row (median over repetitions;
the sides take turns going first) and the error against the reference (mean and max
absolute difference over outputs x rows x features).

Targets (issue 16): Kernel SHAP ≥ 2x faster than shap's at equal error (equal ``N``;
ours must not be less accurate); or the exact ensemble SHAP makes Kernel SHAP
unnecessary for every zoo model — the table "per family" says for which families the
member-by-member path is exact *without* Kernel SHAP.

Run ``python benchmarks/xai_ensemble.py`` alone on a quiet machine; ``--quick`` is a
smoke run on tiny sizes (seconds). The markdown goes to
``benchmarks/results/xai_ensemble.md`` (``--output``), and the raw per-cell results
(every repetition's time and error) to the same name with ``_runs.json``.
"""

from __future__ import annotations

import os

for _name in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import shlex  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shap  # noqa: E402
from lightgbm import LGBMClassifier, LGBMRegressor  # noqa: E402
from sklearn.datasets import make_classification, make_friedman1  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor  # noqa: E402

from _common import Load, LoadMeter, load_lines, machine_lines, orders, timed  # noqa: E402
from autoxai import explain  # noqa: E402
from autoxai.automl._ensemble import WeightedEnsemble  # noqa: E402

SPEED_TARGET = 2.0  # shap / ours at equal N, at least
EXACT = 1e-8
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "xai_ensemble.md"


@dataclass(frozen=True)
class Sizes:
    n_features: int = 10
    n_train: int = 2000
    n_rows: int = 20
    n_background: int = 50
    n_trees: int = 100
    budgets: tuple[int, ...] = (128, 512)


QUICK = Sizes(n_features=5, n_train=300, n_rows=3, n_background=8, n_trees=10, budgets=(16,))


def members(task: str, families: tuple[str, ...], trees: int, seed: int) -> list[Any]:
    """One fitted-to-be model per family (n_jobs=1)."""
    regression = task == "regression"
    make = {
        "rf": lambda: (RandomForestRegressor if regression else RandomForestClassifier)(
            trees, max_depth=8, n_jobs=1, random_state=seed
        ),
        "et": lambda: (ExtraTreesRegressor if regression else ExtraTreesClassifier)(
            trees, max_depth=8, n_jobs=1, random_state=seed
        ),
        "linear": lambda: Ridge() if regression else LogisticRegression(max_iter=1000),
        "hgb": lambda: (
            HistGradientBoostingRegressor if regression else HistGradientBoostingClassifier
        )(max_iter=trees, random_state=seed),
        "lgbm": lambda: (LGBMRegressor if regression else LGBMClassifier)(
            n_estimators=trees, n_jobs=1, verbose=-1, random_state=seed
        ),
        "knn": lambda: (KNeighborsRegressor if regression else KNeighborsClassifier)(10),
    }
    return [make[f]() for f in families]


CASES = (
    ("regression", ("rf", "et", "linear")),
    ("regression", ("rf", "et", "linear", "hgb", "lgbm", "knn")),
    ("binary", ("rf", "et")),
    ("binary", ("rf", "et", "linear", "hgb", "lgbm", "knn")),
)


@dataclass
class Cell:
    """One (case, method, budget): raw times per repetition and the errors."""

    case: str
    method: str
    n_samples: int | None
    seconds: list[float] = field(default_factory=list)
    mean_error: list[float] = field(default_factory=list)
    max_error: list[float] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def brute_force(f, X: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Exact interventional Shapley values from the definition: (K, n, M)."""
    m = X.shape[1]
    masks = ((np.arange(2**m)[:, None] >> np.arange(m)) & 1).astype(bool)
    sizes = masks.sum(axis=1)
    weight = np.array(
        [math.factorial(s) * math.factorial(m - s - 1) / math.factorial(m) for s in range(m)]
    )
    out = []
    for x in X:
        table = np.where(masks[:, None, :], x[None, None, :], background[None, :, :])
        v = np.asarray(f(table.reshape(-1, m)), dtype=float).reshape(2**m, len(background), -1)
        v = v.mean(axis=1)  # (2^m, K)
        phi = np.zeros((v.shape[1], m))
        for i in range(m):
            without = np.flatnonzero(~masks[:, i])
            phi[:, i] = (
                (weight[sizes[without]][:, None] * (v[without | (1 << i)] - v[without])).sum(0).T
            )
        out.append(phi)
    return np.stack(out, axis=1)


def run_case(
    task: str, families: tuple[str, ...], sizes: Sizes, reps: int, seed: int
) -> list[Cell]:
    m = sizes.n_features
    if task == "regression":
        X, y = make_friedman1(sizes.n_train + 200, n_features=m, noise=1.0, random_state=seed)
    else:
        X, y = make_classification(
            sizes.n_train + 200,
            n_features=m,
            n_informative=max(2, m // 2),
            n_redundant=0,
            random_state=seed,
        )
    columns = [f"x{i}" for i in range(m)]
    frame = pd.DataFrame(X, columns=columns)
    train = frame.iloc[: sizes.n_train]
    fitted = [
        model.fit(train, y[: sizes.n_train])
        for model in members(task, families, sizes.n_trees, seed)
    ]
    classes = None if task == "regression" else fitted[0].classes_
    ensemble = WeightedEnsemble(fitted, np.full(len(fitted), 1 / len(fitted)), classes=classes)
    out = ensemble.predict if classes is None else ensemble.predict_proba

    def f(array: np.ndarray) -> np.ndarray:
        return out(pd.DataFrame(array, columns=columns))

    rows = frame.iloc[sizes.n_train : sizes.n_train + sizes.n_rows].reset_index(drop=True)
    bg = frame.iloc[sizes.n_train + 100 : sizes.n_train + 100 + sizes.n_background]
    bg = bg.reset_index(drop=True)
    name = f"{task}: {' + '.join(families)}"
    print(f"{name}: exact reference ...", file=sys.stderr, flush=True)
    truth, reference_seconds = timed(lambda: brute_force(f, rows.to_numpy(), bg.to_numpy()))
    truth = truth.reshape(truth.shape[0], sizes.n_rows, m)

    def error(values: np.ndarray) -> tuple[float, float]:
        values = np.asarray(values, dtype=float)
        if values.shape != truth.shape:  # shap: (n, M, K) or (n, M)
            values = values[None] if values.ndim == 2 else np.moveaxis(values, -1, 0)
        diff = np.abs(values - truth)
        return float(diff.mean()), float(diff.max())

    cells = [
        Cell(name, "ours, member by member", None, info={"reference_seconds": reference_seconds})
    ]
    for n in sizes.budgets:
        cells.append(Cell(name, "ours, Kernel SHAP", n))
        cells.append(Cell(name, "shap KernelExplainer", n))
    auto = cells[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        explain.shap_values(ensemble, rows.iloc[:1], background=bg)  # warm-up
        for rep in range(reps):
            e, seconds = timed(lambda: explain.shap_values(ensemble, rows, background=bg))
            auto.seconds.append(seconds / sizes.n_rows)
            for target, value in zip((auto.mean_error, auto.max_error), error(e.values)):
                target.append(value)
            auto.info.update(
                method=e.settings["method"],
                members=e.diagnostics["members"],
                n_evaluations=e.diagnostics["n_evaluations"],
            )
            for n, ours, theirs in zip(sizes.budgets, cells[1::2], cells[2::2]):
                for side in orders(rep):
                    if side == "ours":
                        e, seconds = timed(
                            lambda n=n: explain.shap_values(
                                ensemble,
                                rows,
                                background=bg,
                                method="kernel",
                                max_exact=0,
                                n_samples=n,
                                random_state=seed + rep,  # noqa: B023 (called at once)
                            )
                        )
                        cell, values = ours, e.values
                        cell.info["n_evaluations"] = e.diagnostics["n_evaluations"]
                    else:
                        # shap's KernelExplainer draws from numpy's global generator
                        np.random.seed(seed + rep)  # noqa: NPY002

                        def reference(n=n):
                            explainer = shap.KernelExplainer(f, bg.to_numpy())
                            return explainer.shap_values(
                                rows.to_numpy(), nsamples=n, l1_reg=False, silent=True
                            )

                        values, seconds = timed(reference)
                        cell = theirs
                        values = np.stack(values) if isinstance(values, list) else values
                    cell.seconds.append(seconds / sizes.n_rows)
                    mean, worst = error(values)
                    cell.mean_error.append(mean)
                    cell.max_error.append(worst)
                    print(
                        f"{name} {cell.method} N={n} rep {rep + 1}: {seconds:.3f} s, "
                        f"error {mean:.2e}",
                        file=sys.stderr,
                        flush=True,
                    )
    return cells


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def render(
    cells: list[Cell], sizes: Sizes, reps: int, load: Load, command: str, wall: float
) -> str:
    lines = [
        "# SHAP of an ensemble: member by member vs Kernel SHAP",
        "",
        f"- date: {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')} "
        f"(whole run {wall:.0f} s)",
        *machine_lines(),
        f"- shap {shap.__version__}",
        f"- command: `{command}`",
        f"- sizes: {asdict(sizes)}; repetitions: {reps}",
        *load_lines(load),
        "- raw per-cell results: the `_runs.json` file next to this one",
        "",
        "## Headline",
        "",
        "| target | case | measured | verdict |",
        "|---|---|---:|---|",
    ]
    by_case: dict[str, list[Cell]] = {}
    for cell in cells:
        by_case.setdefault(cell.case, []).append(cell)
    for case, group in by_case.items():
        auto = group[0]
        worst = max(auto.max_error, default=float("nan"))
        lines.append(
            f"| member by member = exact within {EXACT:g} | {case} | {worst:.2e} | "
            f"{'met' if worst <= EXACT else '**missed**'} |"
        )
        for ours, theirs in zip(group[1::2], group[2::2]):
            ratio = median(theirs.seconds) / median(ours.seconds)
            accurate = median(ours.mean_error) <= median(theirs.mean_error)
            ok = ratio >= SPEED_TARGET and accurate
            lines.append(
                f"| Kernel: shap/ours time ≥ {SPEED_TARGET:g} at equal N, error no worse | "
                f"{case}, N = {ours.n_samples} | {ratio:.2f} "
                f"(errors {median(ours.mean_error):.2e} vs {median(theirs.mean_error):.2e}) | "
                f"{'met' if ok else '**missed**'} |"
            )
    lines += [
        "",
        "## Per family: exact inside an ensemble, or Kernel SHAP",
        "",
        "| task | family | algorithm in the ensemble | why |",
        "|---|---|---|---|",
    ]
    for case, group in by_case.items():
        task = case.split(":")[0]
        for member in group[0].info.get("members", []):
            lines.append(
                f"| {task} | {member['model']} | {member['algorithm']} | {member['reason']} |"
            )
    all_exact = all(
        m["algorithm"] != "kernel" for g in by_case.values() for m in g[0].info.get("members", [])
    )
    lines += [
        "",
        f"Exact ensemble SHAP makes Kernel SHAP unnecessary for every zoo model: "
        f"{'met' if all_exact else '**missed**'} (families marked `kernel` above still "
        "need it).",
        "",
        "## Every cell",
        "",
        "| case | method | N | ms per row (median, min-max) | mean abs error | max abs error |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for cell in cells:
        times = [1000 * s for s in cell.seconds]
        span = (
            f"{median(times):.2f} ({min(times, default=float('nan')):.2f}-"
            f"{max(times, default=float('nan')):.2f})"
        )
        lines.append(
            f"| {cell.case} | {cell.method} | {cell.n_samples or 'exact'} | {span} | "
            f"{median(cell.mean_error):.2e} | {max(cell.max_error, default=float('nan')):.2e} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument("--reps", type=int, default=None, help="repetitions (3; quick: 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else Sizes()
    reps = args.reps or (1 if args.quick else 3)
    command = "python " + " ".join(shlex.quote(a) for a in [sys.argv[0], *(argv or sys.argv[1:])])
    meter, start = LoadMeter(), time.perf_counter()
    cells = []
    for task, families in CASES:
        cells += run_case(task, families, sizes, reps, args.seed)
    load = meter.stop()
    text = render(cells, sizes, reps, load, command, time.perf_counter() - start)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    raw = {
        "command": command,
        "load_start": load.start,
        "load_end": load.end,
        "other_cores": load.others,
        "sizes": asdict(sizes),
        "reps": reps,
        "cells": [asdict(c) for c in cells],
    }
    args.output.with_name(args.output.stem + "_runs.json").write_text(
        json.dumps(raw, indent=1, default=str)
    )
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
