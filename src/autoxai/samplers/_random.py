"""Random search (Bergstra & Bengio, 2012)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from autoxai.samplers._base import BaseSampler

if TYPE_CHECKING:
    from autoxai.study import Study
    from autoxai.trial import Trial

__all__ = ["RandomSampler"]


class RandomSampler(BaseSampler):
    """Draws each parameter independently and uniformly (log-uniformly for ``log=True``).

    Conditions are respected: a parameter is drawn only when its parents' drawn values
    activate it. Integers and stepped floats give each value an equal chance.

    References
    ----------
    J. Bergstra and Y. Bengio, "Random Search for Hyper-Parameter Optimization",
    JMLR 13, 2012.

    Examples
    --------
    >>> from autoxai import Float, create_study
    >>> from autoxai.samplers import RandomSampler
    >>> study = create_study({"x": Float(-1, 1)}, sampler=RandomSampler(random_state=0))
    >>> study.optimize(lambda p: p["x"] ** 2, n_trials=20)
    >>> study.best_value < 0.05
    True
    """

    def sample(self, study: Study, trials: Sequence[Trial]) -> dict[str, Any]:
        space = study.space
        u = self.rng_for(len(trials)).random(space.n_dims(onehot=False))
        return space.decode(u, onehot=False)
