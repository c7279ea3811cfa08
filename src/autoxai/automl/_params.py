"""The one check of AutoML's options, shared by :class:`~autoxai.AutoML` and :func:`autoxai.run`.

``AutoML`` checks its options when ``fit`` starts (scikit-learn's convention: nothing
is checked in ``__init__``); :func:`autoxai.run` checks the same options before it reads
the table or creates the run directory, so bad options cost nothing and leave nothing
behind. Both call :func:`check_params`, so the rules and their messages live here once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autoxai._utils import check_int, choose, did_you_mean
from autoxai.automl._final import FINAL_MODELS
from autoxai.automl._zoo import DEFAULT_FAMILIES, FAMILIES
from autoxai.exceptions import InvalidParameterError
from autoxai.samplers import SAMPLERS
from autoxai.schedulers import SCHEDULERS

__all__ = ["SEARCHES", "check_params"]

#: Every ``search`` name: the samplers, then the multi-fidelity schedulers.
SEARCHES = (*SAMPLERS, *SCHEDULERS)


def check_params(params: Mapping[str, Any]) -> list[str]:
    """Check AutoML's options; return the model families to search, in order, once each.

    Parameters
    ----------
    params : mapping
        Every option of :class:`~autoxai.AutoML` by name, as ``get_params()`` gives them.

    Raises
    ------
    InvalidParameterError
        The first rule broken, with the value (and "did you mean" for a misspelt name).
    ModelUnavailableError
        A model family whose library is not installed.

    Examples
    --------
    >>> check_params({"search": "tpe", "cv": 5, "random_state": 0, "n_jobs": 1,
    ...               "n_trials": 10, "time_budget": None, "hard_deadline": "auto",
    ...               "stack": "auto", "final_model": "auto", "models": ["linear", "linear"],
    ...               "portfolio": "auto"})
    ['linear']
    """
    choose("search", params["search"], SEARCHES)
    check_int("cv", params["cv"], minimum=2)
    check_int("random_state", params["random_state"], minimum=0)
    n_jobs = params["n_jobs"]
    if n_jobs != -1:
        try:
            check_int("n_jobs", n_jobs, minimum=1)
        except InvalidParameterError:
            raise InvalidParameterError(
                f"n_jobs must be -1 (every core) or an int >= 1, got {n_jobs!r}"
            ) from None
    if params["n_trials"] is not None:
        check_int("n_trials", params["n_trials"], minimum=1)
    budget = params["time_budget"]
    if budget is not None and (
        isinstance(budget, bool) or not isinstance(budget, (int, float)) or not budget > 0
    ):
        raise InvalidParameterError(
            f"time_budget must be a number of seconds > 0 or None, got {budget!r}"
        )
    if budget is None and params["n_trials"] is None:
        raise InvalidParameterError("give time_budget, n_trials or both")
    for option in ("hard_deadline", "stack", "portfolio"):
        value = params[option]
        if not (value == "auto" or isinstance(value, bool)):
            raise InvalidParameterError(f'{option} must be "auto", True or False, got {value!r}')
    choose("final_model", params["final_model"], FINAL_MODELS)
    return _families(params["models"])


def _families(models: Any) -> list[str]:
    """The model families named (all defaults for None), checked and available."""
    names = list(DEFAULT_FAMILIES) if models is None else list(models)
    if not names:
        raise InvalidParameterError("models must name at least one model family")
    for name in names:
        if name not in FAMILIES:
            raise InvalidParameterError(
                f"unknown model {name!r}; choose from {list(FAMILIES)}."
                + did_you_mean(name, FAMILIES)
            )
        FAMILIES[name].check_available()
    return list(dict.fromkeys(names))
