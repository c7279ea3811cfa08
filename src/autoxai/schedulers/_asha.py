"""Asynchronous successive halving (Li et al., 2020)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from autoxai._utils import check_int
from autoxai.schedulers._base import WAIT, BaseScheduler, Job, _Wait, rank, usable
from autoxai.trial import Trial

__all__ = ["ASHA"]


class ASHA(BaseScheduler):
    """Successive halving that never waits for a rung to fill: the one for many workers.

    Whenever a worker is free, the highest rung holding a finished configuration in
    the top ``floor(n / eta)`` of its ``n`` finished evaluations, not yet promoted,
    promotes it to the next rung; if there is none, a new configuration starts at
    ``min_budget``. Early promotions are made on little evidence, which is the price of
    keeping every worker busy.

    Parameters
    ----------
    min_budget, max_budget, eta
        See :class:`BaseScheduler`.
    n_configs : int, optional
        New configurations to start; default: ``eta ** s_max`` when the search has no
        ``n_trials`` or ``timeout``, else no limit. Once reached, promotions continue
        until none is possible.

    With several workers, which configurations go up depends on the order in which
    evaluations finish, so only a one-worker run is reproducible to the trial.

    References
    ----------
    L. Li, K. Jamieson, A. Rostamizadeh, E. Gonina, J. Ben-tzur, M. Hardt, B. Recht and
    A. Talwalkar, "A System for Massively Parallel Hyperparameter Tuning", MLSys 2020.
    """

    def __init__(self, min_budget, max_budget, *, eta=3, n_configs: int | None = None):
        super().__init__(min_budget, max_budget, eta=eta)
        if n_configs is not None:
            check_int("n_configs", n_configs, minimum=1)
        self.n_configs = n_configs

    def next_job(
        self, trials: Sequence[Trial], direction: str, *, one_pass: bool = False
    ) -> Job | _Wait | None:
        trials = [t for t in usable(trials) if t.bracket == 0]
        rungs = [[t for t in trials if t.rung == k] for k in range(self.s_max + 1)]
        for k in reversed(range(self.s_max)):
            promoted = {t.parent for t in rungs[k + 1]}
            ranked = rank(rungs[k], direction)
            for t in ranked[: int(len(ranked) // self.eta)]:
                if t.number not in promoted:
                    return Job(self.budgets[k + 1], 0, k + 1, t.number)
        cap = self.n_configs
        if cap is None and one_pass:
            cap = math.ceil(self.eta**self.s_max - 1e-9)
        if cap is None or len(rungs[0]) < cap:
            return Job(self.budgets[0], 0, 0)
        return WAIT if any(not t.state.is_finished for t in trials) else None
