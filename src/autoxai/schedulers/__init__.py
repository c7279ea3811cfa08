"""Schedulers: which budget each evaluation gets (multi-fidelity search).

Registry names (for ``tune(method=...)`` and ``AutoML(search=...)``): ``"sha"``
(:class:`SuccessiveHalving`), ``"hyperband"`` (:class:`Hyperband`), ``"asha"``
(:class:`ASHA`) and ``"bohb"`` (:class:`BOHB`). Each comes with its sampler (random; TPE
for BOHB), and any sampler can be paired with any scheduler by hand::

    create_study(space, sampler=TPESampler(), scheduler=ASHA(1, 81))

The objective then takes the budget: ``objective(params, budget)``. Given as
``pruner=`` instead, a scheduler stops step-by-step objectives that report as they go
(``trial.report(value, step)``, ``trial.should_prune()``).
"""

from __future__ import annotations

from typing import Any

from autoxai._utils import choose
from autoxai.schedulers._asha import ASHA
from autoxai.schedulers._base import WAIT, BaseScheduler, Job
from autoxai.schedulers._hyperband import BOHB, Hyperband
from autoxai.schedulers._sha import SuccessiveHalving

__all__ = [
    "ASHA",
    "BOHB",
    "SCHEDULERS",
    "WAIT",
    "BaseScheduler",
    "Hyperband",
    "Job",
    "SuccessiveHalving",
    "get_scheduler",
]

#: Registry of scheduler names; one added here is covered by the conformance tests.
SCHEDULERS: dict[str, type[BaseScheduler]] = {
    "sha": SuccessiveHalving,
    "hyperband": Hyperband,
    "asha": ASHA,
    "bohb": BOHB,
}


def get_scheduler(
    method: str, min_budget: float, max_budget: float, *, eta: float = 3, **options: Any
) -> BaseScheduler:
    """Build the scheduler registered as ``method`` (with "did you mean" for typos)."""
    choose("method", method, SCHEDULERS)
    return SCHEDULERS[method](min_budget, max_budget, eta=eta, **options)
