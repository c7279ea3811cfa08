"""A user's first small-budget run, in a fresh process: the pool and the model
libraries start with ``fit``, and a model comes back."""

import json
import os
import subprocess
import sys
from pathlib import Path

from autoxai.automl import _warm
from autoxai.automl._zoo import DEFAULT_FAMILIES
from autoxai.study import _executors

SRC = str(Path(__file__).resolve().parents[2] / "src")

FIRST_RUN = """
import json, time
from autoxai import AutoML
from autoxai.datasets import load_penguins
df = load_penguins()
X, y = df.drop(columns="species"), df["species"]
start = time.time()
automl = AutoML(time_budget=8, n_jobs=2, random_state=0).fit(X, y)
print(json.dumps({
    "wall": time.time() - start,
    "timings": automl.timings_,
    "first": automl.study_.trials[0].state.name,
    "predicted": len(automl.predict(X.head(5))),
}))
"""


def test_a_first_small_budget_run_in_a_fresh_process_returns_a_fitted_model():
    # Before the warm start, the first trials waited on a cold pool past a small
    # budget and the run ended with "no configuration finished".
    env = {**os.environ, "PYTHONPATH": SRC}
    done = subprocess.run(
        [sys.executable, "-c", FIRST_RUN], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["first"] == "COMPLETE"  # the first default ran, in the driver's process
    assert out["predicted"] == 5
    timings = out["timings"]
    assert set(timings) >= {"prepare", "search", "ensemble", "refit", "total"}
    assert 0 < timings["total"] <= out["wall"]


def test_the_refit_takes_one_thread_while_the_pool_starts(monkeypatch):
    monkeypatch.setattr(_warm, "pool_starting", lambda: True)
    assert _warm.free_threads(4) == 1
    monkeypatch.setattr(_warm, "pool_starting", lambda: False)
    assert _warm.free_threads(4) == 4  # every core it was given, once the workers run


def test_warm_up_imports_the_libraries_here_and_starts_the_pool_only_when_used(monkeypatch):
    warmed, loaded = [], []
    monkeypatch.setattr(_warm, "warm_pool", lambda width, setup: warmed.append(width))
    monkeypatch.setattr(_warm, "preload", lambda names: loaded.append(names))
    _warm.warm_up(["lgbm"], 2, None)
    _warm.warm_up(["lgbm"], 1, None)  # n_jobs=1: no pool
    _warm.warm_up(["lgbm"], 2, _executors.InlineExecutor())  # the user's executor
    assert warmed == [2]
    assert loaded == [("lgbm",)] * 3


def test_preload_builds_every_default_family():
    _warm.preload(DEFAULT_FAMILIES)  # raises if a family's defaults cannot be built
    assert "lightgbm" in sys.modules
