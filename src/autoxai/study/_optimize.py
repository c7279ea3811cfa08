"""The driver loop: ask, submit, wait, tell — in this process or on an executor.

Only this loop (the driver) touches the study and its storage; workers receive a
picklable objective and a configuration and return a number, so any
``concurrent.futures.Executor`` (a local process pool, Dask) can run them.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from autoxai._utils import check_int
from autoxai.exceptions import ExecutionError, InvalidParameterError, TrialPruned
from autoxai.schedulers import WAIT
from autoxai.study._owner import HEARTBEAT_EVERY
from autoxai.study._progress import Progress
from autoxai.trial import INTERRUPTED, Trial, TrialState, retry_fields

if TYPE_CHECKING:
    from autoxai.study._study import Callback, Study

__all__ = ["WORKER_LOST", "EvalResult", "evaluate", "run_optimize"]


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


class _InlineExecutor(Executor):
    """Runs each job at submit time, in this process: n_jobs=1 without a pool."""

    def submit(self, fn, /, *args, **kwargs):
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # KeyboardInterrupt propagates to the driver
            future.set_exception(exc)
        return future


def _resolve_jobs(n_jobs: int, executor: Executor | None) -> int:
    if not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or n_jobs == 0 or n_jobs < -1:
        raise InvalidParameterError(f"n_jobs must be a positive int or -1, got {n_jobs!r}")
    if n_jobs == -1:
        return os.cpu_count() or 1
    if executor is not None and n_jobs == 1:
        return _executor_width(executor)
    return n_jobs


def _executor_width(executor: Executor) -> int:
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


def _check_seconds(name: str, value) -> None:
    """``value`` is None or a number of seconds > 0."""
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0
    ):
        raise InvalidParameterError(f"{name} must be a number of seconds > 0, got {value!r}")


def _check_budget(study: Study, n_trials, timeout) -> None:
    if n_trials is not None:
        check_int("n_trials", n_trials, minimum=0)
    _check_seconds("timeout", timeout)
    ends_by_itself = study.pruner is None and (study.sampler.is_finite or study.scheduler)
    if n_trials is None and timeout is None and not ends_by_itself:
        raise InvalidParameterError(
            f"{study.sampler!r} never runs out of configurations: give n_trials or timeout"
        )


def run_optimize(
    study: Study,
    objective: Callable[..., Any],
    *,
    n_trials: int | None,
    timeout: float | None,
    n_jobs: int,
    executor: Executor | None,
    callbacks: Sequence[Callback],
    catch: bool,
    show_progress: bool,
    trial_timeout: float | None = None,
) -> None:
    """The loop behind :meth:`Study.optimize`; see there for the arguments."""
    if not callable(objective):
        raise InvalidParameterError(f"objective must be callable, got {objective!r}")
    _check_budget(study, n_trials, timeout)
    width = _resolve_jobs(n_jobs, executor)
    if study.pruner is not None and (width > 1 or executor is not None):
        raise InvalidParameterError(
            "under a pruner the objective reports to the study as it trains, which it "
            "can do only in this process: use n_jobs=1 and no executor (or a scheduler, "
            "whose objective takes a budget, for parallel workers)"
        )
    if trial_timeout is not None:
        _check_seconds("trial_timeout", trial_timeout)
        if study.pruner is not None:
            raise InvalidParameterError(
                "trial_timeout runs each trial in its own process, where it cannot report to "
                "a pruner: use one or the other"
            )
    run = evaluate if trial_timeout is None else partial(_isolated, timeout=trial_timeout)
    scheduler = study.scheduler
    one_pass = n_trials is None and timeout is None
    own_pool = executor is None and width > 1
    if executor is None:
        executor = _local_pool(width) if width > 1 else _InlineExecutor()

    study._stop_requested = False
    start = time.monotonic()
    pending: dict[Future, Trial] = {}
    submitting: Trial | None = None
    asked: list[int] = []  # numbers of this call's trials, in ask order
    finished: set[int] = set()
    n_requeued = 0  # trials lost with their worker and queued again: not counted
    held: Trial | None = None  # the retry of a trial whose worker died, to run alone
    solo = False  # that retry is running: nothing runs beside it
    exhausted = False
    progress = Progress(study, n_trials=n_trials, timeout=timeout, enabled=show_progress)

    def may_start() -> bool:
        if exhausted or study._stop_requested:
            return False
        if n_trials is not None and len(asked) - n_requeued >= n_trials:
            return False
        # Reproducible parallelism: the j-th proposal waits for trial j - width, and
        # the sampler sees the trials after it as RUNNING even if they are done, so it
        # gets the same history whatever order the workers finish in. Not under a
        # scheduler: budgets make durations differ by orders of magnitude, and the
        # wait would idle workers (ASHA's point is never to).
        if scheduler is None and len(asked) >= width and asked[len(asked) - width] not in finished:
            return False
        return timeout is None or time.monotonic() - start < timeout

    try:
        with progress, _Heartbeat(study):
            while True:
                while held is None and not solo and len(pending) < width and may_start():
                    hide = frozenset()
                    if scheduler is None:
                        hide = frozenset(asked[max(0, len(asked) - width + 1) :]) & finished
                    trial = study._ask_or_none(hide=hide, one_pass=one_pass)
                    if trial is WAIT:
                        # A rung is filling: wait for our running trials. With none of
                        # ours running, it waits on another driver's: stop here.
                        exhausted = not pending
                        break
                    if trial is None:
                        exhausted = True
                        break
                    asked.append(trial.number)
                    if _retries_lost(study, trial):
                        held = trial  # once the others are done
                        break
                    submitting = trial  # inline runs happen inside submit: track it
                    pending[_submit(executor, run, objective, trial, study, catch)] = trial
                    submitting = None
                if held is not None and not pending:
                    # Alone: a dead loky worker takes the whole pool down, and a crash
                    # this trial causes again must not cost another trial its run.
                    submitting, solo = held, True
                    pending[_submit(executor, run, objective, held, study, catch)] = held
                    submitting = held = None
                if not pending:
                    break
                remaining = (
                    None if timeout is None else max(0.0, timeout - (time.monotonic() - start))
                )
                # Wake up at the timeout too, so the progress bar's clock keeps moving.
                done, _ = wait(list(pending), timeout=_poll(remaining), return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: pending[f].number):
                    trial = pending.pop(future)
                    solo = False
                    record = _record(study, trial, future, catch)
                    finished.add(trial.number)
                    lost = record is None or (record.error or "").startswith(WORKER_LOST)
                    if lost and own_pool:  # a dead loky worker breaks the pool: a new one
                        executor = _local_pool(width)
                    if record is None:  # re-queued: its retry takes its place
                        n_requeued += 1
                        continue
                    progress.update(record)
                    for callback in callbacks:
                        callback(study, record)
                progress.refresh()
    except BaseException:
        # Ctrl-C, an executor failure, catch=False or a failing callback: leave no trial
        # RUNNING behind. Finished trials are already stored.
        unfinished = [*pending.values(), *[t for t in (submitting, held) if t is not None]]
        for trial in unfinished:
            _tell_quietly(study, trial, INTERRUPTED)
        if own_pool:
            executor.shutdown(wait=False, kill_workers=True)
        raise


class _Heartbeat:
    """A daemon thread beating the driver's heartbeat into its RUNNING trials.

    Only for storages other processes read: there, a driver on another host judges this
    one dead when its heartbeat is ``STALE_AFTER`` seconds old, and takes its trials
    over. A thread, so a long trial run inline still beats.
    """

    def __init__(self, study: Study) -> None:
        self.study = study
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> _Heartbeat:
        if self.study.storage.shared:
            self.thread = threading.Thread(target=self._beat, name="autoxai-heartbeat")
            self.thread.daemon = True
            self.thread.start()
        return self

    def _beat(self) -> None:
        storage, study_id = self.study.storage, self.study._record.study_id
        while not self.stopped.wait(HEARTBEAT_EVERY):
            with contextlib.suppress(Exception):  # a missed beat is retried next time
                storage.heartbeat(study_id, self.study._owner)

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(timeout=5)


def _submit(executor: Executor, run, objective, trial: Trial, study: Study, catch: bool) -> Future:
    """Start one trial; the objective gets the budget or the live trial if it takes one."""
    given = None
    if study.pruner is not None:
        given = trial
    elif study.scheduler is not None:
        given = study.scheduler.as_budget(trial.budget)
    return executor.submit(run, objective, trial.params, given, catch)


def _retries_lost(study: Study, trial: Trial) -> bool:
    """Whether ``trial`` re-runs a trial whose worker process died."""
    if trial.retry_of is None:
        return False
    return (study.trials[trial.retry_of].error or "").startswith(WORKER_LOST)


def _poll(remaining: float | None) -> float:
    return 0.5 if remaining is None else min(0.5, max(remaining, 0.01))


def _record(study: Study, trial: Trial, future: Future, catch: bool) -> Trial | None:
    """Tell the study what a finished future says; raise what must stop the loop.

    A trial whose worker process died (killed, out of memory) is FAILED with the reason
    and, the first time, its configuration is queued again (``retry_of``; the loop runs
    that retry alone); the loop goes on and None is returned. A retry whose worker dies
    too stays FAILED.
    """
    try:
        result: EvalResult = future.result()
    except Exception as exc:
        if _worker_lost(exc):
            record = study.tell(trial, state=TrialState.FAILED, error=f"{WORKER_LOST}: {exc!r}")
            if _retries_lost(study, trial):
                return record
            study.storage.create_trial(
                study._record.study_id, state=TrialState.WAITING, owner="", **retry_fields(trial)
            )
            return None
        if not catch:  # the objective's own error, re-raised as it is
            study.tell(trial, state=TrialState.FAILED, error=f"{type(exc).__name__}: {exc}")
            raise
        # With catch, the objective's errors come back as results: this is the executor.
        study.tell(trial, state=TrialState.FAILED, error=f"executor error: {exc!r}")
        raise ExecutionError(
            f"the executor could not run trial {trial.number}: {exc!r}. If the objective "
            "cannot be pickled, define it at module level, or use n_jobs > 1 without "
            "executor= (its pool pickles closures)"
        ) from exc
    if result.pruned:
        return study.tell(trial, state=TrialState.PRUNED, duration=result.duration)
    if result.error is not None:
        return study.tell(
            trial, state=TrialState.FAILED, error=result.error, duration=result.duration
        )
    return study.tell(trial, result.value, duration=result.duration)


#: The start of the ``error`` of a trial whose worker process died under it.
WORKER_LOST = "worker lost"


def _worker_lost(exc: BaseException) -> bool:
    """Whether an executor error means the worker process died (not the objective)."""
    from concurrent.futures import BrokenExecutor

    # loky: TerminatedWorkerError (a BrokenProcessPool); Dask: KilledWorker, raised once a
    # task has taken down more workers than the scheduler's allowed-failures setting.
    return isinstance(exc, BrokenExecutor) or type(exc).__name__ == "KilledWorker"


def _isolated(objective, params, given, catch, *, timeout):
    from autoxai.study._isolate import evaluate_isolated

    return evaluate_isolated(objective, params, given, catch, timeout)


def _tell_quietly(study: Study, trial: Trial, error: str) -> None:
    # Already told, or the storage is gone: nothing more to do on the way out.
    with contextlib.suppress(Exception):
        study.tell(trial, state=TrialState.FAILED, error=error)


_POOL: Executor | None = None


def _local_pool(width: int) -> Executor:
    """A process pool that pickles with cloudpickle (loky, as shipped with joblib).

    autoxai's own pool, kept between calls (workers start once; idle ones exit after
    60 s) and replaced when it is broken, shut down or of another width. Not loky's
    global reusable executor: joblib's ``Parallel`` (scikit-learn, the explainers)
    shares that one and expects its own subclass there.
    """
    global _POOL
    from joblib.externals.loky import ProcessPoolExecutor

    pool = _POOL
    if pool is None or pool._max_workers != width or pool._flags.broken or pool._flags.shutdown:
        if pool is not None:
            pool.shutdown(wait=False, kill_workers=True)
        _POOL = pool = ProcessPoolExecutor(max_workers=width, timeout=60)
    return pool
