"""What every benchmark script shares: provenance, load, fingerprint, cache, statistics.

A script imports what it needs (``benchmarks/`` is on ``sys.path`` when a script in it
runs)::

    from _common import LoadMeter, command_line, provenance_lines, write_report

The module imports nothing heavy at the top (no NumPy, SciPy or autoxai), so a script
can pin every thread pool to one thread before NumPy is loaded (worker processes
inherit the environment)::

    import os

    from _common import THREAD_VARS

    os.environ.update(dict.fromkeys(THREAD_VARS, "1"))

One function per concept:

* the command line: :func:`argument_parser` (``--quick`` and ``--output``);
* the run's description: :func:`command_line`, :func:`machine_lines`,
  :func:`git_commit`, :func:`cpu_name`, :func:`threads_text`, :func:`versions`;
* the machine's load: :class:`LoadMeter` (load averages at start and end, and the CPU
  other processes used meanwhile), :func:`load_lines`, :func:`wait_for_quiet`;
* :func:`provenance_lines`: machine, commit, command and load, the block every report
  starts with;
* resuming an interrupted run: :func:`code_fingerprint`, :class:`ResultCache` and
  :func:`run_cached` (jobs on worker processes, each result cached under the code's
  fingerprint);
* statistics and verdicts: :func:`median`, :func:`compare` (two-sided Mann-Whitney U),
  :func:`verdict`, :func:`seconds_text`;
* timing: :func:`timed`, :func:`orders`, :func:`guarded`;
* output: :func:`write_report` (the markdown) and :func:`write_raw` (the per-cell
  results beside it).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import dataclasses
import gc
import gzip
import hashlib
import inspect
import json
import math
import multiprocessing as mp
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
QUIET_CORES = 0.2  # other processes' average CPU use below which a run counts as quiet
ALPHA = 0.05  # significance level of :func:`compare`


# -- the run's description ---------------------------------------------------------------
def command_line(script: str, argv: Sequence[str] | None = None) -> str:
    """The command that ran, as ``python benchmarks/<script> <arguments>``.

    ``argv`` is what ``main`` was given (``None``: the process's own arguments).
    """
    raw = sys.argv[1:] if argv is None else list(argv)
    return shlex.join(["python", f"benchmarks/{script}", *raw])


def argument_parser(description: str, output: Path, quick: str) -> argparse.ArgumentParser:
    """A parser with the options every script has.

    ``--quick`` (``quick`` says what the smoke run does; it should take seconds to a
    minute) and ``--output`` (the markdown report, default ``output``; raw results go
    beside it).
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--output", type=Path, default=output, help="markdown report to write")
    return parser


def cpu_name() -> str:
    """The CPU's model name (``/proc/cpuinfo``), or what :mod:`platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cores() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def git_commit() -> str:
    """The repository's HEAD, marked when tracked files have uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=HERE, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=HERE,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" (with uncommitted changes to tracked files)" if dirty else "")


def threads_text() -> str:
    """The thread variables and the thread pools loaded (threadpoolctl, if installed)."""
    env = ", ".join(
        f"{v}={os.environ.get(v, '(unset)')}" for v in (*THREAD_VARS, "OPENBLAS_CORETYPE")
    )
    try:
        from threadpoolctl import threadpool_info

        pools = ", ".join(
            f"{p.get('internal_api')} {p.get('num_threads')}" for p in threadpool_info()
        )
    except Exception as exc:  # threadpoolctl is optional
        pools = f"threadpoolctl unavailable ({type(exc).__name__})"
    return f"{env}; thread pools: {pools or 'none loaded'}"


def versions(*dists: str) -> dict[str, str]:
    """autoxai's version (of the code imported) and each distribution's installed one."""
    import autoxai

    out = {"autoxai": autoxai.__version__}
    for dist in dists:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "(not installed)"
    return out


def machine_lines(dists: Sequence[str] = (), notes: Sequence[str] = ()) -> list[str]:
    """Markdown bullets: cores, CPU, OS, Python, versions, git commit, threads.

    ``dists`` are the distributions whose versions matter (autoxai is always listed);
    ``notes`` are extra words for the threads line (e.g. ``"every model n_jobs=1"``).
    """
    v = versions(*dists)
    threads = "; ".join([threads_text(), *notes])
    return [
        f"- nproc: {cores()} (os.cpu_count: {os.cpu_count()}), CPU: {cpu_name()}",
        f"- machine: {platform.platform()}, {platform.machine()}; python "
        f"{platform.python_version()} ({platform.python_implementation()})",
        "- " + ", ".join(f"{k} {val}" for k, val in v.items()),
        f"- git commit: {git_commit()}",
        f"- threads: {threads}",
    ]


# -- the machine's load ------------------------------------------------------------------
def busy_cpu_seconds() -> float | None:
    """CPU seconds all processes of the machine have spent busy since boot (Linux)."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _proc_table() -> dict[int, tuple[int, float, str]]:
    """pid -> (parent pid, CPU seconds used, command line) for every process (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    table = {}
    proc = Path("/proc")
    if not proc.is_dir():
        return table
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick, cmd)
    return table


def _own_tree(table: dict[int, tuple[int, float, str]]) -> set[int]:
    """This process and its live descendants."""
    mine = {os.getpid()}
    grew = True
    while grew:
        grew = False
        for pid, (ppid, _, _) in table.items():
            if ppid in mine and pid not in mine:
                mine.add(pid)
                grew = True
    return mine


def own_cpu_seconds() -> float:
    """CPU seconds of this process, its finished children and its live descendants."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    table = _proc_table()
    return total + sum(table[p][1] for p in _own_tree(table) - {os.getpid()} if p in table)


@dataclass
class Load:
    """The machine's load around a run (or a phase of it).

    ``start``/``end``: :func:`os.getloadavg` (1, 5, 15 min); ``others``: average CPU
    cores used by processes outside this one's tree, ``None`` where not measurable.
    """

    start: tuple[float, float, float]
    end: tuple[float, float, float] = (math.nan, math.nan, math.nan)
    others: float | None = None
    seconds: float = math.nan

    @property
    def quiet(self) -> bool:
        """Other processes used less than :data:`QUIET_CORES` (unmeasured: low load)."""
        if self.others is None:
            return self.start[0] <= 0.5
        return self.others < QUIET_CORES


class LoadMeter:
    """Measures the load from its creation to :meth:`stop`: ``meter = LoadMeter()``."""

    def __init__(self) -> None:
        self._start = os.getloadavg()
        self._busy, self._own = busy_cpu_seconds(), own_cpu_seconds()
        self._clock = time.perf_counter()

    def stop(self) -> Load:
        """The load from the start until now."""
        wall = time.perf_counter() - self._clock
        busy, others = busy_cpu_seconds(), None
        if busy is not None and self._busy is not None and wall > 0:
            own = own_cpu_seconds() - self._own
            others = max(0.0, (busy - self._busy - own) / wall)  # >= 0 up to clock ticks
        return Load(self._start, os.getloadavg(), others, wall)


def load_lines(load: Load) -> list[str]:
    """Markdown bullets: load averages at start and end, and other processes' CPU use."""
    if load.others is None:
        others = "other processes' CPU use: not measured (no /proc/stat)"
    else:
        others = f"other processes used {load.others:.2f} CPU cores on average during the run"
    if load.quiet:
        others += f" (quiet: below {QUIET_CORES:g})"
    else:
        others += (
            " — **not quiet: other processes shared the CPU, so the timings (and possibly "
            "the ratios) are affected**"
        )
    return [
        "- load average (1, 5, 15 min): "
        + ", ".join(f"{x:.2f}" for x in load.start)
        + " at the start, "
        + ", ".join(f"{x:.2f}" for x in load.end)
        + f" at the end ({cores()} cores; this run's own processes count in them)",
        f"- {others}",
    ]


HEAVY_PATTERNS = ("pytest", "benchmarks/automl", "benchmarks/hpo_", "benchmarks/xai_")


def heavy_others(window: float = 3.0) -> list[str]:
    """Other processes that look heavy: pytest or benchmark runs, or > 0.3 core busy."""
    if not Path("/proc/stat").exists():
        return []
    before = _proc_table()
    time.sleep(window)
    after = _proc_table()
    mine = _own_tree(after)
    found = []
    for pid, (_, cpu, cmd) in after.items():
        if pid in mine or not cmd.strip():
            continue
        rate = (cpu - before[pid][1]) / window if pid in before else 0.0
        pattern = "python" in cmd and any(p in cmd for p in HEAVY_PATTERNS)
        if pattern or rate > 0.3:
            found.append(f"pid {pid} ({rate:.1f} cores): {cmd.strip()[:100]}")
    return found


def wait_for_quiet(limit: float) -> dict[str, Any]:
    """Wait up to ``limit`` seconds for :func:`heavy_others` to find none.

    Returns ``found_at_start`` and ``still`` (lists of process descriptions) and
    ``waited_s``.
    """
    start = time.perf_counter()
    first = heavy_others()
    busy = first
    while busy and time.perf_counter() - start < limit:
        print(f"waiting for other heavy processes ({len(busy)}): {busy[0]}", file=sys.stderr)
        time.sleep(20)
        busy = heavy_others()
    return {"found_at_start": first, "waited_s": time.perf_counter() - start, "still": busy}


def provenance_lines(
    command: str, load: Load, dists: Sequence[str] = (), notes: Sequence[str] = ()
) -> list[str]:
    """The block every report starts with: machine, commit, command and load."""
    return [*machine_lines(dists, notes), f"- command: `{command}`", *load_lines(load)]


# -- fingerprint and cache ---------------------------------------------------------------
def code_fingerprint(
    parts: Sequence[str] | None = None,
    objects: Iterable[Any] = (),
    data: Iterable[Any] = (),
    dists: Sequence[str] = (),
) -> str:
    """12 hex digits that change when the code a run's results depend on changes.

    Hashes autoxai's top-level modules and the subpackages named in ``parts`` (``None``:
    all of autoxai), the source of ``objects`` (the script's functions and classes that
    run a job), the ``repr`` of ``data`` (problem definitions, settings) and the
    installed versions of ``dists``. Not the report's layout.
    """
    import autoxai

    digest = hashlib.sha256()
    package = Path(autoxai.__file__).resolve().parent
    if parts is None:
        paths = list(package.rglob("*.py"))
    else:
        paths = [*package.glob("*.py"), *(p for d in parts for p in (package / d).rglob("*.py"))]
    for path in sorted(paths):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    for obj in objects:
        digest.update(inspect.getsource(obj).encode())
    for item in data:
        digest.update(repr(item).encode())
    digest.update(" ".join(f"{k} {v}" for k, v in versions(*dists).items()).encode())
    return digest.hexdigest()[:12]


class ResultCache:
    """JSON results in ``directory``, one file per key, valid for one code fingerprint.

    A result made by other code is never returned: the cache only resumes an
    interrupted run of the same code.
    """

    def __init__(self, directory: Path, fingerprint: str) -> None:
        self.directory = Path(directory)
        self.fingerprint = fingerprint
        self.directory.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        return self.directory / f"{key}__{self.fingerprint}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored result, or ``None``."""
        path = self.path(key)
        if not path.exists():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    def put(self, key: str, result: dict[str, Any]) -> None:
        """Store atomically: a killed run never leaves half a file."""
        path = self.path(key)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(result, indent=1), encoding="utf-8")
        tmp.replace(path)

    def all(self) -> list[dict[str, Any]]:
        """Every result stored for this fingerprint."""
        return [
            json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(self.directory.glob(f"*__{self.fingerprint}.json"))
        ]


def run_cached(
    jobs: Sequence[Hashable],
    cache: ResultCache,
    work: Callable[[Any], dict[str, Any]],
    *,
    key: Callable[[Any], str],
    workers: int = 1,
    initializer: Callable[[], None] | None = None,
    fresh: bool = False,
    cost: Callable[[Any], float] | None = None,
    describe: Callable[[Any, dict[str, Any]], str] = lambda job, result: str(job),
) -> dict[Any, dict[str, Any]]:
    """Every job's result: from ``cache``, or ``work(job)`` on ``workers`` processes.

    Jobs not cached (all with ``fresh``) run longest-first by ``cost``, in ``spawn``
    worker processes (``initializer`` runs in each; with one worker, in this process)
    and are stored as they finish. Each result gets ``"cached"`` (bool) and
    ``"fingerprint"``; ``describe(job, result)`` is the progress line's text.
    """
    results: dict[Any, dict[str, Any]] = {}
    todo = []
    for job in jobs:
        result = None if fresh else cache.get(key(job))
        if result is None:
            todo.append(job)
        else:
            results[job] = {**result, "fingerprint": cache.fingerprint, "cached": True}
    print(
        f"{len(jobs)} jobs, {len(results)} from the cache ({cache.directory}), "
        f"{len(todo)} to run on {workers} worker(s)",
        file=sys.stderr,
        flush=True,
    )
    if cost is not None:
        todo.sort(key=cost, reverse=True)
    start = time.perf_counter()

    def store(job: Any, result: dict[str, Any], done: int) -> None:
        cache.put(key(job), result)
        results[job] = {**result, "fingerprint": cache.fingerprint, "cached": False}
        print(
            f"[{done}/{len(todo)} {time.perf_counter() - start:6.0f} s] {describe(job, result)}",
            file=sys.stderr,
            flush=True,
        )

    if workers == 1:
        if initializer is not None:
            initializer()
        for i, job in enumerate(todo, 1):
            store(job, work(job), i)
    elif todo:
        context = mp.get_context("spawn")  # no fork after torch/BLAS initialisation
        with cf.ProcessPoolExecutor(workers, mp_context=context, initializer=initializer) as ex:
            futures = {ex.submit(work, job): job for job in todo}
            for i, future in enumerate(cf.as_completed(futures), 1):
                store(futures[future], future.result(), i)
    return results


# -- statistics and verdicts -------------------------------------------------------------
def median(values: Iterable[float]) -> float:
    """The median, NaN when there are no values."""
    values = list(values)
    return statistics.median(values) if values else math.nan


def compare(
    ours: Sequence[float], theirs: Sequence[float], alpha: float = ALPHA
) -> tuple[str, float]:
    """``'win'``, ``'tie'`` or ``'loss'`` for ``ours`` (lower is better), and the p-value.

    Two-sided Mann-Whitney U test; not significant at ``alpha`` (or all values equal)
    is a tie.
    """
    from scipy.stats import mannwhitneyu

    if len(set(ours) | set(theirs)) == 1:
        return "tie", 1.0
    res = mannwhitneyu(ours, theirs, alternative="two-sided")
    p = float(res.pvalue)
    if not p < alpha:
        return "tie", p
    # U counts the pairs in which ours is the larger: below half means ours is lower.
    return ("win" if res.statistic < len(ours) * len(theirs) / 2 else "loss"), p


def verdict(ok: bool) -> str:
    """A target's verdict in a report: ``met`` or ``**missed**``."""
    return "met" if ok else "**missed**"


def seconds_text(values: Sequence[float], digits: int = 3) -> str:
    """``"median (min-max)"`` of timings (just the value when there is one)."""
    if not values:
        return "–"
    text = f"{median(values):.{digits}f}"
    if len(values) == 1:
        return text
    return f"{text} ({min(values):.{digits}f}-{max(values):.{digits}f})"


# -- timing ------------------------------------------------------------------------------
def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    """``function()`` and its wall seconds, after a garbage collection (off the clock)."""
    gc.collect()
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def orders(rep: int, sides: Sequence[str] = ("ours", "ref")) -> tuple[str, ...]:
    """Who goes first in repetition ``rep``: the sides take turns."""
    return tuple(sides) if rep % 2 == 0 else tuple(reversed(sides))


def guarded(row: Any, function: Callable[[], None]) -> None:
    """Run a measurement; an exception goes to ``row.error`` (and is printed), not up."""
    try:
        function()
    except Exception as exc:
        traceback.print_exc()
        row.error = f"{type(exc).__name__}: {exc}".replace("\n", " ")[:400]


# -- output ------------------------------------------------------------------------------
def write_report(path: Path, text: str) -> None:
    """Write the markdown report (creating its folder) and print it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(text)
    print(f"written to {path}", file=sys.stderr)


def raw_path(report: Path, suffix: str = "_runs.json") -> Path:
    """Where the raw results of ``report`` go: beside it, ``<stem><suffix>``."""
    report = Path(report)
    return report.with_name(report.stem + suffix)


def _plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    with contextlib.suppress(AttributeError, ValueError):
        return obj.item()  # NumPy scalars
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return str(obj)


def write_raw(path: Path, meta: dict[str, Any], rows: Sequence[Any]) -> Path:
    """The per-cell results beside a report, so each of its numbers can be traced.

    JSON ``{"meta": ..., "rows": [...]}`` (``meta`` gets the git commit), gzip-compressed
    when ``path`` ends in ``.gz``; values JSON cannot hold are written as numbers, lists
    or strings.
    """
    path = Path(path)
    meta = {"commit": git_commit(), **meta}
    text = json.dumps({"meta": meta, "rows": list(rows)}, default=_plain)
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write(text)
    else:
        path.write_text(text + "\n", encoding="utf-8")
    print(f"raw results written to {path}", file=sys.stderr)
    return path


# -- storage durability, the same for both libraries ---------------------------------
def with_durability(url: str, durability: str) -> str:
    """``url``, on PostgreSQL with ``synchronous_commit`` for ``durability`` in its
    ``options`` (the same setting for both libraries; SQLite URLs are unchanged)."""
    import sqlalchemy as sa

    from autoxai.storage._sql import DURABILITY

    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return url
    setting = DURABILITY[durability]["synchronous_commit"]
    parsed = parsed.update_query_dict({"options": f"-c synchronous_commit={setting}"})
    return parsed.render_as_string(hide_password=False)


def optuna_storage(url: str, durability: str):
    """Optuna's storage for ``url`` under ``durability``: on SQLite, every new
    connection gets the journal mode and synchronous level that autoxai's
    ``SQLStorage(durability=...)`` sets (:data:`autoxai.storage._sql.DURABILITY`)."""
    import optuna
    import sqlalchemy as sa

    from autoxai.storage._sql import DURABILITY

    storage = optuna.storages.RDBStorage(url)
    if storage.engine.dialect.name == "sqlite":
        pragmas = DURABILITY[durability]

        def on_connect(dbapi_conn, _record):
            cursor = dbapi_conn.cursor()
            cursor.execute(f"PRAGMA journal_mode={pragmas['journal_mode']}")
            cursor.execute(f"PRAGMA synchronous={pragmas['synchronous']}")
            cursor.close()

        sa.event.listen(storage.engine, "connect", on_connect)
        storage.engine.dispose()  # connections made before the listener are dropped
    return storage
