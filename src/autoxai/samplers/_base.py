"""The sampler interface."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from autoxai._utils import RandomState, seed_from

if TYPE_CHECKING:
    from autoxai.study import Study, Trial

__all__ = ["BaseSampler", "model_history"]


class BaseSampler(ABC):
    """Proposes the next configuration to evaluate.

    A sampler sees the study (its space and direction) and a snapshot of all its trials,
    including RUNNING ones, so a model-based sampler can account for pending work.

    Reproducibility: the random numbers for the ``k``-th proposal come from
    :meth:`rng_for` ``(k)``, a generator seeded by ``(random_state, k)``. Proposals are
    therefore a function of the seed and the history, not of the order in which
    parallel workers return or of whether the study was interrupted and resumed.

    Parameters
    ----------
    random_state : int, numpy.random.Generator or None
        Seed; ``None`` draws one from the operating system.
    """

    def __init__(self, *, random_state: RandomState = None) -> None:
        self.random_state = random_state
        self._seed = seed_from(random_state)

    def rng_for(self, index: int) -> np.random.Generator:
        """The generator for the ``index``-th proposal of the study."""
        return np.random.default_rng([self._seed, index])

    @property
    def is_finite(self) -> bool:
        """True when the sampler ends the study by itself (a grid), so no budget is needed."""
        return False

    @property
    def distinct(self) -> bool:
        """True when no configuration should be evaluated twice (a grid).

        The study then inserts a proposal only if no other trial (of any driver) holds
        it, and asks again otherwise.
        """
        return self.is_finite

    @abstractmethod
    def sample(self, study: Study, trials: Sequence[Trial]) -> dict[str, Any] | None:
        """A configuration valid in ``study.space``, or None when nothing is left to try."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(random_state={self.random_state!r})"


def model_history(trials: Sequence[Trial], min_points: int) -> list[Trial]:
    """The trials a model-based sampler should learn from when evaluations carry budgets.

    Values on different budgets are not comparable, so the model sees only the trials
    (of any state) at the largest budget holding at least ``min_points`` COMPLETE ones,
    as BOHB does; with no such budget, none, so the sampler draws at random. A trial
    without a budget counts as a full evaluation. Without budgets, all trials.
    """
    from autoxai.study import TrialState

    if all(t.budget is None for t in trials):
        return list(trials)
    full = float("inf")
    counts: dict[float, int] = {}
    for t in trials:
        if t.state is TrialState.COMPLETE:
            key = full if t.budget is None else t.budget
            counts[key] = counts.get(key, 0) + 1
    enough = [b for b, n in counts.items() if n >= min_points]
    if not enough:
        return []
    top = max(enough)
    return [t for t in trials if (full if t.budget is None else t.budget) == top]
