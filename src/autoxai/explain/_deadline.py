"""A hard time limit for one explanation method, checked before every model call.

The explainers spend their time in the model: every method calls it through a
:class:`~autoxai.explain._model.Predictor` (drop-column importance also refits it), and
each such call first asks :func:`check_time`. Inside ``with time_limit(seconds):`` a
call that starts after the limit raises :class:`OutOfTime`, which the orchestrator
(:class:`~autoxai.explain._orchestrate.GlobalExplainer`) records as "skipped: out of
time". Outside any limit the check costs one context-variable read and never raises.

What it cannot stop: a model call (a ``predict`` or a refit) already running when the
limit passes — the method stops at its next call, so it overruns by at most one call
(up to ``CHUNK_ROWS`` stacked rows: one Kernel SHAP row of an ensemble took 3.5 s past
a 3.7 s limit on a loaded 2-core machine);
work in other processes or threads (``n_jobs > 1``: the limit is a context variable of
the calling thread, so the workers never see it); and whatever runs outside a method,
such as the run's held-out refit of the chosen model.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["OutOfTime", "check_time", "time_limit"]

#: The ``time.perf_counter()`` value after which no model call may start (None: none).
_DEADLINE: ContextVar[float | None] = ContextVar("autoxai_explain_deadline", default=None)


class OutOfTime(Exception):
    """A method's time limit passed before one of its model calls (private: the
    orchestrator turns it into a skip, it never reaches a user)."""


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Let model calls start for ``seconds`` from now (None: no limit).

    Nested limits keep the earlier end.
    """
    if seconds is None:
        yield
        return
    end = time.perf_counter() + max(0.0, float(seconds))
    outer = _DEADLINE.get()
    token = _DEADLINE.set(end if outer is None else min(end, outer))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check_time() -> None:
    """Raise :class:`OutOfTime` when the current limit has passed."""
    end = _DEADLINE.get()
    if end is not None and time.perf_counter() > end:
        raise OutOfTime("the method's time limit passed")
