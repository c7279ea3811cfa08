"""Faults: hung objectives, crashing trials, and worker processes killed mid-trial."""

import itertools
import os
import signal
import time

import distributed
import pytest

from autoxai import Float, Int, TrialState, create_study, tune
from autoxai.samplers import RandomSampler
from autoxai.study._evaluate import WORKER_LOST

SPACE = {"x": Float(-1.0, 1.0), "k": Int(0, 3)}


def _hangs_when_k_is_3(params):
    if params["k"] == 3:
        time.sleep(120)  # a hung library call
    return params["x"] ** 2


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_trial_timeout_ends_a_hung_objective(n_jobs):
    start = time.monotonic()
    study = tune(_hangs_when_k_is_3, SPACE, n_trials=8, random_state=0, n_jobs=n_jobs,
                 trial_timeout=1.5)  # fmt: skip
    elapsed = time.monotonic() - start
    hung = [t for t in study.trials if t.params["k"] == 3]
    assert hung, "the seed must draw k = 3 at least once"
    assert elapsed < 60  # far less than one hung trial's 120 s
    for t in study.trials:
        if t.params["k"] == 3:
            assert t.state is TrialState.FAILED
            assert t.error == "timed out: stopped after 1.5 s"
        else:
            assert t.state is TrialState.COMPLETE and t.value == t.params["x"] ** 2


def test_isolated_trials_on_two_jobs_are_children_of_the_driver_and_run_at_once(tmp_path):
    # no pool process stands between the driver and the trials' own processes
    def objective(params):
        start = time.time()
        time.sleep(1.0)
        (tmp_path / f"{os.getpid()}").write_text(f"{os.getppid()} {start} {time.time()}")
        return params["x"] ** 2

    study = tune(objective, SPACE, n_trials=4, random_state=0, n_jobs=2, trial_timeout=60)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 4
    runs = [list(map(float, f.read_text().split())) for f in tmp_path.iterdir()]
    assert len(runs) == 4 and {int(parent) for parent, _, _ in runs} == {os.getpid()}
    spans = sorted((start, end) for _, start, end in runs)
    assert any(b[0] < a[1] for a, b in itertools.pairwise(spans))  # two overlapped


def test_a_trial_whose_process_dies_fails_with_the_reason():
    def objective(params):
        if params["k"] == 0:
            os.kill(os.getpid(), signal.SIGKILL)
        if params["k"] == 1:
            os._exit(3)
        return 1.0

    study = tune(objective, SPACE, n_trials=10, random_state=1, trial_timeout=30)
    errors = {t.params["k"]: t.error for t in study.trials if t.state is TrialState.FAILED}
    assert errors.get(0) == "the trial's process died (signal 9)"
    assert errors.get(1) == "the trial's process died (exit status 3)"
    assert all(t.state is TrialState.COMPLETE for t in study.trials if t.params["k"] >= 2)


def test_bad_trial_timeout_is_refused():
    from autoxai.exceptions import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="trial_timeout"):
        tune(lambda p: 0.0, SPACE, n_trials=1, trial_timeout=0)


@pytest.mark.slow
def test_a_killed_pool_worker_loses_no_trial(tmp_path):
    """A worker of the local pool dies mid-trial: the trial runs again, once."""
    marker = tmp_path / "killed-once"

    def objective(params):
        if params["k"] == 0 and not marker.exists():
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)  # the worker process, mid-trial
        if params["x"] == 0.125:
            os.kill(os.getpid(), signal.SIGKILL)  # dies every time
        time.sleep(0.01)
        return params["x"] ** 2

    study = create_study(SPACE, sampler=RandomSampler(random_state=2))
    study.enqueue({"x": 0.5, "k": 0})  # its worker is killed the first time
    study.enqueue({"x": 0.125, "k": 1})  # its worker is killed every time
    study.optimize(objective, n_trials=16, n_jobs=2)
    trials = study.trials
    lost = [t for t in trials if t.state is TrialState.FAILED]
    assert lost and all(t.error.startswith(WORKER_LOST) for t in lost)
    assert marker.exists()
    # A dead loky worker breaks the whole pool, so the trial running beside it is lost
    # too; each lost trial runs once more. Every other configuration ended COMPLETE.
    retried = {t.retry_of for t in trials if t.retry_of is not None}
    killer = [t for t in trials if t.params["x"] == 0.125]
    assert [t.retry_of for t in killer] == [None, killer[0].number]  # tried twice...
    assert killer[1].state is TrialState.FAILED  # ...then left FAILED
    for t in trials:
        if t.params["x"] != 0.125 and t.number not in retried:
            assert t.state is TrialState.COMPLETE, t
    assert study.n_finished == 16


def _dask_cluster():
    return distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )


@pytest.mark.slow
def test_dask_worker_killed_mid_trial_the_study_finishes(tmp_path):
    """Dask re-runs a task whose worker died on another worker; nothing is lost."""
    marker = tmp_path / "killed-once"

    def objective(params):
        if not marker.exists():
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)  # the Dask worker process itself
        time.sleep(0.05)
        return params["x"] ** 2

    with _dask_cluster() as cluster, distributed.Client(cluster) as client:
        study = tune(objective, SPACE, n_trials=12, random_state=0,
                     executor=client.get_executor())  # fmt: skip
    assert marker.exists()
    assert len(study.trials) == 12
    assert all(t.state is TrialState.COMPLETE for t in study.trials)
    assert all(t.value == t.params["x"] ** 2 for t in study.trials)


@pytest.mark.slow
def test_dask_trial_timeout_ends_a_hung_objective():
    with _dask_cluster() as cluster, distributed.Client(cluster) as client:
        start = time.monotonic()
        study = tune(_hangs_when_k_is_3, SPACE, n_trials=8, random_state=0,
                     executor=client.get_executor(), trial_timeout=2)  # fmt: skip
        elapsed = time.monotonic() - start
    assert elapsed < 60
    states = {t.params["k"] == 3: t.state for t in study.trials}
    assert states == {True: TrialState.FAILED, False: TrialState.COMPLETE}


def test_trial_deadline_stops_a_running_trial_and_refuses_a_late_one():
    start = time.time()
    study = create_study(SPACE, sampler=RandomSampler(random_state=0))
    study.enqueue({"x": 0.5, "k": 3})  # hangs for 120 s
    study.optimize(_hangs_when_k_is_3, n_trials=1, trial_deadline=time.time() + 2)
    assert time.time() - start < 60  # far less than the hung trial's 120 s
    trial = study.trials[0]
    assert trial.state is TrialState.FAILED
    assert trial.error.startswith("timed out: stopped at the run's deadline, after ")
    study.optimize(_hangs_when_k_is_3, n_trials=1, trial_deadline=time.time() - 1)
    assert study.trials[1].error == "timed out: the run's deadline had passed"
