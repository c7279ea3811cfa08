"""``autoxai demo``: a short search on a built-in problem, to see autoxai work."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from autoxai.datasets import branin
from autoxai.study import tune

NAME = "demo"


def add_parser(sub) -> None:
    parser = sub.add_parser(
        NAME,
        help="run a short search on built-in data and print the result",
        description=(
            "Minimise the Branin function (2 parameters, known minimum 0.397887) with the "
            "chosen search method, and show the best trials."
        ),
    )
    parser.add_argument("--n-trials", type=int, default=100, help="trials to run (default 100)")
    parser.add_argument(
        "--method", default="tpe", help="search method: random, grid or tpe (default tpe)"
    )
    parser.add_argument("--random-state", type=int, default=0, help="seed (default 0)")
    parser.add_argument("--n-jobs", type=int, default=1, help="trials run at once (default 1)")
    parser.add_argument("--storage", default=None, help="database URL, e.g. sqlite:///demo.db")
    parser.add_argument("--no-progress", action="store_true", help="do not show the progress bar")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    console = Console()
    console.print(
        f"[bold]autoxai demo[/bold]: {args.method} search on the Branin function "
        f"({args.n_trials} trials, minimum known to be {branin.optimum:.6f})"
    )
    study = tune(
        branin,
        branin.space,
        method=args.method,
        n_trials=None if args.method == "grid" else args.n_trials,
        random_state=args.random_state,
        n_jobs=args.n_jobs,
        storage=args.storage,
        study_name="demo-branin" if args.storage else None,
        show_progress=not args.no_progress,
        sampler_options={"n_points": 10} if args.method == "grid" else None,
    )
    complete = sorted((t for t in study.trials if t.value is not None), key=lambda t: t.value)
    table = Table(title="Best trials")
    for column in ("trial", "x1", "x2", "value"):
        table.add_column(column, justify="right")
    for t in complete[:5]:
        table.add_row(
            str(t.number), f"{t.params['x1']:.4f}", f"{t.params['x2']:.4f}", f"{t.value:.6f}"
        )
    console.print(table)
    best = study.best_trial
    console.print(
        f"best value {best.value:.6f} after {len(study.trials)} trials "
        f"(gap to the known minimum: {best.value - branin.optimum:.6f})"
    )
    return 0
