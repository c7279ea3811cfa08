"""Checks and plumbing every explainer shares: arguments, row sampling, parallel work."""

from __future__ import annotations

from collections.abc import Callable
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from autoxai._utils import RandomState, check_random_state, did_you_mean, seed_from
from autoxai.exceptions import InvalidParameterError, ParameterTypeError

__all__ = [
    "check_confidence",
    "check_feature",
    "check_fraction",
    "check_max_samples",
    "check_n_jobs",
    "run_tasks",
    "subsample",
]


def run_tasks(function: Callable, shared: tuple, tasks: list[tuple], n_jobs: int) -> list[Any]:
    """``function(*shared, *task)`` for each task, in order.

    Inline for ``n_jobs == 1``; otherwise the tasks are cut into one contiguous chunk per
    loky worker, so the shared arguments (the model, the data) are pickled once per
    worker rather than once per task.
    """
    if n_jobs == 1 or len(tasks) <= 1:
        return [function(*shared, *task) for task in tasks]
    from joblib import Parallel, delayed, effective_n_jobs

    n_chunks = min(len(tasks), effective_n_jobs(n_jobs))
    chunks = [list(c) for c in np.array_split(np.arange(len(tasks)), n_chunks)]
    done = Parallel(n_jobs=n_chunks, backend="loky")(
        delayed(_run_chunk)(function, shared, [tasks[i] for i in chunk]) for chunk in chunks
    )
    return [result for chunk in done for result in chunk]


def _run_chunk(function: Callable, shared: tuple, tasks: list[tuple]) -> list[Any]:
    return [function(*shared, *task) for task in tasks]


def check_confidence(confidence: Any) -> float:
    if not isinstance(confidence, Real) or isinstance(confidence, bool) or not 0 < confidence < 1:
        raise InvalidParameterError(f"confidence must be a number in (0, 1), got {confidence!r}")
    return float(confidence)


def check_n_jobs(n_jobs: Any) -> int:
    if n_jobs is None:
        return 1
    if not isinstance(n_jobs, (int, np.integer)) or isinstance(n_jobs, bool) or n_jobs == 0:
        raise InvalidParameterError(
            f"n_jobs must be a non-zero int (-1: all cores) or None, got {n_jobs!r}"
        )
    return int(n_jobs)


def check_fraction(name: str, value: Any) -> float:
    if not isinstance(value, Real) or isinstance(value, bool) or not 0 <= value <= 1:
        raise InvalidParameterError(f"{name} must be a number in [0, 1] or None, got {value!r}")
    return float(value)


def check_max_samples(max_samples: Any, n_total: int) -> int:
    """The number of rows to use: a count (capped at ``n_total``) or a fraction in (0, 1]."""
    if max_samples is None:
        return n_total
    if isinstance(max_samples, (int, np.integer)) and not isinstance(max_samples, bool):
        if max_samples < 1:
            raise InvalidParameterError(
                f"max_samples as a row count must be >= 1, got {max_samples}"
            )
        return min(int(max_samples), n_total)
    if isinstance(max_samples, Real) and not isinstance(max_samples, bool):
        if not 0 < max_samples <= 1:
            raise InvalidParameterError(
                f"max_samples as a fraction must be in (0, 1], got {max_samples}"
            )
        return max(1, round(float(max_samples) * n_total))
    raise InvalidParameterError(
        f"max_samples must be an int (rows), a float in (0, 1] or None, got {max_samples!r}"
    )


def check_feature(feature: Any, columns: list[str], *, name: str = "feature") -> str:
    """Check that ``feature`` names a column; suggest the closest one when it does not."""
    if not isinstance(feature, str):
        raise ParameterTypeError(f"{name} must be a column name (str), got {feature!r}")
    if feature not in columns:
        shown = ", ".join(columns[:10]) + (", ..." if len(columns) > 10 else "")
        raise InvalidParameterError(
            f"{name} {feature!r} is not a column of X (columns: {shown})."
            + did_you_mean(feature, columns)
        )
    return feature


def subsample(
    frame: pd.DataFrame, max_samples: Any, random_state: RandomState
) -> tuple[pd.DataFrame, np.ndarray | None, int | None]:
    """At most ``max_samples`` rows of ``frame`` (a count or a fraction), without replacement.

    Returns the rows, their positions (``None`` when all rows are kept) and the seed they
    were drawn with (``None`` when no rows were drawn).
    """
    check_random_state(random_state)  # validate even when it goes unused
    if max_samples is None:
        return frame, None, None
    max_samples = check_max_samples(max_samples, len(frame))
    if max_samples >= len(frame):
        return frame, None, None
    seed = seed_from(random_state)
    rows = np.sort(np.random.default_rng(seed).choice(len(frame), max_samples, replace=False))
    return frame.iloc[rows].reset_index(drop=True), rows, seed
