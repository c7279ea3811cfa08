"""What a configuration will cost before it starts, so a time budget holds at any size.

A configuration's cost for one fold (fit on the training rows, predict the test rows)
is estimated from the table's shape and the family's own growth law — boosting rounds
times rows times columns, trees times rows times log(rows) times the columns a split
looks at, test rows times training rows times columns for k-NN — times a constant per
family, plus a cost per cell that every family pays (copying, casting, encoding,
imputing). The constants were measured on one machine; others differ, so the run
corrects them with its own finished evaluations: each records its seconds per fold
beside the estimate, and the median ratio (the family's own, else all families')
scales every later estimate.

Two decisions use the estimates, and both are recorded:

* before the search, :func:`plan_models` leaves out a family whose cheapest default
  configuration would take more than ``MAX_SHARE`` of the search time even shrunk
  (:mod:`autoxai.automl._shrink`: at 3,000,000 rows x 60 s leaving out every family
  whose default did not fit as it was left only the linear model, AUC 0.73), and k-NN
  beyond ``KNN_MAX_ROWS`` training rows (each prediction scans every training row);
* before each evaluation, a configuration that would not finish before the run's
  deadline is shrunk (:mod:`autoxai.automl._shrink`), and when even its smallest
  version would not, :func:`too_late` says why it is skipped (its trial is FAILED with
  that reason).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from autoxai.automl._zoo import FAMILIES

__all__ = [
    "HARD_DEADLINE_CELLS",
    "KNN_MAX_ROWS",
    "MAX_SHARE",
    "Shape",
    "calibration",
    "fold_seconds",
    "plan_models",
    "too_late",
]

#: k-NN is left out of a run with more training rows than this (unless it is the only
#: family): predicting scans every training row, so the cost grows with rows squared.
KNN_MAX_ROWS = 100_000

#: A family is left out when its cheapest default would take more than this share of
#: the search time (unless no family would be left).
MAX_SHARE = 0.5

#: Under a time budget, tables of at least this many cells (rows x columns) run each
#: trial in a child process killed at the search's end (``AutoML(hard_deadline=
#: "auto")``). Below it trials are short, and the child's start (0.3 to 3 s per trial,
#: measured) would cost more of the search than a late trial can; above it a trial is
#: a single fit (the holdout split) that nothing else could stop.
HARD_DEADLINE_CELLS = 2_000_000

#: Seconds per unit of work (see :func:`_work`) on one idle core: fit and predict of each
#: family's first two defaults, median over them, on 160,000 training and 40,000 test
#: rows of ``benchmarks/scale.py``'s 31-column table, one thread, alone on a 2-core AMD
#: EPYC machine (forests and boosting checked again at 640,000 rows: within 15 %).
#: Machines differ; the run's own evaluations correct them (:func:`calibration`).
SECONDS_PER_UNIT = {
    "boosting": 6.5e-9,  # rounds x rows x columns (x classes - 1)
    "rf": 9e-8,  # trees x rows per tree x log2(rows per tree) x columns per split
    "et": 2.4e-8,
    "forest_predict": 1e-8,  # trees x test rows x log2(rows per tree), rf and et alike
    "linear": 6e-8,  # rows x columns (x classes - 1)
    "knn": 1.6e-10,  # test rows x training rows x columns
    "other": 6.5e-9,  # rows x columns x 100: a boosting-like family without a law here
}

#: Seconds per cell (training and test rows x columns) of the work every family does
#: whatever its hyperparameters: copying the fold, casting and encoding the columns,
#: imputing and clipping the numbers. Measured as above: 0.45 s at 200,000 x 31 cells,
#: 2.2-2.9 s at 800,000 x 31. It does not shrink with the rounds (:mod:`._shrink`), and
#: at 3,000,000 rows it is about 9 s of a fold.
SECONDS_PER_CELL = 1e-7

#: Seconds a fold costs whatever its size (building the pipeline, predicting, writing
#: its results), which no growth law above captures. Measured-to-estimated ratios use at
#: least this as the estimate: a tiny k-NN fold estimated at 1e-5 s that took 0.02 s
#: would otherwise give a ratio in the thousands, and a family with no evaluation of its
#: own, borrowing that ratio, would be judged a thousand times too slow.
MIN_FOLD_SECONDS = 0.05

_ROUNDS = ("n_estimators", "max_iter", "iterations")  # the round count's name by family


class Shape(NamedTuple):
    """What a fold's cost depends on besides the configuration."""

    n_train: int
    n_test: int
    n_features: int
    n_classes: int | None  # None for regression


def _work(name: str, hp: dict[str, Any], shape: Shape) -> tuple[str, float]:
    """The family's cost law: which constant applies, and how many units of work."""
    n_train, n_test, n_features, n_classes = shape
    d = max(1, n_features)
    if name in ("rf", "et"):
        rows = n_train * (hp.get("max_samples") or 1.0)
        columns = max(1.0, float(hp.get("max_features", 1.0)) * d)
        trees, depth = int(hp.get("n_estimators", 100)), math.log2(rows + 2)
        predict = SECONDS_PER_UNIT["forest_predict"] / SECONDS_PER_UNIT[name]
        return name, trees * depth * (rows * columns + predict * n_test)
    if name == "knn":
        return name, float(n_test) * n_train * d
    if name == "linear":
        return name, float(n_train) * d * max(1, (n_classes or 2) - 1)
    rounds = next((hp[k] for k in _ROUNDS if k in hp), None)
    if rounds is not None:
        return "boosting", float(rounds) * n_train * d * max(1, (n_classes or 2) - 1)
    return "other", 100.0 * n_train * d


def fold_seconds(name: str, hp: dict[str, Any], shape: Shape) -> float:
    """Estimated seconds to fit family ``name`` with hyperparameters ``hp`` on
    ``shape.n_train`` rows and predict ``shape.n_test``, on one thread, before the run's
    correction (:func:`calibration`)."""
    law, units = _work(name, hp, shape)
    cells = (shape.n_train + shape.n_test) * max(1, shape.n_features)
    return SECONDS_PER_UNIT[law] * units + SECONDS_PER_CELL * cells


def calibration(workdir: Path, name: str) -> float:
    """How many times slower than estimated this run's finished evaluations were.

    The median of their measured-to-estimated ratios: those of family ``name`` when it
    has any, else those of every family, else 1 (nothing finished yet). An estimate
    below ``MIN_FOLD_SECONDS`` counts as that much (a fold's fixed cost).
    """
    ratios: dict[str, list[float]] = {}
    for path in Path(workdir).glob("*.json"):
        try:
            stats = json.loads(path.read_text())
        except (OSError, ValueError):  # being written by a worker right now
            continue
        if stats.get("estimate") and stats.get("seconds_per_fold"):
            ratios.setdefault(stats["model"], []).append(
                stats["seconds_per_fold"] / max(stats["estimate"], MIN_FOLD_SECONDS)
            )
    if name in ratios:
        return float(np.median(ratios[name]))
    every = [r for values in ratios.values() for r in values]
    return float(np.median(every)) if every else 1.0


def too_late(expected: float, now: float, deadline: float | None, *, what: str) -> str | None:
    """Why ``what`` must not start, when ``expected`` seconds from ``now`` pass ``deadline``."""
    if deadline is None or now + expected <= deadline:
        return None
    return (
        f"skipped: {what} is estimated at {expected:.3g} s, and "
        f"{max(0.0, deadline - now):.3g} s are left before the deadline"
    )


def plan_models(
    names: list[str], task: str, shape: Shape, *, seconds: float | None
) -> tuple[list[str], list[dict[str, str]]]:
    """The families to search, and a decision for each left out (``model``,
    ``action="left out"``, ``reason``).

    ``seconds`` is the time for the search (None: no time budget, only the k-NN size
    rule applies). A family is never left out when it is the last one.
    """
    kept, decisions = [], []
    n_train = shape.n_train
    for name in names:
        reason = None
        if name == "knn" and n_train > KNN_MAX_ROWS:
            reason = (
                f"{n_train:,} training rows is more than KNN_MAX_ROWS={KNN_MAX_ROWS:,}: "
                "each prediction scans every training row"
            )
        elif seconds is not None:
            from autoxai.automl._shrink import shrink  # which imports this module

            every_row = n_train + shape.n_test
            cheapest = min(
                FAMILIES[name].defaults(task, every_row),
                key=lambda hp: fold_seconds(name, hp, shape),
            )
            if shrink(name, cheapest, shape, left=MAX_SHARE * seconds) is None:
                reason = (
                    f"its cheapest default is estimated at "
                    f"{fold_seconds(name, cheapest, shape):.3g} s on {n_train:,} training rows x "
                    f"{shape.n_features} columns, and even shrunk to its fewest rounds and rows "
                    f"at more than {MAX_SHARE:g} of the {seconds:.3g} s search"
                )
        if reason is None:
            kept.append(name)
        else:
            decisions.append({"model": name, "action": "left out", "reason": reason})
    if not kept:  # never leave nothing: keep the first family named
        kept.append(decisions.pop(0)["model"])
    return kept, decisions
