"""``"bayes"``: the recommended Bayesian sampler, GP on small spaces early on, else TPE."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from autoxai._utils import RandomState, check_int
from autoxai.samplers._base import BaseSampler
from autoxai.samplers._gp import GPSampler
from autoxai.samplers._tpe import TPESampler
from autoxai.trial import TrialState

if TYPE_CHECKING:
    from autoxai.study import Study
    from autoxai.trial import Trial

__all__ = ["BayesSampler"]


class BayesSampler(BaseSampler):
    """Gaussian-process proposals on small spaces for the first trials, TPE otherwise.

    Why this default, from two benchmarks measured at one commit:

    * ``benchmarks/hpo_quality.py`` (18 problems of 2 to 10 parameters, 10 seeds): our GP
      reaches a lower normalised regret than our TPE at every budget (mean 0.39 vs 0.68
      at 20 trials, 0.24 vs 0.42 at 50, 0.22 vs 0.36 at 100), conditional problems
      included, so on small spaces it finds better configurations per trial.
    * ``benchmarks/automl.py`` (``results/automl_search_decision.md``: 8 tables, 30 s,
      seeds 0-1, quiet machine): on the AutoML space (22 conditional parameters) TPE
      did better than the GP on 6 of 8 tables (mean rank 1.25 vs 1.75): with few trials
      in a wide conditional space the GP's model has too little to learn from.

    So the GP proposes while the space has at most ``max_gp_params`` parameters and fewer
    than ``switch_after`` trials are complete (its cost grows as ``O(n^3)``: about 45 ms
    a proposal at 300 trials on 10 dimensions), and TPE otherwise — a few milliseconds
    up to thousands of trials, learning from every trial the GP chose.

    Parameters
    ----------
    max_gp_params : int
        Largest number of parameters (active or not) for which the GP proposes
        (default 12).
    switch_after : int
        Finished trials (COMPLETE or PRUNED, including the warm-up) after which TPE proposes
        (default 300).
    random_state : int, numpy.random.Generator or None
        Seed shared by both samplers; ``None`` draws one from the operating system.

    Examples
    --------
    >>> from autoxai import Float, create_study
    >>> study = create_study({"x": Float(-2, 2)}, sampler=BayesSampler(random_state=0))
    >>> study.optimize(lambda p: (p["x"] - 0.5) ** 2, n_trials=15)
    >>> study.best_value < 1e-3
    True
    """

    def __init__(
        self,
        *,
        max_gp_params: int = 12,
        switch_after: int = 300,
        random_state: RandomState = None,
    ) -> None:
        check_int("max_gp_params", max_gp_params, minimum=0)
        check_int("switch_after", switch_after, minimum=0)
        super().__init__(random_state=random_state)
        self.max_gp_params = max_gp_params
        self.switch_after = switch_after
        self._gp = GPSampler(random_state=self._seed)
        self._tpe = TPESampler(random_state=self._seed)

    def sample(self, study: Study, trials: Sequence[Trial]) -> dict[str, Any] | None:
        n_finished = sum(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials)
        small = len(study.space) <= self.max_gp_params
        sampler = self._gp if small and n_finished < self.switch_after else self._tpe
        return sampler.sample(study, trials)
