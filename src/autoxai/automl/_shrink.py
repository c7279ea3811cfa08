"""Shrink a configuration that would not finish in the time left, rather than skip it.

Before an evaluation starts under a deadline, :func:`shrink` compares the fold's
estimated cost (:func:`autoxai.automl._cost.fold_seconds`, times the run's own
correction) with each fold's share of the seconds left. A configuration that does not
fit is made smaller where its family allows, in this order:

0. for boosting, a subsample of the training rows, down to ``ROWS_BEFORE_ROUNDS``: its
   rounds are its learning, and 100 rounds on a tenth of a large table beat 10 on all
   of it;
1. fewer boosting rounds or trees (the family's ``budget_param``), down to
   ``ROUNDS_FLOOR``: the cost laws are linear in them (above the fold's cost per cell,
   which fewer rounds do not reduce), and a forest with fewer trees is still the same
   model, only less refined;
2. then a subsample of the training rows, down to ``ROWS_FLOOR`` (k-NN, whose cost is
   in its rows, only this).

Only when even the smallest version cannot finish is the configuration skipped. Each
decision is recorded (:func:`trial_decisions`); the refit fits the configuration as it
was shrunk (the same rounds, the same share of the rows), so the model the leaderboard
scored is the model delivered. A run without a deadline (``n_trials`` and no time
budget) never shrinks: its results must not depend on the machine's speed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from autoxai.automl._cost import Shape, _work, fold_seconds
from autoxai.automl._zoo import FAMILIES

__all__ = [
    "ROUNDS_FLOOR",
    "ROWS_BEFORE_ROUNDS",
    "ROWS_FLOOR",
    "Shrunk",
    "as_shrunk",
    "shrink",
    "trial_decisions",
]

#: Fewest boosting rounds or trees a shrunk configuration keeps.
ROUNDS_FLOOR = 10

#: Fewest training rows (per fold) a shrunk configuration keeps.
ROWS_FLOOR = 1_000

#: A boosting configuration loses rows before rounds, down to this many training rows.
ROWS_BEFORE_ROUNDS = 100_000

#: How the error of a skipped trial begins (the objective's ``OutOfTime``).
SKIPPED = "OutOfTime: skipped:"


class Shrunk(NamedTuple):
    """The version of a configuration that fits: its hyperparameters, its training
    rows per fold, its estimated seconds per fold and, when it differs from the
    configuration asked for, a note saying how (else None)."""

    hp: dict[str, Any]
    n_train: int
    seconds: float
    note: str | None


def _rounds_key(name: str, hp: dict[str, Any]) -> str | None:
    """The family's round (or tree) count when the cost law is linear in it."""
    key = FAMILIES[name].budget_param
    return key if key is not None and key in hp and name != "knn" else None


def _largest_rows(name: str, hp: dict[str, Any], shape: Shape, left: float, factor: float) -> int:
    """The most training rows (at least the floor) whose fold fits in ``left`` seconds."""
    low = min(ROWS_FLOOR, shape.n_train)
    high = shape.n_train
    while low < high:  # the largest n with cost(n) <= left; cost grows with n
        mid = (low + high + 1) // 2
        if factor * fold_seconds(name, hp, shape._replace(n_train=mid)) <= left:
            low = mid
        else:
            high = mid - 1
    return low


def shrink(
    name: str, hp: dict[str, Any], shape: Shape, *, left: float, factor: float = 1.0
) -> Shrunk | None:
    """The largest version of family ``name`` with ``hp`` whose fold fits in ``left`` s.

    ``factor`` corrects the estimates (:func:`autoxai.automl._cost.calibration`). The
    configuration itself when it fits; None when even ``ROUNDS_FLOOR`` rounds on
    ``ROWS_FLOOR`` rows would not.

    >>> from autoxai.automl._cost import Shape
    >>> shape = Shape(n_train=800, n_test=200, n_features=5, n_classes=2)
    >>> shrink("lgbm", {"n_estimators": 100}, shape, left=1.0).note is None
    True
    """
    full = factor * fold_seconds(name, hp, shape)
    if full <= max(left, 0.0):  # fits (or costs nothing, even past the deadline)
        return Shrunk(hp, shape.n_train, full, None)
    key = _rounds_key(name, hp)
    small = dict(hp)
    n_train = shape.n_train
    if key is not None and _work(name, hp, shape)[0] == "boosting":
        # boosting's rounds are its learning: fewer rows cost it less than fewer rounds,
        # down to ROWS_BEFORE_ROUNDS (10 rounds on every row underfit, AUC 0.73 against
        # 0.84 at 3,000,000 rows x 60 s)
        n_train = max(
            min(ROWS_BEFORE_ROUNDS, n_train), _largest_rows(name, hp, shape, left, factor)
        )
    here = shape._replace(n_train=n_train)
    now = factor * fold_seconds(name, hp, here)
    if key is not None and now > left and int(hp[key]) > ROUNDS_FLOOR:
        # the cost is linear in the rounds above what the fold costs with none of them
        # (copying, encoding: see _cost.SECONDS_PER_CELL), which fewer rounds keep
        fixed = factor * fold_seconds(name, {**hp, key: 0}, here)
        share = max(0.0, left - fixed) / max(now - fixed, 1e-12)
        small[key] = max(ROUNDS_FLOOR, int(int(hp[key]) * share))
    if factor * fold_seconds(name, small, here) > left:
        n_train = _largest_rows(name, small, shape, left, factor)
    seconds = factor * fold_seconds(name, small, shape._replace(n_train=n_train))
    if seconds > left:
        return None
    changes = [f"{key} {hp[key]} -> {small[key]}"] if key is not None and small != hp else []
    if n_train < shape.n_train:
        changes.append(f"{n_train:,} of {shape.n_train:,} training rows")
    note = (
        f"shrunk to {', '.join(changes)}: estimated at {full:.3g} s per fold as asked, "
        f"{seconds:.3g} s shrunk, and {left:.3g} s per fold were left before the deadline"
    )
    return Shrunk(small, n_train, seconds, note)


def as_shrunk(stats: dict[str, Any] | None, params: dict[str, Any], X, y, random_state: int):
    """``params``, ``X`` and ``y`` as the search ran the configuration, for its refit.

    When its evaluation (``stats``) was shrunk: the parameters it ran with and, if it ran
    on a share of the training rows, a random sample of that share of ``X, y`` (rows in
    their order, drawn with ``random_state``). Otherwise all three unchanged.
    """
    if not (stats and stats.get("shrunk")):
        return params, X, y
    fraction = stats["rows"]
    if fraction is None:
        return stats["run_params"], X, y
    n = len(y)
    keep = max(2, round(fraction * n))
    rows = np.sort(np.random.default_rng(random_state).choice(n, size=keep, replace=False))
    return stats["run_params"], X.iloc[rows], np.asarray(y)[rows]


def trial_decisions(trials, workdir: Path, read_evaluation) -> list[dict[str, Any]]:
    """What the search shrank or skipped, one entry per trial, in trial order.

    ``{"model", "action": "shrunk" | "skipped", "trial", "reason"}``: shrunk
    evaluations are read from the statistics each left in ``workdir`` (via
    ``read_evaluation``), skipped ones from the first line of their trial's error.
    """
    decisions = []
    for t in trials:
        name = t.params.get("model")
        first = (t.error or "").split("\n", 1)[0]  # "OutOfTime: skipped: ...", traceback
        if first.startswith(SKIPPED):
            decisions.append({"model": name, "action": "skipped", "trial": t.number,
                              "reason": first[len("OutOfTime: ") :]})  # fmt: skip
            continue
        _, stats = read_evaluation(workdir, t.params, t.budget)
        if stats and stats.get("shrunk"):
            decisions.append({"model": name, "action": "shrunk", "trial": t.number,
                              "reason": stats["shrunk"]})  # fmt: skip
    return decisions
