"""Conformance checks run on every storage: in memory, SQLite and PostgreSQL."""

import pytest

from autoxai import Categorical, Float, Int, TrialState, create_study, tune
from autoxai.exceptions import StorageError, StudyError
from autoxai.samplers import RandomSampler
from autoxai.storage import SQLStorage

SPACE = {"x": Float(-1.0, 1.0), "k": Int(1, 4), "c": Categorical(["a", True, None, 2.5])}


def test_trials_round_trip_exactly(storage):
    study = create_study(
        SPACE, storage=storage, study_name="s", sampler=RandomSampler(random_state=0)
    )
    study.optimize(lambda p: p["x"] / 3, n_trials=6)
    study.tell(study.ask(), state="FAILED", error="out of memory")
    again = create_study(SPACE, storage=storage, study_name="s", load_if_exists=True)
    assert again.trials == study.trials
    for t in again.trials[:6]:
        assert t.value == t.params["x"] / 3  # floats survive exactly
        assert type(t.params["k"]) is int
    assert again.trials[6].error == "out of memory"
    assert again.best_trial == study.best_trial


def test_names_are_unique_unless_loading(storage):
    create_study(SPACE, storage=storage, study_name="s")
    with pytest.raises(StudyError, match="already exists .* load_if_exists=True"):
        create_study(SPACE, storage=storage, study_name="s")
    with pytest.raises(StudyError, match="created to minimize, not to maximize"):
        create_study(
            SPACE, storage=storage, study_name="s", load_if_exists=True, direction="maximize"
        )
    with pytest.raises(StudyError, match="different search space"):
        create_study({"x": Float(0, 1)}, storage=storage, study_name="s", load_if_exists=True)
    create_study(SPACE, storage=storage, study_name="t")
    assert storage.study_names() == ["s", "t"]


def test_tune_resumes_to_the_requested_total(storage):
    first = tune(lambda p: p["x"], SPACE, n_trials=5, storage=storage, random_state=0)
    assert len(first.trials) == 5
    second = tune(lambda p: p["x"], SPACE, n_trials=8, storage=storage, random_state=0)
    assert second.name == first.name == "autoxai"
    assert len(second.trials) == 8
    # The same seed gives the same configurations as one uninterrupted run of 8.
    straight = tune(lambda p: p["x"], SPACE, n_trials=8, random_state=0)
    assert [t.params for t in second.trials] == [t.params for t in straight.trials]
    assert tune(lambda p: p["x"], SPACE, n_trials=8, storage=storage).trials == second.trials


def test_interrupted_trials_are_requeued_on_reopening(storage):
    study = create_study(
        SPACE, storage=storage, study_name="s", sampler=RandomSampler(random_state=1)
    )
    study.optimize(lambda p: p["x"], n_trials=2)
    calls = []

    def interrupt(params):
        calls.append(params)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        study.optimize(interrupt, n_trials=3)
    assert study.trials[2].state is TrialState.FAILED and study.trials[2].interrupted
    again = create_study(SPACE, storage=storage, study_name="s", load_if_exists=True)
    waiting = again.trials[3]
    assert waiting.state is TrialState.WAITING and waiting.retry_of == 2
    assert waiting.params == calls[0]
    # Re-opening twice does not queue the same configuration twice.
    create_study(SPACE, storage=storage, study_name="s", load_if_exists=True)
    assert len(again.trials) == 4
    again.optimize(lambda p: p["x"], n_trials=1)
    assert again.trials[3].state is TrialState.COMPLETE and again.trials[3].params == calls[0]


def test_requeue_can_be_turned_off(storage):
    study = create_study(SPACE, storage=storage, study_name="s")
    with pytest.raises(KeyboardInterrupt):
        study.optimize(lambda p: (_ for _ in ()).throw(KeyboardInterrupt), n_trials=1)
    again = create_study(
        SPACE, storage=storage, study_name="s", load_if_exists=True, requeue_interrupted=False
    )
    assert [t.state for t in again.trials] == [TrialState.FAILED]


def test_sqlite_storage_is_not_picklable(tmp_path):
    import pickle

    storage = SQLStorage(f"sqlite:///{tmp_path / 's.db'}")
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(storage)


def test_password_is_hidden_in_errors():
    from autoxai.exceptions import StorageError

    with pytest.raises(StorageError) as info:
        SQLStorage("postgresql+nosuchdriver://user:secret@localhost/db")
    assert "secret" not in str(info.value)


def test_schedule_and_reported_steps_round_trip(storage):
    from autoxai.schedulers import ASHA

    space = {"x": Float(-1.0, 1.0)}
    study = create_study(space, storage=storage, study_name="mf", scheduler=ASHA(1, 9))
    study.optimize(lambda p, budget: p["x"] ** 2 + 1 / budget, n_trials=12)
    pruned = create_study(space, storage=storage, study_name="pr", pruner=ASHA(1, 9))
    trial = pruned.ask()
    trial.report(0.5, 1)
    trial.report(0.25, 3)
    pruned.tell(trial, state="PRUNED")
    again = create_study(space, storage=storage, study_name="mf", load_if_exists=True)
    assert again.trials == study.trials
    assert any(t.parent is not None for t in again.trials)
    assert {t.rung for t in again.trials} >= {0, 1}
    record = create_study(space, storage=storage, study_name="pr", load_if_exists=True).trials[0]
    assert record.intermediate == {1: 0.5, 3: 0.25}
    assert (record.state, record.value) == (TrialState.PRUNED, 0.25)


def test_a_schema_1_database_gains_the_new_columns(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.executescript(
        """
        CREATE TABLE autoxai_studies (study_id INTEGER PRIMARY KEY, name VARCHAR(512)
            NOT NULL UNIQUE, direction VARCHAR(16) NOT NULL, space TEXT NOT NULL,
            created_at FLOAT NOT NULL, schema_version INTEGER NOT NULL);
        CREATE TABLE autoxai_trials (trial_id INTEGER PRIMARY KEY, study_id INTEGER NOT NULL,
            number INTEGER NOT NULL, state VARCHAR(16) NOT NULL, params TEXT NOT NULL,
            value FLOAT, budget FLOAT, time_start FLOAT, time_complete FLOAT, duration FLOAT,
            error TEXT, owner VARCHAR(256), retry_of INTEGER);
        INSERT INTO autoxai_studies VALUES (1, 'old', 'minimize',
            '{"x": {"type": "float", "low": -1.0, "high": 1.0, "log": false, "step": null}}',
            0.0, 1);
        INSERT INTO autoxai_trials VALUES (1, 1, 0, 'COMPLETE', '{"x": 0.5}', 0.25, NULL,
            1.0, 2.0, 1.0, NULL, 'gone', NULL);
        """
    )
    con.commit()
    con.close()
    study = create_study({"x": Float(-1.0, 1.0)}, storage=f"sqlite:///{path}",
                         study_name="old", load_if_exists=True)  # fmt: skip
    assert study.trials[0].value == 0.25
    assert study.trials[0].rung is None and study.trials[0].intermediate == {}
    study.optimize(lambda p: p["x"] ** 2, n_trials=2)
    assert len(study.trials) == 3


def test_plain_postgresql_url_uses_psycopg(postgres_url):
    storage = SQLStorage(postgres_url.replace("postgresql+psycopg://", "postgresql://"))
    study = tune(lambda p: p["x"] ** 2, SPACE, n_trials=3, storage=storage, random_state=0)
    assert len(study.trials) == 3
    assert "postgresql+psycopg://" in repr(storage)


def _heartbeats(url):
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT number, time_start, heartbeat FROM autoxai_trials ORDER BY number"
        ).all()
    engine.dispose()
    return rows


def test_a_silent_driver_on_another_host_is_taken_over(database_url):
    import sqlalchemy as sa

    space = {"x": Float(-1.0, 1.0)}
    study = create_study(space, storage=database_url, study_name="hb")
    storage = study.storage
    storage.create_trial(study._record.study_id, params={"x": 0.5}, state=TrialState.RUNNING,
                         owner="another-host:4242:99")  # fmt: skip
    # it beat just now: alive, left alone
    again = create_study(space, storage=database_url, study_name="hb", load_if_exists=True)
    assert again.trials[0].state is TrialState.RUNNING
    # ten minutes without a beat: dead, its trial interrupted and queued again
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE autoxai_trials SET heartbeat = heartbeat - 600")
    engine.dispose()
    again = create_study(space, storage=database_url, study_name="hb", load_if_exists=True)
    assert again.trials[0].interrupted
    assert again.trials[1].state is TrialState.WAITING and again.trials[1].retry_of == 0


def test_driver_beats_while_a_long_trial_runs_inline(database_url, monkeypatch):
    import time

    from autoxai.study import _optimize

    monkeypatch.setattr(_optimize, "HEARTBEAT_EVERY", 0.05)
    study = create_study({"x": Float(-1.0, 1.0)}, storage=database_url, study_name="beat")
    study.optimize(lambda p: time.sleep(0.6) or 1.0, n_trials=1)
    ((_, start, beat),) = _heartbeats(database_url)
    assert beat > start + 0.2  # beaten during the trial, from the driver's thread


def _durability_settings(storage: SQLStorage) -> tuple:
    """What a connection of ``storage`` runs with: SQLite's journal mode and synchronous
    level, or PostgreSQL's synchronous_commit."""
    with storage._engine.connect() as conn:
        if storage._is_sqlite:
            journal = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            return journal, conn.exec_driver_sql("PRAGMA synchronous").scalar()
        return (conn.exec_driver_sql("SHOW synchronous_commit").scalar(),)


def test_durability_relaxed_by_default_full_on_request(database_url, tmp_path):
    sqlite = database_url.startswith("sqlite")
    relaxed = SQLStorage(database_url)
    assert _durability_settings(relaxed) == (("wal", 1) if sqlite else ("off",))
    relaxed._engine.dispose()
    if sqlite:  # a fresh file: WAL mode stays with the file it was set on
        database_url = f"sqlite:///{tmp_path / 'full.db'}"
    full = SQLStorage(database_url, durability="full")
    assert _durability_settings(full) == (("delete", 2) if sqlite else ("on",))
    study = tune(lambda p: p["x"] ** 2, SPACE, n_trials=2, storage=full, random_state=0)
    assert [t.state.value for t in study.trials] == ["COMPLETE"] * 2
    with pytest.raises(StorageError, match="durability must be one of .'full', 'relaxed'."):
        SQLStorage(database_url, durability="fsync")
