"""The run's report: explanations computed once, then one self-contained HTML page.

:class:`~autoxai.runs.ExplanationStage` (the run layer) runs every explanation method on
a fitted AutoML within a time budget and saves the results (``explanations/``);
:func:`build_report` reads a run
directory — ``run.json``, ``leaderboard.csv``, ``study.db``, ``explanations/`` — and
writes ``report.html``: data summary, leaderboard and search history, hyperparameter
importance, global explanations with their uncertainty, local explanations of telling
rows, the consensus table, every warning and the timings. Figures are matplotlib drawings
inlined as SVG; the page has no script and loads nothing, and every string from the
user's data is escaped.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["build_report"]

REPORT_FILE = "report.html"


def build_report(run_dir: str | Path) -> Path:
    """Write ``run_dir/report.html`` from what the run saved; return its path.

    Nothing is recomputed: the page only reads the run's files. Parts that are missing
    (a run without explanations, a skipped method) are reported as such in the page.

    Parameters
    ----------
    run_dir : str or Path
        A directory written by ``autoxai run`` (it must hold ``run.json``).

    Returns
    -------
    Path
        The report file.

    Raises
    ------
    AutoXAIError
        ``run_dir`` is not a run directory.
    """
    from autoxai.exceptions import AutoXAIError
    from autoxai.report._page import render
    from autoxai.runs._data import read_run

    directory = Path(run_dir)
    if not (directory / "run.json").is_file():
        raise AutoXAIError(f"{str(directory)!r} is not a run directory (no run.json)")
    page = render(read_run(directory))
    path = directory / REPORT_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)  # a reader never sees half a report
    return path
