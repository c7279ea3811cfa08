"""Warm start: the local pool starts in the background, and trials run in the driver's
process until it answers (under a timeout only)."""

import os
import threading
import time

from autoxai import Float, TrialState, create_study
from autoxai.samplers import RandomSampler
from autoxai.study import _executors, _optimize

SPACE = {"x": Float(0.0, 1.0)}


def _study():
    return create_study(SPACE, sampler=RandomSampler(random_state=0))


def _pid(_):
    return os.getpid()


def test_warm_pool_runs_the_setup_in_a_worker_and_then_reports_ready(tmp_path):
    out = tmp_path / "setup-pid"
    if _executors._POOL is not None:  # a pool of an earlier test: start a fresh one
        _executors._POOL.shutdown(wait=True)
    pool = _executors.warm_pool(2, lambda: out.write_text(str(os.getpid())))
    for _ in range(1200):  # up to 2 minutes on a loaded machine
        if _executors.pool_ready(pool):
            break
        time.sleep(0.1)
    assert _executors.pool_ready(pool) and not _executors.pool_starting()
    assert _executors.warm_pool(2) is pool  # warming again keeps the warm pool
    done = next(f for f in _executors._WARMING if f.done())
    done.result()  # the setup did not fail...
    assert out.exists() and int(out.read_text()) != os.getpid()  # ...and ran in a worker


def test_while_the_pool_starts_trials_run_one_at_a_time_in_this_process(monkeypatch):
    monkeypatch.setattr(_optimize, "pool_ready", lambda pool: False)  # a pool that never answers
    where, running, most = [], [0], [0]
    lock = threading.Lock()

    def objective(params):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        where.append((os.getpid(), threading.current_thread().name))
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return params["x"]

    study = _study()
    study.optimize(objective, timeout=1.0, n_jobs=2)
    complete = [t for t in study.trials if t.state is TrialState.COMPLETE]
    assert complete and len(where) == len(study.trials)  # every trial ran here
    assert all(pid == os.getpid() and name.startswith("autoxai-trial") for pid, name in where)
    assert most[0] == 1  # one at a time, none queued on the pool that is starting


def test_without_a_timeout_trials_run_on_the_pool_even_while_it_starts(monkeypatch):
    # n_trials and no timeout is the reproducible case: it is left as it was.
    monkeypatch.setattr(_optimize, "pool_ready", lambda pool: False)
    study = _study()
    study.optimize(_pid, n_trials=4, n_jobs=2)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 4
    assert all(t.value != os.getpid() for t in study.trials)


def test_once_the_pool_answers_trials_run_on_its_workers():
    _executors.warm_pool(2)
    study = _study()
    study.optimize(_pid, n_trials=1, n_jobs=2)  # waits for the pool to start
    study.optimize(_pid, timeout=1.0, n_jobs=2)
    assert all(t.value != os.getpid() for t in study.trials)
