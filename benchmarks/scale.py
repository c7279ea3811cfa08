"""Does the time budget hold at any size? autoxai (and FLAML, AutoGluon) on large tables.

What is measured
----------------
For each table size (100,000, 1,000,000 and 3,000,000 rows) and each budget (60 s and
300 s), each system fits once in a child process of its own:

* ``autoxai``: ``AutoML(time_budget=B).fit`` (the budget covers search and refit);
* ``flaml``: ``flaml.AutoML().fit(time_budget=B, metric="roc_auc")``;
* ``autogluon``: ``TabularPredictor(...).fit(presets="medium_quality", time_limit=B)``,
  in the Python given by ``--autogluon-python`` (AutoGluon's own virtual environment,
  as for ``automl.py``), else in this Python when it imports here; otherwise the report
  says it was not run.

The table is made here with NumPy (``--seed``): 30 numeric columns (normal; 3 with 10 %
missing values) and one 50-level categorical column, and a binary target that depends
non-linearly on 8 of them, with noise (the shape of issue 20's table). A held-out
set of ``min(rows / 4, 200,000)`` rows from the same distribution gives the ROC AUC.
Both are written to Parquet before any clock starts.

Per cell: the wall time of ``fit`` (measured in the child) and of the whole child
(start, reading the Parquet file, fit, predict), the peak memory of the child's process
tree (the sum of RSS over the child and its descendants, sampled every 0.1 s with
psutil; can miss short peaks), the same sum of PSS (a page shared by several processes,
such as a memory-mapped table, counted once), the child's own ``ru_maxrss``, the number
of trials (autoxai's finished trials; FLAML's configurations tried; AutoGluon's models),
and the held-out ROC AUC; for autoxai also, in the raw cells, its own timings (prepare,
search, refit), its trials' states and the cost estimates' decisions (families left out,
configurations shrunk or skipped). A child still running at ``2 x budget + 60 s`` is killed and
the cell says so. Children run in the temporary work directory. The cells run one
after another, never side by side; the load average is recorded before each.

Targets (issue 20): fit wall <= 1.1 x budget + 2 s; peak memory (tree PSS) <= 2.5 GiB at 1,000,000
rows; memory growing at most linearly with the rows.

Run ``python benchmarks/scale.py`` alone on the machine (about 1.5 hours); ``--quick``
(20,000 rows, a 15 s budget, about a minute) checks that the script works, and writes
``results/scale_quick.md`` instead of ``results/scale.md``; ``--output`` names another
file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from _common import git_commit, versions
from automl_memory import run_command

HERE = Path(__file__).resolve().parent
N_NUMERIC, N_LEVELS = 30, 50


def make_table(n_rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.normal(size=(n_rows, N_NUMERIC)), columns=[f"x{i:02d}" for i in
                                                                     range(N_NUMERIC)])  # fmt: skip
    df["cat"] = pd.Categorical(rng.integers(0, N_LEVELS, size=n_rows).astype(str))
    level_effect = np.random.default_rng(N_LEVELS).normal(scale=0.8, size=N_LEVELS)  # fixed
    logit = (
        df.x00 - 0.7 * df.x01**2 + np.sin(2 * df.x02) + 0.6 * df.x03 * df.x04
        + 0.5 * (df.x05 > 0.5) + 0.4 * np.abs(df.x06) - 0.3 * df.x07
        + level_effect[df["cat"].cat.codes.to_numpy()] - 0.2
    )  # fmt: skip
    df["y"] = (rng.uniform(size=n_rows) < 1 / (1 + np.exp(-logit))).astype(int)
    for i in (10, 20, 29):  # missing values after the target is drawn
        df.loc[rng.uniform(size=n_rows) < 0.1, f"x{i:02d}"] = np.nan
    return df


# -- one fit, in a child process ----------------------------------------------------------
def child(system: str, train_path: str, test_path: str, budget: float, out: str) -> None:
    from sklearn.metrics import roc_auc_score

    started = time.perf_counter()
    extra: dict = {}
    train = pd.read_parquet(train_path)
    test = pd.read_parquet(test_path)
    X, y = train.drop(columns="y"), train["y"]
    fit_start = time.perf_counter()
    if system == "autoxai":
        from autoxai import AutoML

        model = AutoML(time_budget=budget, random_state=0).fit(X, y)
        n_trials = len([t for t in model.study_.trials if t.state.name == "COMPLETE"])
        fit_wall = time.perf_counter() - fit_start
        states = [t.state.name for t in model.study_.trials]
        extra = {  # where the time went and what the cost estimates decided
            "timings": {k: round(v, 2) for k, v in model.timings_.items()},
            "trial_states": {s: states.count(s) for s in sorted(set(states))},
            "decisions": [f"{d['model']} {d['action']}" for d in model.model_decisions_],
        }
        proba = model.predict_proba(test.drop(columns="y"))[:, 1]
    elif system == "flaml":
        from flaml import AutoML as FLAML

        model = FLAML()
        model.fit(X, y, task="classification", metric="roc_auc", time_budget=budget,
                  seed=0, verbose=0)  # fmt: skip
        n_trials = len(model.config_history)
        fit_wall = time.perf_counter() - fit_start
        proba = model.predict_proba(test.drop(columns="y"))[:, 1]
    else:
        from autogluon.tabular import TabularPredictor

        model = TabularPredictor(label="y", eval_metric="roc_auc", verbosity=0,
                                 path=tempfile.mkdtemp(prefix="ag-")).fit(
            train, presets="medium_quality", time_limit=budget)  # fmt: skip
        n_trials = len(model.model_names())
        fit_wall = time.perf_counter() - fit_start
        proba = model.predict_proba(test.drop(columns="y"))[1].to_numpy()
    result = {
        "fit_wall": fit_wall,
        "child_wall": time.perf_counter() - started,
        "trials": n_trials,
        "auc": float(roc_auc_score(test["y"], proba)),
        "child_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        **extra,
    }
    Path(out).write_text(json.dumps(result))


# -- the grid ---------------------------------------------------------------------------
def kill_limit(budget: float) -> float:
    """Seconds after which a cell's child is killed: well past the target (1.1 x budget
    + 2 s), so a kill always means the budget was missed by far."""
    return 2 * budget + 60


def run_cell(
    system: str, train: Path, test: Path, budget: float, work: Path, python: str = sys.executable
) -> dict:
    """One fit of ``system`` in a child process of ``python``, with its wall and peak."""
    out = work / f"{system}-{train.stem}-{budget:g}.json"
    command = [python, __file__, "--child", system, str(train), str(test),
               str(budget), str(out)]  # fmt: skip
    load = os.getloadavg()[0]
    # in the work directory: a killed FLAML leaves catboost_<time>/ folders in its cwd
    ran = run_command(command, limit=kill_limit(budget), cwd=str(work))
    cell = {"system": system, "rows": int(train.stem.split("-")[1]), "budget": budget,
            "load_before": round(load, 2), "process_wall": round(ran.wall, 1),
            "exit": ran.code, "tree_peak_gib": round(ran.tree_peak / 1024**3, 3),
            "tree_pss_peak_gib": round(ran.tree_pss_peak / 1024**3, 3)}  # fmt: skip
    if out.exists():
        cell.update(json.loads(out.read_text()))
        cell["child_maxrss_gib"] = round(cell.pop("child_maxrss") / 1024**3, 3)
    else:
        cell["error"] = (ran.tail.strip().splitlines() or ["killed at the limit"])[-1][:200]
    return cell


def _row(c: dict) -> str:
    fit = c.get("fit_wall")
    within = "–" if fit is None else ("yes" if fit <= 1.1 * c["budget"] + 2 else "NO")
    auc = f"{c['auc']:.4f}" if "auc" in c else "–"
    fields = [c["system"], f"{c['rows']:,}", f"{c['budget']:g}",
              "–" if fit is None else f"{fit:.1f}", within, f"{c['process_wall']}",
              f"{c['tree_peak_gib']}", f"{c.get('tree_pss_peak_gib', '–')}",
              f"{c.get('child_maxrss_gib', '–')}",
              f"{c.get('trials', '–')}", auc, f"{c['load_before']}",
              c.get("error", "")]  # fmt: skip
    return "| " + " | ".join(fields) + " |"


def library_versions() -> dict[str, str]:
    """The libraries a report names, with their versions (autoxai's is the imported
    code's). Asked in the parent only: a child in AutoGluon's venv has no autoxai."""
    return versions("flaml", "autogluon.tabular", "lightgbm", "scikit-learn")


def report(cells: list[dict], args: argparse.Namespace, started: str, commit: str) -> str:
    lines = [
        "# Scale: the time budget and memory on large tables",
        "",
        f"- date: {started}; commit {commit}",
        f"- command: `{shlex.join([Path(sys.executable).name, *sys.argv])}`",
        f"- nproc: {os.cpu_count()}; versions: "
        + ", ".join(f"{k} {v}" for k, v in library_versions().items()),
        f"- AutoGluon: {autogluon_note(args)}",
        "",
        "Targets: fit wall <= 1.1 x budget + 2 s; peak (tree PSS) <= 2.5 GiB at 1,000,000 rows.",
        "",
        "| system | rows | budget s | fit wall s | within | process wall s | tree peak GiB "
        "| tree PSS peak GiB | child maxrss GiB | trials | held-out AUC | load before | note |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    lines += [_row(c) for c in cells]
    lines += ["", "Raw cells (JSON lines):", "", "```", *map(json.dumps, cells), "```", ""]
    return "\n".join(lines)


def autogluon_note(args: argparse.Namespace) -> str:
    """What the report says about AutoGluon: where it ran and its version, or why not."""
    if "autogluon" not in args.systems:
        return "not run (not importable here and no --autogluon-python given)"
    if args.autogluon_python == sys.executable:
        version = library_versions().get("autogluon.tabular")
        return f"run in this Python, autogluon.tabular {version}"
    probe = subprocess.run([args.autogluon_python, "-c",
                            "import autogluon.tabular as a; print(a.__version__)"],
                           capture_output=True, text=True)  # fmt: skip
    return f"run via `{args.autogluon_python}`, autogluon.tabular {probe.stdout.strip()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=5, metavar=("SYSTEM", "TRAIN", "TEST", "B", "OUT"),
                        help=argparse.SUPPRESS)  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="20,000 rows, 15 s: a smoke run")
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000, 3_000_000])
    parser.add_argument("--budgets", type=float, nargs="+", default=[60, 300])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=None, help="markdown report to write")
    parser.add_argument(
        "--systems",
        nargs="+",
        choices=["autoxai", "flaml", "autogluon"],
        default=None,
        help="systems (default: all that can run)",
    )
    parser.add_argument(
        "--autogluon-python",
        default=None,
        help="Python of a virtual environment with autogluon.tabular",
    )
    args = parser.parse_args()
    if args.child:
        system, train, test, budget, out = args.child
        child(system, train, test, float(budget), out)
        return 0
    if args.quick:
        args.rows, args.budgets = [20_000], [15]
    if args.autogluon_python is None and importlib.util.find_spec("autogluon") is not None:
        args.autogluon_python = sys.executable
    if args.systems is None:
        args.systems = ["autoxai", "flaml"] + (["autogluon"] if args.autogluon_python else [])
    if "autogluon" in args.systems and args.autogluon_python is None:
        parser.error("autogluon does not import here: give --autogluon-python")
    started = dt.datetime.now().isoformat(timespec="seconds")
    commit = git_commit()  # when the cells start: a commit during the run does not count
    cells = []
    with tempfile.TemporaryDirectory(prefix="autoxai-scale-") as tmp:
        work = Path(tmp)
        for n in args.rows:
            train, test = work / f"train-{n}.parquet", work / f"test-{n}.parquet"
            make_table(n, args.seed).to_parquet(train)
            make_table(min(n // 4, 200_000), args.seed + 1).to_parquet(test)
            for budget in args.budgets:
                for system in args.systems:
                    python = args.autogluon_python if system == "autogluon" else sys.executable
                    cells.append(run_cell(system, train, test, budget, work, python))
                    print(json.dumps(cells[-1]), flush=True)
    output = args.output or HERE / "results" / ("scale_quick.md" if args.quick else "scale.md")
    output.write_text(report(cells, args, started, commit))
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
