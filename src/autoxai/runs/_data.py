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

The results made per feature and per explained row are named ``"<kind>:<key>"`` on disk
(:func:`~autoxai.runs._stage.result_name`); :meth:`RunData.effects` and
:meth:`RunData.local_rows` hand them over typed, so no reader spells those names. The
manifest records each explained row (its number, why it is telling, the class it is
explained for); for a run directory written before it did, those are derived here, once.
"""

from __future__ import annotations

import ast
import contextlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from autoxai.automl._constants import STUDY_NAME
from autoxai.explain import Explanation
from autoxai.runs._files import load_explanations
from autoxai.runs._stage import EFFECT_KINDS, LOCAL_KINDS, result_name, split_name

__all__ = ["Effect", "LocalRow", "RunData", "read_run"]


@dataclass(frozen=True)
class Effect:
    """The effect of one feature: its partial dependence (with ICE) and its ALE.

    Either may be None: not computed (the manifest says why under :attr:`pdp_name` or
    :attr:`ale_name`), or, for ALE, not planned (the column has no order).
    """

    feature: str
    pdp: Explanation | None
    ale: Explanation | None

    @property
    def pdp_name(self) -> str:
        return result_name("pdp", self.feature)

    @property
    def ale_name(self) -> str:
        return result_name("ale", self.feature)


@dataclass(frozen=True)
class LocalRow:
    """One explained row: why it was chosen, its SHAP and LIME explanations.

    Attributes
    ----------
    key : str
        The row's key in the result names (``"local_shap:<key>"``).
    row : int or None
        Its position among the explained rows (None when not recorded).
    reason : str or None
        What makes it telling ("most confident mistake").
    shap, lime : Explanation or None
    output : int
        The SHAP output (class) to draw: the class LIME explains, the one the model
        predicts for the row.
    absent_name : str
        The result whose manifest entry says why the row has neither explanation.
    """

    key: str
    row: int | None
    reason: str | None
    shap: Explanation | None
    lime: Explanation | None
    output: int = 0
    absent_name: str = ""

    @property
    def shap_name(self) -> str:
        return result_name("local_shap", self.key)

    @property
    def lime_name(self) -> str:
        return result_name("local_lime", self.key)


@dataclass
class RunData:
    """Everything the report shows, as read from one run directory.

    Attributes
    ----------
    directory : Path
    run : dict
        ``run.json`` (empty when missing).
    leaderboard : DataFrame or None
        ``leaderboard.csv``, its ``params`` as dicts and ``history`` as lists.
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

    def score_of(self, loss: float) -> float:
        """A loss in the metric's units (as the trials table's ``score``)."""
        from autoxai.metrics import METRICS

        metric = METRICS.get(self.metric)
        return metric.from_loss(loss) if metric else loss

    def trials_on_all_rows(self) -> pd.DataFrame | None:
        """The trials evaluated on all training rows: the only ones whose scores rank
        (every trial of a search without budgets)."""
        from autoxai.automl._fidelity import is_full

        if self.trials is None:
            return None
        return self.trials[self.trials["budget"].map(is_full)]

    def budgets(self) -> list[float]:
        """The budgets (shares of the training rows) the trials were given, lowest first."""
        if not self.multi_fidelity:
            return []
        return [float(b) for b in sorted(self.trials["budget"].dropna().unique())]

    def rungs(self) -> pd.DataFrame:
        """The search by budget (:func:`~autoxai.automl._fidelity.rung_summary`), with
        ``rows`` (training rows per fold, from the schedule) and ``best_score``."""
        from autoxai.automl._fidelity import rows_at, rung_summary

        summary = rung_summary(self.trials)
        schedule = self.run.get("schedule") or {}
        summary["rows"] = [rows_at(schedule, b) for b in summary["budget"]]
        summary["best_score"] = [self.score_of(float(v)) if pd.notna(v) else v
                                 for v in summary["best_loss"]]  # fmt: skip
        return summary

    def history_text(self, history: Any) -> str:
        """``7: 1/3 → 10: 1``: a configuration's evaluations (the leaderboard's ``history``)."""
        from autoxai.automl._fidelity import history_text

        if not isinstance(history, (list, tuple)):
            return ""
        budgets = {}
        if self.trials is not None and "budget" in self.trials:
            budgets = dict(zip(self.trials["number"], self.trials["budget"]))
        return history_text(history, budgets)

    def failure_reasons(self) -> list[tuple[str, int]]:
        """Why trials failed: each error's first line and how many failed with it."""
        if self.trials is None:
            return []
        failed = self.trials[self.trials["state"] == "FAILED"]
        first_lines = failed["error"].map(
            lambda e: (str(e).strip().splitlines() or ["?"])[0] if e else "no reason recorded"
        )
        return [(str(reason), int(n)) for reason, n in first_lines.value_counts().items()]

    def status(self, method: str) -> dict[str, Any] | None:
        """The manifest's last entry for ``method`` (status, seconds, rows, note, error)."""
        for entry in reversed(self.manifest.get("methods", [])):
            if entry.get("method") == method:
                return entry
        return None

    def _names(self) -> list[str]:
        """Every result name, planned (manifest) or found, in the order the stage ran."""
        names = [str(e.get("method", "")) for e in self.manifest.get("methods", [])]
        return list(dict.fromkeys(names + list(self.explanations)))

    def _keys(self, kinds: tuple[str, ...]) -> list[str]:
        """The keys of the per-feature or per-row results of ``kinds``, first seen first."""
        keys = [key for kind, key in map(split_name, self._names()) if kind in kinds and key]
        return list(dict.fromkeys(keys))

    def effects(self) -> list[Effect]:
        """The features given a PDP or an ALE (done or not), in the order planned."""
        return [Effect(f, self.explanations.get(result_name("pdp", f)),
                       self.explanations.get(result_name("ale", f)))
                for f in self._keys(EFFECT_KINDS)]  # fmt: skip

    def local_rows(self) -> list[LocalRow]:
        """The explained rows, in the order chosen."""
        recorded = {str(r.get("key")): r for r in self.manifest.get("local_rows") or []}
        keys = list(recorded) or sorted(
            self._keys(LOCAL_KINDS),
            key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k),
        )
        rows = []
        for key in keys:
            info = recorded.get(key) or self._noted_row(key)
            shap = self.explanations.get(result_name("local_shap", key))
            lime = self.explanations.get(result_name("local_lime", key))
            explained = info.get("output")
            if explained is None and lime is not None and lime.output_names:
                explained = str(lime.output_names[0])
            whole = result_name("local", key)  # a row that failed as a whole (older runs)
            absent = whole if self.status(whole) else result_name("local_shap", key)
            rows.append(LocalRow(key, info.get("row"), info.get("reason"), shap, lime,
                                 _shap_output(shap, explained), absent))  # fmt: skip
        return rows

    def overall_shap_importance(self) -> tuple[Explanation | None, bool]:
        """Mean |SHAP| for one bar per column, and whether it was summed over classes.

        With three or more classes the stage keeps one importance per class; their sum
        ranks the columns for the model as a whole. Two classes' are mirror images, and
        one output is already whole: those are returned as they are.
        """
        importance = self.explanations.get("shap_importance")
        if importance is None:
            return None, False
        values = np.asarray(importance.values, dtype=float)
        if values.ndim != 2 or values.shape[0] <= 2:
            return importance, False
        summed = Explanation(importance.method, "global", list(importance.feature_names),
                             values.sum(axis=0), diagnostics=importance.diagnostics,
                             settings=importance.settings)  # fmt: skip
        return summed, True

    def _noted_row(self, key: str) -> dict[str, Any]:
        """A row's number and reason from its entries' notes (``"row 13: why"``): for
        run directories written before the manifest recorded ``local_rows``."""
        for kind in LOCAL_KINDS:
            note = str((self.status(result_name(kind, key)) or {}).get("note") or "")
            found = re.fullmatch(r"row (\d+): ([^;]*)(;.*)?", note, flags=re.DOTALL)
            if found:
                return {"row": int(found.group(1)), "reason": found.group(2)}
        return {}

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


def _shap_output(shap: Explanation | None, explained: str | None) -> int:
    """The output of a row's SHAP values that explains class ``explained``.

    When that class is not among SHAP's outputs (or not known), as the report always
    did: the positive class of two, else the class with the largest total (base value
    plus the row's SHAP values), the one the model predicts.
    """
    if shap is None:
        return 0
    values = np.asarray(shap.values, dtype=float)
    if values.ndim != 3 or values.shape[0] == 1:
        return 0
    names = list(shap.output_names or [])
    if explained is not None and explained in names:
        return names.index(explained)
    if values.shape[0] == 2:
        return 1
    base = np.atleast_1d(
        np.asarray(shap.arrays.get("base_value", np.zeros(values.shape[0])), dtype=float)
    )
    totals = values[:, 0, :].sum(axis=1) + (base if base.size == values.shape[0] else 0)
    return int(np.argmax(totals))


def read_run(run_dir: str | Path) -> RunData:
    """Read a run directory (see the module notes); never raises for a missing part."""
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
            data.leaderboard = _read_leaderboard(path)
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


def _read_leaderboard(path: Path) -> pd.DataFrame:
    """leaderboard.csv, its ``params`` (dicts) and ``history`` (lists) read back from the
    text the CSV holds them as."""
    board = pd.read_csv(path)
    for column in ("params", "history"):
        if column in board:
            board[column] = board[column].map(_literal)
    return board


def _literal(value: Any) -> Any:
    """A list or dict as a CSV holds it (its repr), read back; else as it is."""
    if isinstance(value, str) and value[:1] in "[{":
        with contextlib.suppress(ValueError, SyntaxError):
            return ast.literal_eval(value)
    return value


def _read_trials(path: Path, data: RunData) -> pd.DataFrame:
    """The study's trials as a table, scores in the metric's units."""
    from autoxai.storage import SQLStorage

    storage = SQLStorage(f"sqlite:///{path.resolve()}")
    record = storage.load_study(STUDY_NAME)
    if record is None:
        names = storage.study_names()
        if len(names) != 1:
            raise ValueError(f"no study named {STUDY_NAME!r} (found {names})")
        record = storage.load_study(names[0])
    trials = storage.get_trials(record.study_id)
    rows = []
    for t in trials:
        loss = t.value
        score = None if loss is None else data.score_of(loss)
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
