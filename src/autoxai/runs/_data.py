"""What the report reads from a run directory, gathered once; nothing is recomputed.

A run directory (written by ``autoxai run``) holds ``run.json`` (data summary, column
decisions, settings, timings), ``leaderboard.csv``, ``study.db`` (every trial, SQLite)
and ``explanations/`` (one JSON per result and ``manifest.json``). Any of them may be
missing or unreadable — a run stopped early, a method skipped — and the report then says
so in the place the missing part would have filled; :attr:`RunData.problems` lists what
could not be read.

The trials are read straight from the study's storage, not through
:func:`autoxai.create_study`: that would need the search space and, on reopening, marks
trials left RUNNING as interrupted — a report must not change the database it reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from autoxai.automl._constants import STUDY_NAME
from autoxai.explain import Explanation

__all__ = ["RunData", "read_run"]


@dataclass
class RunData:
    """Everything the report shows, as read from one run directory.

    Attributes
    ----------
    directory : Path
    run : dict
        ``run.json`` (empty when missing).
    leaderboard : DataFrame or None
    trials : DataFrame or None
        One row per trial: ``number``, ``state``, ``score`` (in the metric's units),
        ``loss``, ``model`` (family), ``params``, ``duration``, ``elapsed`` (seconds
        from the first trial's start to this one's completion), ``error``, and for a
        multi-fidelity search ``budget`` (the fraction of the training rows), ``rung``
        and ``parent`` (the trial promoted from); those are NaN for other searches.
    explanations : dict of str to Explanation
    manifest : dict
        ``explanations/manifest.json`` (empty when missing).
    problems : list of str
        Files that exist but could not be read, with the reason.
    """

    directory: Path
    run: dict[str, Any] = field(default_factory=dict)
    leaderboard: pd.DataFrame | None = None
    trials: pd.DataFrame | None = None
    explanations: dict[str, Explanation] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def metric(self) -> str:
        return str(self.run.get("metric", "score"))

    @property
    def multi_fidelity(self) -> bool:
        """Whether the trials were evaluated on different budgets (a scheduler's search)."""
        if self.trials is None or "budget" not in self.trials:
            return False
        return bool(self.trials["budget"].notna().any())

    @property
    def greater_is_better(self) -> bool:
        """The metric's direction (from :data:`autoxai.automl.METRICS`; unknown: higher)."""
        from autoxai.metrics import METRICS

        metric = METRICS.get(self.metric)
        return True if metric is None else bool(metric.greater_is_better)

    def status(self, method: str) -> dict[str, Any] | None:
        """The manifest's last entry for ``method`` (status, seconds, rows, note, error)."""
        for entry in reversed(self.manifest.get("methods", [])):
            if entry.get("method") == method:
                return entry
        return None

    def finished_at(self) -> datetime | None:
        """When the run finished: run.json's record, else the last trial, else the file."""
        for key in ("finished", "finished_at", "created", "date"):
            value = self.run.get(key)
            if isinstance(value, str):
                try:
                    return datetime.fromisoformat(value)
                except ValueError:
                    pass
        if self.trials is not None and "time_complete" in self.trials:
            last = self.trials["time_complete"].max()
            if pd.notna(last):
                return datetime.fromtimestamp(float(last), tz=timezone.utc)
        path = self.directory / "run.json"
        if path.exists():
            return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
        return None


def read_run(run_dir: str | Path) -> RunData:
    """Read a run directory (see the module notes); never raises for a missing part."""
    from autoxai.runs._stage import load_explanations

    directory = Path(run_dir)
    data = RunData(directory=directory)
    path = directory / "run.json"
    if path.exists():
        try:
            data.run = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            data.problems.append(f"run.json: {exc}")
    path = directory / "leaderboard.csv"
    if path.exists():
        try:
            data.leaderboard = pd.read_csv(path)
        except (OSError, ValueError) as exc:
            data.problems.append(f"leaderboard.csv: {exc}")
    path = directory / "study.db"
    if path.exists():
        try:
            data.trials = _read_trials(path, data)
        except Exception as exc:
            data.problems.append(f"study.db: {type(exc).__name__}: {exc}")
    try:
        data.explanations, data.manifest = load_explanations(directory / "explanations")
    except Exception as exc:
        data.problems.append(f"explanations/: {type(exc).__name__}: {exc}")
    return data


def _read_trials(path: Path, data: RunData) -> pd.DataFrame:
    """The study's trials as a table, scores in the metric's units."""
    from autoxai.metrics import METRICS
    from autoxai.storage import SQLStorage

    storage = SQLStorage(f"sqlite:///{path.resolve()}")
    record = storage.load_study(STUDY_NAME)
    if record is None:
        names = storage.study_names()
        if len(names) != 1:
            raise ValueError(f"no study named {STUDY_NAME!r} (found {names})")
        record = storage.load_study(names[0])
    trials = storage.get_trials(record.study_id)
    metric = METRICS.get(data.metric)
    rows = []
    for t in trials:
        loss = t.value
        score = None if loss is None else (metric.from_loss(loss) if metric else loss)
        rows.append(
            {
                "number": t.number,
                "state": str(t.state),
                "loss": loss,
                "score": score,
                "model": str(t.params.get("model", "")),
                "params": t.params,
                "duration": t.duration,
                "time_start": t.time_start,
                "time_complete": t.time_complete,
                "error": t.error,
                "budget": t.budget,
                "rung": t.rung,
                "parent": t.parent,
            }
        )
    table = pd.DataFrame(
        rows,
        columns=[
            "number",
            "state",
            "loss",
            "score",
            "model",
            "params",
            "duration",
            "time_start",
            "time_complete",
            "error",
            "budget",
            "rung",
            "parent",
        ],
    )
    for column in ("budget", "rung", "parent"):
        table[column] = pd.to_numeric(table[column], errors="coerce")
    starts = pd.to_numeric(table["time_start"], errors="coerce")
    begin = starts.min() if starts.notna().any() else np.nan
    table["elapsed"] = pd.to_numeric(table["time_complete"], errors="coerce") - begin
    return table
