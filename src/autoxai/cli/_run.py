"""``autoxai run``: load a table, search, refit, and write the run directory.

Exit status: 0 when everything was made; :data:`INCOMPLETE` (3) when the model, the
leaderboard and run.json are saved but an explanation method or the report failed (one
line on stderr names them; run.json's ``status`` and ``failures`` record them); 2 for a
user mistake, with nothing written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from autoxai.exceptions import AutoXAIError
from autoxai.runs._plan import TimePlan

NAME = "run"

#: ``--stack`` and ``--portfolio`` to AutoML's ``stack`` and ``portfolio``.
_SWITCH = {"auto": "auto", "on": True, "off": False}

#: The demo's explanation budget: enough for every method on its small ensemble, whose
#: Kernel SHAP costs about a second per row.
DEMO_EXPLAIN_BUDGET = 30.0

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
        "these), xgb and catboost (need the xgboost and catboost extras)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _add_compute_arguments(parser)
    _add_final_arguments(parser)
    _add_explain_arguments(parser, demo=demo)


def _add_compute_arguments(parser: argparse.ArgumentParser) -> None:
    """Where and how long the trials run."""
    parser.add_argument(
        "--n-jobs",
        type=int,
        default=-1,
        help="cores to use (default -1: all): that many trials at once, and the final "
        "refit on all of them",
    )
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


def _add_final_arguments(parser: argparse.ArgumentParser) -> None:
    """What is tried first, and what the chosen configurations become."""
    parser.add_argument(
        "--portfolio",
        choices=("auto", "on", "off"),
        default="auto",
        help="try the learned portfolio's zero-shot configurations first (on), or each "
        "family's hand-picked defaults (off); auto: the portfolio (default auto)",
    )
    parser.add_argument(
        "--final-model",
        choices=("auto", "refit", "bagged"),
        default="auto",
        help="refit the chosen model(s) on all rows, or keep the cross-validation fold "
        "models and average them (bagged); auto: bagged under k-fold CV, refit on large "
        "tables when the refit fits in the time the search leaves (default auto)",
    )
    parser.add_argument(
        "--stack",
        choices=("auto", "on", "off"),
        default="auto",
        help="try a stacking layer over the ensemble (kept only if it beats the blend in "
        "cross-validation); auto: when the time budget is at least 120 s (default auto)",
    )


def _add_explain_arguments(parser: argparse.ArgumentParser, *, demo: bool) -> None:
    """The explanation stage and the progress display."""
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
    """Shared by ``run`` and ``demo``: :func:`autoxai.run`, printed as it goes."""
    from autoxai._api import run
    from autoxai._utils import choose
    from autoxai.automl._params import SEARCHES
    from autoxai.study._progress import still_working

    console = Console(stderr=False)
    choose("--search", args.search, SEARCHES)  # named as the user typed it
    if args.explain_budget is not None and not args.explain_budget > 0:
        raise AutoXAIError(f"--explain-budget must be > 0 seconds, got {args.explain_budget}")
    models = (
        None if args.models is None else [m.strip() for m in args.models.split(",") if m.strip()]
    )
    executor = _dask_executor(args.dask) if args.dask else None
    show = not args.no_progress
    with still_working("reading the table, then fitting (search, then refit)", enabled=show):
        result = run(
            data, target, time_budget=args.time_budget, explain_budget=args.explain_budget,
            out=out, explain=False, resume=resume, task=args.task, metric=args.metric,
            search=args.search, n_trials=args.n_trials, cv=args.cv, models=models,
            random_state=args.seed, n_jobs=args.n_jobs, executor=executor,
            show_progress=show, trial_timeout=args.trial_timeout,
            hard_deadline=False if args.no_hard_deadline else "auto",
            final_model=args.final_model, stack=_SWITCH[args.stack],
            portfolio=_SWITCH[args.portfolio],
        )  # fmt: skip
    _print_summary(console, result, out)
    if args.no_explain:
        return 0
    plan = TimePlan(args.time_budget, args.explain_budget)
    console.print(
        f"explaining the model with every method (budget {plan.explain_seconds:.0f} s) ..."
    )

    def progress(line: str) -> None:
        if not args.no_progress:
            console.print(f"  {line}", markup=False, highlight=False)

    with still_working("explaining", enabled=show):
        result.explain(explain_budget=args.explain_budget, progress=progress)
    path = result.report_path
    written = f"report: {str(path)!r}" if path else "no report"
    console.print(
        f"explanations in {str(result.layout.explanations)!r}; {written}",
        markup=False,
        highlight=False,
    )
    if result.complete:
        return 0
    failures = result.failures
    listed = "; ".join(f"{name} ({error.splitlines()[0][:200]})" for name, error in failures)
    print(f"autoxai: incomplete: the model is saved in {str(out)!r}, but "
          f"{len(failures)} part(s) failed: {listed}", file=sys.stderr)  # fmt: skip
    return INCOMPLETE


def _dask_executor(address: str):
    try:
        from distributed import Client
    except ImportError:
        raise AutoXAIError("--dask needs the dask extra: pip install 'autoxai[dask]'") from None
    try:
        return Client(address, timeout=10).get_executor()
    except OSError as exc:
        raise AutoXAIError(f"cannot reach the Dask scheduler at {address!r}: {exc}") from None


def _print_summary(console: Console, result, out: Path) -> None:
    from autoxai.automl._fidelity import history_text

    automl = result.automl
    ds = automl.dataset_
    console.print(f"[bold]{ds.task}[/bold] task on {ds.n_rows_in} rows; target {ds.target!r}")
    for d in ds.decisions:
        if not d.used and d.kind != "target":
            console.print(f"  dropped {d.column!r}: {d.reason}", markup=False, highlight=False)
        elif d.column in ds.schema.number_formats:  # text read as numbers: say how
            console.print(f"  read {d.column!r}: {d.reason}", markup=False, highlight=False)
    for d in automl.model_decisions_:
        where = f" (trial {d['trial']})" if "trial" in d else ""
        console.print(f"  {d['action']} model {d['model']!r}{where}: {d['reason']}",
                      markup=False, highlight=False)  # fmt: skip
    for note in result.info.get("notes", []):
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
            cells.append(history_text(row["history"], {t.number: t.budget for t in trials}))
        table.add_row(*cells)
    console.print(table)
    final = automl.final_decisions_
    how = f"{final['final_model']}: {final['reason']}"
    if final["stack"]["kept"]:
        how += "; stacked (logistic / NNLS level 2)"
    if len(automl.ensemble_) > 1:
        parts = ", ".join(f"trial {m['trial']} × {m['weight']:.2f}" for m in automl.ensemble_)
        console.print(f"final model: ensemble of {parts} ({how})")
    else:
        trial = automl.ensemble_[0]["trial"]
        console.print(f"final model: trial {trial} (best single model; {how})")
    console.print(
        f"time: {automl.timings_['total']:.1f} s; outputs in {str(out)!r}: model/, "
        "leaderboard.csv, trials.csv, run.json, study.db",
        markup=False,
        highlight=False,
    )


def _print_rungs(console: Console, automl) -> None:
    """The multi-fidelity plan and, per budget, what ran and the best score there."""
    from autoxai.automl._fidelity import budget_text, rows_at, rung_summary
    from autoxai.runs._writer import trials_table

    schedule = automl.schedule_
    console.print(f"  note: {schedule['note']}", markup=False, highlight=False)
    metric = automl.metric_
    summary = rung_summary(trials_table(automl))
    table = Table(title=f"Search by budget ({schedule['scheduler']}, eta={schedule['eta']})")
    for column in ("rung", "budget", "rows/fold", "evals", "complete", "promoted",
                   f"best {metric.name}"):  # fmt: skip
        table.add_column(column, justify="right")
    queued = 0
    for _, r in summary.iterrows():
        rung = "" if r["rung"] != r["rung"] else str(int(r["rung"]))
        queued += int(r["queued"])
        best = "" if r["best_loss"] != r["best_loss"] else f"{metric.from_loss(r['best_loss']):.4f}"
        n_rows = str(rows_at(schedule, r["budget"]) or "")
        table.add_row(rung, budget_text(r["budget"]), n_rows, str(int(r["evaluations"])),
                      str(int(r["complete"])), str(int(r["promoted"])), best)  # fmt: skip
    console.print(table)
    if queued:
        console.print(f"  ({queued} of the evaluations on all rows are the known-good defaults, "
                      "run outside the schedule)", markup=False, highlight=False)  # fmt: skip
