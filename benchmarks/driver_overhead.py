"""Driver overhead per trial: autoxai against Optuna, random sampler, same run.

What is measured
----------------
The cost of the optimisation loop itself -- ask (sample a configuration), tell
(record the value) and the storage writes both imply -- with an objective that costs
next to nothing (it returns ``x ** 2``). Both libraries search the same 4-parameter
space with their random sampler::

    x ~ Float(-5, 5)    y ~ Float(1e-3, 1, log)    k ~ Int(1, 10)    c ~ {a, b, c}

autoxai runs ``create_study(space, sampler=RandomSampler(...), storage=...)`` then
``study.optimize(objective, n_trials=N)``; Optuna runs ``optuna.create_study(
sampler=RandomSampler(...), storage=...)`` then ``study.optimize(objective,
n_trials=N)`` with an objective that suggests the same four parameters.

Methodology
-----------
* Storages: in memory, and SQLite in a fresh file in a fresh temporary directory for
  every repetition and library.
* Durability, the same for both libraries (``--durability``, both by default):
  ``relaxed`` is SQLite's WAL journal with ``synchronous=NORMAL`` (autoxai's default: a
  commit survives a killed process, not a power loss); ``full`` is the rollback journal
  with ``synchronous=FULL`` (Optuna's default). autoxai gets it through
  ``SQLStorage(url, durability=...)``, Optuna through the same pragmas on every
  connection (``_common.optuna_storage``). Each library keeps its own way of writing
  (its own number of commits per trial).
* Setup is timed apart: the study (and so, for SQLite, the database file and its
  tables) is created *before* the clock starts; its time is reported separately and is
  not part of the per-trial time.
* Per-trial overhead = wall time of ``optimize`` (``time.perf_counter``) / N. Each
  configuration is repeated and the median over repetitions is reported, with the
  min-max range alongside.
* Fairness: the order of the two libraries alternates between repetitions; both run
  once, untimed, before any measurement (imports, first-call caches); the garbage
  collector is run (not disabled) before each timed call; both run in this one process
  with the same Python, NumPy and SQLAlchemy. Optuna's logging is set to WARNING so
  that it does not print a line per trial. The environment (e.g. ``OPENBLAS_CORETYPE``)
  is left as it is.
* Sanity: after each timed run (off the clock) the study must hold N COMPLETE trials.

Targets: in memory, autoxai no slower than Optuna per trial (ratio optuna/autoxai
>= 1); on SQLite, ratio >= 10.

Run ``python benchmarks/driver_overhead.py`` (``--quick`` for a smoke run, ``--reps``
to set the repetitions). Optuna comes with ``pip install -e ".[bench]"``. The results
go to ``benchmarks/results/driver_overhead.md`` unless ``--output`` says otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import optuna

import _common as common
import autoxai
from _common import Load, verdict
from autoxai.samplers import RandomSampler
from autoxai.storage import SQLStorage

LIBRARIES = ("autoxai", "optuna")
STORAGES = ("memory", "sqlite")
DURABILITIES = ("relaxed", "full")
N_TRIALS = (100, 1000)
TARGETS = {"memory": 1.0, "sqlite": 10.0}
TARGET_TEXT = {
    "memory": "in memory: autoxai no slower than Optuna per trial (ratio ≥ 1)",
    "sqlite": "SQLite: ratio ≥ 10",
}
DISTS = ("optuna", "sqlalchemy")
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "driver_overhead.md"

SPACE = {
    "x": autoxai.Float(-5, 5),
    "y": autoxai.Float(1e-3, 1, log=True),
    "k": autoxai.Int(1, 10),
    "c": autoxai.Categorical(["a", "b", "c"]),
}


def autoxai_objective(params: dict) -> float:
    return params["x"] ** 2


def optuna_objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    trial.suggest_float("y", 1e-3, 1, log=True)
    trial.suggest_int("k", 1, 10)
    trial.suggest_categorical("c", ["a", "b", "c"])
    return x**2


@dataclass
class Timing:
    """One timed run: the setup (study creation) and the optimize call, in seconds."""

    setup: float
    run: float


@dataclass
class Cell:
    """All repetitions of one (storage, durability, n_trials), for both libraries."""

    storage: str
    durability: str  # "" in memory
    n_trials: int
    timings: dict[str, list[Timing]] = field(default_factory=lambda: {k: [] for k in LIBRARIES})

    def per_trial_ms(self, library: str) -> list[float]:
        return [t.run / self.n_trials * 1e3 for t in self.timings[library]]

    def median_ms(self, library: str) -> float:
        return statistics.median(self.per_trial_ms(library))

    def setup_ms(self, library: str) -> float:
        return statistics.median(t.setup * 1e3 for t in self.timings[library])

    @property
    def ratio(self) -> float:
        return self.median_ms("optuna") / self.median_ms("autoxai")

    @property
    def met(self) -> bool:
        return self.ratio >= TARGETS[self.storage]


# -- one timed run per library ---------------------------------------------------------
def _url(storage: str, directory: str | None) -> str | None:
    return None if storage == "memory" else f"sqlite:///{Path(directory) / 'study.db'}"


def run_autoxai(storage: str, durability: str, n_trials: int, seed: int,
                directory: str | None) -> Timing:  # fmt: skip
    start = time.perf_counter()
    url = _url(storage, directory)
    study = autoxai.create_study(
        SPACE,
        sampler=RandomSampler(random_state=seed),
        storage=None if url is None else SQLStorage(url, durability=durability),
        study_name="bench",
    )
    setup = time.perf_counter() - start
    gc.collect()
    start = time.perf_counter()
    study.optimize(autoxai_objective, n_trials=n_trials)
    run = time.perf_counter() - start
    states = [t.state for t in study.trials]
    if len(states) != n_trials or any(s is not autoxai.TrialState.COMPLETE for s in states):
        raise RuntimeError(f"autoxai: expected {n_trials} COMPLETE trials, got {states!r}")
    return Timing(setup, run)


def run_optuna(storage: str, durability: str, n_trials: int, seed: int,
               directory: str | None) -> Timing:  # fmt: skip
    start = time.perf_counter()
    url = _url(storage, directory)
    study = optuna.create_study(
        sampler=optuna.samplers.RandomSampler(seed=seed),
        storage=None if url is None else common.optuna_storage(url, durability),
        study_name="bench",
    )
    setup = time.perf_counter() - start
    gc.collect()
    start = time.perf_counter()
    study.optimize(optuna_objective, n_trials=n_trials)
    run = time.perf_counter() - start
    states = [t.state for t in study.trials]
    if len(states) != n_trials or any(s != optuna.trial.TrialState.COMPLETE for s in states):
        raise RuntimeError(f"optuna: expected {n_trials} COMPLETE trials, got {states!r}")
    return Timing(setup, run)


RUNNERS: dict[str, Callable[[str, str, int, int, str | None], Timing]] = {
    "autoxai": run_autoxai,
    "optuna": run_optuna,
}


def timed(library: str, storage: str, durability: str, n_trials: int, seed: int) -> Timing:
    """One run in a fresh temporary directory (its database file, for SQLite)."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{library}-") as directory:
        timing = RUNNERS[library](storage, durability, n_trials, seed, directory)
        gc.collect()  # drop the study and its engine before the directory goes
    return timing


# -- the benchmark ---------------------------------------------------------------------
def default_reps(storage: str, n_trials: int, quick: bool) -> int:
    if quick:
        return 1 if storage == "sqlite" else 2
    return 3 if (storage, n_trials) == ("sqlite", 1000) else 5


def run_benchmark(args: argparse.Namespace) -> list[Cell]:
    settings = [(storage, durability) for storage in args.storages
                for durability in (args.durability if storage == "sqlite" else [""])]  # fmt: skip
    for library in LIBRARIES:  # warm-up, untimed: imports and first-call caches
        for storage, durability in settings:
            timed(library, storage, durability, 20, args.seed)

    cells = []
    for storage, durability in settings:
        for n_trials in args.n_trials:
            cell = Cell(storage, durability, n_trials)
            reps = args.reps or default_reps(storage, n_trials, args.quick)
            for rep in range(reps):
                order = LIBRARIES if rep % 2 == 0 else LIBRARIES[::-1]
                for library in order:
                    timing = timed(library, storage, durability, n_trials, args.seed + rep)
                    cell.timings[library].append(timing)
                    print(
                        f"{storage:>6} {durability:>7} n={n_trials:<5} "
                        f"rep {rep + 1}/{reps} {library:<7} "
                        f"{timing.run / n_trials * 1e3:8.3f} ms/trial  "
                        f"(setup {timing.setup * 1e3:.1f} ms)",
                        file=sys.stderr,
                        flush=True,
                    )
            cells.append(cell)
    return cells


# -- the report ------------------------------------------------------------------------
def _storage_label(cell: Cell) -> str:
    return "in memory" if cell.storage == "memory" else f"SQLite, {cell.durability}"


def render(cells: list[Cell], command: str, started: dt.datetime, load: Load) -> str:
    lines = [
        "# Driver overhead per trial: autoxai vs Optuna (random sampler)",
        "",
        f"- date: {started.isoformat(timespec='seconds')} (whole run {load.seconds:.0f} s)",
        *common.provenance_lines(command, load, DISTS),
        f"- SQLite {sqlite3.sqlite_version}",
        "",
        "Per-trial overhead = wall time of `study.optimize(objective, n_trials=N)` / N, "
        "objective ≈ free (`x ** 2`), 4 parameters (float, log-float, int, categorical); "
        "median over repetitions. Study creation (SQLite: file and tables) is not included. "
        "SQLite durability, the same for both libraries: relaxed = WAL journal, "
        "`synchronous=NORMAL` (autoxai's default); full = rollback journal, "
        "`synchronous=FULL` (Optuna's default).",
        "",
        "| storage | n_trials | autoxai ms/trial (median) | optuna ms/trial (median) "
        "| ratio optuna/autoxai | target |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for c in cells:
        lines.append(
            f"| {_storage_label(c)} | {c.n_trials} | {c.median_ms('autoxai'):.3f} "
            f"| {c.median_ms('optuna'):.3f} | {c.ratio:.2f} "
            f"| ≥ {TARGETS[c.storage]:g}: {verdict(c.met)} |"
        )
    lines += ["", "Targets:", ""]
    lines += [f"- {TARGET_TEXT[s]}" for s in dict.fromkeys(c.storage for c in cells)]
    lines += [
        "",
        "## Details",
        "",
        "Per-trial range (min-max over repetitions) and median setup time "
        "(study creation, not in the per-trial figures).",
        "",
        "| storage | n_trials | reps | autoxai ms/trial min-max | optuna ms/trial min-max "
        "| autoxai setup ms | optuna setup ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for c in cells:
        a, o = c.per_trial_ms("autoxai"), c.per_trial_ms("optuna")
        lines.append(
            f"| {_storage_label(c)} | {c.n_trials} | {len(a)} "
            f"| {min(a):.3f}-{max(a):.3f} | {min(o):.3f}-{max(o):.3f} "
            f"| {c.setup_ms('autoxai'):.1f} | {c.setup_ms('optuna'):.1f} |"
        )
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = common.argument_parser(
        "Per-trial driver overhead of autoxai vs Optuna (random sampler).",
        DEFAULT_OUTPUT,
        "a smoke run: 100 trials only, fewer repetitions (2 in memory, 1 SQLite)",
    )
    parser.add_argument(
        "--reps",
        type=int,
        default=None,
        help="repetitions for every configuration (default: 5, and 3 for SQLite at 1000)",
    )
    parser.add_argument(
        "--n-trials",
        type=int,
        nargs="+",
        default=None,
        help="trial counts to measure (default: 100 1000; --quick: 100)",
    )
    parser.add_argument(
        "--storages",
        nargs="+",
        choices=STORAGES,
        default=list(STORAGES),
        help="storages to measure (default: memory sqlite)",
    )
    parser.add_argument(
        "--durability",
        nargs="+",
        choices=DURABILITIES,
        default=list(DURABILITIES),
        help="SQLite durability settings, each for both libraries (default: relaxed full)",
    )
    parser.add_argument("--seed", type=int, default=0, help="base seed (+ repetition index)")
    args = parser.parse_args(argv)
    args.n_trials = args.n_trials or ([N_TRIALS[0]] if args.quick else list(N_TRIALS))
    if args.reps is not None and args.reps < 1:
        parser.error("--reps must be >= 1")
    if any(n < 1 for n in args.n_trials):
        parser.error("--n-trials must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    command = common.command_line("driver_overhead.py", argv)

    started = dt.datetime.now().astimezone()
    meter = common.LoadMeter()
    cells = run_benchmark(args)
    load = meter.stop()
    common.write_report(args.output, render(cells, command, started, load))
    meta = {"command": command, "started": started, "load": asdict(load)}
    common.write_raw(common.raw_path(args.output), meta, [asdict(c) for c in cells])
    return 0


if __name__ == "__main__":
    sys.exit(main())
