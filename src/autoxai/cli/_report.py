"""``autoxai report``: rebuild report.html from a run directory."""

from __future__ import annotations

import argparse
from pathlib import Path

from autoxai.exceptions import AutoXAIError

NAME = "report"


def add_parser(sub) -> None:
    parser = sub.add_parser(
        NAME,
        help="rebuild report.html from a run directory",
        description="Rebuild RUN_DIR/report.html from what the run saved (run.json, "
        "leaderboard.csv, study.db, explanations/); nothing is recomputed.",
    )
    parser.add_argument("run_dir", help="a directory written by `autoxai run` or `demo`")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from autoxai.report import build_report

    run_dir = Path(args.run_dir)
    if not (run_dir / "run.json").exists():
        raise AutoXAIError(f"{str(run_dir)!r} is not a run directory (no run.json)")
    path = build_report(run_dir)
    print(f"report: {path}")
    return 0
