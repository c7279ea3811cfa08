"""The storage interface: what the study needs to persist and share its trials."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from autoxai.trial import Trial, TrialState

__all__ = ["BaseStorage", "StudyRecord"]


@dataclass(frozen=True)
class StudyRecord:
    """What a storage knows of a study besides its trials."""

    study_id: int
    name: str
    direction: str
    space: dict[str, Any]


class BaseStorage(ABC):
    """Keeps studies and their trials.

    Only the driver process writes; the storage makes each write atomic and gives every
    trial a study-wide ``number`` that no other writer can also get, so several drivers
    may share one study. A finished trial is final: :meth:`finish_trial` refuses to
    change it.
    """

    @abstractmethod
    def create_study(self, name: str, direction: str, space: Mapping[str, Any]) -> StudyRecord:
        """Create a study; ``StudyError`` if the name is taken."""

    @abstractmethod
    def load_study(self, name: str) -> StudyRecord | None:
        """The study called ``name``, or None."""

    @abstractmethod
    def study_names(self) -> list[str]:
        """Names of all studies in this storage."""

    @abstractmethod
    def create_trial(
        self,
        study_id: int,
        *,
        params: Mapping[str, Any],
        state: TrialState,
        owner: str,
        budget: float | None = None,
        retry_of: int | None = None,
        bracket: int | None = None,
        rung: int | None = None,
        parent: int | None = None,
        distinct: bool = False,
    ) -> Trial | None:
        """Add a WAITING or RUNNING trial and give it the next number.

        With ``distinct``, return None instead when the study already holds a trial with
        the same ``params`` that has not FAILED: checked in the inserting transaction,
        so drivers sharing a grid never evaluate a point twice.
        """

    @abstractmethod
    def report(self, study_id: int, number: int, step: int, value: float) -> Trial:
        """Add ``step: value`` to a RUNNING trial's intermediate values; return the trial.

        A step already reported keeps its first value. ``StudyError`` if the trial is
        not RUNNING.
        """

    @abstractmethod
    def claim_waiting(self, study_id: int, owner: str) -> Trial | None:
        """Atomically turn the oldest WAITING trial into a RUNNING one owned by ``owner``."""

    @abstractmethod
    def finish_trial(
        self,
        study_id: int,
        number: int,
        *,
        state: TrialState,
        value: float | None = None,
        error: str | None = None,
        duration: float | None = None,
    ) -> Trial:
        """Record a RUNNING trial's outcome; ``StudyError`` if it is not RUNNING."""

    @abstractmethod
    def get_trials(self, study_id: int) -> list[Trial]:
        """All trials of the study, ordered by number, as of now."""

    @abstractmethod
    def has_waiting(self, study_id: int) -> bool:
        """Whether the study had WAITING trials as of the last :meth:`get_trials`."""

    @abstractmethod
    def heartbeat(self, study_id: int, owner: str) -> None:
        """Mark ``owner``'s RUNNING trials as alive now (storages shared across hosts)."""

    @property
    def shared(self) -> bool:
        """Whether other processes may read this storage (so heartbeats matter)."""
        return False

    @abstractmethod
    def recover(
        self, study_id: int, *, is_alive: Callable[[str, float | None], bool], requeue: bool
    ) -> list[Trial]:
        """Mark RUNNING trials whose owner is no longer alive FAILED (``"interrupted"``).

        ``is_alive(owner, heartbeat)`` judges each owner, given the trial's last
        heartbeat (a Unix time, or None).

        With ``requeue``, every interrupted trial not yet re-queued also gets a WAITING
        copy of its configuration and place in a schedule (budget, bracket, rung,
        parent; ``retry_of`` its number). All in one transaction, so
        two drivers recovering at once do not re-queue twice. Returns the trials that
        were marked interrupted.
        """
