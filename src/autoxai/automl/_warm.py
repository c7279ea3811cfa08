"""Start, before the search, what a run would otherwise wait for later.

From a cold start a small time budget is mostly spent waiting: a fresh process pool
takes seconds to start its workers (over ten on a loaded machine), and the first use
of a model library imports it (LightGBM: seconds), in each worker during the search
and in this process again at the refit. :func:`warm_up` starts both at the beginning
of :meth:`AutoML.fit`, so they overlap with data preparation and the search instead
of adding to them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Executor
from functools import partial

from autoxai.automl._zoo import FAMILIES
from autoxai.study._executors import warm_pool

__all__ = ["preload", "warm_up"]


def preload(names: Sequence[str]) -> None:
    """Import the libraries of the model families ``names`` by building (not fitting)
    one estimator of each, with its first known-good configuration."""
    for name in names:
        family = FAMILIES[name]
        task = "binary" if "binary" in family.tasks else sorted(family.tasks)[0]
        defaults = family.defaults(task, 1000)
        family.build(defaults[0] if defaults else {}, task, 0, 1)


def warm_up(names: Sequence[str], width: int, executor: Executor | None) -> threading.Thread:
    """Start the local pool's workers (when the search will use it: ``width`` > 1 and
    no ``executor``) with ``names``' libraries imported there, and import them in this
    process on a background thread, which is returned: join it before the refit."""
    names = tuple(names)
    if executor is None and width > 1:
        warm_pool(width, partial(preload, names))
    thread = threading.Thread(target=preload, args=(names,), name="autoxai-preload", daemon=True)
    thread.start()
    return thread
