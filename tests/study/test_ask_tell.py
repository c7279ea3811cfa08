import math

import numpy as np
import pytest

from autoxai import Categorical, Float, TrialState, create_study
from autoxai.exceptions import (
    AutoXAIError,
    InvalidParameterError,
    NoCompletedTrialsError,
    SearchSpaceError,
    StorageError,
    StudyError,
)
from autoxai.samplers import RandomSampler

SPACE = {"x": Float(-1.0, 1.0), "c": Categorical(["a", "b"])}


def test_ask_tell_round_trip_and_best():
    study = create_study(SPACE, sampler=RandomSampler(random_state=0), direction="maximize")
    values = []
    for i in range(5):
        trial = study.ask()
        assert trial.state is TrialState.RUNNING and trial.number == i
        assert study.space.validate(trial.params) == trial.params
        record = study.tell(trial, float(i % 3))
        assert record.state is TrialState.COMPLETE and record.value == float(i % 3)
        assert record.duration >= 0 and record.datetime_complete >= record.datetime_start
        values.append(i % 3)
    assert study.best_value == 2.0
    assert study.best_trial.number == 2  # the earliest of the ties
    assert study.best_params == study.trials[2].params


def test_tell_by_number_and_states():
    study = create_study(SPACE)
    t0, t1, t2 = study.ask(), study.ask(), study.ask()
    assert study.tell(t0.number, 1.5).value == 1.5
    failed = study.tell(t1, state="failed", error="diverged")
    assert failed.state is TrialState.FAILED and failed.error == "diverged"
    pruned = study.tell(t2, 0.7, state=TrialState.PRUNED)
    assert pruned.state is TrialState.PRUNED and pruned.value == 0.7
    assert [t.state for t in study.trials] == ["COMPLETE", "FAILED", "PRUNED"]
    with pytest.raises(StudyError, match="trial 0 is COMPLETE, not RUNNING"):
        study.tell(t0, 2.0)
    with pytest.raises(StudyError, match="no trial number 7"):
        study.tell(7, 1.0)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (float("nan"), "objective returned nan, not a finite number"),
        (math.inf, "objective returned inf"),
        ("0.5", "objective returned '0.5' of type str, not a number"),
        (True, "of type bool, not a number"),
        ([1.0, 2.0], "of type list, not a number"),
    ],
)
def test_non_numbers_fail_the_trial_with_the_reason(value, reason):
    study = create_study(SPACE)
    record = study.tell(study.ask(), value)
    assert record.state is TrialState.FAILED
    assert reason in record.error
    assert record.value is None


def test_numpy_scalars_are_numbers():
    study = create_study(SPACE)
    assert study.tell(study.ask(), np.float32(0.25)).value == 0.25
    assert study.tell(study.ask(), np.array([3])).value == 3.0


def test_tell_needs_a_value_or_a_state():
    study = create_study(SPACE)
    trial = study.ask()
    with pytest.raises(StudyError, match="needs a value, or a state"):
        study.tell(trial)
    with pytest.raises(AutoXAIError, match="state must be one of .* Did you mean 'FAILED'"):
        study.tell(trial, state="FAILD")
    with pytest.raises(TypeError, match="tell takes a Trial or its number"):
        study.tell("0", 1.0)


def test_best_trial_before_any_completion():
    study = create_study(SPACE)
    study.tell(study.ask(), state="FAILED")
    with pytest.raises(NoCompletedTrialsError, match="no COMPLETE trial yet"):
        _ = study.best_trial


def test_enqueue_runs_first_and_is_validated():
    study = create_study(SPACE)
    study.enqueue({"x": 0.5, "c": "b"})
    assert study.trials[0].state is TrialState.WAITING
    assert study.ask().params == {"x": 0.5, "c": "b"}
    with pytest.raises(SearchSpaceError, match="outside Float"):
        study.enqueue({"x": 5.0, "c": "a"})


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"direction": "minimise"}, InvalidParameterError, "Did you mean 'minimize'"),
        ({"sampler": "random"}, TypeError, "sampler must be a BaseSampler"),
        ({"storage": "study.db"}, StorageError, "did you mean 'sqlite:///study.db'"),
        ({"storage": 3}, TypeError, "storage must be None, a database URL"),
        ({"storage": "nosuchdb://x"}, StorageError, "cannot open storage"),
        ({"study_name": ""}, StudyError, "study_name must be a non-empty string"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        create_study(SPACE, **kwargs)


def test_unopenable_sqlite_path_fails_before_anything_runs(tmp_path):
    with pytest.raises(StorageError, match="cannot open storage .*unable to open database"):
        create_study(SPACE, storage=f"sqlite:///{tmp_path}/missing/dir/s.db")
    assert not (tmp_path / "missing").exists()


def test_dataframe():
    study = create_study(SPACE, sampler=RandomSampler(random_state=0))
    study.optimize(lambda p: p["x"], n_trials=4)
    df = study.trials_dataframe()
    assert list(df.columns[:4]) == ["number", "state", "value", "budget"]
    assert {"params_x", "params_c", "duration", "error"} <= set(df.columns)
    assert len(df) == 4 and (df["state"] == "COMPLETE").all()
    assert df["params_x"].tolist() == [t.params["x"] for t in study.trials]
    assert create_study(SPACE).trials_dataframe().empty
