"""``autoxai run``: load a table, search, refit, and write the run directory.

Exit status: 0 when everything was made; :data:`INCOMPLETE` (3) when the model, the
leaderboard and run.json are saved but an explanation method or the report failed (one
line on stderr names them; run.json's ``status`` and ``failures`` record them); 2 for a
user mistake, with nothing written.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import shutil
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from autoxai._json import write_json
from autoxai._version import __version__
from autoxai.exceptions import AutoXAIError

NAME = "run"

#: The demo's explanation budget: enough for every method on its small ensemble, whose
#: Kernel SHAP costs about a second per row.
DEMO_EXPLAIN_BUDGET = 30.0

#: Share of the explanation budget kept for drawing the report (at most 5 s).
REPORT_SHARE = 0.15

#: Exit status of a run whose model is saved but whose explanations or report are not
#: all there.
INCOMPLETE = 3


def add_arguments(parser: argparse.ArgumentParser, *, demo: bool = False) -> None:
    """The options ``run`` and ``demo`` share."""
    parser.add_argument(
        "--task",
        default="auto",
        help="binary, multiclass, classification or regression (default: infer)",
    )
    parser.add_argument(
        "--metric",
        default=None,
        help="roc_auc, log_loss, accuracy, balanced_accuracy, f1, rmse, mae, r2",
    )
    parser.add_argument(
        "--search",
        default="bayes",
        metavar="METHOD",
        help="search method: bayes, tpe, gp, random, grid (default bayes); or a "
        "multi-fidelity one, sha, hyperband, asha, bohb, which tries configurations on "
        "1/27, 1/9, 1/3 of the training rows first (the smallest share at least 200 "
        "rows) and only the best on all rows",
    )
    parser.add_argument(
        "--time-budget",
        type=float,
        default=20.0 if demo else 60.0,
        help="seconds for search and refit (default %(default)s)",
    )
    parser.add_argument("--n-trials", type=int, default=None, help="configurations to try")
    parser.add_argument("--cv", type=int, default=5, help="cross-validation folds (default 5)")
    parser.add_argument(
        "--models",
        default=None,
        help="comma-separated model families: lgbm,rf,et,linear,hgb,knn (default all of "
        "these) and xgb (needs the xgboost extra)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--n-jobs", type=int, default=1, help="trials run at once (default 1)")
    parser.add_argument(
        "--trial-timeout",
        type=float,
        default=None,
        metavar="SEC",
        help="stop any one configuration's evaluation after SEC seconds (it then runs in "
        "its own process)",
    )
    parser.add_argument(
        "--no-hard-deadline",
        action="store_true",
        help="on large tables, do not run each evaluation in its own process killed when "
        "the search must end (saves about a second per evaluation)",
    )
    parser.add_argument(
        "--dask",
        default=None,
        metavar="ADDRESS",
        help="run trials on the Dask scheduler at ADDRESS",
    )
    parser.add_argument(
        "--explain-budget",
        type=float,
        default=DEMO_EXPLAIN_BUDGET if demo else None,
        metavar="SEC",
        help="seconds for the explanations and the report (default: "
        + (f"{DEMO_EXPLAIN_BUDGET:g}" if demo else "half the time budget, at least 15")
        + ")",
    )
    parser.add_argument(
        "--no-explain", action="store_true", help="skip the explanations and the report"
    )
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress (a bar on a terminal; elsewhere a line every few seconds)",
    )


def add_parser(sub) -> None:
    parser = sub.add_parser(
        NAME,
        help="tune a model for a table and write it, its leaderboard and run.json",
        description="Load DATA, search the model zoo for the best model of TARGET within "
        "the time budget, refit it on all rows, and write the run directory.",
    )
    parser.add_argument("data", help="CSV or Parquet file")
    parser.add_argument("--target", required=True, help="the column to predict")
    parser.add_argument(
        "--out", default="autoxai-run", help="output directory (default %(default)s)"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue a killed run from the study database in --out",
    )
    add_arguments(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    return execute(args.data, args.target, Path(args.out), args, resume=args.resume)


def execute(data, target: str, out: Path, args: argparse.Namespace, *, resume: bool) -> int:
    """Shared by ``run`` and ``demo``: everything from the table to the run directory."""
    from autoxai._utils import choose
    from autoxai.automl import AutoML, prepare, read_table
    from autoxai.automl._automl import SEARCHES
    from autoxai.study._progress import still_working

    console = Console(stderr=False)
    choose("--search", args.search, SEARCHES)  # before anything is read or written
    show = not args.no_progress
    with still_working(f"reading {data}", enabled=show):
        table, notes = read_table(data)
    if out.exists() and any(out.iterdir()) and not resume:
        raise AutoXAIError(
            f"output directory {str(out)!r} is not empty; use --resume to continue its run "
            "or choose another --out"
        )
    if resume and not (out / "study.db").exists():
        raise AutoXAIError(f"--resume: no study database in {str(out)!r} to resume")
    models = (
        None if args.models is None else [m.strip() for m in args.models.split(",") if m.strip()]
    )
    # Check the data before anything is written: bad input leaves no directory behind.
    prepare(table, target, task=args.task, n_folds=args.cv)
    executor = _dask_executor(args.dask) if args.dask else None

    created = not out.exists()
    # Private (0700): the run holds a model file and rows of the data in its reports.
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        automl = AutoML(
            task=args.task,
            metric=args.metric,
            search=args.search,
            time_budget=args.time_budget,
            n_trials=args.n_trials,
            cv=args.cv,
            models=models,
            random_state=args.seed,
            n_jobs=args.n_jobs,
            executor=executor,
            storage=f"sqlite:///{(out / 'study.db').resolve()}",
            workdir=out / "work",
            show_progress=show,
            trial_timeout=args.trial_timeout,
            hard_deadline=False if args.no_hard_deadline else "auto",
        )
        started = time.time()
        with still_working("fitting (search, then refit)", enabled=show):
            automl.fit(table, target=target)
        wall = time.time() - started
        automl.save(out / "model")
        automl.leaderboard_.drop(columns=["_loss", "_params"]).to_csv(
            out / "leaderboard.csv", index=False
        )
        _trials_table(automl).to_csv(out / "trials.csv", index=False)
        _write_run_json(out, automl, data, table, notes, args, wall)
    except AutoXAIError:
        if created and not resume:
            shutil.rmtree(out, ignore_errors=True)  # no half-written directory
        raise
    _print_summary(console, automl, out, notes)
    if args.no_explain:
        return 0
    with still_working("explaining", enabled=show):
        failures = _explain_and_report(console, automl, out, args)
    if not failures:
        return 0
    listed = "; ".join(f"{name} ({error.splitlines()[0][:200]})" for name, error in failures)
    print(f"autoxai: incomplete: the model is saved in {str(out)!r}, but "
          f"{len(failures)} part(s) failed: {listed}", file=sys.stderr)  # fmt: skip
    return INCOMPLETE


def explain_budget(args: argparse.Namespace) -> float:
    """``--explain-budget``, or half the time budget (at least 15 s)."""
    from autoxai.report._stage import DEFAULT_EXPLAIN_FRACTION, MIN_BUDGET

    if args.explain_budget is not None:
        if not args.explain_budget > 0:
            raise AutoXAIError(f"--explain-budget must be > 0 seconds, got {args.explain_budget}")
        return float(args.explain_budget)
    base = args.time_budget if args.time_budget else 60.0
    return max(MIN_BUDGET, DEFAULT_EXPLAIN_FRACTION * base)


def _explain_and_report(
    console: Console, automl, out: Path, args: argparse.Namespace
) -> list[tuple[str, str]]:
    """The explanation stage, then report.html; return what failed, as (part, error).

    Nothing here can lose the model: it is saved before, failures are recorded in
    run.json (and, for methods, on the page) instead of raised.
    """
    from autoxai.report import build_report
    from autoxai.report._stage import ExplanationStage

    budget = explain_budget(args)
    console.print(f"explaining the model with every method (budget {budget:.0f} s) ...")
    ds = automl.dataset_

    def progress(line: str) -> None:
        if not args.no_progress:
            console.print(f"  {line}", markup=False, highlight=False)

    # the cap covers the stage and the report: the page's figures take a few seconds
    stage_budget = budget - min(5.0, REPORT_SHARE * budget)
    stage = ExplanationStage(
        automl, ds.X, ds.y, budget=stage_budget, random_state=args.seed, progress=progress
    )
    started = time.time()
    stage.run()
    stage.save(out / "explanations")
    failures = stage.failures
    explained = time.time()
    try:
        path = build_report(out)
    except Exception as exc:  # the page is the last part: the rest is on disk already
        failures.append(("report", f"{type(exc).__name__}: {exc}"))
        path = None
    # run.json gains the stage's cost: explanations and report together are the cap
    run_json = out / "run.json"
    run = json.loads(run_json.read_text())
    run["timings"].update(explanations=explained - started, report=time.time() - explained)
    run["explain_budget"] = budget
    if failures:
        run["status"] = "incomplete"
        run["failures"] = [{"part": name, "error": error} for name, error in failures]
    write_json(run_json, run)
    written = f"report: {str(path)!r}" if path else "no report"
    console.print(
        f"explanations in {str(out / 'explanations')!r}; {written}",
        markup=False,
        highlight=False,
    )
    return failures


def _dask_executor(address: str):
    try:
        from distributed import Client
    except ImportError:
        raise AutoXAIError("--dask needs the dask extra: pip install 'autoxai[dask]'") from None
    try:
        return Client(address, timeout=10).get_executor()
    except OSError as exc:
        raise AutoXAIError(f"cannot reach the Dask scheduler at {address!r}: {exc}") from None


def _fingerprint(data, table) -> str:
    if isinstance(data, (str, Path)):
        digest = hashlib.sha256(Path(data).read_bytes()).hexdigest()
    else:
        import pandas as pd

        digest = hashlib.sha256(pd.util.hash_pandas_object(table).values.tobytes()).hexdigest()
    return f"sha256:{digest}"


def _write_run_json(out, automl, data, table, notes, args, wall) -> None:
    import lightgbm
    import numpy
    import pandas
    import sklearn

    ds = automl.dataset_
    best = automl.leaderboard_.iloc[0]
    metric_column = f"cv_{automl.metric_.name}"
    run = {
        "autoxai_version": __version__,
        "python": platform.python_version(),
        "versions": {"numpy": numpy.__version__, "pandas": pandas.__version__,
                     "scikit-learn": sklearn.__version__, "lightgbm": lightgbm.__version__},
        "command": sys.argv,
        "data": {"source": str(data), "fingerprint": _fingerprint(data, table),
                 "rows": int(ds.n_rows_in), "columns": int(table.shape[1])},
        "target": ds.target,
        "target_summary": _target_summary(ds),
        "task": ds.task,
        "metric": automl.metric_.name,
        "settings": {"search": args.search, "time_budget": args.time_budget,
                     "n_trials": args.n_trials, "cv": args.cv, "models": args.models,
                     "seed": args.seed, "n_jobs": args.n_jobs},
        "decisions": [d.__dict__ for d in ds.decisions],
        "model_decisions": automl.model_decisions_,
        "notes": list(notes) + list(ds.notes),
        "best": {"trial": int(best["trial"]), "model": best["model"], "params": best["params"],
                 metric_column: float(best[metric_column])},
        "ensemble": automl.ensemble_,
        "n_trials": len(automl.leaderboard_),
        "n_evaluations": len(automl.study_.trials),
        "schedule": _schedule_json(automl),
        "timings": {**automl.timings_, "wall": wall},
        "status": "complete",
    }  # fmt: skip
    write_json(out / "run.json", run)


def _trials_table(automl):
    """Every evaluation of the search (trials.csv): state, loss, score, budget, rung,
    bracket, parent (the evaluation it was promoted from), times and parameters."""
    frame = automl.study_.trials_dataframe().rename(columns={"value": "loss"})
    metric = automl.metric_
    score = frame["loss"].map(lambda v: None if v is None or v != v else metric.from_loss(v))
    frame.insert(frame.columns.get_loc("loss") + 1, f"cv_{metric.name}", score)
    return frame


def _schedule_json(automl) -> dict | None:
    """The multi-fidelity plan and what ran on each rung, for run.json."""
    from autoxai.report._data import rung_summary

    if automl.schedule_ is None:
        return None
    summary = rung_summary(_trials_table(automl))
    metric = automl.metric_
    rungs = [
        {
            "budget": float(r["budget"]),
            "rung": None if r["rung"] != r["rung"] else int(r["rung"]),
            "evaluations": int(r["evaluations"]),
            "complete": int(r["complete"]),
            "queued": int(r["queued"]),
            "promoted": int(r["promoted"]),
            f"best_cv_{metric.name}": None
            if r["best_loss"] != r["best_loss"]
            else metric.from_loss(float(r["best_loss"])),
        }
        for _, r in summary.iterrows()
    ]
    return {**automl.schedule_, "rungs": rungs}


def _target_summary(ds) -> dict:
    """Class counts (classification) or quantiles and a histogram (regression)."""
    import numpy as np

    y = ds.y
    if ds.task != "regression":
        counts = y.value_counts()
        return {"classes": {str(k): int(v) for k, v in counts.items()}}
    values = y.to_numpy(dtype=float)
    counts, edges = np.histogram(values, bins=20)
    q = np.quantile(values, [0, 0.25, 0.5, 0.75, 1])
    return {
        "mean": float(values.mean()), "std": float(values.std()),
        "quantiles": dict(zip(["min", "q25", "median", "q75", "max"], map(float, q))),
        "histogram": {"counts": counts.tolist(), "edges": edges.tolist()},
    }  # fmt: skip


def _print_summary(console: Console, automl, out: Path, notes) -> None:
    ds = automl.dataset_
    console.print(f"[bold]{ds.task}[/bold] task on {ds.n_rows_in} rows; target {ds.target!r}")
    for d in ds.decisions:
        if not d.used and d.kind != "target":
            console.print(f"  dropped {d.column!r}: {d.reason}", markup=False, highlight=False)
        elif d.column in ds.schema.number_formats:  # text read as numbers: say how
            console.print(f"  read {d.column!r}: {d.reason}", markup=False, highlight=False)
    for d in automl.model_decisions_:
        console.print(f"  left out model {d['model']!r}: {d['reason']}", markup=False,
                      highlight=False)  # fmt: skip
    for note in [*notes, *ds.notes]:
        console.print(f"  note: {note}", markup=False, highlight=False)
    metric = automl.metric_.name
    schedule = automl.schedule_
    if schedule is not None:
        _print_rungs(console, automl)
    title = f"Leaderboard (cross-validated {metric}"
    title += ", on all training rows)" if schedule is not None else ")"
    table = Table(title=title)
    columns = ["rank", "trial", "model", metric, "± std", "fit s"]
    if schedule is not None:
        columns.append("rung history (trial: budget)")
    for column in columns:
        table.add_column(column, justify="right")
    trials = automl.study_.trials if schedule is not None else []
    for i, row in automl.leaderboard_.head(10).iterrows():
        std = "" if row["cv_std"] is None else f"{row['cv_std']:.4f}"
        fit = "" if row["fit_time"] is None else f"{row['fit_time']:.2f}"
        cells = [str(i + 1), str(row["trial"]), row["model"], f"{row['cv_' + metric]:.4f}", std,
                 fit]  # fmt: skip
        if schedule is not None:
            cells.append(_history_text(row["history"], trials))
        table.add_row(*cells)
    console.print(table)
    if len(automl.ensemble_) > 1:
        parts = ", ".join(f"trial {m['trial']} × {m['weight']:.2f}" for m in automl.ensemble_)
        console.print(f"final model: ensemble of {parts}")
    else:
        console.print(f"final model: trial {automl.ensemble_[0]['trial']} (best single model)")
    console.print(
        f"time: {automl.timings_['total']:.1f} s; outputs in {str(out)!r}: model/, "
        "leaderboard.csv, trials.csv, run.json, study.db",
        markup=False,
        highlight=False,
    )


def _history_text(history, trials) -> str:
    """``7: 1/3 → 10: 1``: the evaluations of a configuration, lowest rung first."""
    from autoxai.automl._automl import budget_text

    parts = []
    for number in history:
        budget = trials[number].budget
        parts.append(f"{number}: {'1' if budget is None else budget_text(budget)}")
    return " → ".join(parts)


def _print_rungs(console: Console, automl) -> None:
    """The multi-fidelity plan and, per budget, what ran and the best score there."""
    from autoxai.automl._automl import budget_text
    from autoxai.report._data import rung_summary

    schedule = automl.schedule_
    console.print(f"  note: {schedule['note']}", markup=False, highlight=False)
    metric = automl.metric_
    summary = rung_summary(_trials_table(automl))
    table = Table(title=f"Search by budget ({schedule['scheduler']}, eta={schedule['eta']})")
    for column in ("rung", "budget", "rows/fold", "evals", "complete", "promoted",
                   f"best {metric.name}"):  # fmt: skip
        table.add_column(column, justify="right")
    rows = dict(zip(schedule["budgets"], schedule["training_rows"]))
    queued = 0
    for _, r in summary.iterrows():
        rung = "" if r["rung"] != r["rung"] else str(int(r["rung"]))
        queued += int(r["queued"])
        best = "" if r["best_loss"] != r["best_loss"] else f"{metric.from_loss(r['best_loss']):.4f}"
        n_rows = next((str(n) for b, n in rows.items() if abs(b - r["budget"]) < 1e-9), "")
        table.add_row(rung, budget_text(r["budget"]), n_rows, str(int(r["evaluations"])),
                      str(int(r["complete"])), str(int(r["promoted"])), best)  # fmt: skip
    console.print(table)
    if queued:
        console.print(f"  ({queued} of the evaluations on all rows are the known-good defaults, "
                      "run outside the schedule)", markup=False, highlight=False)  # fmt: skip
