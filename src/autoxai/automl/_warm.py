"""Start, before the search, what a run would otherwise wait for later.

From a cold start a small time budget is mostly spent waiting: a fresh process pool
takes seconds to start its workers (over ten on a loaded machine), and the first use
of a model library imports it (LightGBM: seconds), in each worker during the search
and in this process again at the refit. :func:`warm_up` starts both at the beginning
of :meth:`AutoML.fit`, so they overlap with data preparation and the search instead
of adding to them (the import in this process is paid once, before the search, and
not again at the refit).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from functools import partial

from autoxai.automl._zoo import FAMILIES
from autoxai.study._executors import pool_starting, warm_pool

__all__ = ["free_threads", "preload", "warm_up"]


def preload(names: Sequence[str]) -> None:
    """Import the libraries of the model families ``names`` by building (not fitting)
    one estimator of each, with its first known-good configuration."""
    for name in names:
        family = FAMILIES[name]
        task = "binary" if "binary" in family.tasks else sorted(family.tasks)[0]
        defaults = family.defaults(task, 1000)
        family.build(defaults[0] if defaults else {}, task, 0, 1)


def warm_up(names: Sequence[str], width: int, executor: Executor | None) -> None:
    """Start the local pool's workers (when the search will use it: ``width`` > 1 and
    no ``executor``), which import ``names``' libraries in the background, and import
    them in this process now.

    Here the import is not put on a thread: it would slow the trials that run in this
    process while the pool starts, and their times calibrate every later estimate.
    """
    names = tuple(names)
    if executor is None and width > 1:
        warm_pool(width, partial(preload, names))
    preload(names)


def free_threads(threads: int) -> int:
    """Threads for a fit in this process that could take ``threads``: one while the
    local pool's workers are still starting (they take the cores then), else all.

    A multi-threaded fit on cores it does not get is many times slower, not a little:
    its threads wait for each other at every step (a LightGBM refit of a 178-row table
    took 17-53 s on two threads beside starting workers, 0.1 s on one). The load
    average is not used: right after a search it still counts this run's own workers,
    and would take the refit down to one thread on an otherwise idle machine.
    """
    return 1 if pool_starting() else threads
