"""Samplers: how the next configuration is chosen.

Registry names (for ``tune(method=...)``): ``"random"``, ``"grid"``, ``"tpe"``, ``"gp"``,
and ``"bayes"``, the recommended Bayesian default (:class:`BayesSampler`: the GP while
the history is small, TPE after; chosen from ``benchmarks/results/hpo_quality.md``).
"""

from __future__ import annotations

from typing import Any

from autoxai._utils import RandomState, choose
from autoxai.samplers._base import BaseSampler
from autoxai.samplers._bayes import BayesSampler
from autoxai.samplers._gp import GPSampler
from autoxai.samplers._grid import GridSampler
from autoxai.samplers._random import RandomSampler
from autoxai.samplers._tpe import TPESampler

__all__ = [
    "SAMPLERS",
    "BaseSampler",
    "BayesSampler",
    "GPSampler",
    "GridSampler",
    "RandomSampler",
    "TPESampler",
    "get_sampler",
]

#: Registry of sampler names; a sampler added here is covered by the conformance tests.
SAMPLERS: dict[str, type[BaseSampler]] = {
    "random": RandomSampler,
    "grid": GridSampler,
    "tpe": TPESampler,
    "gp": GPSampler,
    # The recommended Bayesian default: GP quality per trial, TPE cost for long studies.
    "bayes": BayesSampler,
}


def get_sampler(method: str, *, random_state: RandomState = None, **options: Any) -> BaseSampler:
    """Build the sampler registered as ``method`` (with "did you mean" for typos)."""
    choose("method", method, SAMPLERS)
    return SAMPLERS[method](random_state=random_state, **options)
