"""Study: the record of a search and the ask/tell interface to it."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np
import pandas as pd

from autoxai._utils import choose
from autoxai.exceptions import NoCompletedTrialsError, ParameterTypeError, StudyError
from autoxai.samplers import BaseSampler, RandomSampler
from autoxai.schedulers import WAIT, BaseScheduler
from autoxai.space import BaseDistribution, SearchSpace
from autoxai.storage import BaseStorage, StudyRecord, get_storage
from autoxai.study._owner import current_owner, is_alive
from autoxai.trial import Trial, TrialState, at_top_budget, check_value, retried, retry_fields

__all__ = ["DIRECTIONS", "Study", "create_study"]

DIRECTIONS = ("minimize", "maximize")

Objective = Callable[[dict[str, Any]], float]
Callback = Callable[["Study", Trial], None]


class Study:
    """A search over a space: its trials, their outcomes, and the sampler that proposes.

    Build one with :func:`create_study` (or let :func:`autoxai.tune` do it). Use
    :meth:`optimize` to run an objective, or :meth:`ask` / :meth:`tell` to run your own
    loop. Every trial is written to the storage when it is asked and when it is told.

    With a ``scheduler`` (multi-fidelity search) every evaluation is a trial with its
    budget, and the objective is called as ``objective(params, budget)``. With a
    ``pruner`` the objective trains step by step, ``objective(params, trial)``, and
    stops when ``trial.should_prune()`` says so.
    """

    def __init__(
        self,
        record: StudyRecord,
        *,
        space: SearchSpace,
        sampler: BaseSampler,
        storage: BaseStorage,
        scheduler: BaseScheduler | None = None,
        pruner: BaseScheduler | None = None,
    ) -> None:
        self._record = record
        self._space = space
        self._sampler = sampler
        self._storage = storage
        self._scheduler = scheduler
        self._pruner = pruner
        self._owner = current_owner()
        self._stop_requested = False

    # -- what the study is ------------------------------------------------------------
    @property
    def name(self) -> str:
        """The study's name in its storage."""
        return self._record.name

    @property
    def space(self) -> SearchSpace:
        """The search space."""
        return self._space

    @property
    def direction(self) -> str:
        """``"minimize"`` or ``"maximize"``."""
        return self._record.direction

    @property
    def sampler(self) -> BaseSampler:
        """The sampler proposing new configurations."""
        return self._sampler

    @property
    def storage(self) -> BaseStorage:
        """Where the trials are kept."""
        return self._storage

    @property
    def scheduler(self) -> BaseScheduler | None:
        """The scheduler choosing each evaluation's budget, or None (one full budget)."""
        return self._scheduler

    @property
    def pruner(self) -> BaseScheduler | None:
        """The scheduler judging reported steps in :meth:`Trial.should_prune`, or None."""
        return self._pruner

    def __repr__(self) -> str:
        extra = "".join(
            f", {name}={value!r}"
            for name, value in (("scheduler", self._scheduler), ("pruner", self._pruner))
            if value is not None
        )
        return (
            f"Study(name={self.name!r}, direction={self.direction!r}, "
            f"n_trials={len(self.trials)}, sampler={self.sampler!r}{extra})"
        )

    # -- trials -----------------------------------------------------------------------
    @property
    def trials(self) -> list[Trial]:
        """All trials, ordered by number (read fresh from the storage)."""
        return self._storage.get_trials(self._record.study_id)

    def get_trials(self, states: Iterable[TrialState] | None = None) -> list[Trial]:
        """Trials, optionally only those in ``states``."""
        trials = self.trials
        if states is None:
            return trials
        wanted = {TrialState(s) for s in states}
        return [t for t in trials if t.state in wanted]

    @property
    def n_finished(self) -> int:
        """Trials that ran to an end: COMPLETE, PRUNED, or FAILED by themselves.

        Interrupted trials, and trials whose worker died and were queued again, do not
        count (their configurations run again), so
        ``n_trials - study.n_finished`` is what a resumed run still has to do.
        """
        trials = self.trials
        replaced = retried(trials)
        return sum(
            1
            for t in trials
            if t.state.is_finished and not t.interrupted and t.number not in replaced
        )

    @property
    def best_trial(self) -> Trial:
        """The COMPLETE trial with the best value (the earliest one on ties).

        When evaluations carry budgets, only those at the largest budget any
        configuration reached compete (a trial without a budget counts as a full
        evaluation): a value on a small budget is not comparable with one on a large.
        """
        complete = at_top_budget(self.trials)
        if not complete:
            raise NoCompletedTrialsError(
                f"study {self.name!r} has no COMPLETE trial yet "
                f"({len(self.trials)} trials in all); no best trial to show"
            )
        sign = 1.0 if self.direction == "minimize" else -1.0
        return min(complete, key=lambda t: (sign * t.value, t.number))

    @property
    def best_params(self) -> dict[str, Any]:
        """Configuration of :attr:`best_trial`."""
        return dict(self.best_trial.params)

    @property
    def best_value(self) -> float:
        """Value of :attr:`best_trial`."""
        return self.best_trial.value

    def trials_dataframe(self) -> pd.DataFrame:
        """One row per trial: number, state, value, budget, times, error, ``params_*``.

        Under a scheduler, ``bracket``, ``rung`` and ``parent`` (the trial promoted
        from) give each evaluation's place in the schedule: following ``parent`` walks a
        configuration's rung history.
        """
        rows = []
        for t in self.trials:
            row = {
                "number": t.number,
                "state": t.state.value,
                "value": t.value,
                "budget": t.budget,
                "datetime_start": t.datetime_start,
                "datetime_complete": t.datetime_complete,
                "duration": t.duration,
                "error": t.error,
                "retry_of": t.retry_of,
                "bracket": t.bracket,
                "rung": t.rung,
                "parent": t.parent,
            }
            row.update({f"params_{k}": v for k, v in t.params.items()})
            rows.append(row)
        columns = [
            "number", "state", "value", "budget", "datetime_start", "datetime_complete",
            "duration", "error", "retry_of", "bracket", "rung", "parent",
            *[f"params_{name}" for name in self.space],
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=columns)

    # -- ask / tell -------------------------------------------------------------------
    def enqueue(self, params: Mapping[str, Any], *, budget: float | None = None) -> Trial:
        """Queue a configuration to be evaluated before the sampler is asked again.

        Under a scheduler, a queued configuration runs outside the schedule, at
        ``budget`` (give the scheduler's ``max_budget`` for a full evaluation).
        """
        params = self.space.validate(params)
        return self._storage.create_trial(
            self._record.study_id, params=params, state=TrialState.WAITING, owner="",
            budget=budget,
        )  # fmt: skip

    def ask(self) -> Trial:
        """Start a trial: a queued configuration if any, else the scheduler's next job.

        The trial is live: ``trial.budget`` is its budget under a scheduler, and
        ``trial.report`` / ``trial.should_prune`` reach this study. Raises
        ``StudyError`` when a finite sampler (a grid) or schedule has nothing left, or
        when a synchronous scheduler must first hear how running trials end.
        """
        trial = self._ask_or_none()
        if trial is WAIT:
            raise StudyError(
                f"{self.scheduler!r} waits for the running trials of its rung: tell them first"
            )
        if trial is None:
            what = self.scheduler if self.scheduler is not None else self.sampler
            raise StudyError(f"the {what!r} has no configurations left to try")
        return trial

    def _ask_or_none(self, hide: frozenset[int] = frozenset(), *, one_pass: bool = False):
        """Claim a queued trial or create the next one; None when nothing is left.

        ``hide`` names finished trials the sampler should see as still RUNNING: the
        driver uses it to show the sampler the same history whatever order parallel
        trials finished in. Under a scheduler this returns :data:`WAIT` when nothing
        can start before a running trial ends; ``one_pass`` asks for its natural end.
        """
        study_id = self._record.study_id
        trials = self._storage.get_trials(study_id)
        if self._storage.has_waiting(study_id):
            claimed = self._storage.claim_waiting(study_id, self._owner)
            if claimed is not None:
                return dataclasses.replace(claimed, _study=self)
        if self._scheduler is not None:
            return self._next_scheduled(trials, one_pass)
        if hide:
            trials = [
                dataclasses.replace(t, state=TrialState.RUNNING, value=None, error=None)
                if t.number in hide
                else t
                for t in trials
            ]
        while True:
            params = self._sampler.sample(self, trials)
            if params is None:
                return None
            trial = self._storage.create_trial(
                study_id, params=params, state=TrialState.RUNNING, owner=self._owner,
                distinct=self._sampler.distinct,
            )  # fmt: skip
            if trial is not None:
                return dataclasses.replace(trial, _study=self)
            # another driver took this point since we read the history: read it again
            trials = self._storage.get_trials(study_id)

    def _next_scheduled(self, trials: list[Trial], one_pass: bool):
        job = self._scheduler.next_job(trials, self.direction, one_pass=one_pass)
        if job is None or job is WAIT:
            return job
        if job.parent is None:
            params = self._sampler.sample(self, trials)
            if params is None:
                return None
        else:
            params = trials[job.parent].params
        trial = self._storage.create_trial(
            self._record.study_id, params=params, state=TrialState.RUNNING, owner=self._owner,
            budget=job.budget, bracket=job.bracket, rung=job.rung, parent=job.parent,
        )  # fmt: skip
        return dataclasses.replace(trial, _study=self)

    # -- report / prune ---------------------------------------------------------------
    def report(self, trial: Trial | int, value: Any, step: int) -> None:
        """Record a RUNNING trial's ``value`` after ``step`` steps (see :meth:`Trial.report`)."""
        number = trial.number if isinstance(trial, Trial) else trial
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 0:
            raise ParameterTypeError(f"step must be an int >= 0, got {step!r}")
        value, reason = check_value(value)
        if reason is not None:
            raise StudyError(f"trial {number} reported a bad value: {reason}")
        self._storage.report(self._record.study_id, number, int(step), value)

    def should_prune(self, trial: Trial | int) -> bool:
        """Whether the pruner stops ``trial`` now (see :meth:`Trial.should_prune`)."""
        if self._pruner is None:
            return False
        number = trial.number if isinstance(trial, Trial) else trial
        trials = self._storage.get_trials(self._record.study_id)
        return self._pruner.should_prune(trials[number], trials, self.direction)

    def tell(
        self,
        trial: Trial | int,
        value: Any = None,
        *,
        state: TrialState | str | None = None,
        error: str | None = None,
        duration: float | None = None,
    ) -> Trial:
        """Record the outcome of a RUNNING trial and return its final record.

        ``tell(trial, value)`` completes it; a value that is not a finite number marks
        it FAILED with the reason. ``tell(trial, state="FAILED", error="why")`` fails it
        and ``state="PRUNED"`` prunes it (with no value, the last one it reported).
        """
        number = trial.number if isinstance(trial, Trial) else trial
        if not isinstance(number, int) or isinstance(number, bool):
            raise ParameterTypeError(f"tell takes a Trial or its number, got {trial!r}")
        if state is None:
            if value is None:
                raise StudyError("tell needs a value, or a state (FAILED or PRUNED)")
            state = TrialState.COMPLETE
        state = TrialState(choose("state", str(state).upper(), ["COMPLETE", "FAILED", "PRUNED"]))
        if value is not None:
            value, reason = check_value(value)
            if reason is not None:
                state, error = TrialState.FAILED, reason
        elif state is TrialState.COMPLETE:
            raise StudyError("a COMPLETE trial needs a value")
        if state is TrialState.FAILED:
            value = None
            error = error or "failed"
        if state is TrialState.PRUNED and value is None:
            intermediate = self._storage.get_trials(self._record.study_id)[number].intermediate
            value = intermediate[max(intermediate)] if intermediate else None
        return self._storage.finish_trial(
            self._record.study_id,
            number,
            state=state,
            value=value,
            error=error,
            duration=duration,
        )

    def stop(self) -> None:
        """Ask a running :meth:`optimize` to start no new trial (e.g. from a callback)."""
        self._stop_requested = True

    @property
    def stop_requested(self) -> bool:
        """True once :meth:`stop` was called during the current :meth:`optimize`."""
        return self._stop_requested

    def _requeue(self, trial: Trial) -> None:
        """Queue ``trial``'s configuration again, in its place in the schedule (a retry)."""
        self._storage.create_trial(
            self._record.study_id, state=TrialState.WAITING, owner="", **retry_fields(trial)
        )

    def _heartbeat(self) -> None:
        """Stamp this driver's RUNNING trials as alive (shared storages)."""
        self._storage.heartbeat(self._record.study_id, self._owner)

    # -- the driver loop --------------------------------------------------------------
    def optimize(
        self,
        objective: Objective,
        *,
        n_trials: int | None = None,
        timeout: float | None = None,
        n_jobs: int = 1,
        executor: Executor | None = None,
        callbacks: Sequence[Callback] = (),
        catch: bool = True,
        show_progress: bool = False,
        trial_timeout: float | None = None,
        trial_deadline: float | None = None,
    ) -> None:
        """Run ``objective(params) -> float`` on ``n_trials`` more trials.

        Parameters
        ----------
        objective : callable
            Takes a dict of parameter values, returns a number. Under a scheduler it is
            called ``objective(params, budget)``; under a pruner ``objective(params,
            trial)``, reporting with ``trial.report`` and raising
            :class:`~autoxai.TrialPruned` when ``trial.should_prune()``. Lambdas and closures
            work with ``n_jobs > 1`` (they are sent to workers with cloudpickle).
        n_trials : int, optional
            How many trials (evaluations, under a scheduler) to run in this call. With
            neither ``n_trials`` nor ``timeout``, a finite sampler (a grid) runs to its
            end and a scheduler to its natural end (one bracket, one Hyperband round).
        timeout : float, optional
            Seconds after which no new trial starts; running ones are finished.
        n_jobs : int
            Trials evaluated at once; ``> 1`` uses a local process pool, ``-1`` one
            worker per CPU. With ``executor``, the number of trials kept in flight
            (default: the executor's worker count).
        executor : concurrent.futures.Executor, optional
            Where to run trials, e.g. ``distributed.Client(...).get_executor()``.
        callbacks : sequence of callables
            Each called as ``callback(study, trial)`` after a trial is recorded.
        catch : bool
            If True (default), an objective that raises marks its trial FAILED with the
            reason and the study goes on; if False, the error is re-raised after the
            trial is recorded as FAILED.
        show_progress : bool
            Show a progress bar on stderr: trials done, best value, elapsed, remaining.
        trial_timeout : float, optional
            Seconds one trial may take. Each trial then runs in a fresh child process
            (about 0.3 s to start with NumPy) that is killed at the deadline, so even a
            hung objective ends: its trial is FAILED ("timed out"), and the search goes
            on. Not with a pruner. With ``n_jobs > 1`` and no ``executor`` the children
            are started from threads of this process (no pool of worker processes).
        trial_deadline : float, optional
            A moment (``time.time()`` seconds) by which every trial is stopped: each
            trial runs in its own child process, as with ``trial_timeout``, killed then
            (FAILED, "timed out: stopped at the run's deadline"). With ``timeout``, a
            hard end for the whole call; with both limits, the earlier one applies.

        Ctrl-C stops cleanly: running trials are marked FAILED ("interrupted"), finished
        ones are kept, and ``KeyboardInterrupt`` is re-raised. A trial whose worker
        process dies under it (killed, out of memory) is FAILED ("worker lost") and its
        configuration runs once more — alone on the local pool, which loses every
        running trial when one worker dies; beside the others on Dask — and if that
        worker dies too, it stays FAILED. (Dask itself re-runs a task whose worker
        died, up to its ``allowed-failures`` setting, before autoxai sees a loss.)

        With ``n_trials``, no ``timeout``, no scheduler and no ``executor``, a seeded
        run repeats exactly with any ``n_jobs``: trial ``j`` starts only after trial
        ``j - n_jobs`` has finished. Under a ``timeout`` or on an executor every free
        worker gets a trial at once instead, so no worker idles behind a slow trial.
        """
        from autoxai.study._optimize import run_optimize

        self._stop_requested = False
        run_optimize(
            self,
            objective,
            n_trials=n_trials,
            timeout=timeout,
            n_jobs=n_jobs,
            executor=executor,
            callbacks=callbacks,
            catch=catch,
            show_progress=show_progress,
            trial_timeout=trial_timeout,
            trial_deadline=trial_deadline,
        )


def create_study(
    space: SearchSpace | Mapping[str, BaseDistribution],
    *,
    sampler: BaseSampler | None = None,
    direction: str = "minimize",
    storage: BaseStorage | str | None = None,
    study_name: str | None = None,
    load_if_exists: bool = False,
    requeue_interrupted: bool = True,
    scheduler: BaseScheduler | None = None,
    pruner: BaseScheduler | None = None,
) -> Study:
    """Create a study, or reopen one from its storage.

    Parameters
    ----------
    space : SearchSpace or dict
        What to search over.
    sampler : BaseSampler, optional
        Default: the scheduler's own (random; TPE for BOHB), else
        :class:`~autoxai.samplers.RandomSampler`.
    direction : {"minimize", "maximize"}
    storage : str or BaseStorage, optional
        ``None`` keeps trials in memory; a SQLAlchemy URL such as ``"sqlite:///s.db"``
        keeps them in a database, where a killed run can be resumed. The storage is
        opened here, so a bad one fails before any trial runs.
    study_name : str, optional
        Name in the storage; a unique one is made up when omitted.
    load_if_exists : bool
        Reopen the study if the name exists (it must have the same space and direction);
        otherwise an existing name is an error.
    requeue_interrupted : bool
        On reopening, trials left RUNNING by a process that has died are marked FAILED
        ("interrupted"); with this flag (default) their configurations are queued again.
    scheduler : BaseScheduler, optional
        A multi-fidelity schedule (:mod:`autoxai.schedulers`): each evaluation gets a
        budget and the objective is ``objective(params, budget)``.
    pruner : BaseScheduler, optional
        The same rungs, used instead to stop step-by-step objectives
        (``objective(params, trial)`` calling ``trial.report`` and
        ``trial.should_prune``). Give a scheduler or a pruner, not both.

    Examples
    --------
    >>> from autoxai import Float, create_study
    >>> study = create_study({"x": Float(-2, 2)}, direction="minimize")
    >>> trial = study.ask()
    >>> study.tell(trial, trial.params["x"] ** 2).state
    <TrialState.COMPLETE: 'COMPLETE'>
    """
    space = SearchSpace.coerce(space)
    direction = choose("direction", direction, DIRECTIONS)
    for name, value in (("scheduler", scheduler), ("pruner", pruner)):
        if value is not None and not isinstance(value, BaseScheduler):
            raise ParameterTypeError(
                f"{name} must be a BaseScheduler such as ASHA(1, 81), got {value!r}"
            )
    if scheduler is not None and pruner is not None:
        raise StudyError(
            "give a scheduler (the objective takes a budget) or a pruner (the objective "
            "reports its steps), not both"
        )
    if sampler is None:
        rules = scheduler or pruner
        sampler = RandomSampler() if rules is None else rules.default_sampler()
    elif not isinstance(sampler, BaseSampler):
        raise ParameterTypeError(
            f"sampler must be a BaseSampler such as RandomSampler(), got {sampler!r}"
        )
    if study_name is None:
        study_name = f"study-{uuid.uuid4().hex[:12]}"
    elif not isinstance(study_name, str) or not study_name.strip():
        raise StudyError(f"study_name must be a non-empty string, got {study_name!r}")
    storage = get_storage(storage)

    record = storage.load_study(study_name)
    if record is None:
        record = storage.create_study(study_name, direction, space.to_dict())
    elif not load_if_exists:
        raise StudyError(
            f"a study named {study_name!r} already exists in {storage!r}; pass "
            "load_if_exists=True to resume it, or choose another study_name"
        )
    else:
        if record.direction != direction:
            raise StudyError(
                f"study {study_name!r} was created to {record.direction}, not to {direction}"
            )
        if SearchSpace.from_dict(record.space) != space:
            raise StudyError(
                f"study {study_name!r} was created with a different search space; "
                "use another study_name for a new space"
            )
        storage.recover(record.study_id, is_alive=is_alive, requeue=requeue_interrupted)
    return Study(
        record, space=space, sampler=sampler, storage=storage, scheduler=scheduler, pruner=pruner
    )
