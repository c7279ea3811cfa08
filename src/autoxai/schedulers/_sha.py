"""Synchronous successive halving (Jamieson & Talwalkar, 2016; Karnin et al., 2013)."""

from __future__ import annotations

import math
from abc import abstractmethod
from collections import defaultdict
from collections.abc import Sequence

from autoxai._utils import check_int
from autoxai.schedulers._base import WAIT, BaseScheduler, Job, _Wait, rank, usable
from autoxai.trial import Trial

__all__ = ["SuccessiveHalving"]


class BracketScheduler(BaseScheduler):
    """Brackets of synchronous successive halving, started one after another.

    A bracket fills its lowest rung with new configurations; once every evaluation of a
    rung has finished, its best ``sizes[i + 1]`` go up to the next rung, best first
    (ties to the earlier trial; failed evaluations are never promoted). While a rung is
    still running, the next bracket starts, so parallel workers do not sit idle.
    Subclasses say how each bracket is shaped.
    """

    def __init__(self, min_budget, max_budget, *, eta=3, n_brackets: int | None = None):
        super().__init__(min_budget, max_budget, eta=eta)
        if n_brackets is not None:
            check_int("n_brackets", n_brackets, minimum=1)
        self.n_brackets = n_brackets

    @abstractmethod
    def bracket_shape(self, bracket: int) -> tuple[int, tuple[int, ...]]:
        """``(first rung, configurations per rung)`` of bracket number ``bracket``."""

    @property
    @abstractmethod
    def brackets_per_pass(self) -> int:
        """How many brackets make the scheduler's natural end."""

    def next_job(
        self, trials: Sequence[Trial], direction: str, *, one_pass: bool = False
    ) -> Job | _Wait | None:
        by_bracket: dict[int, list[Trial]] = defaultdict(list)
        for t in usable(trials):
            if t.bracket is not None:
                by_bracket[t.bracket].append(t)
        limit = self.n_brackets
        if limit is None and one_pass:
            limit = self.brackets_per_pass
        waiting = False
        bracket = 0
        # An unstarted bracket always yields a job, so this loop ends.
        while limit is None or bracket < limit:
            job = self._next_in_bracket(bracket, by_bracket.get(bracket, []), direction)
            if isinstance(job, Job):
                return job
            waiting = waiting or job is WAIT
            bracket += 1
        return WAIT if waiting else None

    def _next_in_bracket(
        self, bracket: int, trials: list[Trial], direction: str
    ) -> Job | _Wait | None:
        first, sizes = self.bracket_shape(bracket)
        rungs = [[t for t in trials if t.rung == first + i] for i in range(len(sizes))]
        if len(rungs[0]) < sizes[0]:
            return Job(self.budgets[first], bracket, first)
        for i in range(len(sizes) - 1):
            if not all(t.state.is_finished for t in rungs[i]):
                return WAIT
            promoted = {t.parent for t in rungs[i + 1]}
            for t in rank(rungs[i], direction)[: sizes[i + 1]]:
                if t.number not in promoted:
                    return Job(self.budgets[first + i + 1], bracket, first + i + 1, t.number)
        return None if all(t.state.is_finished for t in rungs[-1]) else WAIT

    def _sizes(self, n: int, n_rungs: int) -> tuple[int, ...]:
        # 1e-9: 81 / 3 ** 4 must floor to 1, not to 0.
        return tuple(max(1, math.floor(n / self.eta**i + 1e-9)) for i in range(n_rungs))


class SuccessiveHalving(BracketScheduler):
    """Successive halving: many configurations on a small budget, the best on more.

    Each bracket starts ``n_configs`` configurations at ``min_budget``; after each rung
    the top ``1 / eta`` go on with ``eta`` times the budget, up to ``max_budget``. It is
    synchronous: a rung is judged when all its evaluations are done.

    Parameters
    ----------
    min_budget, max_budget, eta
        See :class:`BaseScheduler`.
    n_configs : int, optional
        Configurations per bracket; default ``eta ** s_max`` (81 for budgets 1..81 and
        ``eta=3``), so the top rung holds one configuration.
    n_brackets : int, optional
        Brackets to run; default: one when the search has no ``n_trials`` or
        ``timeout``, else as many as those allow.

    With budgets 1..81 and ``eta=3`` one bracket runs 81, 27, 9, 3 and 1 evaluations at
    budgets 1, 3, 9, 27 and 81: 121 evaluations costing 405 budget units, against 6,561
    for the 81 configurations at full budget.

    References
    ----------
    K. Jamieson and A. Talwalkar, "Non-stochastic Best Arm Identification and
    Hyperparameter Optimization", AISTATS 2016. Z. Karnin, T. Koren and O. Somekh,
    "Almost Optimal Exploration in Multi-Armed Bandits", ICML 2013.

    Examples
    --------
    >>> from autoxai import Float, tune
    >>> study = tune(lambda p, budget: (p["x"] - 1) ** 2 + 1 / budget, {"x": Float(-5, 5)},
    ...              method="sha", min_budget=1, max_budget=27, random_state=0)
    >>> len(study.trials), study.best_trial.budget
    (40, 27)
    """

    def __init__(self, min_budget, max_budget, *, eta=3, n_configs: int | None = None,
                 n_brackets: int | None = None):  # fmt: skip
        super().__init__(min_budget, max_budget, eta=eta, n_brackets=n_brackets)
        if n_configs is not None:
            check_int("n_configs", n_configs, minimum=1)
        self.n_configs = n_configs

    def bracket_shape(self, bracket: int) -> tuple[int, tuple[int, ...]]:
        n = self.n_configs or math.ceil(self.eta**self.s_max - 1e-9)
        return 0, self._sizes(n, self.s_max + 1)

    @property
    def brackets_per_pass(self) -> int:
        return 1
