"""Refit or bag the final model, stack or not: held-out scores of the four choices.

For each of 8 tables of ``benchmarks/_tables.py`` (``TABLES`` below) and seed (0, 1,
2) one search runs once: AutoML with ``n_trials=20``, no time budget (so the machine's
load does not change what is found), ``n_jobs=1``, 5-fold CV, on 75 % of the rows (the split of
``_tables.split``). Its study and fold models are kept, and AutoML is fitted again on the
same study for each of ``final_model`` in ("refit", "bagged") x ``stack`` in (False,
True): no new trial runs, so the four final models come from the same leaderboard and
differ only in how they are built. Each is scored on the held-out 25 %: ROC AUC
(binary), log-loss (multiclass), RMSE (regression), as ``automl.py`` does.
``results/bagging.md`` was made when these tables were defined in ``automl.py``; they
moved to ``_tables.py`` since, and a rerun may differ where a table's definition did.

Run ``python benchmarks/bagging.py``; ``--quick`` for a smoke run (two tables, one
seed, four trials). Results: ``benchmarks/results/bagging.md`` and the raw cells beside
it. Seconds are not reported: they were measured on a shared machine.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import _common as common

os.environ.update(dict.fromkeys(common.THREAD_VARS, "1"))

import numpy as np

import _automl_systems as systems  # the scores, as the AutoML benchmark computes them
import _tables as tables  # the tables and the split

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results" / "bagging.md"
CACHE = HERE / "results" / ".cache_bagging"
SEEDS = (0, 1, 2)
N_TRIALS = 20
CV = 5
#: bagged first: the search runs in the first fit, and only a fit that may bag keeps
#: the fold models
VARIANTS = (("bagged", False), ("bagged", True), ("refit", False), ("refit", True))
DISTS = ("lightgbm", "scikit-learn", "numpy", "pandas")


def variant_name(final_model: str, stack: bool) -> str:
    return f"{final_model}{'+stack' if stack else ''}"


def run_job(job: tuple[str, int, int, int]) -> dict:
    """One table and seed: the search once, then the four final models, scored."""
    from autoxai import AutoML

    dataset, seed, n_trials, cv = job
    task = tables.TABLES[dataset].task
    X, y = tables.load_table(dataset)
    X_train, X_test, y_train, y_test = tables.split(X, y, task, seed)
    classes = None if task == "regression" else np.unique(np.asarray(y_train))
    out: dict = {"dataset": dataset, "seed": seed, "task": task, "variants": {}}
    with tempfile.TemporaryDirectory(prefix="bagging-") as tmp:
        for final_model, stack in VARIANTS:
            model = AutoML(
                time_budget=None, n_trials=n_trials, cv=cv, random_state=seed, n_jobs=1,
                final_model=final_model, stack=stack, workdir=Path(tmp) / "work",
                storage=f"sqlite:///{tmp}/study.db",
            ).fit(X_train, y_train)  # fmt: skip
            if task == "regression":
                pred = np.asarray(model.predict(X_test), dtype=float)
            else:
                pred = systems.align(model.predict_proba(X_test), model.classes_, classes)
            out["variants"][variant_name(final_model, stack)] = {
                "scores": systems.score(task, y_test, pred, classes),
                "final": model.final_decisions_,
                "ensemble": model.ensemble_,
                "n_leaderboard": len(model.leaderboard_),
                "best_trial": int(model.leaderboard_.iloc[0]["trial"]),
            }
    return out


def summarise(rows: list[dict]) -> list[str]:
    """The markdown tables: mean held-out score per table, wins, stacking decisions."""
    from scipy.stats import rankdata

    names = [variant_name(f, s) for f, s in VARIANTS]
    lines = [
        "## Held-out score, mean over seeds",
        "",
        "| table | metric | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    wins = {"bagged beats refit": 0, "refit beats bagged": 0, "tie": 0}
    ranks = {n: [] for n in names}
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        cells = [r for r in rows if r["dataset"] == dataset]
        metric = systems.PRIMARY[cells[0]["task"]]
        sign = -1.0 if systems.HIGHER_IS_BETTER[metric] else 1.0
        means = [np.mean([c["variants"][n]["scores"][metric] for c in cells]) for n in names]
        lines.append(f"| {dataset} | {metric} | " + " | ".join(f"{m:.4f}" for m in means) + " |")
        for c in cells:
            s = [sign * c["variants"][n]["scores"][metric] for n in names]
            for n, rank in zip(names, rankdata(s)):
                ranks[n].append(rank)
            bagged, refit = s[0], s[2]
            key = "tie" if abs(refit - bagged) < 1e-12 else (
                "bagged beats refit" if bagged < refit else "refit beats bagged")  # fmt: skip
            wins[key] += 1
    lines += ["", "Mean rank over table x seed cells (1 best, ties share their mean rank): "
              + ", ".join(f"{n} {np.mean(r):.2f}" for n, r in ranks.items()), "",
              "Cells where bagged (no stack) beats refit (no stack): "
              + ", ".join(f"{k} {v}" for k, v in wins.items()), ""]  # fmt: skip
    lines += _stack_lines(rows)
    return lines


def _stack_lines(rows: list[dict]) -> list[str]:
    """How often the stacking layer was tried and kept, and its inner-CV loss change."""
    tried = kept = 0
    gains = []
    for r in rows:
        info = r["variants"][variant_name("bagged", True)]["final"]["stack"]
        if info["tried"]:
            tried += 1
            kept += info["kept"]
            gains.append(info["blend_loss"] - info["stack_loss"])
    text = f"Stacking (bagged+stack): tried in {tried} of {len(rows)} cells, kept in {kept}"
    if gains:
        text += f"; inner-CV loss of the blend minus the stack's: median {np.median(gains):.4g}"
    return ["## Stacking", "", text + ".", ""]


#: The tables this comparison runs on (its results file was made on these).
TABLES = ("breast_cancer", "affairs", "penguins", "chile", "digits", "diabetes", "diamonds",
          "slid")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = common.argument_parser(
        __doc__.splitlines()[0], DEFAULT_OUTPUT, "two tables, one seed, four trials, 3 folds"
    )
    parser.add_argument("--datasets", nargs="+", choices=list(tables.TABLES), default=None,
                        help="tables to run (default the 8 of TABLES)")  # fmt: skip
    parser.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS), help="seeds")
    args = parser.parse_args(argv)
    command = common.command_line("bagging.py", argv)
    datasets = args.datasets or (["penguins", "diabetes"] if args.quick else list(TABLES))
    seeds, n_trials, cv = ((0,), 4, 3) if args.quick else (tuple(args.seeds), N_TRIALS, CV)
    jobs = [(d, s, n_trials, cv) for d in datasets for s in seeds]
    fingerprint = common.code_fingerprint(
        ["automl"],
        objects=[run_job, tables.load_table, tables.split, systems.score, systems.align],
        data=[VARIANTS],
        dists=DISTS,
    )
    cache = common.ResultCache(CACHE if not args.quick else Path(tempfile.mkdtemp()), fingerprint)
    load = common.LoadMeter()
    results = common.run_cached(
        jobs, cache, run_job, key=lambda j: "_".join(map(str, j)),
        describe=lambda job, r: f"{job[0]} seed {job[1]}",
    )  # fmt: skip
    rows = [results[j] for j in jobs]
    notes = [f"AutoML n_jobs=1, n_trials={n_trials}, cv={cv}, no time budget"]
    text = "\n".join([
        "# Final model: refit or bagged, stack or not", "",
        *common.provenance_lines(command, load.stop(), DISTS, notes), "",
        *summarise(rows),
    ])  # fmt: skip
    common.write_report(args.output, text + "\n")
    common.write_raw(common.raw_path(args.output), {"command": command}, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
