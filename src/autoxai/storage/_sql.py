"""SQLAlchemy storage: SQLite embedded, or any database SQLAlchemy speaks (PostgreSQL...).

Design, and why it is fast: the driver is the only writer, and each write is one short
transaction (insert an asked trial, update a told one). Reads are incremental: finished
trials never change, so the storage keeps them in a cache and asks the database only
for rows it has not seen or that were unfinished when last read. A study of ``n``
trials thus costs O(1) queries per trial rather than re-reading the whole history.

Concurrency: trial numbers are allocated inside the inserting transaction while the
study row is locked (``SELECT ... FOR UPDATE``; on SQLite every write transaction is
``BEGIN IMMEDIATE``, which takes the database write lock up front), so two drivers can
never get the same number. SQLite runs in WAL mode with ``synchronous=NORMAL``: a
committed trial survives the process being killed; only an operating-system crash or
power loss can drop the last commits. ``durability="full"`` trades speed for surviving
those too: SQLite's default rollback journal with ``synchronous=FULL`` (an fsync per
commit), PostgreSQL's synchronous commits (:data:`DURABILITY`).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from autoxai.exceptions import StorageError, StudyError
from autoxai.storage._base import BaseStorage, StudyRecord
from autoxai.trial import INTERRUPTED, Trial, TrialState, retry_fields

__all__ = ["SQLStorage"]

#: 2 added the multi-fidelity columns (bracket, rung, parent, intermediate) and the
#: driver's heartbeat; a version-1 database gets them on opening (nullable columns: old
#: trials simply have none).
SCHEMA_VERSION = 2

_metadata = sa.MetaData()

_studies = sa.Table(
    "autoxai_studies",
    _metadata,
    sa.Column("study_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(512), nullable=False, unique=True),
    sa.Column("direction", sa.String(16), nullable=False),
    sa.Column("space", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float(53), nullable=False),
    sa.Column("schema_version", sa.Integer, nullable=False),
)

_trials = sa.Table(
    "autoxai_trials",
    _metadata,
    sa.Column("trial_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("study_id", sa.Integer, sa.ForeignKey("autoxai_studies.study_id"), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("params", sa.Text, nullable=False),
    sa.Column("value", sa.Float(53)),
    sa.Column("budget", sa.Float(53)),
    sa.Column("time_start", sa.Float(53)),
    sa.Column("time_complete", sa.Float(53)),
    sa.Column("duration", sa.Float(53)),
    sa.Column("error", sa.Text),
    sa.Column("owner", sa.String(256)),
    sa.Column("retry_of", sa.Integer),
    sa.Column("bracket", sa.Integer),
    sa.Column("rung", sa.Integer),
    sa.Column("parent", sa.Integer),
    sa.Column("intermediate", sa.Text),
    sa.Column("heartbeat", sa.Float(53)),
    sa.UniqueConstraint("study_id", "number", name="uq_autoxai_trials_study_number"),
    sa.Index("ix_autoxai_trials_study_state", "study_id", "state"),
)


# Statements are built once: SQLAlchemy then reuses their compiled form, which matters
# at a few milliseconds per trial.
_b = sa.bindparam
_NEXT_NUMBER = sa.select(sa.func.coalesce(sa.func.max(_trials.c.number) + 1, 0)).where(
    _trials.c.study_id == _b("b_study")
)
_LOCK_STUDY = (
    sa.select(_studies.c.study_id).where(_studies.c.study_id == _b("b_study")).with_for_update()
)
_INSERT_TRIAL = _trials.insert()
_SAME_PARAMS = sa.select(_trials.c.number).where(
    _trials.c.study_id == _b("b_study"),
    _trials.c.params == _b("b_params"),
    _trials.c.state != TrialState.FAILED.value,
)
_FINISH_TRIAL = (
    _trials.update()
    .where(
        _trials.c.study_id == _b("b_study"),
        _trials.c.number == _b("b_number"),
        _trials.c.state == TrialState.RUNNING.value,
    )
    .values(
        state=_b("b_state"),
        value=_b("b_value"),
        error=_b("b_error"),
        time_complete=_b("b_time"),
        duration=_b("b_duration"),
    )
)
_SELECT_TRIAL = sa.select(_trials).where(
    _trials.c.study_id == _b("b_study"), _trials.c.number == _b("b_number")
)
_SYNC_TRIALS = sa.select(_trials).where(
    _trials.c.study_id == _b("b_study"),
    sa.or_(
        _trials.c.trial_id > _b("b_max_id"),
        _trials.c.trial_id.in_(_b("b_ids", expanding=True)),
    ),
)


#: What each durability setting asks of SQLite (journal mode, synchronous) and of
#: PostgreSQL (synchronous_commit). "relaxed", the default: a commit survives the
#: process being killed, not the machine crashing. "full": it survives that too, at the
#: cost of waiting for the disk at every commit (each database's own default).
DURABILITY = {
    "relaxed": {"journal_mode": "WAL", "synchronous": "NORMAL", "synchronous_commit": "off"},
    "full": {"journal_mode": "DELETE", "synchronous": "FULL", "synchronous_commit": "on"},
}


def _sqlite_setup(engine: Engine, durability: str) -> None:
    """The durability's journal, a generous busy timeout, and write transactions that
    lock up front."""
    pragmas = DURABILITY[durability]

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised through SQLite
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA journal_mode={pragmas['journal_mode']}")
        cursor.execute(f"PRAGMA synchronous={pragmas['synchronous']}")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover - exercised through SQLite
        mode = conn.get_execution_options().get("autoxai_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


@dataclasses.dataclass
class _StudyCache:
    """Trials of one study read so far; finished ones are final and never re-read."""

    by_number: list[Trial | None] = dataclasses.field(default_factory=list)
    n_holes: int = 0  # numbers not read yet (another driver's uncommitted insert)
    max_id: int = 0
    unfinished: dict[int, int] = dataclasses.field(default_factory=dict)  # id -> number
    waiting: set[int] = dataclasses.field(default_factory=set)  # numbers

    def put(self, trial_id: int, trial: Trial) -> None:
        n = trial.number
        if n >= len(self.by_number):
            self.n_holes += n - len(self.by_number)
            self.by_number.extend([None] * (n - len(self.by_number) + 1))
        elif self.by_number[n] is None:
            self.n_holes -= 1
        self.by_number[n] = trial
        self.max_id = max(self.max_id, trial_id)
        if trial.state.is_finished:
            self.unfinished.pop(trial_id, None)
        else:
            self.unfinished[trial_id] = n
        if trial.state is TrialState.WAITING:
            self.waiting.add(n)
        else:
            self.waiting.discard(n)


class SQLStorage(BaseStorage):
    """Studies in a database reached through a SQLAlchemy URL.

    Parameters
    ----------
    url : str
        ``"sqlite:///path/to/study.db"`` (file created when missing) or any SQLAlchemy
        URL, e.g. ``"postgresql://user:pw@host/db"`` (PostgreSQL through psycopg 3:
        ``pip install "autoxai[postgres]"``; commits are asynchronous, see
        :func:`_connect_args`, unless the URL gives its own ``options``).
    durability : {"relaxed", "full"}
        "relaxed" (the default): SQLite in WAL mode with ``synchronous=NORMAL``,
        PostgreSQL with ``synchronous_commit=off``; a committed trial survives any
        process being killed, and only a crash of the machine can drop the last
        commits. "full": each database's own durable default (SQLite's rollback journal
        with ``synchronous=FULL``; PostgreSQL's synchronous commits), so a commit also
        survives a power loss, at the cost of an fsync per commit.

    The tables are created, and the database reached, when the storage is built, so a
    storage that cannot be opened fails before any trial runs.
    """

    def __init__(self, url: str, *, durability: str = "relaxed") -> None:
        self.url = url
        if durability not in DURABILITY:
            raise StorageError(
                f"durability must be one of {sorted(DURABILITY)}, got {durability!r}"
            )
        self.durability = durability
        try:
            parsed = sa.engine.make_url(url)
        except Exception as exc:
            raise StorageError(
                f"storage {url!r} is not a database URL ({exc}); use e.g. 'sqlite:///study.db'"
            ) from None
        if parsed.drivername == "postgresql":  # SQLAlchemy's default driver is psycopg2
            parsed = parsed.set(drivername="postgresql+psycopg")
        self._shown_url = parsed.render_as_string(hide_password=True)
        try:
            if parsed.get_backend_name() == "sqlite":
                self._engine = sa.create_engine(parsed, poolclass=self._sqlite_pool(parsed))
                _sqlite_setup(self._engine, durability)
            else:
                self._engine = sa.create_engine(
                    parsed, pool_pre_ping=True, connect_args=_connect_args(parsed, durability)
                )
            _metadata.create_all(self._engine)
            _add_missing_columns(self._engine)
        except ModuleNotFoundError as exc:
            hint = ' (pip install "autoxai[postgres]")' if "psycopg" in str(exc.name) else ""
            raise StorageError(
                f"cannot open storage {self._shown_url!r}: no module {exc.name!r}{hint}"
            ) from None
        except Exception as exc:
            raise StorageError(f"cannot open storage {self._shown_url!r}: {_reason(exc)}") from None
        self._caches: dict[int, _StudyCache] = {}
        self._is_sqlite = parsed.get_backend_name() == "sqlite"

    @staticmethod
    def _sqlite_pool(parsed):
        # An in-memory SQLite database exists per connection: keep exactly one.
        in_memory = parsed.database in (None, "", ":memory:")
        return sa.pool.StaticPool if in_memory else sa.pool.QueuePool

    def __repr__(self) -> str:
        return f"SQLStorage({self._shown_url!r})"

    def __getstate__(self):
        raise TypeError("SQLStorage holds a database connection and is not picklable")

    # -- transactions -----------------------------------------------------------------
    @contextmanager
    def _write(self):
        try:
            with self._engine.begin() as conn:
                yield conn
        except (StudyError, StorageError):
            raise
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"storage {self._shown_url!r} failed: {_reason(exc)}") from exc

    @contextmanager
    def _read(self):
        try:
            with self._engine.connect() as conn:
                conn = conn.execution_options(autoxai_begin="DEFERRED")
                with conn.begin():
                    yield conn
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"storage {self._shown_url!r} failed: {_reason(exc)}") from exc

    # -- studies ----------------------------------------------------------------------
    def create_study(self, name: str, direction: str, space: Mapping[str, Any]) -> StudyRecord:
        try:
            with self._write() as conn:
                result = conn.execute(
                    _studies.insert().values(
                        name=name,
                        direction=direction,
                        space=json.dumps(dict(space)),
                        created_at=time.time(),
                        schema_version=SCHEMA_VERSION,
                    )
                )
                study_id = result.inserted_primary_key[0]
        except StorageError as exc:
            if isinstance(exc.__cause__, sa.exc.IntegrityError):
                raise StudyError(
                    f"a study named {name!r} already exists in {self._shown_url}"
                ) from None
            raise
        return StudyRecord(study_id, name, direction, dict(space))

    def load_study(self, name: str) -> StudyRecord | None:
        with self._read() as conn:
            row = conn.execute(sa.select(_studies).where(_studies.c.name == name)).first()
        if row is None:
            return None
        return StudyRecord(row.study_id, row.name, row.direction, json.loads(row.space))

    def study_names(self) -> list[str]:
        with self._read() as conn:
            return list(
                conn.execute(sa.select(_studies.c.name).order_by(_studies.c.study_id)).scalars()
            )

    # -- trials -----------------------------------------------------------------------
    def _lock_study(self, conn: Connection, study_id: int) -> None:
        # SQLite's BEGIN IMMEDIATE already holds the database write lock.
        if not self._is_sqlite:
            conn.execute(_LOCK_STUDY, {"b_study": study_id})

    def _insert_trial(
        self, conn, study_id, *, params, state, owner, distinct=False, **slot
    ) -> Trial | None:
        self._lock_study(conn, study_id)
        text = json.dumps(dict(params))
        if distinct and conn.execute(_SAME_PARAMS, {"b_study": study_id, "b_params": text}).first():
            return None
        number = conn.execute(_NEXT_NUMBER, {"b_study": study_id}).scalar_one()
        start = time.time() if state is TrialState.RUNNING else None
        conn.execute(
            _INSERT_TRIAL,
            {
                "study_id": study_id,
                "number": number,
                "state": state.value,
                "params": text,
                "time_start": start,
                "heartbeat": start,
                "owner": owner,
                **slot,
            },
        )
        return Trial(number=number, state=state, params=dict(params), time_start=start, **slot)

    def create_trial(self, study_id, *, params, state, owner, budget=None, retry_of=None,
                     bracket=None, rung=None, parent=None, distinct=False):  # fmt: skip
        with self._write() as conn:
            return self._insert_trial(
                conn, study_id, params=params, state=state, owner=owner, budget=budget,
                retry_of=retry_of, bracket=bracket, rung=rung, parent=parent,
                distinct=distinct,
            )  # fmt: skip

    def report(self, study_id: int, number: int, step: int, value: float) -> Trial:
        with self._write() as conn:
            row = conn.execute(_SELECT_TRIAL, {"b_study": study_id, "b_number": number}).first()
            if row is None:
                raise StudyError(f"the study has no trial number {number}")
            trial = _row_to_trial(row)
            if trial.state is not TrialState.RUNNING:
                raise StudyError(
                    f"trial {number} is {trial.state}, not RUNNING: cannot report to it"
                )
            if step in trial.intermediate:
                return trial
            intermediate = {**trial.intermediate, step: value}
            conn.execute(
                _trials.update()
                .where(_trials.c.trial_id == row.trial_id)
                .values(intermediate=json.dumps(intermediate))
            )
        return dataclasses.replace(trial, intermediate=intermediate)

    def claim_waiting(self, study_id: int, owner: str) -> Trial | None:
        with self._write() as conn:
            self._lock_study(conn, study_id)
            row = conn.execute(
                sa.select(_trials)
                .where(_trials.c.study_id == study_id, _trials.c.state == TrialState.WAITING.value)
                .order_by(_trials.c.number)
                .limit(1)
            ).first()
            if row is None:
                return None
            start = time.time()
            conn.execute(
                _trials.update()
                .where(_trials.c.trial_id == row.trial_id)
                .values(
                    state=TrialState.RUNNING.value, owner=owner, time_start=start, heartbeat=start
                )
            )
        return dataclasses.replace(_row_to_trial(row), state=TrialState.RUNNING, time_start=start)

    def finish_trial(self, study_id, number, *, state, value=None, error=None, duration=None):
        now = time.time()
        cache = self._caches.get(study_id)
        known = cache.by_number[number] if cache and number < len(cache.by_number) else None
        with self._write() as conn:
            if known is None or known.time_start is None:
                row = conn.execute(_SELECT_TRIAL, {"b_study": study_id, "b_number": number}).first()
                if row is None:
                    raise StudyError(f"the study has no trial number {number}")
                known = _row_to_trial(row)
            if duration is None:
                duration = now - (known.time_start or now)
            result = conn.execute(
                _FINISH_TRIAL,
                {
                    "b_study": study_id,
                    "b_number": number,
                    "b_state": state.value,
                    "b_value": value,
                    "b_error": error,
                    "b_time": now,
                    "b_duration": duration,
                },
            )
            if result.rowcount != 1:
                row = conn.execute(_SELECT_TRIAL, {"b_study": study_id, "b_number": number}).first()
                raise StudyError(f"trial {number} is {row.state}, not RUNNING: cannot tell it")
        return dataclasses.replace(
            known,
            state=state,
            value=value,
            error=error,
            time_complete=now,
            duration=duration,
        )

    def get_trials(self, study_id: int) -> list[Trial]:
        cache = self._caches.setdefault(study_id, _StudyCache())
        params = {"b_study": study_id, "b_max_id": cache.max_id, "b_ids": list(cache.unfinished)}
        with self._read() as conn:
            rows = conn.execute(_SYNC_TRIALS, params).all()
        for row in rows:
            cache.put(row.trial_id, _row_to_trial(row))
        if cache.n_holes:
            return [t for t in cache.by_number if t is not None]
        return list(cache.by_number)

    @property
    def shared(self) -> bool:
        return True

    def heartbeat(self, study_id: int, owner: str) -> None:
        with self._write() as conn:
            conn.execute(
                _trials.update()
                .where(
                    _trials.c.study_id == study_id,
                    _trials.c.owner == owner,
                    _trials.c.state == TrialState.RUNNING.value,
                )
                .values(heartbeat=time.time())
            )

    def has_waiting(self, study_id: int) -> bool:
        cache = self._caches.get(study_id)
        return bool(cache and cache.waiting)

    def recover(
        self, study_id: int, *, is_alive: Callable[[str, float | None], bool], requeue: bool
    ) -> list[Trial]:
        interrupted: list[Trial] = []
        now = time.time()
        with self._write() as conn:
            self._lock_study(conn, study_id)  # one transaction: no double re-queue
            running = conn.execute(
                sa.select(_trials).where(
                    _trials.c.study_id == study_id, _trials.c.state == TrialState.RUNNING.value
                )
            ).all()
            for row in running:
                if row.owner and is_alive(row.owner, row.heartbeat):
                    continue
                conn.execute(
                    _trials.update()
                    .where(_trials.c.trial_id == row.trial_id)
                    .values(state=TrialState.FAILED.value, error=INTERRUPTED, time_complete=now)
                )
                interrupted.append(
                    dataclasses.replace(
                        _row_to_trial(row),
                        state=TrialState.FAILED,
                        error=INTERRUPTED,
                        time_complete=now,
                    )
                )
            if requeue:
                failed = conn.execute(
                    sa.select(_trials).where(
                        _trials.c.study_id == study_id,
                        _trials.c.state == TrialState.FAILED.value,
                        _trials.c.error == INTERRUPTED,
                    )
                ).all()
                retried = set(
                    conn.execute(
                        sa.select(_trials.c.retry_of).where(
                            _trials.c.study_id == study_id, _trials.c.retry_of.is_not(None)
                        )
                    ).scalars()
                )
                for row in sorted(failed, key=lambda r: r.number):
                    if row.number in retried:
                        continue
                    self._insert_trial(
                        conn,
                        study_id,
                        state=TrialState.WAITING,
                        owner="",
                        **retry_fields(_row_to_trial(row)),
                    )
        return interrupted


def _connect_args(parsed, durability: str) -> dict:
    """PostgreSQL: ``synchronous_commit`` as :data:`DURABILITY` says (``off`` when
    relaxed), unless the URL sets its own ``options``.

    Relaxed is the same durability as SQLite in WAL mode with ``synchronous=NORMAL``: a
    committed trial survives any process being killed, and only a crash of the database
    server's machine can drop the last fraction of a second of commits (never corrupting
    the database). ``benchmarks/results/storage_load.md`` measures both settings.
    """
    if parsed.get_backend_name() == "postgresql" and "options" not in parsed.query:
        return {"options": f"-c synchronous_commit={DURABILITY[durability]['synchronous_commit']}"}
    return {}


def _row_to_trial(row) -> Trial:
    return Trial(
        number=row.number,
        state=TrialState(row.state),
        params=json.loads(row.params),
        value=row.value,
        budget=row.budget,
        time_start=row.time_start,
        time_complete=row.time_complete,
        duration=row.duration,
        error=row.error,
        retry_of=row.retry_of,
        bracket=row.bracket,
        rung=row.rung,
        parent=row.parent,
        intermediate={int(k): v for k, v in json.loads(row.intermediate or "{}").items()},
    )


def _add_missing_columns(engine: Engine) -> None:
    """Bring a database written by an older autoxai up to this schema (new columns only)."""
    present = {c["name"] for c in sa.inspect(engine).get_columns(_trials.name)}
    missing = [c for c in _trials.columns if c.name not in present]
    if not missing:
        return
    with engine.begin() as conn:
        for column in missing:
            kind = column.type.compile(dialect=engine.dialect)
            conn.exec_driver_sql(f"ALTER TABLE {_trials.name} ADD COLUMN {column.name} {kind}")


def _reason(exc: BaseException) -> str:
    """The database's own words, without SQLAlchemy's long boilerplate."""
    orig = getattr(exc, "orig", None)
    return str(orig if orig is not None else exc).splitlines()[0]
