"""Where trials run: in this process, on autoxai's local process pool, or on any
``concurrent.futures.Executor`` the user gives (a Dask cluster)."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Executor, Future

from autoxai.exceptions import InvalidParameterError

__all__ = [
    "InlineExecutor",
    "executor_width",
    "local_pool",
    "pool_ready",
    "pool_starting",
    "resolve_width",
    "warm_pool",
]


class InlineExecutor(Executor):
    """Runs each job at submit time, in this process: n_jobs=1 without a pool."""

    def submit(self, fn, /, *args, **kwargs):
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # KeyboardInterrupt propagates to the driver
            future.set_exception(exc)
        return future


def resolve_width(n_jobs: int, executor: Executor | None) -> int:
    """How many trials to keep in flight for ``n_jobs`` on ``executor``."""
    if not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or n_jobs == 0 or n_jobs < -1:
        raise InvalidParameterError(f"n_jobs must be a positive int or -1, got {n_jobs!r}")
    if n_jobs == -1:
        return os.cpu_count() or 1
    if executor is not None and n_jobs == 1:
        return executor_width(executor)
    return n_jobs


def executor_width(executor: Executor) -> int:
    """How many jobs ``executor`` runs at once, as far as it tells."""
    width = getattr(executor, "_max_workers", None)
    if isinstance(width, int) and width > 0:
        return width
    client = getattr(executor, "_client", None)  # distributed.client.ClientExecutor
    if client is not None:
        try:
            return max(1, sum(client.nthreads().values()))
        except Exception:  # a client that cannot answer: fall back below
            pass
    return os.cpu_count() or 1


_POOL: Executor | None = None
#: The warm-up jobs sent to ``_POOL`` when it was started (see :func:`warm_pool`).
_WARMING: list[Future] = []
#: Seconds an idle worker of the local pool lives: long enough that the runs of one
#: session (a notebook, a benchmark) find the workers started and their imports done.
IDLE_SECONDS = 300


def local_pool(width: int) -> Executor:
    """A process pool that pickles with cloudpickle (loky, as shipped with joblib).

    autoxai's own pool, kept between calls (workers start once; idle ones exit after
    ``IDLE_SECONDS``) and replaced when it is broken, shut down or of another width. Not loky's
    global reusable executor: joblib's ``Parallel`` (scikit-learn, the explainers)
    shares that one and expects its own subclass there.
    """
    global _POOL, _WARMING
    from joblib.externals.loky import ProcessPoolExecutor

    pool = _POOL
    if pool is None or pool._max_workers != width or pool._flags.broken or pool._flags.shutdown:
        if pool is not None:
            pool.shutdown(wait=False, kill_workers=True)
        _POOL = pool = ProcessPoolExecutor(max_workers=width, timeout=IDLE_SECONDS)
        _WARMING = []
    return pool


def warm_pool(width: int, setup: Callable[[], object] | None = None) -> Executor:
    """:func:`local_pool` with its workers being started now, in the background.

    A fresh pool's first jobs wait for its workers to start (an interpreter, NumPy,
    scikit-learn, the model libraries): over ten seconds on a loaded machine, which is
    a whole small time budget. So a warm-up job per worker is sent at once, running
    ``setup`` (imports the jobs will need) there, and the caller goes on preparing
    its data meanwhile; :func:`pool_ready` says when the pool has answered. A pool
    already warming or warm is returned as it is.
    """
    pool = local_pool(width)
    if not _WARMING:
        _WARMING.extend(pool.submit(_warm_up, setup) for _ in range(width))
    return pool


def pool_ready(pool: Executor) -> bool:
    """Whether ``pool`` can take jobs without waiting for its workers to start: it is
    not the local pool, or its warm-up has answered, or it was never warmed (then
    only its own jobs can tell)."""
    return pool is not _POOL or not pool_starting()


def pool_starting() -> bool:
    """Whether the local pool's workers are still starting: warmed by
    :func:`warm_pool` and no warm-up job done yet. They take the machine's cores then."""
    return bool(_WARMING) and not any(f.done() for f in _WARMING)


def _warm_up(setup: Callable[[], object] | None) -> None:
    """A worker's first job: run ``setup``, if any. An error stays in this job's
    future, unread: the trial that needs what failed reports it properly."""
    if setup is not None:
        setup()
