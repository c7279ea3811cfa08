"""Real processes on one study: killed, interrupted, and drivers running side by side."""

import signal
import subprocess
import sys
import textwrap
import time

import pytest

from autoxai import Categorical, Float, Int, SearchSpace, TrialState, create_study
from autoxai.study import INTERRUPTED

SPACE = {"x": Float(-1.0, 1.0), "k": Int(1, 100)}

DRIVER = textwrap.dedent(
    """
    import signal, sys, time
    # A suite started in the background inherits SIGINT ignored: restore Ctrl-C.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from autoxai import SearchSpace, create_study
    from autoxai.samplers import get_sampler

    url, name, n_trials, sleep, seed, n_jobs, method = sys.argv[1], sys.argv[2], \\
        int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
    space = SearchSpace.from_json(sys.argv[8])
    n_trials = n_trials if n_trials >= 0 else None

    def objective(params):
        time.sleep(sleep)
        return params["x"] ** 2

    study = create_study(space, storage=url,
                         study_name=name, load_if_exists=True,
                         sampler=get_sampler(method, random_state=seed))
    print("ready", flush=True)
    study.optimize(objective, n_trials=n_trials, n_jobs=n_jobs)
    """
)


def _start(url, n_trials, sleep, seed=0, name="shared", n_jobs=1, method="random", space=SPACE):
    space_json = SearchSpace.coerce(space).to_json()
    args = [url, name, str(n_trials), str(sleep), str(seed), str(n_jobs), method, space_json]
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_trials(url, n_finished, timeout=60.0):
    study = create_study(SPACE, storage=url, study_name="shared", load_if_exists=True,
                         requeue_interrupted=False)  # fmt: skip
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(t.state.is_finished for t in study.trials) >= n_finished:
            return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {n_finished} trials finished within {timeout}s")


@pytest.mark.slow
def test_sigkill_loses_no_finished_trial_and_resume_finishes_the_job(tmp_path):
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    proc = _start(url, n_trials=1000, sleep=0.02)
    _wait_for_trials(url, 10)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    # What the killed process had told is all there, exactly once.
    before = create_study(SPACE, storage=url, study_name="shared", load_if_exists=True,
                          requeue_interrupted=False)  # fmt: skip
    finished = [t for t in before.trials if t.state is TrialState.COMPLETE]
    assert len(finished) >= 10
    assert all(t.value == t.params["x"] ** 2 for t in finished)
    numbers = [t.number for t in before.trials]
    assert numbers == list(range(len(numbers)))

    # Reopening marks the killed process's RUNNING trial interrupted and queues it again.
    resumed = create_study(SPACE, storage=url, study_name="shared", load_if_exists=True)
    # (None when the kill fell between two trials, which a loaded machine makes likely.)
    interrupted = [t for t in resumed.trials if t.error == INTERRUPTED]
    assert len(interrupted) <= 1
    assert not any(t.state is TrialState.RUNNING for t in resumed.trials)
    waiting = [t for t in resumed.trials if t.state is TrialState.WAITING]
    assert [w.retry_of for w in waiting] == [t.number for t in interrupted]
    resumed.optimize(lambda p: p["x"] ** 2, n_trials=3)
    after = {t.number: t for t in resumed.trials}
    for t in finished:  # nothing finished was lost or changed
        assert after[t.number] == t
    assert all(after[w.number].state is TrialState.COMPLETE for w in waiting)


@pytest.mark.slow
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_ctrl_c_marks_running_trials_interrupted_and_keeps_finished_ones(tmp_path, n_jobs):
    url = f"sqlite:///{tmp_path / 'int.db'}"
    proc = _start(url, n_trials=1000, sleep=0.05, n_jobs=n_jobs)
    _wait_for_trials(url, 5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode != 0 and "KeyboardInterrupt" in err
    study = create_study(SPACE, storage=url, study_name="shared", load_if_exists=True,
                         requeue_interrupted=False)  # fmt: skip
    states = [t.state for t in study.trials]
    assert TrialState.RUNNING not in states  # the process itself cleaned up
    assert states.count(TrialState.COMPLETE) >= 5
    # one interrupted trial per busy worker (a worker may have been between trials), and
    # no other failure
    errors = [t.error for t in study.trials if t.state is TrialState.FAILED]
    assert 1 <= len(errors) <= n_jobs
    assert set(errors) == {INTERRUPTED}


@pytest.mark.slow
def test_four_drivers_share_one_study(database_url):
    create_study(SPACE, storage=database_url, study_name="shared")
    procs = [_start(database_url, n_trials=50, sleep=0.001, seed=seed) for seed in range(4)]
    for proc in procs:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
    study = create_study(SPACE, storage=database_url, study_name="shared", load_if_exists=True)
    trials = study.trials
    assert len(trials) == 200
    assert [t.number for t in trials] == list(range(200))  # no number lost or given twice
    assert all(t.state is TrialState.COMPLETE for t in trials)
    assert all(t.value == t.params["x"] ** 2 for t in trials)  # none corrupted
    # all four drivers contributed (different seeds, so different configurations)
    assert len({(t.params["x"], t.params["k"]) for t in trials}) == 200


@pytest.mark.slow
def test_drivers_samplers_see_each_others_trials(database_url):
    """Four drivers walk one grid of 100 points: each skips what the others have taken.

    Drivers that did not see each other would evaluate 400 points. Two drivers reading
    the history at the same instant may propose the same point; the insert refuses the
    second one in its transaction, and that driver asks again.
    """
    grid = {"x": Categorical(list(range(100)))}
    create_study(grid, storage=database_url, study_name="grid")
    procs = [
        _start(database_url, n_trials=-1, sleep=0.005, name="grid", method="grid", space=grid)
        for _ in range(4)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
    trials = create_study(grid, storage=database_url, study_name="grid",
                          load_if_exists=True).trials  # fmt: skip
    points = [t.params["x"] for t in trials]
    assert set(points) == set(range(100))  # the whole grid
    assert len(points) == 100, f"{len(points) - 100} points evaluated twice"
