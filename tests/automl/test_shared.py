"""The table reaches worker processes as one memory-mapped file, written once."""

import gc
import pickle

import numpy as np
import pandas as pd

from autoxai.automl._data import prepare
from autoxai.automl._objective import CVObjective
from autoxai.metrics import get_metric


def _objective(tiny_binary, workdir):
    X, y = tiny_binary
    table = X.assign(colour=np.where(X.x2 > 0, "red", "blue"), y=y)
    ds = prepare(table, "y", n_folds=3)
    splits = [(np.arange(200), np.arange(200, 300))]
    return CVObjective(ds.X, np.asarray(ds.y), task=ds.task, metric=get_metric(None, ds.task),
                       schema=ds.schema, splits=splits, n_classes=2, random_state=0,
                       workdir=workdir)  # fmt: skip


def _in_file(values: np.ndarray) -> bool:
    """Whether ``values`` are (a view of) a memory-mapped array."""
    while values is not None and not isinstance(values, np.memmap):
        values = values.base if isinstance(values.base, np.ndarray) else None
    return values is not None


def _mapped(frame: pd.DataFrame) -> bool:
    """Whether every numeric column's values live in a memory-mapped file."""
    numeric = frame.select_dtypes("number")
    return len(numeric.columns) > 0 and all(_in_file(np.asarray(numeric[c])) for c in numeric)


def test_a_pickled_objective_maps_one_file_written_once(tiny_binary, tmp_path):
    objective = _objective(tiny_binary, tmp_path)
    first, second = pickle.dumps(objective), pickle.dumps(objective)
    assert len(list(tmp_path.glob("data-*.joblib"))) == 1  # written once
    assert len(first) < 5_000  # the path, not the 300 x 6 table
    worker = pickle.loads(second)
    assert isinstance(worker.y, np.memmap) and not worker.y.flags.writeable
    assert _mapped(worker.X)
    pd.testing.assert_frame_equal(worker.X, objective.X)
    np.testing.assert_array_equal(worker.y, objective.y)
    assert all(_in_file(rows) for fold in worker.splits for rows in fold)
    # the worker's copy evaluates like the original
    params = {"model": "linear", "linear.C": 1.0}
    assert worker(params) == objective(params)


def test_the_file_goes_with_the_objective_that_wrote_it(tiny_binary, tmp_path):
    objective = _objective(tiny_binary, tmp_path)
    pickle.dumps(objective)
    assert list(tmp_path.glob("data-*.joblib"))
    del objective
    gc.collect()
    assert not list(tmp_path.glob("data-*.joblib"))


def test_a_pool_search_on_the_mapped_table_equals_the_inline_one(tiny_binary, tmp_path):
    from autoxai import AutoML

    def board(n_jobs):
        automl = AutoML(n_trials=4, time_budget=None, cv=3, models=["linear", "rf"],
                        n_jobs=n_jobs, workdir=tmp_path / str(n_jobs))  # fmt: skip
        automl.fit(*tiny_binary)
        return automl.leaderboard_.drop(columns=["fit_time"])

    pd.testing.assert_frame_equal(board(2), board(1))
    gc.collect()
    assert not list(tmp_path.glob("*/data-*.joblib"))  # gone with the search's objective
