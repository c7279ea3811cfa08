"""In-memory storage: the default, for a study that lives as long as its process."""

from __future__ import annotations

import copy
import dataclasses
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from autoxai.exceptions import StudyError
from autoxai.storage._base import BaseStorage, StudyRecord
from autoxai.trial import Trial, TrialState, retried, retry_fields

__all__ = ["InMemoryStorage"]


class InMemoryStorage(BaseStorage):
    """Studies kept in this process's memory; nothing survives the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._studies: dict[str, StudyRecord] = {}
        self._trials: dict[int, list[Trial]] = {}
        self._n_waiting: dict[int, int] = {}  # so asking need not scan every trial

    def create_study(self, name: str, direction: str, space: Mapping[str, Any]) -> StudyRecord:
        with self._lock:
            if name in self._studies:
                raise StudyError(f"a study named {name!r} already exists in this storage")
            record = StudyRecord(len(self._studies), name, direction, copy.deepcopy(dict(space)))
            self._studies[name] = record
            self._trials[record.study_id] = []
            return record

    def load_study(self, name: str) -> StudyRecord | None:
        return self._studies.get(name)

    def study_names(self) -> list[str]:
        return list(self._studies)

    def create_trial(self, study_id, *, params, state, owner, budget=None, retry_of=None,
                     bracket=None, rung=None, parent=None, distinct=False):  # fmt: skip
        with self._lock:
            trials = self._trials[study_id]
            if distinct and any(
                t.params == params and t.state is not TrialState.FAILED for t in trials
            ):
                return None
            trial = Trial(
                number=len(trials),
                state=state,
                params=dict(params),
                budget=budget,
                time_start=time.time() if state is TrialState.RUNNING else None,
                retry_of=retry_of,
                bracket=bracket,
                rung=rung,
                parent=parent,
            )
            trials.append(trial)
            if state is TrialState.WAITING:
                self._n_waiting[study_id] = self._n_waiting.get(study_id, 0) + 1
            return trial

    def claim_waiting(self, study_id: int, owner: str) -> Trial | None:
        with self._lock:
            if not self.has_waiting(study_id):
                return None
            trials = self._trials[study_id]
            for trial in trials:
                if trial.state is TrialState.WAITING:
                    claimed = dataclasses.replace(
                        trial, state=TrialState.RUNNING, time_start=time.time()
                    )
                    trials[trial.number] = claimed
                    self._n_waiting[study_id] -= 1
                    return claimed
            return None

    def finish_trial(self, study_id, number, *, state, value=None, error=None, duration=None):
        with self._lock:
            old = self._running(study_id, number, "tell")
            now = time.time()
            new = dataclasses.replace(
                old,
                state=state,
                value=value,
                error=error,
                time_complete=now,
                duration=duration if duration is not None else now - (old.time_start or now),
            )
            self._trials[study_id][number] = new
            return new

    def report(self, study_id: int, number: int, step: int, value: float) -> Trial:
        with self._lock:
            trial = self._running(study_id, number, "report to")
            if step not in trial.intermediate:
                trial = dataclasses.replace(trial, intermediate={**trial.intermediate, step: value})
                self._trials[study_id][number] = trial
            return trial

    def _running(self, study_id: int, number: int, action: str) -> Trial:
        trials = self._trials[study_id]
        if not 0 <= number < len(trials):
            raise StudyError(f"the study has no trial number {number}")
        trial = trials[number]
        if trial.state is not TrialState.RUNNING:
            raise StudyError(f"trial {number} is {trial.state}, not RUNNING: cannot {action} it")
        return trial

    def heartbeat(self, study_id: int, owner: str) -> None:
        """Nothing to do: no other process reads this storage."""

    def has_waiting(self, study_id: int) -> bool:
        return self._n_waiting.get(study_id, 0) > 0

    def get_trials(self, study_id: int) -> list[Trial]:
        return list(self._trials[study_id])

    def recover(
        self, study_id: int, *, is_alive: Callable[[str, float | None], bool], requeue: bool
    ) -> list[Trial]:
        # Every trial here belongs to this live process: nothing to recover but re-queues.
        if not requeue:
            return []
        with self._lock:
            trials = self._trials[study_id]
            done = retried(trials)
            for t in [t for t in trials if t.interrupted and t.number not in done]:
                self._n_waiting[study_id] = self._n_waiting.get(study_id, 0) + 1
                trials.append(
                    Trial(number=len(trials), state=TrialState.WAITING, **retry_fields(t))
                )
        return []
