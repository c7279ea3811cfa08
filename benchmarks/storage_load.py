"""Storage under load: two driver processes sharing one study, autoxai against Optuna.

What is measured
----------------
Two driver processes optimise the *same* study in the same database at once, as two
workers of a distributed search do: each runs ``N / 2`` trials of an objective that
costs next to nothing (``x ** 2`` over the 4-parameter space of
``driver_overhead.py``), with a random sampler. Each library runs its own idiom:

* autoxai: ``autoxai.create_study(space, sampler=RandomSampler(seed), storage=url,
  study_name="load", load_if_exists=True).optimize(objective, n_trials=N / 2)``;
* Optuna: ``optuna.create_study(sampler=RandomSampler(seed), storage=url,
  study_name="load", load_if_exists=True).optimize(objective, n_trials=N / 2)``.

Storages: SQLite (a fresh file per run) and PostgreSQL (a fresh database per run on the
server named by ``--postgres-url`` or ``$AUTOXAI_POSTGRES_URL``; ``.ci/postgres.sh``
starts a throwaway one). The study is created before the drivers start and off the
clock.

Durability, the same for both libraries, each library run under both settings
(:data:`autoxai.storage._sql.DURABILITY` names them):

* ``relaxed``: SQLite in WAL mode with ``synchronous=NORMAL``, PostgreSQL with
  ``synchronous_commit=off`` (a commit survives a killed process, not a machine crash;
  autoxai's default);
* ``full``: SQLite's rollback journal with ``synchronous=FULL``, PostgreSQL with
  ``synchronous_commit=on`` (a commit also survives a power loss; Optuna's default,
  which is each database's default).

autoxai gets them through ``SQLStorage(url, durability=...)``. Optuna gets them through
its SQLAlchemy engine: on SQLite a ``connect`` listener sets the two pragmas; on
PostgreSQL both libraries get the setting in the URL (``options=-c
synchronous_commit=...``). Each library keeps its own way of writing (Optuna commits
several times per trial, autoxai twice): that difference is what is measured.

Reported, per storage, durability and library (median over ``--reps`` repetitions):

* throughput: trials finished per second of wall time, from the start of both drivers
  to the end of the last;
* driver overhead: each driver's own ``optimize`` wall time divided by its trials
  (milliseconds per trial; the objective is free, so this is ask + tell + storage);
* correctness, checked after each run: N trials, all COMPLETE, numbers 0..N-1 with none
  lost or repeated (autoxai: ``trial.number``; Optuna: ``trial.number``).

Run ``python benchmarks/storage_load.py`` (``--quick`` for 200 trials). Results go to
``benchmarks/results/storage_load.md``, the raw runs beside it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import _common as common

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results" / "storage_load.md"
LIBRARIES = ("autoxai", "optuna")
DURABILITIES = ("relaxed", "full")

# One driver: run in a child process, prints its own optimize wall time as JSON.
DRIVER = r"""
import json, sys, time
library, url, n, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
durability = sys.argv[5]
if library == "autoxai":
    import autoxai
    from autoxai.samplers import RandomSampler
    from autoxai.storage import SQLStorage
    space = {"x": autoxai.Float(-5, 5), "y": autoxai.Float(1e-3, 1, log=True),
             "k": autoxai.Int(1, 10), "c": autoxai.Categorical(["a", "b", "c"])}
    study = autoxai.create_study(space, sampler=RandomSampler(random_state=seed),
                                 storage=SQLStorage(url, durability=durability),
                                 study_name="load", load_if_exists=True)
    objective = lambda p: p["x"] ** 2
else:
    import optuna
    from _common import optuna_storage
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed),
                                storage=optuna_storage(url, durability),
                                study_name="load", load_if_exists=True)
    def objective(trial):
        x = trial.suggest_float("x", -5, 5)
        trial.suggest_float("y", 1e-3, 1, log=True)
        trial.suggest_int("k", 1, 10)
        trial.suggest_categorical("c", ["a", "b", "c"])
        return x ** 2
print("ready", flush=True)
sys.stdin.readline()  # the go signal: both drivers start together
start = time.perf_counter()
study.optimize(objective, n_trials=n)
print(json.dumps({"seconds": time.perf_counter() - start}), flush=True)
"""


def _autoxai_study(url: str, durability: str, *, load: bool):
    import autoxai
    from autoxai.storage import SQLStorage

    space = {
        "x": autoxai.Float(-5, 5),
        "y": autoxai.Float(1e-3, 1, log=True),
        "k": autoxai.Int(1, 10),
        "c": autoxai.Categorical(["a", "b", "c"]),
    }
    storage = SQLStorage(url, durability=durability)
    return autoxai.create_study(space, storage=storage, study_name="load", load_if_exists=load)


def _create(library: str, url: str, durability: str) -> None:
    if library == "autoxai":
        _autoxai_study(url, durability, load=False)
    else:
        import optuna

        optuna.create_study(storage=common.optuna_storage(url, durability), study_name="load")


def _check(library: str, url: str, n: int, durability: str) -> str:
    """'' if the study holds exactly n COMPLETE trials numbered 0..n-1, else what is wrong."""
    if library == "autoxai":
        study = _autoxai_study(url, durability, load=True)
        states = [t.state.value for t in study.trials]
        numbers = [t.number for t in study.trials]
    else:
        import optuna

        study = optuna.load_study(study_name="load", storage=common.optuna_storage(url, durability))
        states = [t.state.name for t in study.trials]
        numbers = sorted(t.number for t in study.trials)
    problems = []
    if len(numbers) != n:
        problems.append(f"{len(numbers)} trials, not {n}")
    if numbers != list(range(len(numbers))):
        problems.append("trial numbers lost or repeated")
    if any(s != "COMPLETE" for s in states):
        problems.append(f"{sum(s != 'COMPLETE' for s in states)} not COMPLETE")
    return "; ".join(problems)


class _Database:
    """A fresh database for one run: a SQLite file, or a new PostgreSQL database."""

    def __init__(self, kind: str, server: str | None) -> None:
        self.kind, self.server = kind, server
        self.dir = tempfile.mkdtemp(prefix="autoxai-load-")
        self.name = f"load_{uuid.uuid4().hex[:10]}"

    def __enter__(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{Path(self.dir) / 'study.db'}"
        import sqlalchemy as sa

        self._admin = sa.create_engine(
            self.server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        return sa.engine.make_url(self.server).set(database=self.name).render_as_string(False)

    def __exit__(self, *exc) -> None:
        if self.kind == "postgresql":
            with self._admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self._admin.dispose()


def run_once(library: str, kind: str, durability: str, n: int, server: str | None,
             rep: int) -> dict:  # fmt: skip
    with _Database(kind, server) as url:
        url = common.with_durability(url, durability)
        _create(library, url, durability)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(HERE), *filter(None, [os.environ.get("PYTHONPATH")])])}  # fmt: skip
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", DRIVER, library, url, str(n // 2), str(100 * rep + i),
                 durability],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for i in range(2)
        ]  # fmt: skip
        for proc in procs:
            assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        start = time.perf_counter()
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outputs = [proc.communicate() for proc in procs]
        wall = time.perf_counter() - start
        errors = [err for proc, (_, err) in zip(procs, outputs) if proc.returncode != 0]
        if errors:
            return {"error": errors[0].strip().splitlines()[-1][:300], "wall": wall}
        seconds = [json.loads(out.strip().splitlines()[-1])["seconds"] for out, _ in outputs]
        problem = _check(library, url, n, durability)
    return {
        "wall": wall,
        "throughput": n / wall,
        "overhead_ms": statistics.mean(seconds) / (n // 2) * 1e3,
        "problem": problem,
    }


def main(argv=None) -> int:
    parser = common.argument_parser(
        __doc__.splitlines()[0],
        DEFAULT_OUTPUT,
        "200 trials, 1 repetition (SQLite only when no PostgreSQL URL is given)",
    )
    parser.add_argument("--n-trials", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--storages", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--postgres-url", default=os.environ.get("AUTOXAI_POSTGRES_URL"))
    args = parser.parse_args(argv)
    if args.quick:
        args.n_trials, args.reps = 200, 1
        if not args.postgres_url and "postgresql" in args.storages:
            args.storages = [k for k in args.storages if k != "postgresql"]
            print("--quick without a PostgreSQL URL: SQLite only", file=sys.stderr)
    if "postgresql" in args.storages and not args.postgres_url:
        parser.error("postgresql needs --postgres-url or $AUTOXAI_POSTGRES_URL")

    command = common.command_line("storage_load.py", argv)
    started = dt.datetime.now(dt.timezone.utc)
    meter = common.LoadMeter()
    results: dict[tuple[str, str, str], list[dict]] = {}
    for kind in args.storages:
        for rep in range(args.reps):
            order = LIBRARIES if rep % 2 == 0 else LIBRARIES[::-1]
            for durability in DURABILITIES:
                for library in order:
                    result = run_once(library, kind, durability, args.n_trials,
                                      args.postgres_url, rep)  # fmt: skip
                    results.setdefault((kind, durability, library), []).append(result)
                    print(kind, durability, library, rep, json.dumps(result), flush=True)
    load = meter.stop()
    write(args, results, command, started, load)
    rows = [{"storage": k, "durability": d, "library": lib, **r}
            for (k, d, lib), rs in results.items() for r in rs]  # fmt: skip
    meta = {"command": command, "started": started, "load": load}
    common.write_raw(common.raw_path(args.output), meta, rows)
    return 0


def _median(rows: list[dict], key: str) -> float | None:
    values = [r[key] for r in rows if key in r]
    return statistics.median(values) if values else None


def write(args, results, command: str, started: dt.datetime, load: common.Load) -> None:
    lines = [
        "# Storage under load: two drivers on one study, autoxai vs Optuna",
        "",
        f"- date: {started.isoformat(timespec='seconds')} (whole run {load.seconds:.0f} s)",
        *common.provenance_lines(command, load, ("optuna", "sqlalchemy", "psycopg")),
        "",
        f"{args.n_trials} trials of a free objective (`x ** 2`, 4 parameters, random "
        f"sampler), split over 2 driver processes on one study; {args.reps} "
        "repetition(s), medians. Throughput = trials / wall time of both drivers; "
        "overhead = a driver's optimize time / its trials. PostgreSQL: a throwaway "
        "server on loopback (`.ci/postgres.sh`). Both libraries run under both "
        "durability settings: *relaxed* = SQLite WAL + `synchronous=NORMAL`, PostgreSQL "
        "`synchronous_commit=off` (autoxai's default; a commit survives a killed process, "
        "not a machine crash); *full* = SQLite rollback journal + `synchronous=FULL`, "
        "PostgreSQL `synchronous_commit=on` (Optuna's default; a commit survives a power "
        "loss). Compare libraries within a durability column only.",
        "",
        "| storage | durability | library | trials/s | overhead ms/trial | wall s | check |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    throughput = {}
    for (kind, durability, library), rows in results.items():
        errors = [r["error"] for r in rows if "error" in r]
        problems = sorted({r["problem"] for r in rows if r.get("problem")})
        check = "; ".join(errors[:1] + problems) or "all trials COMPLETE, numbers 0..N-1"
        tp, oh, wall = (_median(rows, k) for k in ("throughput", "overhead_ms", "wall"))
        lines.append(
            f"| {kind} | {durability} | {library} | {tp or float('nan'):.1f} | "
            f"{oh or float('nan'):.3f} | {wall:.1f} | {check} |"
        )
        throughput[kind, durability, library] = tp
    lines += side_by_side(throughput)
    common.write_report(args.output, "\n".join(lines) + "\n")


def side_by_side(throughput: dict[tuple[str, str, str], float | None]) -> list[str]:
    """Trials per second under each durability, and autoxai / Optuna at equal settings."""
    lines = [
        "",
        "Side by side (trials/s; ratio = autoxai / Optuna at the same durability, higher is "
        "better for autoxai):",
        "",
        "| storage | autoxai relaxed | Optuna relaxed | ratio relaxed | autoxai full "
        "| Optuna full | ratio full |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in dict.fromkeys(k for k, _, _ in throughput):
        cells = []
        for durability in DURABILITIES:
            ours = throughput.get((kind, durability, "autoxai"))
            theirs = throughput.get((kind, durability, "optuna"))
            ratio = f"{ours / theirs:.2f}" if ours and theirs else "not comparable"
            cells += [f"{ours or float('nan'):.1f}", f"{theirs or float('nan'):.1f}", ratio]
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return lines


if __name__ == "__main__":
    sys.exit(main())
