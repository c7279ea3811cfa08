import time

import pytest

from autoxai import Float, Int, TrialState, create_study, tune
from autoxai.exceptions import AutoXAIError, InvalidParameterError
from autoxai.samplers import RandomSampler

SPACE = {"x": Float(-2.0, 2.0), "n": Int(1, 5)}


def flaky(params):
    if params["n"] == 1:
        raise RuntimeError("n=1 is not allowed")
    if params["n"] == 2:
        return float("nan")
    return params["x"] ** 2


def test_failures_are_recorded_and_the_study_goes_on():
    study = tune(flaky, SPACE, n_trials=40, random_state=0)
    states = [t.state for t in study.trials]
    assert len(states) == 40
    assert states.count(TrialState.COMPLETE) + states.count(TrialState.FAILED) == 40
    raised = [t for t in study.trials if t.params["n"] == 1]
    assert raised and all("RuntimeError: n=1 is not allowed" in t.error for t in raised)
    nans = [t for t in study.trials if t.params["n"] == 2]
    assert nans and all("not a finite number" in t.error for t in nans)
    assert study.best_trial.params["n"] >= 3


def test_catch_false_reraises_after_recording():
    study = create_study(SPACE, sampler=RandomSampler(random_state=0))

    def boom(params):
        raise ValueError("bad objective")

    with pytest.raises(ValueError, match="bad objective"):
        study.optimize(boom, n_trials=3, catch=False)
    assert [t.state for t in study.trials] == [TrialState.FAILED]
    assert "bad objective" in study.trials[0].error


def test_callbacks_see_each_trial_and_can_stop():
    seen = []

    def callback(study, trial):
        seen.append(trial.number)
        if len(seen) == 3:
            study.stop()

    study = create_study(SPACE)
    study.optimize(lambda p: p["x"], n_trials=10, callbacks=[callback])
    assert seen == [0, 1, 2] and len(study.trials) == 3


def test_n_trials_counts_this_call_only():
    study = create_study(SPACE)
    study.optimize(lambda p: p["x"], n_trials=3)
    study.optimize(lambda p: p["x"], n_trials=2)
    assert len(study.trials) == 5


def test_timeout_stops_starting_trials():
    study = create_study(SPACE)
    start = time.monotonic()
    study.optimize(lambda p: time.sleep(0.05) or p["x"], timeout=0.3)
    elapsed = time.monotonic() - start
    assert 2 <= len(study.trials) <= 8
    assert elapsed < 2.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "never runs out of configurations: give n_trials or timeout"),
        ({"n_trials": -1}, "n_trials must be an int >= 0, got -1"),
        ({"n_trials": 2.5}, "n_trials must be an int"),
        ({"n_trials": 2, "timeout": 0}, "timeout must be a number of seconds > 0"),
        ({"n_trials": 2, "n_jobs": 0}, "n_jobs must be a positive int or -1, got 0"),
    ],
)
def test_bad_budgets(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        create_study(SPACE).optimize(lambda p: 0.0, **kwargs)


def test_objective_must_be_callable():
    with pytest.raises(InvalidParameterError, match="objective must be callable"):
        create_study(SPACE).optimize("f", n_trials=1)


def test_tune_method_typo_suggests_the_name():
    with pytest.raises(AutoXAIError, match="method must be one of .* Did you mean 'random'"):
        tune(lambda p: 0.0, SPACE, method="randon", n_trials=1)


def test_progress_bar_shows_trials_and_best(capsys):
    tune(lambda p: p["x"] ** 2, SPACE, n_trials=5, random_state=0, show_progress=True)
    err = capsys.readouterr().err
    assert "5/5 trials" in err and "best" in err


@pytest.mark.slow
def test_two_jobs_run_closures_in_a_process_pool():
    offset = 0.5  # a closure over a local: plain pickle could not send it

    study = tune(lambda p: (p["x"] - offset) ** 2, SPACE, n_trials=8, n_jobs=2, random_state=0)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 8
    one = tune(lambda p: (p["x"] - offset) ** 2, SPACE, n_trials=8, random_state=0)
    assert [t.params for t in study.trials] == [t.params for t in one.trials]
    assert [t.value for t in study.trials] == [t.value for t in one.trials]


@pytest.mark.slow
def test_executor_that_cannot_pickle_the_objective_gives_a_clear_error():
    from concurrent.futures import ProcessPoolExecutor

    from autoxai.exceptions import ExecutionError

    study = create_study(SPACE)
    with (
        ProcessPoolExecutor(max_workers=1) as pool,
        pytest.raises(ExecutionError, match="could not run trial 0"),
    ):
        study.optimize(lambda p: 0.0, n_trials=2, executor=pool)
    assert study.trials[0].state is TrialState.FAILED
    assert all(t.state is not TrialState.RUNNING for t in study.trials)


def _slow_first(params):
    time.sleep(6.0 if params["x"] == 0.0 else 0.05)
    return params["x"]


def test_under_a_timeout_a_slow_trial_does_not_idle_the_other_worker():
    # The reproducibility gate (trial j waits for trial j - width) would hold the second
    # worker behind the slow trial 0; under a time budget nothing is reproducible anyway,
    # so every free worker gets a trial.
    warm = create_study({"x": Float(0.5, 1.0)}, sampler=RandomSampler(random_state=0))
    warm.optimize(_slow_first, n_trials=2, n_jobs=2)  # the pool's start is not timed below
    study = create_study({"x": Float(0.0, 1.0)}, sampler=RandomSampler(random_state=0))
    study.enqueue({"x": 0.0})
    study.optimize(_slow_first, timeout=4.0, n_jobs=2)
    fast = [t for t in study.trials if t.state is TrialState.COMPLETE and t.params["x"] != 0.0]
    assert len(fast) >= 5  # with the gate: 1 (trial 2 waits for the slow trial 0)


def test_still_working_writes_a_line_while_nothing_else_does(capsys, monkeypatch):
    from autoxai.study import _progress

    monkeypatch.setattr(_progress, "LINE_EVERY", 0.2)
    with _progress.still_working("reading big.csv"):
        time.sleep(1.0)
    lines = capsys.readouterr().err.splitlines()
    assert lines and all(line.startswith("autoxai: reading big.csv, ") for line in lines)


def test_still_working_is_quiet_while_a_search_writes_its_lines(capsys, monkeypatch):
    from autoxai.study import _progress

    monkeypatch.setattr(_progress, "LINE_EVERY", 1.0)
    with _progress.still_working("fitting"):
        for _ in range(30):
            _progress._write("automl: 3 trials, best 0.1, 1 s elapsed")
            time.sleep(0.05)
    assert "autoxai: fitting" not in capsys.readouterr().err
