"""The sampler interface."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from autoxai._utils import RandomState, seed_from
from autoxai.trial import TrialState

if TYPE_CHECKING:
    from autoxai.study import Study
    from autoxai.trial import Trial

__all__ = ["BaseSampler", "model_history", "ranked_history"]


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


def ranked_history(trials: Sequence[Trial], direction: str) -> tuple[list[Trial], np.ndarray]:
    """The finished trials a model learns from, best first, and the loss it sees for each.

    COMPLETE trials come first, ordered by value. PRUNED trials follow, as in Optuna's
    TPE: the ones that went further (a larger last reported step) first, then by the
    value they last reported; a pruned trial that reported nothing comes last. A pruned
    trial never ranks ahead of a complete one: it was stopped because it looked worse
    than its peers, and its last value was measured on less training.

    The losses are in minimisation sign (values negated for ``"maximize"``). A pruned
    trial's loss is its last reported value, but never better than the worst complete
    trial's, so a model fitted to the losses agrees with the ranking; a pruned trial
    that reported nothing gets the worst complete loss, and is left out while no trial
    is complete. Under an ASHA pruner only about one trial in ``eta ** rungs``
    completes; without the pruned ones a model would wait for hundreds of trials.
    """
    sign = -1.0 if direction == "maximize" else 1.0
    complete = sorted(
        (t for t in trials if t.state is TrialState.COMPLETE and t.value is not None),
        key=lambda t: sign * t.value,  # stable: ties keep trial order
    )
    losses = [sign * t.value for t in complete]
    worst = losses[-1] if losses else None

    def depth(t: Trial) -> tuple[int, float]:
        if not t.intermediate:  # after every pruned trial that reported (steps >= 0)
            return (1, math.inf)
        step = max(t.intermediate)
        return (-step, sign * t.intermediate[step])

    pruned = sorted((t for t in trials if t.state is TrialState.PRUNED), key=depth)
    kept = []
    for t in pruned:
        loss = depth(t)[1]
        if not math.isfinite(loss):
            if worst is None:
                continue
            loss = worst
        elif worst is not None:
            loss = max(loss, worst)
        kept.append(t)
        losses.append(loss)
    return complete + kept, np.asarray(losses, dtype=float)
