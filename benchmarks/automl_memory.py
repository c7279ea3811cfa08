"""Peak memory of ``autoxai run`` on a 100,000 × 50 table with a 60 s budget.

What is measured
----------------
The maximum resident set size of the command (search, refit, explanations and report)::

    autoxai run DATA.csv --target y --time-budget 60 --out OUT --no-progress

run as a subprocess of this script, and its wall time. The table is generated here
with NumPy (``--seed``, default 0) and written to a temporary CSV before the clock
starts: 100,000 rows, 50 feature columns -- 44 numeric (normal, uniform, log-normal and
integer counts; 8 of them with 5-20 % missing values) and 6 categorical (3 to 30
levels, 3 of them with 5-10 % missing values) -- and a binary target ``y`` that depends
non-linearly on 13 of the columns, with label noise (about 45 % positives).

Methodology
-----------
* Peak memory, two ways: ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` after the
  subprocess ends (the largest single process among the children this script and they
  waited for; the script itself does nothing else in a child process), and the largest
  *sum* of RSS over the whole process tree (the command and all its descendants, e.g.
  worker processes), sampled every 0.1 s with psutil. The second can only miss short
  peaks between samples; the first cannot, but sees one process at a time.
* Wall time: ``time.perf_counter`` around the subprocess (Python start-up, imports,
  reading the CSV, search, refit and writing the run directory).
* It runs alone: nothing else of the benchmark runs at the same time.

Target: peak memory ≤ 2 GB (2 × 1024³ bytes) by both measures.

Run ``python benchmarks/automl_memory.py`` (about 1.5 minutes); ``--rows``,
``--budget``, ``--seed``, ``--n-trials`` and ``--n-jobs`` (the last two passed on to
``autoxai run``) change the setup. The results go to
``benchmarks/results/automl_memory.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import psutil

import _common as common

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results" / "automl_memory.md"
TARGET_BYTES = 2 * 1024**3
DISTS = ("lightgbm", "scikit-learn", "pandas", "numpy")
N_NUMERIC, N_CATEGORICAL = 44, 6


def make_table(n_rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {}
    for i in range(N_NUMERIC):
        kind = i % 4
        if kind == 0:
            x = rng.normal(size=n_rows)
        elif kind == 1:
            x = rng.uniform(-3, 3, size=n_rows)
        elif kind == 2:
            x = rng.lognormal(0, 1, size=n_rows)
        else:
            x = rng.poisson(3, size=n_rows).astype(float)
        cols[f"num{i:02d}"] = x
    levels = [3, 5, 8, 12, 20, 30]
    for j, k in enumerate(levels):
        cols[f"cat{j}"] = np.array([f"c{j}_{v}" for v in range(k)], dtype=object)[
            rng.integers(0, k, size=n_rows)
        ]
    df = pd.DataFrame(cols)
    logit = (
        1.2 * df["num00"]
        - 0.8 * df["num01"] ** 2 / 3
        + 0.6 * np.log1p(df["num02"])
        + 0.3 * df["num03"]
        + np.sin(2 * df["num04"])
        + 0.7 * df["num05"] * df["num08"] / 3
        + 0.5 * (df["num09"] > 0)
        + 0.9 * df["cat0"].isin(["c0_1"])
        - 0.6 * df["cat2"].isin(["c2_0", "c2_3", "c2_7"])
        + 0.4 * df["cat5"].str[-1].astype(int) / 9
        - 1.3
    )
    p = 1 / (1 + np.exp(-logit))
    df["y"] = (rng.uniform(size=n_rows) < p).astype(int)
    for i in range(0, N_NUMERIC, 5)[:8]:  # missing values after the target is drawn
        df.loc[rng.uniform(size=n_rows) < rng.uniform(0.05, 0.2), f"num{i:02d}"] = np.nan
    for j in (1, 3, 4):
        df.loc[rng.uniform(size=n_rows) < rng.uniform(0.05, 0.1), f"cat{j}"] = np.nan
    return df


class Ran(NamedTuple):
    """What :func:`run_command` measured of one command."""

    wall: float  #: seconds
    code: int  #: exit code (negative: killed by that signal)
    rusage_peak: int  #: getrusage's peak RSS of the largest child process, bytes
    tree_peak: int  #: sampled peak of the RSS summed over the process tree, bytes
    tree_pss_peak: int  #: the same for PSS (shared pages split among their processes)
    tail: str  #: the end of stderr


def _pss(pid: int) -> int:
    """A process's proportional set size in bytes (0 if it is gone or unreadable)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_command(cmd: list[str], limit: float | None = None, cwd: str | None = None) -> Ran:
    """Run ``cmd`` (in ``cwd``) and measure it (see :class:`Ran`).

    A command still running after ``limit`` seconds is killed, with its descendants.
    The tree's RSS sum counts a page shared by several processes (a memory-mapped table,
    a forked worker's inherited pages) once per process; its PSS sum counts it once.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=cwd)
        parent = psutil.Process(proc.pid)
        tree_peak = tree_pss_peak = 0
        while proc.poll() is None:
            rss = pss = 0
            try:
                procs = [parent, *parent.children(recursive=True)]
            except psutil.NoSuchProcess:
                procs = []
            for p in procs:
                with contextlib.suppress(psutil.NoSuchProcess):
                    rss += p.memory_info().rss
                    pss += _pss(p.pid)
            tree_peak, tree_pss_peak = max(tree_peak, rss), max(tree_pss_peak, pss)
            if limit is not None and time.perf_counter() - start > limit:
                for p in reversed(procs):
                    with contextlib.suppress(psutil.NoSuchProcess):
                        p.kill()
            time.sleep(0.1)
        wall = time.perf_counter() - start
        err.seek(0)
        tail = err.read().decode(errors="replace")[-2000:]
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss is in KiB on Linux; it is the max over children, so only a rise is ours.
    rusage_peak = after * 1024 if after > before else 0
    return Ran(wall, proc.returncode, rusage_peak, tree_peak, tree_pss_peak, tail)


def _gib(n: int) -> str:
    return f"{n / 1024**3:.2f} GiB ({n / 1024**2:.0f} MiB)"


def _timing_lines(args) -> list[str]:
    """Where the wall time went, from the run directory's run.json."""
    run = getattr(args, "run", None)
    if not run:
        return ["", "No run.json was written: no breakdown of the wall time."]
    t = run.get("timings", {})
    parts = ", ".join(f"{k} {v:.1f} s" for k, v in t.items() if isinstance(v, (int, float)))
    best = run.get("best", {})
    cap = run.get("explain_budget")
    stage = t.get("explanations", 0.0) + t.get("report", 0.0)
    cap_line = (
        []
        if cap is None
        else [
            "",
            f"Explanation stage and report: {t.get('explanations', 0):.1f} s + "
            f"{t.get('report', 0):.1f} s = {stage:.1f} s for a cap (`--explain-budget`, "
            f"default half the time budget) of {cap:g} s: " + common.verdict(stage <= cap) + ".",
        ]
    )
    return [
        *cap_line,
        "",
        f"autoxai's own timings (run.json; `wall` is the time of `AutoML.fit` in the CLI): "
        f"{parts}. The rest of the measured wall time is start-up, reading and checking "
        "the CSV, saving the model and writing the run directory. "
        f"Configurations completed: {run.get('n_trials')}; best: {best.get('model')}; "
        f"ensemble: {run.get('ensemble')}.",
    ]


def render(args, result, table_info, command, started, load) -> str:
    wall, code, rusage_peak, tree_peak, _, tail = result
    peak = max(rusage_peak, tree_peak)
    met = code == 0 and peak <= TARGET_BYTES
    quick = ["", "**Smoke run (`--quick`)**: a small table and budget."] if args.quick else []
    lines = [
        f"# Peak memory of `autoxai run` on a {args.rows:,} × {N_NUMERIC + N_CATEGORICAL} table",
        "",
        f"- date: {started.isoformat(timespec='seconds')}",
        *common.provenance_lines(command, load, DISTS),
        f"- memory: {psutil.virtual_memory().total / 1024**3:.1f} GiB",
        f"- measured command: `{shlex.join(args.shown_cmd)}`",
        *quick,
        "",
        f"Table: {table_info}.",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| exit code | {code} |",
        f"| wall time (budget {args.budget:g} s) | {wall:.1f} s |",
        f"| peak RSS, largest single process (`getrusage(RUSAGE_CHILDREN)`) | "
        f"{_gib(rusage_peak)} |",
        f"| peak RSS, sum over the process tree (psutil, every 0.1 s) | {_gib(tree_peak)} |",
        *_timing_lines(args),
        "",
        f"Target: peak memory ≤ 2 GiB by both measures: {common.verdict(met)} (peak {_gib(peak)}).",
    ]
    if code != 0:
        lines += ["", "The command failed; the end of its stderr:", "", "```", tail, "```"]
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = common.argument_parser(
        "Peak memory of `autoxai run` on a big table.",
        DEFAULT_OUTPUT,
        "smoke run: 2000 rows, 20 s",
    )
    parser.add_argument(
        "--rows", type=int, default=None, help="rows (default 100000; --quick: 2000)"
    )
    parser.add_argument(
        "--budget", type=float, default=None, help="--time-budget (default 60; --quick: 20)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated table")
    parser.add_argument("--n-trials", type=int, default=None, help="passed to autoxai run")
    parser.add_argument("--n-jobs", type=int, default=None, help="passed to autoxai run")
    args = parser.parse_args(argv)
    args.rows = args.rows or (2_000 if args.quick else 100_000)
    args.budget = args.budget or (20 if args.quick else 60)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = common.command_line("automl_memory.py", argv)
    exe = shutil.which("autoxai", path=str(Path(sys.executable).parent)) or "autoxai"
    started = dt.datetime.now().astimezone()
    with tempfile.TemporaryDirectory(prefix="bench-mem-") as tmp:
        df = make_table(args.rows, args.seed)
        data = Path(tmp) / "data.csv"
        df.to_csv(data, index=False)
        info = (
            f"{len(df):,} rows × {df.shape[1] - 1} features ({N_NUMERIC} numeric, "
            f"{N_CATEGORICAL} categorical), binary target ({df['y'].mean():.1%} positive), "
            f"{df.isna().any(axis=1).mean():.1%} of rows with a missing value; "
            f"CSV {data.stat().st_size / 1024**2:.1f} MiB"
        )
        del df
        cmd = [exe, "run", str(data), "--target", "y", "--time-budget", f"{args.budget:g}"]
        for option, value in (("--n-trials", args.n_trials), ("--n-jobs", args.n_jobs)):
            cmd += [] if value is None else [option, str(value)]
        cmd += ["--out", str(Path(tmp) / "out"), "--no-progress"]
        args.shown_cmd = ["autoxai", "run", "DATA.csv", *cmd[3:-3], "--out", "OUT", "--no-progress"]
        meter = common.LoadMeter()
        print("running:", shlex.join(cmd), file=sys.stderr, flush=True)
        result = run_command(cmd)
        load = meter.stop()
        run_json = Path(tmp) / "out" / "run.json"
        args.run = json.loads(run_json.read_text()) if run_json.exists() else None
    common.write_report(args.output, render(args, result, info, command, started, load))
    wall, code, rusage_peak, tree_peak, _, _ = result
    row = {"wall_s": wall, "exit_code": code, "rusage_peak_bytes": rusage_peak}
    row |= {"tree_peak_bytes": tree_peak, "rows": args.rows, "budget": args.budget}
    meta = {"command": command, "started": started, "load": load, "table": info}
    common.write_raw(common.raw_path(args.output), meta, [{**row, "run_json": args.run}])
    return 0 if result[1] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
