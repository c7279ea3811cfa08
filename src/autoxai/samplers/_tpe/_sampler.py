"""TPESampler: the tree-structured Parzen estimator (Bergstra et al., 2011)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from autoxai._utils import check_int
from autoxai.exceptions import InvalidParameterError
from autoxai.samplers._base import BaseSampler, model_history, ranked_history
from autoxai.samplers._tpe._parzen import ParzenEstimator
from autoxai.trial import TrialState

if TYPE_CHECKING:
    from autoxai.study import Study
    from autoxai.trial import Trial

__all__ = ["TPESampler"]


class TPESampler(BaseSampler):
    """Tree-structured Parzen estimator, multivariate, for (conditional) mixed spaces.

    The finished trials are split into a *good* group (the best ``gamma`` fraction) and
    a *bad* group. PRUNED trials count, ranked after the COMPLETE ones by how far they
    got and then by their last reported value, as in Optuna
    (:func:`~autoxai.samplers._base.ranked_history`), so under a pruner the model starts
    after ``n_startup_trials`` finished trials, not complete ones. A Parzen estimator (a
    kernel mixture) is fitted to each: ``l(x)`` to the good, ``g(x)`` to the bad.
    Candidates are drawn from ``l`` and the one maximising ``l(x) / g(x)``, which orders
    candidates as expected improvement does, is proposed.

    The kernels are multivariate (one product kernel per observation), so correlations
    between parameters are kept; log-scaled, integer, stepped and categorical parameters
    are handled on the unit-cube encoding of the search space, and conditional
    parameters through kernels that fall back to the uniform prior where an observation
    lacks a parameter (see :mod:`autoxai.samplers._tpe._parzen`).

    Parallel runs: trials still RUNNING are added to the bad group ("constant liar" with
    the worst value), so ``l/g`` is low around configurations being evaluated and two
    workers do not get the same proposal.

    Multi-fidelity runs (BOHB): when trials carry budgets, the model is fitted on the
    largest budget holding ``n_startup_trials`` finished evaluations, and proposals are
    random until one does (:func:`~autoxai.samplers._base.model_history`). BOHB also
    draws a fraction ``random_fraction`` of its configurations at random, which keeps
    Hyperband's guarantees when the model misleads (Falkner et al., 2018).

    Parameters
    ----------
    n_startup_trials : int
        Random proposals before the model takes over (default 10).
    n_ei_candidates : int
        Candidates drawn from ``l(x)`` per proposal (default 64).
    gamma : float
        Fraction of finished trials in the good group: ``ceil(gamma * n)``, at most
        ``max_good`` (defaults 0.1 and 25).
    max_good : int
        Cap on the good group's size.
    prior_weight : float
        Weight of the uniform prior component in each mixture (default 1.0).
    bandwidth_factor : float
        Each kernel's width is this factor (default 0.6) times the larger gap to its
        neighbouring observations along a parameter, clipped from below by
        ``min_bandwidth`` and by ``1 / min(100, n + 2)`` for ``n`` observations.
    min_bandwidth : float
        Smallest kernel width (default 0.01 of each parameter's unit range).
    constant_liar : bool
        Treat RUNNING trials as bad ones (default True).
    random_fraction : float
        Share of model-based proposals drawn uniformly at random instead (default 0;
        :class:`~autoxai.schedulers.BOHB` uses 1/3, after Falkner et al.).
    random_state : int, numpy.random.Generator or None

    References
    ----------
    J. Bergstra, R. Bardenet, Y. Bengio, B. Kégl, "Algorithms for Hyper-Parameter
    Optimization", NeurIPS 2011.
    S. Watanabe, "Tree-Structured Parzen Estimator: Understanding Its Algorithm
    Components and Their Roles for Better Empirical Performance", arXiv:2304.11127, 2023.

    Examples
    --------
    >>> from autoxai import create_study
    >>> from autoxai.datasets import branin
    >>> from autoxai.samplers import TPESampler
    >>> study = create_study(branin.space, sampler=TPESampler(random_state=0))
    >>> study.optimize(branin, n_trials=60)
    >>> study.best_value < 1.0
    True
    """

    def __init__(
        self,
        *,
        n_startup_trials: int = 10,
        n_ei_candidates: int = 64,
        gamma: float = 0.1,
        max_good: int = 25,
        prior_weight: float = 1.0,
        bandwidth_factor: float = 0.6,
        min_bandwidth: float = 0.01,
        constant_liar: bool = True,
        random_fraction: float = 0.0,
        random_state=None,
    ) -> None:
        super().__init__(random_state=random_state)
        check_int("n_startup_trials", n_startup_trials, minimum=0)
        check_int("n_ei_candidates", n_ei_candidates, minimum=1)
        check_int("max_good", max_good, minimum=1)
        if not 0 < gamma < 1:
            raise InvalidParameterError(f"gamma must be in (0, 1), got {gamma!r}")
        if not 0 <= random_fraction < 1:
            raise InvalidParameterError(
                f"random_fraction must be in [0, 1), got {random_fraction!r}"
            )
        for name, value in (
            ("prior_weight", prior_weight),
            ("bandwidth_factor", bandwidth_factor),
            ("min_bandwidth", min_bandwidth),
        ):
            if not value > 0:
                raise InvalidParameterError(f"{name} must be > 0, got {value!r}")
        self.n_startup_trials = n_startup_trials
        self.n_ei_candidates = n_ei_candidates
        self.gamma = gamma
        self.max_good = max_good
        self.prior_weight = prior_weight
        self.bandwidth_factor = bandwidth_factor
        self.min_bandwidth = min_bandwidth
        self.constant_liar = constant_liar
        self.random_fraction = random_fraction
        self._cache_key: tuple[str, str] | None = None
        self._cache: dict[int, np.ndarray] = {}

    def sample(self, study: Study, trials: Sequence[Trial]) -> dict[str, Any]:
        space = study.space
        rng = self.rng_for(len(trials))
        trials = model_history(trials, max(self.n_startup_trials, 2))
        finished, _ = ranked_history(trials, study.direction)
        warming_up = len(finished) < max(self.n_startup_trials, 2)
        if warming_up or (self.random_fraction > 0 and rng.random() < self.random_fraction):
            return space.decode(rng.random(space.n_dims(onehot=False)), onehot=False)

        n_good = min(math.ceil(self.gamma * len(finished)), self.max_good)
        good = finished[:n_good]
        bad = finished[n_good:]
        if self.constant_liar:
            bad += [t for t in trials if t.state is TrialState.RUNNING]

        def encode(group):
            return self._encoded(study, group)

        settings = {
            "prior_weight": self.prior_weight,
            "bandwidth_factor": self.bandwidth_factor,
            "min_bandwidth": self.min_bandwidth,
        }
        below = ParzenEstimator(space, encode(good), np.ones(len(good)), **settings)
        above = ParzenEstimator(space, encode(bad), np.ones(len(bad)), **settings)

        raw = below.sample(rng, self.n_ei_candidates)
        # Decode, then re-encode: inactive coordinates become NaN and discrete values
        # snap to their bin centres, so densities are judged on what will be proposed.
        candidates = space.decode_many(raw, onehot=False)
        encoded = space.encode_many(candidates, onehot=False)
        score = below.log_pdf(encoded) - above.log_pdf(encoded)
        return candidates[int(np.argmax(score))]

    def _encoded(self, study: Study, trials: Sequence[Trial]) -> np.ndarray:
        """Index encodings of ``trials``, each computed once (params never change)."""
        key = (study.name, study.space.to_json())
        if self._cache_key != key:
            self._cache_key, self._cache = key, {}
        new = [t for t in trials if t.number not in self._cache]
        if new:
            rows = study.space.encode_many([t.params for t in new], onehot=False)
            self._cache.update(zip((t.number for t in new), rows))
        out = np.empty((len(trials), study.space.n_dims(onehot=False)))
        for i, t in enumerate(trials):
            out[i] = self._cache[t.number]
        return out

    def __repr__(self) -> str:
        return f"TPESampler(random_state={self.random_state!r})"
