"""Multi-fidelity views of an AutoML search, in one place.

Under ``search="sha"|"hyperband"|"asha"|"bohb"`` a budget is the share of each training
fold a configuration was trained on (1: all rows; None: outside any schedule, which is
all rows too). Here live the rules every part of autoxai shows that search by — which
evaluations count (:func:`is_full`, one tolerance), how a budget reads
(:func:`budget_text`), a configuration's chain of evaluations (:func:`rung_history`,
:func:`history_text`) and what ran on each budget (:func:`rung_summary`) — for AutoML,
the run's writer, the report and the CLI alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from autoxai.trial import Trial, TrialState

__all__ = [
    "TOLERANCE",
    "budget_text",
    "full_budget",
    "history_text",
    "is_full",
    "rows_at",
    "rung_history",
    "rung_summary",
]

#: Two budgets closer than this are the same budget.
TOLERANCE = 1e-9


def is_full(budget: Any) -> bool:
    """Whether an evaluation with this budget was on all training rows (None/NaN or 1)."""
    if budget is None:
        return True
    try:
        value = float(budget)
    except (TypeError, ValueError):
        return False
    return bool(np.isnan(value) or value >= 1.0 - TOLERANCE)


def full_budget(trials: Sequence[Trial]) -> list[Trial]:
    """The COMPLETE trials evaluated on all training rows.

    The only ones to rank, ensemble or refit: under a multi-fidelity search, a loss on
    a fraction of the rows is not comparable with a loss on all of them.
    """
    return [
        t
        for t in trials
        if t.state is TrialState.COMPLETE and t.value is not None and is_full(t.budget)
    ]


def budget_text(budget: Any) -> str:
    """``1/27`` for a budget of 0.037...; ``1`` for all rows (and for None); "" if unreadable.

    >>> budget_text(1 / 27), budget_text(1.0), budget_text(None)
    ('1/27', '1', '1')
    """
    if budget is None or (isinstance(budget, float) and np.isnan(budget)):
        return "1"
    try:
        f = Fraction(float(budget)).limit_denominator(1000)
    except (TypeError, ValueError, OverflowError):
        return ""
    return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


def rung_history(trial: Trial, trials: Sequence[Trial]) -> list[int]:
    """The numbers of the evaluations that promoted ``trial``'s configuration, lowest
    rung first, ending with ``trial`` (following ``parent``)."""
    chain = [trial.number]
    seen = {trial.number}
    parent = trial.parent
    while parent is not None and 0 <= parent < len(trials) and parent not in seen:
        chain.append(parent)
        seen.add(parent)
        parent = trials[parent].parent
    return chain[::-1]


def history_text(history: Sequence[int], budget_of: Mapping[int, Any]) -> str:
    """``7: 1/3 → 10: 1``: a configuration's evaluations, lowest budget first.

    >>> history_text([7, 10], {7: 1 / 3, 10: 1.0})
    '7: 1/3 → 10: 1'
    """
    return " → ".join(f"{n}: {budget_text(budget_of.get(n))}" for n in history)


def rows_at(schedule: Mapping[str, Any], budget: float) -> int | None:
    """The training rows per fold a schedule gives ``budget`` (None if not one of its)."""
    for b, n in zip(schedule.get("budgets") or [], schedule.get("training_rows") or []):
        if abs(float(b) - float(budget)) < TOLERANCE:
            return int(n)
    return None


def rung_summary(trials: pd.DataFrame) -> pd.DataFrame:
    """The search by budget, lowest first: one row per budget the trials were given.

    ``trials`` needs ``number``, ``state``, ``loss``, ``budget`` and ``parent`` (and
    ``rung``, optional). Columns: ``budget``, ``rung`` (the schedule's index; NaN when
    only queued configurations ran at that budget), ``evaluations`` (every state),
    ``complete``, ``queued`` (configurations queued outside the schedule, such as
    AutoML's defaults), ``promoted`` (evaluations whose configuration went on to a
    larger budget) and ``best_loss``. Empty when no trial carries a budget.

    Examples
    --------
    >>> t = pd.DataFrame({"number": [0, 1, 2], "state": ["COMPLETE"] * 3,
    ...                   "loss": [0.3, 0.5, 0.2], "budget": [1 / 3, 1 / 3, 1.0],
    ...                   "rung": [0, 0, 1], "parent": [None, None, 0]})
    >>> rung_summary(t)[["budget", "evaluations", "promoted", "best_loss"]].round(2).values.tolist()
    [[0.33, 2.0, 1.0, 0.3], [1.0, 1.0, 0.0, 0.2]]
    """
    columns = ["budget", "rung", "evaluations", "complete", "queued", "promoted", "best_loss"]
    if "budget" not in trials or not trials["budget"].notna().any():
        return pd.DataFrame(columns=columns)
    parents = set(pd.to_numeric(trials["parent"], errors="coerce").dropna().astype(int))
    rungs = trials["rung"] if "rung" in trials else pd.Series(np.nan, index=trials.index)
    rows = []
    budgeted = trials[trials["budget"].notna()]
    for budget, part in budgeted.groupby("budget", sort=True):
        complete = part[part["state"] == "COMPLETE"]
        scheduled = pd.to_numeric(rungs.loc[part.index], errors="coerce").dropna()
        losses = pd.to_numeric(complete["loss"], errors="coerce").dropna()
        rows.append(
            {
                "budget": float(budget),
                "rung": float(scheduled.min()) if len(scheduled) else np.nan,
                "evaluations": len(part),
                "complete": len(complete),
                "queued": int(len(part) - len(scheduled)),
                "promoted": int(part["number"].isin(parents).sum()),
                "best_loss": float(losses.min()) if len(losses) else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=columns)
