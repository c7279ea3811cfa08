"""``"bayes"``: the recommended Bayesian sampler, a GP while that is affordable, then TPE."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from autoxai._utils import RandomState, check_int
from autoxai.samplers._base import BaseSampler
from autoxai.samplers._gp import GPSampler
from autoxai.samplers._tpe import TPESampler

if TYPE_CHECKING:
    from autoxai.study import Study, Trial

__all__ = ["BayesSampler"]


class BayesSampler(BaseSampler):
    """Gaussian-process proposals for the first ``switch_after`` trials, TPE after that.

    Why this default: on ``benchmarks/hpo_quality.py`` (13 problems, 10 seeds) our GP
    reaches a lower normalised regret than our TPE at every budget (mean 0.47 vs 0.65 at
    20 trials, 0.29 vs 0.41 at 50, 0.27 vs 0.35 at 100), including the conditional
    mixed-space problem, so it finds better configurations per trial — what matters when
    each trial is a model fit. Its cost grows as ``O(n^3)`` with the history (about 45 ms
    a proposal at 300 trials on 10 dimensions, 27 ms at 100), while TPE stays at a few
    milliseconds up to thousands of trials; so long studies hand over to TPE, which
    then learns from every trial the GP chose.

    Parameters
    ----------
    switch_after : int
        Finished trials (COMPLETE, including the warm-up) after which TPE proposes
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

    def __init__(self, *, switch_after: int = 300, random_state: RandomState = None) -> None:
        check_int("switch_after", switch_after, minimum=0)
        super().__init__(random_state=random_state)
        self.switch_after = switch_after
        self._gp = GPSampler(random_state=self._seed)
        self._tpe = TPESampler(random_state=self._seed)

    def sample(self, study: Study, trials: Sequence[Trial]) -> dict[str, Any] | None:
        from autoxai.study import TrialState

        n_complete = sum(t.state is TrialState.COMPLETE for t in trials)
        sampler = self._gp if n_complete < self.switch_after else self._tpe
        return sampler.sample(study, trials)
