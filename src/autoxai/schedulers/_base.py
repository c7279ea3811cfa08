"""The scheduler interface: which configuration runs next, and with what budget.

A *budget* is whatever the objective says it is: boosting rounds, epochs, a fraction
of the training rows. A scheduler lays out *rungs* of budgets growing ``eta``-fold from
``min_budget`` to ``max_budget`` and decides, from the history alone, the next
evaluation: a new configuration on the lowest rung of a bracket, or the promotion of a
finished one to the rung above. Each evaluation is its own trial, so a study killed
mid-run keeps every finished evaluation and a resumed one carries on from them.

The same rungs drive *pruning* for objectives that train step by step in one process:
the trial reports its value at each step and :meth:`BaseScheduler.should_prune` stops
it at a rung where it is not in the top ``1 / eta`` of the trials that got there.
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from autoxai.exceptions import InvalidParameterError
from autoxai.trial import Trial, TrialState, retried

if TYPE_CHECKING:
    from autoxai._utils import RandomState
    from autoxai.samplers import BaseSampler

__all__ = ["WAIT", "BaseScheduler", "Job", "rank", "usable"]


@dataclass(frozen=True)
class Job:
    """One evaluation to start: a new configuration (``parent`` None) or a promotion."""

    budget: float
    bracket: int
    rung: int
    parent: int | None = None


class _Wait:
    """Nothing can start until a running evaluation finishes (a rung is filling)."""

    def __repr__(self) -> str:
        return "WAIT"


#: Returned by :meth:`BaseScheduler.next_job` when the next decision needs a result.
WAIT = _Wait()


class BaseScheduler(ABC):
    """Rungs of budgets and the rule that moves configurations up them.

    Parameters
    ----------
    min_budget, max_budget : int or float
        The smallest and the largest budget an evaluation gets, ``0 < min <= max``.
        When both are ints, budgets are ints (rounded).
    eta : float
        The budget grows ``eta``-fold from rung to rung and the top ``1 / eta`` of a
        rung is promoted. Must be > 1; 3 is the usual choice.

    The rungs run from ``max_budget`` down by factors of ``eta`` for as long as they stay
    at or above ``min_budget``: ``min_budget=1, max_budget=81, eta=3`` gives 1, 3, 9, 27,
    81; the top rung is always ``max_budget``.
    """

    def __init__(self, min_budget: float, max_budget: float, *, eta: float = 3) -> None:
        for name, value in (("min_budget", min_budget), ("max_budget", max_budget)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
                raise InvalidParameterError(f"{name} must be a number > 0, got {value!r}")
        if not min_budget <= max_budget:
            raise InvalidParameterError(
                f"min_budget must be <= max_budget, got {min_budget!r} and {max_budget!r}"
            )
        if isinstance(eta, bool) or not isinstance(eta, numbers.Real) or not eta > 1:
            raise InvalidParameterError(f"eta must be a number > 1, got {eta!r}")
        self.min_budget = min_budget
        self.max_budget = max_budget
        self.eta = eta
        self.integer = all(isinstance(v, numbers.Integral) for v in (min_budget, max_budget))
        # 1e-9: log(81) / log(3) is 3.9999999999999996 in floating point.
        self.s_max = math.floor(math.log(max_budget / min_budget) / math.log(eta) + 1e-9)
        budgets = [max_budget * eta ** (k - self.s_max) for k in range(self.s_max + 1)]
        if self.integer:
            budgets = [max(int(min_budget), round(b)) for b in budgets]
        #: the budget of each rung, lowest first
        self.budgets: tuple[float, ...] = tuple(budgets)

    def as_budget(self, budget: float | None) -> float:
        """What the objective is given for a stored ``budget`` (None: the full budget).

        Databases keep budgets as floats; integer budgets go back to ints here.
        """
        if budget is None:
            return self.max_budget
        return round(budget) if self.integer else float(budget)

    # -- budgeted evaluation ----------------------------------------------------------
    @abstractmethod
    def next_job(
        self, trials: Sequence[Trial], direction: str, *, one_pass: bool = False
    ) -> Job | _Wait | None:
        """The next evaluation, :data:`WAIT`, or None when the schedule is over.

        ``trials`` is the study's whole history. ``one_pass`` asks for the scheduler's
        natural end (one bracket, one Hyperband round, ``eta ** s_max`` configurations)
        when no number of trials or time limit was given.
        """

    def default_sampler(self, random_state: RandomState = None, **options) -> BaseSampler:
        """The sampler that proposes new configurations when none is given: random."""
        from autoxai.samplers import RandomSampler

        return RandomSampler(random_state=random_state, **options)

    # -- pruning of step-by-step objectives -------------------------------------------
    def prune_rungs(self, number: int) -> tuple[int, ...]:
        """Rungs (indices into :attr:`budgets`) at which trial ``number`` is judged."""
        return tuple(range(self.s_max))  # the top rung is the end, never a cut

    def prune_group(self, number: int) -> int:
        """Trials judged against each other share a group (Hyperband: a bracket)."""
        return 0

    def should_prune(self, trial: Trial, trials: Sequence[Trial], direction: str) -> bool:
        """Whether ``trial`` should stop, judged at the rung its last report crossed.

        A trial reaches rung ``k`` at its first report at a step ``>= budgets[k]``, and
        its value there is that report's. It goes on if it is in the top
        ``max(1, n // eta)`` of the ``n`` trials (itself included) of its group that
        reached the rung, as in ASHA; each rung is judged once, when it is crossed, so a
        trial allowed on is never stopped later by trials arriving at that rung.
        """
        steps = sorted(trial.intermediate)
        if not steps:
            return False
        last = steps[-1]
        before = steps[-2] if len(steps) > 1 else -math.inf
        crossed = [k for k in self.prune_rungs(trial.number) if before < self.budgets[k] <= last]
        if not crossed:
            return False
        k = crossed[-1]
        group = self.prune_group(trial.number)
        sign = _sign(direction)
        mine = sign * trial.intermediate[last]
        others = [
            sign * v
            for t in trials
            if t.number != trial.number
            and self.prune_group(t.number) == group
            and (v := _value_at(t, self.budgets[k])) is not None
        ]
        n_top = max(1, int((len(others) + 1) // self.eta))
        n_better = sum(v < mine for v in others)
        return n_better >= n_top

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(min_budget={self.min_budget!r}, "
            f"max_budget={self.max_budget!r}, eta={self.eta!r})"
        )


def _value_at(trial: Trial, budget: float) -> float | None:
    """The value ``trial`` reported at its first step ``>= budget``, if any."""
    for step in sorted(trial.intermediate):
        if step >= budget:
            return trial.intermediate[step]
    return None


def _sign(direction: str) -> float:
    return 1.0 if direction == "minimize" else -1.0


def usable(trials: Sequence[Trial]) -> list[Trial]:
    """The trials a schedule counts: an interrupted trial re-queued as a retry is replaced
    by its retry (which keeps its place); one never re-queued counts as failed."""
    replaced = retried(trials)
    return [t for t in trials if not (t.interrupted and t.number in replaced)]


def rank(trials: Sequence[Trial], direction: str) -> list[Trial]:
    """COMPLETE trials best first; ties go to the earlier trial. Failures never rank."""
    sign = _sign(direction)
    complete = [t for t in trials if t.state is TrialState.COMPLETE and t.value is not None]
    return sorted(complete, key=lambda t: (sign * t.value, t.number))
