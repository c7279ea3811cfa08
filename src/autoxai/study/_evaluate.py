"""What a worker runs: one evaluation of the objective, and how its result travels back.

Workers receive a picklable objective and a configuration and return an
:class:`EvalResult`; only the driver (:mod:`autoxai.study._optimize`) touches the study.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autoxai.exceptions import TrialPruned

__all__ = ["WORKER_LOST", "EvalResult", "evaluate", "worker_lost"]

#: The start of the ``error`` of a trial whose worker process died under it.
WORKER_LOST = "worker lost"


@dataclass(frozen=True)
class EvalResult:
    """What a worker sends back: the raw return value or the error, and the time taken.

    ``pruned`` says the objective raised :class:`~autoxai.exceptions.TrialPruned`.
    """

    value: Any
    error: str | None
    duration: float
    pruned: bool = False


def evaluate(
    objective: Callable[..., Any], params: dict[str, Any], given: Any, catch: bool = True
) -> EvalResult:
    """Run the objective once; runs in the worker.

    ``given`` is what the schedule hands the objective besides ``params``: the budget
    under a scheduler, the live trial under a pruner, or None (``objective(params)``).
    With ``catch``, an ``Exception`` becomes the result's error string (the traceback's
    last frames included); without, it propagates. ``KeyboardInterrupt`` and
    ``SystemExit`` always propagate: they stop the run.
    """
    start = time.perf_counter()
    try:
        value = objective(params) if given is None else objective(params, given)
    except TrialPruned:
        return EvalResult(None, None, time.perf_counter() - start, pruned=True)
    except Exception as exc:
        if not catch:
            raise
        tb = traceback.format_exc(limit=-3)
        return EvalResult(None, f"{type(exc).__name__}: {exc}\n{tb}", time.perf_counter() - start)
    return EvalResult(value, None, time.perf_counter() - start)


def worker_lost(exc: BaseException) -> bool:
    """Whether an executor error means the worker process died (not the objective)."""
    from concurrent.futures import BrokenExecutor

    # loky: TerminatedWorkerError (a BrokenProcessPool); Dask: KilledWorker, raised once a
    # task has taken down more workers than the scheduler's allowed-failures setting.
    return isinstance(exc, BrokenExecutor) or type(exc).__name__ == "KilledWorker"
