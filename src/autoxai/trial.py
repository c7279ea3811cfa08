"""Trial records and their states."""

from __future__ import annotations

import enum
import math
import numbers
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np

__all__ = [
    "INTERRUPTED",
    "Trial",
    "TrialState",
    "at_top_budget",
    "check_value",
    "retried",
    "retry_fields",
]

#: The ``error`` recorded for a trial whose run was cut short (Ctrl-C, a killed process).
INTERRUPTED = "interrupted"


class TrialState(str, enum.Enum):
    """Where a trial is in its life.

    ``WAITING`` trials hold a configuration queued for evaluation (``Study.enqueue`` or
    a re-queued interrupted trial); ``RUNNING`` ones are being evaluated; the other three
    are final.
    """

    WAITING = "WAITING"
    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"
    PRUNED = "PRUNED"

    @property
    def is_finished(self) -> bool:
        """True for COMPLETE, FAILED and PRUNED: the record will not change any more."""
        return self in (TrialState.COMPLETE, TrialState.FAILED, TrialState.PRUNED)

    def __str__(self) -> str:
        return self.value


def _to_datetime(t: float | None) -> datetime | None:
    return None if t is None else datetime.fromtimestamp(t, tz=timezone.utc)


@dataclass(frozen=True)
class Trial:
    """An immutable record of one evaluation of a configuration.

    ``study.ask()`` hands out a RUNNING ``Trial``; ``study.tell`` records its outcome
    as a new record. ``duration`` is the objective's own wall time in seconds when the
    study ran it, else the time between ask and tell. ``error`` says why a trial FAILED
    (``"interrupted"`` when its run was cut short). ``retry_of`` is the number of the
    interrupted trial whose configuration this one re-runs.

    Multi-fidelity searches (:mod:`autoxai.schedulers`) fill in ``budget`` (what the
    objective was given), ``bracket`` and ``rung`` (where in the schedule the evaluation
    sits; ``rung`` indexes the scheduler's ``budgets``) and ``parent`` (the trial at
    the rung below whose configuration this one promotes). ``intermediate`` maps the
    steps a trial reported with :meth:`report` to their values.

    The trial handed out by :meth:`Study.ask` (and to an objective under a pruner) is
    *live*: :meth:`report` and :meth:`should_prune` reach its study.
    """

    number: int
    state: TrialState
    params: dict[str, Any] = field(default_factory=dict)
    value: float | None = None
    budget: float | None = None
    time_start: float | None = None
    time_complete: float | None = None
    duration: float | None = None
    error: str | None = None
    retry_of: int | None = None
    bracket: int | None = None
    rung: int | None = None
    parent: int | None = None
    intermediate: dict[int, float] = field(default_factory=dict)
    _study: Any = field(default=None, repr=False, compare=False)

    @property
    def datetime_start(self) -> datetime | None:
        """When the trial started (UTC)."""
        return _to_datetime(self.time_start)

    @property
    def datetime_complete(self) -> datetime | None:
        """When the trial finished (UTC)."""
        return _to_datetime(self.time_complete)

    @property
    def interrupted(self) -> bool:
        """True for a FAILED trial whose run was cut short rather than failing by itself."""
        return self.state is TrialState.FAILED and self.error == INTERRUPTED

    # -- report and prune (iterative training in one process) ------------------------
    def report(self, value: float, step: int) -> None:
        """Record the objective's ``value`` after ``step`` steps (epochs, boosting rounds).

        Steps must be ints ``>= 0``; reporting a step twice keeps the first value. The
        study's pruner judges the trial on these values in :meth:`should_prune`.
        """
        self._live().report(self, value, step)

    def should_prune(self) -> bool:
        """True when the study's pruner says this trial should stop now.

        Ask after each :meth:`report`. A trial is judged once per rung, at the first
        report at or past the rung's step; without a pruner the answer is always False.
        When True, end the trial: ``raise autoxai.TrialPruned()`` inside an objective,
        or ``study.tell(trial, state="PRUNED")`` in your own loop.
        """
        return self._live().should_prune(self)

    def _live(self):
        if self._study is None:
            from autoxai.exceptions import StudyError

            raise StudyError(
                f"trial {self.number} is a stored record, not a live trial: report from "
                "the trial study.ask() returned, or the one an objective receives"
            )
        return self._study


def check_value(value: Any) -> tuple[float | None, str | None]:
    """Turn an objective's return value into ``(value, None)`` or ``(None, reason)``.

    A value must be a real number (Python or NumPy, or a one-element array) and finite;
    booleans, strings, NaN and infinities are refused with the reason in words.
    """
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(-1)[0]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        return None, f"objective returned {shown} of type {type(value).__name__}, not a number"
    value = float(value)
    if not math.isfinite(value):
        return None, f"objective returned {value}, not a finite number"
    return value, None


def at_top_budget(trials: list[Trial]) -> list[Trial]:
    """The COMPLETE trials evaluated at the largest budget any of them reached.

    A trial without a budget counts as a full evaluation and is always kept; with no
    budgets at all, every COMPLETE trial is returned.
    """
    complete = [t for t in trials if t.state is TrialState.COMPLETE]
    budgets = [t.budget for t in complete if t.budget is not None]
    if not budgets:
        return complete
    top = max(budgets)
    return [t for t in complete if t.budget is None or t.budget == top]


def retried(trials: list[Trial]) -> set[int]:
    """Numbers of the trials that a later trial re-runs (their ``retry_of``)."""
    return {t.retry_of for t in trials if t.retry_of is not None}


def retry_fields(trial: Trial) -> dict[str, Any]:
    """The ``create_trial`` arguments that queue ``trial``'s configuration again in its
    place: same parameters and place in a schedule, ``retry_of`` its number."""
    return {
        "params": dict(trial.params),
        "budget": trial.budget,
        "bracket": trial.bracket,
        "rung": trial.rung,
        "parent": trial.parent,
        "retry_of": trial.number,
    }
