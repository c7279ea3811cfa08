"""``tune``: the one-call front door to hyperparameter search."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from autoxai._utils import RandomState, check_int, choose
from autoxai.exceptions import InvalidParameterError
from autoxai.samplers import SAMPLERS, get_sampler
from autoxai.schedulers import SCHEDULERS, get_scheduler
from autoxai.space import BaseDistribution, SearchSpace
from autoxai.storage import BaseStorage
from autoxai.study._study import Callback, Study, create_study

__all__ = ["METHODS", "tune"]

#: Every ``method`` name: the samplers, then the multi-fidelity schedulers.
METHODS = (*SAMPLERS, *SCHEDULERS)

#: Study name used by ``tune`` with a storage and no ``study_name``: re-running the same
#: command then resumes the same study.
DEFAULT_STUDY_NAME = "autoxai"


def tune(
    objective: Callable[[dict[str, Any]], float],
    space: SearchSpace | Mapping[str, BaseDistribution],
    *,
    method: str = "random",
    n_trials: int | None = None,
    direction: str = "minimize",
    random_state: RandomState = None,
    n_jobs: int = 1,
    executor: Executor | None = None,
    storage: BaseStorage | str | None = None,
    study_name: str | None = None,
    timeout: float | None = None,
    callbacks: Sequence[Callback] = (),
    show_progress: bool = False,
    sampler_options: Mapping[str, Any] | None = None,
    min_budget: float | None = None,
    max_budget: float | None = None,
    eta: float = 3,
    scheduler_options: Mapping[str, Any] | None = None,
    trial_timeout: float | None = None,
) -> Study:
    """Search ``space`` for the configuration that optimises ``objective``.

    Parameters
    ----------
    objective : callable
        ``objective(params: dict) -> float``; with a multi-fidelity method,
        ``objective(params, budget) -> float``. An objective that raises or returns NaN,
        inf or a non-number fails its trial (the reason is recorded) and the search goes on.
    space : SearchSpace or dict of distributions
    method : str
        A sampler name from :data:`autoxai.samplers.SAMPLERS` (``"random"``, ``"grid"``,
        ``"tpe"``, ``"gp"``, ``"bayes"``) or a multi-fidelity one from
        :data:`autoxai.schedulers.SCHEDULERS` (``"sha"``, ``"hyperband"``, ``"asha"``,
        ``"bohb"``), which needs ``min_budget`` and ``max_budget``.
    n_trials : int, optional
        The number of finished trials (evaluations, under a multi-fidelity method) the
        study should hold. On a study that already exists in ``storage`` only the
        missing ones run, so re-running a killed command finishes the job. ``None``
        with a grid runs the whole grid; with a multi-fidelity method and no
        ``timeout``, its natural end (one bracket for SHA, one round for Hyperband).
    direction : {"minimize", "maximize"}
    random_state : int, optional
        Seed of the sampler: same seed, same configurations, with any ``n_jobs``.
    n_jobs, executor, timeout, callbacks, show_progress, trial_timeout
        As in :meth:`Study.optimize`.
    storage : str or BaseStorage, optional
        E.g. ``"sqlite:///study.db"`` to keep every trial on disk and resume.
    study_name : str, optional
        Default ``"autoxai"`` when a storage is given, so the same call resumes.
    sampler_options : dict, optional
        Extra arguments for the sampler, e.g. ``{"n_points": 10}`` for the grid.
    min_budget, max_budget, eta
        The rungs of a multi-fidelity method: budgets from ``min_budget`` to
        ``max_budget`` growing ``eta``-fold (see :class:`autoxai.schedulers.BaseScheduler`).
    scheduler_options : dict, optional
        Extra arguments for the scheduler, e.g. ``{"n_configs": 27}``.

    Returns
    -------
    Study
        With ``best_params``, ``best_value``, ``trials`` and ``trials_dataframe()``.

    Examples
    --------
    >>> from autoxai import Float, tune
    >>> study = tune(lambda p: (p["x"] - 1) ** 2, {"x": Float(-5, 5)},
    ...              n_trials=50, random_state=0)
    >>> abs(study.best_params["x"] - 1) < 0.3
    True
    """
    choose("method", method, METHODS)
    scheduler = None
    if method in SCHEDULERS:
        if min_budget is None or max_budget is None:
            raise InvalidParameterError(
                f"method={method!r} evaluates on budgets: give min_budget and max_budget "
                "(e.g. boosting rounds 10 and 810), and an objective(params, budget)"
            )
        scheduler = get_scheduler(
            method, min_budget, max_budget, eta=eta, **dict(scheduler_options or {})
        )
        sampler = scheduler.default_sampler(random_state, **dict(sampler_options or {}))
    elif min_budget is not None or max_budget is not None:
        raise InvalidParameterError(
            f"min_budget and max_budget go with a multi-fidelity method "
            f"({', '.join(map(repr, SCHEDULERS))}), not with method={method!r}"
        )
    else:
        sampler = get_sampler(method, random_state=random_state, **dict(sampler_options or {}))
    if study_name is None and storage is not None:
        study_name = DEFAULT_STUDY_NAME
    study = create_study(
        space,
        sampler=sampler,
        direction=direction,
        storage=storage,
        study_name=study_name,
        load_if_exists=True,
        scheduler=scheduler,
    )
    remaining = None
    if n_trials is not None:
        check_int("n_trials", n_trials, minimum=0)
        remaining = max(0, n_trials - study.n_finished)
    if remaining == 0:
        return study
    study.optimize(
        objective,
        n_trials=remaining,
        timeout=timeout,
        n_jobs=n_jobs,
        executor=executor,
        callbacks=callbacks,
        show_progress=show_progress,
        trial_timeout=trial_timeout,
    )
    return study
