"""The table reaches worker processes as one memory-mapped file, not a copy per trial.

An objective holding the training table is pickled for every trial a process pool (or
a Dask cluster, or the child process of a hard deadline) runs. Pickled as is, each
trial sends the whole table and each worker unpickles a private copy of it. Instead
:func:`mapped_state` writes the table's arrays once, with :func:`joblib.dump`, to a
file in the run's work directory, and pickles only that file's path; on the worker,
:func:`restore_state` opens it with ``mmap_mode="r"``: every process reads the same
pages of the operating system's file cache, so the table is in memory once however
many workers use it. (Arrays of Python objects, such as text columns, cannot be mapped
and are read into each worker; the prepared table keeps categories as codes.) The
work directory is where the evaluations already write their out-of-fold predictions,
so it must be shared with Dask workers on other machines in any case. The file is
removed when the objective that wrote it is collected, or at exit.

On a Dask cluster (:func:`keep_inline`) the table is pickled with the objective, as
before: workers on other machines may not see the work directory, and sending the
table once (``Client.scatter(..., broadcast=True)``) is not done yet. Inline
evaluation (``n_jobs=1``) never pickles, so it never writes the file.
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
import weakref
from pathlib import Path
from typing import Any

import joblib

__all__ = ["keep_inline", "mapped_state", "restore_state"]

_LOCK = threading.Lock()  # pools pickle from a feeder thread while the driver submits
_FILE = "_data_file"
_INLINE = "_data_inline"


def keep_inline(obj: Any, executor: Any) -> None:
    """Pickle ``obj`` whole when ``executor`` is a Dask cluster's (``Client.get_executor()``)."""
    if getattr(executor, "_client", None) is not None:
        obj.__dict__[_INLINE] = True


def mapped_state(obj: Any, names: tuple[str, ...], workdir: Path) -> dict[str, Any]:
    """``obj``'s attributes to pickle, the large ones (``names``) replaced by a file."""
    if obj.__dict__.get(_INLINE):
        return dict(obj.__dict__)
    with _LOCK:
        if obj.__dict__.get(_FILE) is None:
            workdir.mkdir(parents=True, exist_ok=True)
            path = str(workdir / f"data-{uuid.uuid4().hex[:12]}.joblib")
            joblib.dump({name: obj.__dict__[name] for name in names}, path + ".tmp")
            os.replace(path + ".tmp", path)
            obj.__dict__[_FILE] = path
            weakref.finalize(obj, _remove, path)
    return {k: v for k, v in obj.__dict__.items() if k not in names}


def restore_state(state: dict[str, Any]) -> dict[str, Any]:
    """The attributes :func:`mapped_state` pickled, the large ones mapped from the file."""
    if state.get(_INLINE):
        return state
    return {**state, **joblib.load(state[_FILE], mmap_mode="r")}


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):  # already gone (the work directory was removed)
        os.remove(path)
