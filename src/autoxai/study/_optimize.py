"""The driver loop: ask, submit, wait, tell — in this process or on an executor.

Only the driver touches the study and its storage; workers receive a picklable
objective and a configuration and return an :class:`~autoxai.study._evaluate.EvalResult`,
so any ``concurrent.futures.Executor`` (the local process pool, Dask) can run them.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from functools import partial
from typing import TYPE_CHECKING, Any

from autoxai._utils import check_int
from autoxai.exceptions import ExecutionError, InvalidParameterError
from autoxai.schedulers import WAIT
from autoxai.study._evaluate import WORKER_LOST, EvalResult, evaluate, worker_lost
from autoxai.study._executors import (
    InlineExecutor,
    local_pool,
    pool_ready,
    resolve_width,
    warm_pool,
)
from autoxai.study._isolate import evaluate_isolated
from autoxai.study._owner import HEARTBEAT_EVERY
from autoxai.study._progress import Progress
from autoxai.trial import INTERRUPTED, Trial, TrialState

if TYPE_CHECKING:
    from autoxai.study._study import Callback, Study

__all__ = ["run_optimize"]


def _check_seconds(name: str, value) -> None:
    """``value`` is None or a number of seconds > 0."""
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0
    ):
        raise InvalidParameterError(f"{name} must be a number of seconds > 0, got {value!r}")


def _check_arguments(
    study: Study, objective, n_trials, timeout, width, executor, trial_timeout, trial_deadline
):
    if not callable(objective):
        raise InvalidParameterError(f"objective must be callable, got {objective!r}")
    if n_trials is not None:
        check_int("n_trials", n_trials, minimum=0)
    _check_seconds("timeout", timeout)
    ends_by_itself = study.pruner is None and (study.sampler.is_finite or study.scheduler)
    if n_trials is None and timeout is None and not ends_by_itself:
        raise InvalidParameterError(
            f"{study.sampler!r} never runs out of configurations: give n_trials or timeout"
        )
    if study.pruner is not None and (width > 1 or executor is not None):
        raise InvalidParameterError(
            "under a pruner the objective reports to the study as it trains, which it "
            "can do only in this process: use n_jobs=1 and no executor (or a scheduler, "
            "whose objective takes a budget, for parallel workers)"
        )
    _check_seconds("trial_timeout", trial_timeout)
    _check_seconds("trial_deadline", trial_deadline)  # epoch seconds, so > 0 too
    if (trial_timeout is not None or trial_deadline is not None) and study.pruner is not None:
        raise InvalidParameterError(
            "trial_timeout and trial_deadline run each trial in its own process, where it "
            "cannot report to a pruner: use one or the other"
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
    trial_deadline: float | None = None,
) -> None:
    """The loop behind :meth:`Study.optimize`; see there for the arguments."""
    width = resolve_width(n_jobs, executor)
    _check_arguments(
        study, objective, n_trials, timeout, width, executor, trial_timeout, trial_deadline
    )
    run = evaluate
    isolated = trial_timeout is not None or trial_deadline is not None
    if isolated:
        run = partial(evaluate_isolated, timeout=trial_timeout, deadline=trial_deadline)
    _Driver(
        study,
        partial(run, objective),
        isolated=isolated,
        n_trials=n_trials,
        timeout=timeout,
        width=width,
        executor=executor,
        callbacks=callbacks,
        catch=catch,
        progress=Progress(study, n_trials=n_trials, timeout=timeout, enabled=show_progress),
    ).run()


class _Driver:
    """One call of :meth:`Study.optimize`: keeps ``width`` trials in flight until done.

    Reproducible parallelism, where a run can be reproduced at all (``n_trials`` without
    a ``timeout``, on the local pool or inline, no scheduler): the ``j``-th proposal
    waits for trial ``j - width``, and the sampler sees the trials after it as RUNNING
    even if they are done, so it gets the same history whatever order the workers
    finish in. Elsewhere every free worker gets a trial at once: under a time budget
    the result depends on timing anyway, on a cluster the wait would idle workers
    behind every slow trial, and under a scheduler budgets make durations differ by
    orders of magnitude.

    Under a ``timeout`` on the local pool, while the pool's workers are still starting
    (see :func:`~autoxai.study._executors.warm_pool`), one trial at a time runs on a
    thread of this process and none is queued on the pool: on a loaded machine a fresh
    pool can take longer to answer than a small budget lasts, its queued trials would
    then start after the deadline (and be waited for), and a trial finished here beats
    a worker idle in start-up. Retries of lost trials never run here, as a trial that
    killed its worker would kill the driver.

    A trial whose worker dies is FAILED ("worker lost") and, once, queued again. On the
    local pool the retry runs alone, because a dead loky worker takes the whole pool
    (and every trial running on it) down, and a crash the trial causes again must not
    cost another trial its run; elsewhere it runs beside the others.
    """

    def __init__(
        self,
        study: Study,
        run: Callable[[dict[str, Any], Any, bool], EvalResult],
        *,
        n_trials: int | None,
        timeout: float | None,
        width: int,
        executor: Executor | None,
        callbacks: Sequence[Callback],
        catch: bool,
        progress: Progress,
        isolated: bool = False,
    ) -> None:
        self.study = study
        self.run_trial = run
        self.n_trials = n_trials
        self.timeout = timeout
        self.width = width
        # Isolated trials run in child processes of their own: the driver's threads wait
        # for them. A pool process between the two would only wait too, and hold its
        # libraries in memory (two such workers: 0.32 GB at 1,000,000 rows).
        self.threads = None
        if executor is None and width > 1 and isolated:
            executor = self.threads = ThreadPoolExecutor(width, thread_name_prefix="autoxai-trial")
        self.own_pool = executor is None and width > 1
        if executor is None:
            executor = warm_pool(width) if width > 1 else InlineExecutor()
        self.executor = executor
        self.local = (
            self.own_pool or isinstance(executor, InlineExecutor) or self.threads is not None
        )
        self.warming = self.own_pool and timeout is not None  # see the class docstring
        self.helper: ThreadPoolExecutor | None = None  # runs trials while the pool starts
        self.on_helper: Future | None = None
        self.callbacks = callbacks
        self.catch = catch
        self.progress = progress
        self.gated = study.scheduler is None and timeout is None and self.local
        self.one_pass = n_trials is None and timeout is None
        self.start = time.monotonic()
        self.pending: dict[Future, Trial] = {}
        self.submitting: Trial | None = None  # inline runs happen inside submit
        self.asked: list[int] = []  # numbers of this call's trials, in ask order
        self.finished: set[int] = set()
        self.n_requeued = 0  # trials lost with their worker and queued again: not counted
        self.held: Trial | None = None  # a lost trial's retry, to run alone on the pool
        self.solo = False  # that retry is running: nothing runs beside it
        self.exhausted = False

    # -- the loop ---------------------------------------------------------------------
    def run(self) -> None:
        try:
            with self.progress, _Heartbeat(self.study):
                while self._step():
                    pass
        except BaseException:
            self._abandon()
            raise
        finally:
            for threads in (self.helper, self.threads):  # an abandoned trial ends by itself
                if threads is not None:
                    threads.shutdown(wait=False)

    def _step(self) -> bool:
        """Start what may start, wait for the first result; False when all is done."""
        self._fill()
        if self.held is not None and not self.pending:
            self.submitting, self.solo = self.held, True
            self._submit(self.held)
            self.held = None
        if not self.pending:
            return False
        done, _ = wait(list(self.pending), timeout=self._poll(), return_when=FIRST_COMPLETED)
        for future in sorted(done, key=lambda f: self.pending[f].number):
            self._collect(future)
        self.progress.refresh()
        return True

    def _fill(self) -> None:
        while (
            self.held is None and not self.solo and len(self.pending) < self.width
        ) and self._may_start():
            if self._pool_starting() and self.on_helper in self.pending:
                return  # nothing is queued on a pool still starting
            trial = self.study._ask_or_none(hide=self._hidden(), one_pass=self.one_pass)
            if trial is WAIT:
                # A rung is filling: wait for our running trials. With none of ours
                # running, it waits on another driver's: stop here.
                self.exhausted = not self.pending
                return
            if trial is None:
                self.exhausted = True
                return
            self.asked.append(trial.number)
            if self.own_pool and self._retries_lost(trial):
                self.held = trial  # once the others are done
                return
            self.submitting = trial
            self._submit(trial)

    def _may_start(self) -> bool:
        if self.exhausted or self.study.stop_requested:
            return False
        if self.n_trials is not None and len(self.asked) - self.n_requeued >= self.n_trials:
            return False
        n = len(self.asked)
        if self.gated and n >= self.width and self.asked[n - self.width] not in self.finished:
            return False
        return self.timeout is None or time.monotonic() - self.start < self.timeout

    def _hidden(self) -> frozenset[int]:
        """Finished trials the sampler must see as RUNNING (the reproducibility gate)."""
        if not self.gated:
            return frozenset()
        return frozenset(self.asked[max(0, len(self.asked) - self.width + 1) :]) & self.finished

    def _submit(self, trial: Trial) -> None:
        """Start one trial; the objective gets the budget or the live trial if it takes one."""
        study, given = self.study, None
        if study.pruner is not None:
            given = trial
        elif study.scheduler is not None:
            given = study.scheduler.as_budget(trial.budget)
        executor = self.executor
        if self._pool_starting() and trial.retry_of is None:
            if self.helper is None:
                self.helper = ThreadPoolExecutor(1, thread_name_prefix="autoxai-trial")
            executor = self.helper
        future = executor.submit(self.run_trial, trial.params, given, self.catch)
        if executor is self.helper:
            self.on_helper = future
        self.pending[future] = trial
        self.submitting = None

    def _pool_starting(self) -> bool:
        """Whether trials go to this process's helper thread: the pool is starting."""
        self.warming = self.warming and not pool_ready(self.executor)
        return self.warming

    def _collect(self, future: Future) -> None:
        trial = self.pending.pop(future)
        self.solo = False
        record = self._record(trial, future)
        self.finished.add(trial.number)
        lost = record is None or (record.error or "").startswith(WORKER_LOST)
        if lost and self.own_pool:  # a dead loky worker breaks the pool: a new one
            self.executor = local_pool(self.width)
            self.warming = False  # from now on no trial runs in this process
        if record is None:  # re-queued: its retry takes its place
            self.n_requeued += 1
            return
        self.progress.update(record)
        for callback in self.callbacks:
            callback(self.study, record)

    def _poll(self) -> float:
        """Seconds to wait for a result: wake up at the timeout too, so the progress
        bar's clock keeps moving."""
        if self.timeout is None:
            return 0.5
        remaining = max(0.0, self.timeout - (time.monotonic() - self.start))
        return min(0.5, max(remaining, 0.01))

    def _abandon(self) -> None:
        """Ctrl-C, an executor failure, catch=False or a failing callback: leave no trial
        RUNNING behind. Finished trials are already stored."""
        unfinished = [*self.pending.values(), *[t for t in (self.submitting, self.held) if t]]
        for trial in unfinished:
            # Already told, or the storage is gone: nothing more to do on the way out.
            with contextlib.suppress(Exception):
                self.study.tell(trial, state=TrialState.FAILED, error=INTERRUPTED)
        if self.own_pool:
            self.executor.shutdown(wait=False, kill_workers=True)

    # -- one result -------------------------------------------------------------------
    def _retries_lost(self, trial: Trial) -> bool:
        """Whether ``trial`` re-runs a trial whose worker process died."""
        if trial.retry_of is None:
            return False
        return (self.study.trials[trial.retry_of].error or "").startswith(WORKER_LOST)

    def _record(self, trial: Trial, future: Future) -> Trial | None:
        """Tell the study what a finished future says; raise what must stop the loop.

        A trial whose worker process died (killed, out of memory) is FAILED with the
        reason and, the first time, its configuration is queued again (``retry_of``);
        the loop goes on and None is returned. A retry whose worker dies too stays
        FAILED.
        """
        study = self.study
        try:
            result: EvalResult = future.result()
        except Exception as exc:
            if worker_lost(exc):
                record = study.tell(trial, state=TrialState.FAILED, error=f"{WORKER_LOST}: {exc!r}")
                if self._retries_lost(trial):
                    return record
                study._requeue(trial)
                return None
            if not self.catch:  # the objective's own error, re-raised as it is
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
        while not self.stopped.wait(HEARTBEAT_EVERY):
            with contextlib.suppress(Exception):  # a missed beat is retried next time
                self.study._heartbeat()

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
