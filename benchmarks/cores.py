"""How should AutoML spend a machine's cores: parallel trials or threads per model?

For each table and each way of spending the cores, a fresh Python process fits
``AutoML(n_trials=N, time_budget=None)`` (the default zoo, 5-fold CV, no ensemble
refit cost beyond the default) and reports the wall time of ``fit``; a fresh process, so
the worker pool's start-up is paid as a user's first fit pays it. The modes:

* ``serial``: ``n_jobs=1`` (one trial at a time, one thread per model; the old default);
* ``trials``: every core a trial (``CORE_SPLIT="trials"``), one thread per model;
* ``threads``: one trial at a time with every core in the model (``CORE_SPLIT="threads"``).

The same seed and ``n_trials`` give the same configurations in every mode, so the times
compare like for like. Runs are interleaved (mode order rotates each repeat) and the
median is reported with the 1-minute load average before each run: the machine may be
shared, and the numbers are indicative only.

Usage::

    PYTHONPATH=src python benchmarks/cores.py --repeats 3 --n-trials 12

``--quick`` (one repeat, breast cancer only, 2 trials) checks that the script works.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

MODES = ("serial", "trials", "threads")
TABLES = ("breast_cancer", "friedman1_4k")

_CHILD = r"""
import json, sys, time
import autoxai.automl._automl as A
from autoxai import AutoML
import pandas as pd
from sklearn.datasets import load_breast_cancer, make_friedman1
mode, table, n_trials = sys.argv[1], sys.argv[2], int(sys.argv[3])
if table == "breast_cancer":
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
else:
    Xa, ya = make_friedman1(4000, n_features=10, noise=1.0, random_state=0)
    X, y = pd.DataFrame(Xa).add_prefix("x"), pd.Series(ya, name="y")
A.CORE_SPLIT = "threads" if mode == "threads" else "trials"
n_jobs = 1 if mode == "serial" else -1
start = time.perf_counter()
m = AutoML(n_trials=n_trials, time_budget=None, random_state=0, n_jobs=n_jobs).fit(X, y)
wall = time.perf_counter() - start
print(json.dumps({"wall": wall, "search": m.timings_["search"], "refit": m.timings_["refit"],
                  "best": float(m.leaderboard_.iloc[0]["_loss"])}))
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n-trials", type=int, default=12)
    parser.add_argument("--tables", default=",".join(TABLES), help="comma-separated")
    parser.add_argument("--out", default="benchmarks/results/cores.json")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 1 repeat, breast_cancer, 2 trials"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.tables, args.n_trials = 1, TABLES[0], 2
    env = {**os.environ, "PYTHONPATH": "src"}
    tables = args.tables.split(",")
    rows = []
    for repeat in range(args.repeats):
        for table in tables:
            order = MODES[repeat % 3 :] + MODES[: repeat % 3]
            for mode in order:
                load = os.getloadavg()[0]
                out = subprocess.run(
                    [sys.executable, "-c", _CHILD, mode, table, str(args.n_trials)],
                    capture_output=True, text=True, env=env, check=True,
                )  # fmt: skip
                result = json.loads(out.stdout.strip().splitlines()[-1])
                row = {"table": table, "mode": mode, "repeat": repeat, "load1": load, **result}
                rows.append(row)
                print(json.dumps(row), flush=True)
    Path(args.out).write_text(json.dumps(rows, indent=1))
    print()
    print("| table | mode | median fit (s) | median search (s) | median refit (s) | runs "
          "| load avg (1 min) before runs |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for table in tables:
        for mode in MODES:
            mine = [r for r in rows if r["table"] == table and r["mode"] == mode]
            loads = ", ".join(f"{r['load1']:.1f}" for r in mine)
            print(
                f"| {table} | {mode} | {statistics.median(r['wall'] for r in mine):.1f} "
                f"| {statistics.median(r['search'] for r in mine):.1f} "
                f"| {statistics.median(r['refit'] for r in mine):.2f} | {len(mine)} | {loads} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
