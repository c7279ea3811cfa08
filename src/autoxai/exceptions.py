"""The errors autoxai raises.

Every user mistake raises a subclass of :class:`AutoXAIError`. Where a built-in exception
fits, the subclass also inherits it, so ``except ValueError`` keeps working for callers
who do not know autoxai. The CLI turns an ``AutoXAIError`` into one line on stderr and
exit status 2.
"""

from __future__ import annotations

__all__ = [
    "AutoXAIError",
    "DataError",
    "ExecutionError",
    "InvalidParameterError",
    "NoCompletedTrialsError",
    "ParameterTypeError",
    "SearchSpaceError",
    "StorageError",
    "StudyError",
    "TrialPruned",
]


class AutoXAIError(Exception):
    """Base class of every error autoxai raises on purpose."""


class InvalidParameterError(AutoXAIError, ValueError):
    """A function or class was given an argument value outside its rules."""


class ParameterTypeError(AutoXAIError, TypeError):
    """A function or class was given an argument of the wrong type."""


class SearchSpaceError(AutoXAIError, ValueError):
    """A distribution or a search space was given invalid arguments."""


class StudyError(AutoXAIError, ValueError):
    """A study was used in a way its rules do not allow."""


class NoCompletedTrialsError(StudyError):
    """A best trial was asked for before any trial completed."""


class StorageError(AutoXAIError, RuntimeError):
    """A storage could not be opened, read or written."""


class DataError(AutoXAIError, ValueError):
    """A table or a column cannot be used as given (missing file, bad target, ...)."""


class ExecutionError(AutoXAIError, RuntimeError):
    """An executor failed to run a trial (not the objective: the machinery around it)."""


class TrialPruned(Exception):
    """Raised by an objective to end its trial as PRUNED (after ``trial.should_prune()``).

    Not an :class:`AutoXAIError`: it is control flow the objective asks for, and the
    study records the trial as PRUNED with the last value it reported.
    """
