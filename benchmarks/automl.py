"""AutoML quality under a wall-clock budget: autoxai vs FLAML, AutoGluon and defaults.

What is measured
----------------
The held-out score each system reaches on 23 real tables (``_tables.py``: binary,
multiclass and regression, 178 to 100,000 rows, four of ≥ 50,000 rows, six with a
categorical of ≥ 50 levels, all shipped inside installed packages) within the same
wall-clock budget, its wall time and the peak memory of its processes. The systems
(``_automl_systems.py``), every one on both cores: ``autoxai`` (defaults,
``n_jobs=-1``), ``flaml``, ``autogluon-medium`` and ``autogluon-best`` (AutoGluon's
``medium_quality`` and ``best_quality`` presets, in their own virtual environment) and
the untuned defaults ``lgbm``, ``catboost`` and ``rf``, which take no budget and are fit
once per table and seed.

Methodology
-----------
* One fit at a time (the budgets are wall-clock), each in a child process of its own
  (``automl.py --cell SPEC``): the peak memory is the largest sum of RSS over the
  child's process tree (workers and AutoGluon's subprocess included), sampled every
  0.1 s with psutil; a cell still running at 3 × budget + 600 s is killed.
* For each seed (3 by default), one fixed 75/25 split, stratified for classification;
  every system sees the same training rows and is scored on the same held-out rows:
  ROC AUC (binary), log-loss (multiclass, accuracy alongside), RMSE (regression, R²
  alongside). The first is the primary metric.
* Budgets 30, 120 and 600 s; the 600 s budget runs on ``_tables.LONG_TABLES`` only
  (``--long-datasets``). Seed-major order, so a run cut short covers every table.
* Ranks: per table and budget, the systems are ranked (1 = best, ties averaged) by their
  primary metric averaged over the seeds every ranked system completed; a system's mean
  rank is the average over the tables.
* Each (table, budget, seed, system) result is cached as JSON in
  ``benchmarks/results/.cache_automl/`` (ignored by git) under a fingerprint of all of
  autoxai's code, the tables, the systems, the AutoGluon worker and the library
  versions (AutoGluon's too): a killed run resumes at the same code, a failed cell is
  tried again, ``--fresh`` re-runs the selected cells, ``--report-only`` rewrites the
  report from the cache. Every cell of the report goes to ``<report>_cells.json``.

Targets (issue 18; the report says met or missed): autoxai's mean rank ahead of
AutoGluon ``best_quality`` at 120 s and 600 s, of ``medium_quality`` at 30 s and of
FLAML at every budget; never more than 1 % (relative) below the better of default
LightGBM and default CatBoost on any table and seed; the budget kept on every run
(wall time of the fit ≤ 1.1 × budget + 2 s).

Run ``python benchmarks/automl.py --autogluon-python /work/agvenv/bin/python`` alone on
a quiet machine (without ``--autogluon-python`` AutoGluon is skipped, with a note);
``--budgets``, ``--seeds``, ``--datasets``, ``--long-datasets`` and ``--systems`` select
the cells; ``--quick`` is a smoke run (5 s, seed 0, two small tables). The results go
to ``benchmarks/results/automl.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import _automl_report as report
import _automl_systems as systems
import _common as common
import _tables as tables
from automl_memory import run_command

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results" / "automl.md"
DEFAULT_CACHE = HERE / "results" / ".cache_automl"
BUDGETS = (30, 120)
LONG_BUDGET = 600  # from this budget on, only the --long-datasets are run
SEEDS = (0, 1, 2)
QUICK_TABLES = ["breast_cancer", "penguins"]


# -- the cache -------------------------------------------------------------------------
def code_fingerprint(ag_note: str) -> str:
    """Hash of what decides a cell's result: all of autoxai, the tables, the systems."""
    sources = [Path(m.__file__).read_text(encoding="utf-8") for m in (tables, systems)]
    return common.code_fingerprint(
        None,
        (run_cell_process,),
        (*sources, systems.WORKER.read_text(encoding="utf-8"), ag_note),
        systems.DISTS,
    )


def cell_key(dataset: str, budget: int, seed: int, system: str) -> str:
    return f"{dataset}__b{budget}__s{seed}__{system}"


def read_cache(cache: common.ResultCache) -> dict[tuple[str, int, int, str], dict]:
    """Every cell cached by this code (other code versions' cells are not reused)."""
    return {(e["dataset"], e["budget"], e["seed"], e["system"]): e for e in cache.all()}


# -- running ---------------------------------------------------------------------------
def run_cell_process(spec: dict) -> dict:
    """Run one cell in a child process; add its process tree's peak memory and wall time."""
    with tempfile.TemporaryDirectory(prefix="bench-cell-") as tmp:
        spec_path, out_path = Path(tmp) / "spec.json", Path(tmp) / "entry.json"
        spec_path.write_text(json.dumps({**spec, "output": str(out_path)}))
        limit = 3 * spec["budget"] + 600
        wall, code, _, tree_peak, _, tail = run_command(
            [sys.executable, str(Path(__file__).resolve()), "--cell", str(spec_path)], limit
        )
        if out_path.exists():
            entry = json.loads(out_path.read_text())
        else:  # killed or crashed before writing: the cell is an error
            entry = {**{k: spec[k] for k in ("dataset", "budget", "seed", "system", "command")}}
            why = "killed at the limit" if wall > limit else f"exit code {code}"
            entry["error"] = f"cell process died ({why}, {wall:.0f} s): {tail[-1500:]}"
            entry["failed_after"] = wall
    entry.update(peak_rss=tree_peak, process_wall=wall)
    return entry


def planned(args: argparse.Namespace) -> list[tuple[str, int, int, str]]:
    """Every (dataset, budget, seed, system) to run, seed-major; defaults at budget 0."""
    cells: list[tuple[str, int, int, str]] = []
    for budget in args.budgets:
        names = args.long_datasets if budget >= LONG_BUDGET else args.datasets
        for seed in args.seeds:
            for dataset in names:
                for system in args.systems:
                    b = 0 if system in systems.DEFAULTS else budget
                    if (dataset, b, seed, system) not in cells:
                        cells.append((dataset, b, seed, system))
    return cells


def run_benchmark(args: argparse.Namespace, command: str, cache: common.ResultCache) -> None:
    for dataset, budget, seed, system in planned(args):
        if system in systems.AG_PRESETS and not args.autogluon_python:
            continue
        key = cell_key(dataset, budget, seed, system)
        old = cache.get(key)
        if old is not None and "error" not in old and not args.fresh:
            continue  # a cell that failed is tried again
        spec = {
            "dataset": dataset,
            "budget": budget,
            "seed": seed,
            "system": system,
            "command": command,
            "autogluon_python": args.autogluon_python,
        }
        entry = run_cell_process(spec)
        cache.put(key, entry)
        shown = (
            entry.get("error") or " ".join(f"{k}={v:.4f}" for k, v in entry["scores"].items())
        )[:300]
        took = entry.get("fit_time", float("nan"))
        mib = entry["peak_rss"] / 2**20
        print(
            f"B={budget:>4} seed={seed} {dataset:<16} {system:<16} {took:7.1f} s "
            f"{mib:6.0f} MiB  {shown}",
            file=sys.stderr,
            flush=True,
        )


def check_autogluon(python: str | None) -> tuple[bool, str]:
    """Whether AutoGluon imports with ``python``, and the note the report gives."""
    if not python:
        return False, "AutoGluon skipped: no --autogluon-python given."
    probe = "import autogluon.tabular as t, torch; print(t.__version__, torch.__version__)"
    try:
        proc = subprocess.run(
            [python, "-c", probe], capture_output=True, text=True, timeout=300, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"AutoGluon skipped: `{python}` does not run ({exc})."
    if proc.returncode != 0:
        last = proc.stderr.strip().splitlines()[-1:] or ["?"]
        return False, f"AutoGluon skipped: cannot import it with `{python}`: {last[0]}"
    ag, torch = proc.stdout.split()
    return True, f"AutoGluon-Tabular {ag} (PyTorch {torch}) via `{python}`."


# -- command line ----------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = common.argument_parser(
        "Held-out quality of autoxai's AutoML vs FLAML, AutoGluon and untuned defaults.",
        DEFAULT_OUTPUT,
        f"smoke run: 5 s budget, seed 0, {' and '.join(QUICK_TABLES)}",
    )
    add = parser.add_argument
    add(
        "--budgets",
        type=int,
        nargs="+",
        default=list(BUDGETS),
        help=f"wall-clock budgets in seconds (default: 30 120; {LONG_BUDGET} runs the "
        "--long-datasets only)",
    )
    add("--seeds", type=int, nargs="+", default=list(SEEDS), help="seeds (default: 0 1 2)")
    add(
        "--datasets",
        nargs="+",
        choices=list(tables.TABLES),
        default=list(tables.TABLES),
        help="tables at budgets below the long one (default: all)",
    )
    add(
        "--long-datasets",
        nargs="+",
        choices=list(tables.TABLES),
        default=list(tables.LONG_TABLES),
        help=f"tables at budgets >= {LONG_BUDGET} s (default: {' '.join(tables.LONG_TABLES)})",
    )
    variants = list(systems.VARIANT_SEARCH)
    add(
        "--systems",
        nargs="+",
        choices=systems.SYSTEMS,
        default=[s for s in systems.SYSTEMS if s not in variants],
        help="systems (default: all but the autoxai-<search> variants, run only when named)",
    )
    add(
        "--autogluon-python",
        default=None,
        help="Python of a virtual environment with autogluon.tabular",
    )
    add("--note", action="append", default=[], help="a line of context for the report")
    add("--fresh", action="store_true", help="re-run cells already cached")
    add("--cache-dir", type=Path, default=DEFAULT_CACHE, help="cell cache")
    add("--report-only", action="store_true", help="write the report from the cache")
    add("--cell", type=Path, help=argparse.SUPPRESS)  # internal: run one cell's spec
    args = parser.parse_args(argv)
    if args.quick:
        args.budgets, args.seeds = [5], [0]
        args.datasets = args.long_datasets = QUICK_TABLES
    if any(b < 1 for b in args.budgets):
        parser.error("--budgets must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.cell is not None:  # the child process of one cell
        spec = json.loads(args.cell.read_text())
        entry = systems.run_cell(spec)
        Path(spec["output"]).write_text(json.dumps(entry))
        return 0
    command = common.command_line("automl.py", argv)
    ok, ag_note = check_autogluon(args.autogluon_python)
    print(ag_note, file=sys.stderr)
    if not ok:
        args.autogluon_python = None
    cache = common.ResultCache(args.cache_dir, code_fingerprint(ag_note if ok else ""))
    started = dt.datetime.now().astimezone()
    meter = common.LoadMeter()
    if not args.report_only:
        run_benchmark(args, command, cache)
    wanted = set(planned(args))
    cells = {k: e for k, e in read_cache(cache).items() if k in wanted}
    load = meter.stop()
    meta = {
        "command": command,
        "started": started,
        "load": load,
        "fingerprint": cache.fingerprint,
        "autogluon": ag_note,
    }
    text = report.render(cells, args, meta, load)
    common.write_report(args.output, text)
    common.write_raw(common.raw_path(args.output, "_cells.json"), meta, list(cells.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
