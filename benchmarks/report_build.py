"""Time and size of the report on top of the demo run.

What is measured
----------------
``autoxai demo`` (Palmer penguins, 20 s search budget, explanation budget 30 s) is run
once into a temporary directory; then the report is rebuilt from that directory with
``autoxai.report.build_report`` ``--reps`` times (default 5) and the median wall time
and the file size are reported, with the explanation stage's own seconds and the
figures' count. The build reads only the run directory's files (nothing recomputed).

Targets (issue: the report): the demo report builds in a few seconds on top of the run,
and is under 5 MB.

Run ``python benchmarks/report_build.py``; results go to
``benchmarks/results/report_build.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _common as common

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = common.argument_parser(
        __doc__.splitlines()[0],
        HERE / "results" / "report_build.md",
        "smoke run: 15 s search, 10 s explanations, 2 rebuilds",
    )
    parser.add_argument("--reps", type=int, default=None, help="rebuilds (default 5; quick 2)")
    args = parser.parse_args(argv)
    args.reps = args.reps or (2 if args.quick else 5)
    command = common.command_line("report_build.py", argv)
    demo = ["demo", "--no-progress"]
    if args.quick:
        demo += ["--time-budget", "15", "--explain-budget", "10"]

    from autoxai.cli import main as cli
    from autoxai.report import build_report

    started = dt.datetime.now().astimezone()
    meter = common.LoadMeter()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        out = Path(tmp) / "demo"
        t0 = time.perf_counter()
        code = cli([*demo, "--out", str(out)])
        demo_wall = time.perf_counter() - t0
        if code != 0:
            print("autoxai demo failed", file=sys.stderr)
            return 1
        run = json.loads((out / "run.json").read_text())
        times = []
        for _ in range(args.reps):
            t0 = time.perf_counter()
            path = build_report(out)
            times.append(time.perf_counter() - t0)
        html = path.read_text(encoding="utf-8")
        size = path.stat().st_size
    load = meter.stop()
    median = statistics.median(times)
    n_svg = html.count("<svg")
    lines = [
        "# The report on top of the demo run: build time and size",
        "",
        f"- date: {started.isoformat(timespec='seconds')}",
        *common.provenance_lines(command, load, ("matplotlib", "scikit-learn", "lightgbm")),
        f"- measured command: `autoxai {' '.join(demo)} --out OUT`",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| `autoxai demo` wall time (search, refit, explanations, report) | {demo_wall:.1f} s |",
        f"| explanation stage (run.json) | {run['timings'].get('explanations', 0):.1f} s |",
        f"| report build inside the demo (run.json) | {run['timings'].get('report', 0):.2f} s |",
        f"| report rebuild, median of {args.reps} (min-max) | {median:.2f} s "
        f"({min(times):.2f}-{max(times):.2f}) |",
        f"| report size | {size / 1024**2:.2f} MB |",
        f"| figures (inline SVG) | {n_svg} |",
        "",
        f"Targets: builds in a few seconds ({median:.2f} s) and under 5 MB "
        f"({size / 1024**2:.2f} MB): " + common.verdict(size < 5 * 1024**2 and median < 10) + ".",
    ]
    common.write_report(args.output, "\n".join(lines) + "\n")
    row = {"demo_wall_s": demo_wall, "rebuild_s": times, "size_bytes": size, "svg": n_svg}
    meta = {"command": command, "started": started, "load": load}
    common.write_raw(common.raw_path(args.output), meta, [{**row, "timings": run["timings"]}])
    return 0


if __name__ == "__main__":
    sys.exit(main())
