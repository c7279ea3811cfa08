"""The table reaches worker processes once, not as a copy per trial.

An objective holding the training table is pickled for every trial a process pool, a
Dask cluster or the child process of a hard deadline runs. Pickled as is, each trial
sends the whole table and each worker unpickles a private copy of it. Instead:

* **On this machine** :func:`mapped_state` writes the table's arrays once, with
  :func:`joblib.dump`, to a file in the run's work directory, and pickles only that
  file's path; on the worker, :func:`restore_state` opens it with ``mmap_mode="r"``:
  every process reads the same pages of the operating system's file cache, so the
  numeric columns are in memory once however many workers use them. (Arrays of Python
  objects, such as the categorical columns' strings, cannot be mapped and are read into
  each worker.) The file is removed when the objective that wrote it is collected, or
  at exit.
* **On a Dask cluster** :func:`on_cluster` scatters the arrays to every worker once
  (``Client.scatter(..., broadcast=True)``) and returns an executor that hands their
  futures to each task as an argument, the way Dask resolves futures on a worker; the
  pickled objective carries only their names and takes the arrays from the running
  task on first use (:func:`fetch`). Workers need not see the work directory for this. A
  worker that runs a trial in a child process (a hard deadline) maps the arrays to a
  file of its own for that child.

Inline evaluation (``n_jobs=1``) never pickles, so neither happens.
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

__all__ = ["fetch", "mapped_state", "on_cluster", "restore_state"]

_LOCK = threading.Lock()  # pools pickle from a feeder thread while the driver submits
_FILE = "_data_file"
_FUTURES = "_data_futures"  # on the driver: the scattered arrays' futures, kept alive
_KEYS = "_data_names"  # in a pickle: the names of the scattered arrays, in order
_TASK = threading.local()  # on a Dask worker: the arrays handed to the running task


def on_cluster(obj: Any, names: tuple[str, ...], executor: Any) -> Any:
    """The executor for ``obj``'s trials: ``executor`` itself, unless it is a Dask
    cluster's (``Client.get_executor()``); then ``obj``'s attributes ``names`` are
    scattered to every worker once, and the executor returned hands them to each task."""
    client = getattr(executor, "_client", None)
    if client is None or not hasattr(client, "scatter"):
        return executor
    from distributed.cfexecutor import ClientExecutor

    futures = client.scatter([obj.__dict__[name] for name in names], broadcast=True)
    obj.__dict__[_FUTURES] = dict(zip(names, futures))

    class TablesExecutor(ClientExecutor):
        def submit(self, fn, /, *args, **kwargs):
            # a list of futures: Dask hands the task their values (never key strings
            # as arguments: Dask would read them as references to other tasks)
            return super().submit(_with_tables, futures, fn, *args, **kwargs)

    return TablesExecutor(client, **getattr(executor, "_kwargs", {}))


def _with_tables(tables: list[Any], fn, *args, **kwargs):
    """Run ``fn`` on a Dask worker with the scattered arrays (resolved by Dask) at hand,
    in the order :func:`on_cluster` scattered them."""
    _TASK.tables = tables
    try:
        return fn(*args, **kwargs)
    finally:
        _TASK.tables = None


def mapped_state(obj: Any, names: tuple[str, ...], workdir: Path) -> dict[str, Any]:
    """``obj``'s attributes to pickle, the large ones (``names``) replaced by a note
    that they were scattered, or by a file."""
    futures = obj.__dict__.get(_FUTURES)
    if futures is not None:
        state = {k: v for k, v in obj.__dict__.items() if k not in names and k != _FUTURES}
        return {**state, _KEYS: list(futures)}  # the names, in the scattered order
    if _KEYS in obj.__dict__:  # a copy that has not taken its arrays yet
        if getattr(_TASK, "tables", None) is None:  # the scheduler passing it on
            return dict(obj.__dict__)
        fetch(obj, names[0])  # a task's copy, pickled for its child process: a file
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
    """The attributes :func:`mapped_state` pickled, the large ones mapped from the file
    (scattered ones are taken on first use, by :func:`fetch`)."""
    if _KEYS in state:
        return state
    return {**state, **joblib.load(state[_FILE], mmap_mode="r")}


def fetch(obj: Any, name: str) -> Any:
    """Attribute ``name`` of a copy pickled without its scattered arrays, taken from
    the task running it on first use: not when the copy is unpickled, since the
    Dask scheduler unpickles tasks too and has no arrays to give."""
    names = obj.__dict__.get(_KEYS)
    if names is None or name not in names:
        raise AttributeError(name)
    tables = getattr(_TASK, "tables", None)
    if tables is None or len(tables) != len(names):
        raise RuntimeError(
            f"the scattered {name!r} was not handed to this task: run the objective "
            "through the executor on_cluster() returned"
        )
    obj.__dict__.update(zip(names, tables))
    del obj.__dict__[_KEYS]
    return obj.__dict__[name]


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):  # already gone (the work directory was removed)
        os.remove(path)
