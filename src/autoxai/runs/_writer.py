"""The writer of a run directory (:class:`~autoxai.runs.RunLayout`).

The search's results are written as soon as the model is fitted — ``model/``,
``leaderboard.csv``, ``trials.csv`` and ``run.json`` — so nothing made is lost if the
explanations then fail; :func:`record_explanations` adds the stage's results and its
cost afterwards. Every JSON file is strict JSON (:mod:`autoxai._json`).
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from autoxai._json import write_json
from autoxai._version import __version__
from autoxai.automl._fidelity import rung_summary
from autoxai.runs._layout import RunLayout
from autoxai.runs._plan import TimePlan

__all__ = ["record_explanations", "schedule_json", "trials_table", "write_search"]


def write_search(
    layout: RunLayout,
    automl: Any,
    *,
    data: Any,
    table: pd.DataFrame,
    notes: list[str],
    settings: dict[str, Any],
    plan: TimePlan,
    wall: float,
) -> None:
    """Save the fitted model, the leaderboard, every trial and run.json."""
    automl.save(layout.model)
    automl.leaderboard_.drop(columns=["_loss", "_params"]).to_csv(layout.leaderboard, index=False)
    trials_table(automl).to_csv(layout.trials, index=False)
    ds = automl.dataset_
    best = automl.leaderboard_.iloc[0]
    metric_column = f"cv_{automl.metric_.name}"
    run = {
        "autoxai_version": __version__,
        "python": platform.python_version(),
        "versions": _versions(),
        "command": sys.argv,
        "data": {"source": str(data) if isinstance(data, (str, Path)) else "DataFrame",
                 "fingerprint": _fingerprint(data, table),
                 "rows": int(ds.n_rows_in), "columns": int(table.shape[1])},
        "target": ds.target,
        "target_summary": _target_summary(ds),
        "task": ds.task,
        "metric": automl.metric_.name,
        "settings": settings,
        "time_plan": plan.to_dict(),
        "decisions": [d.__dict__ for d in ds.decisions],
        "model_decisions": automl.model_decisions_,
        "notes": list(notes) + list(ds.notes),
        "best": {"trial": int(best["trial"]), "model": best["model"], "params": best["params"],
                 metric_column: float(best[metric_column])},
        "ensemble": automl.ensemble_,
        "final": getattr(automl, "final_decisions_", None),
        "n_trials": len(automl.leaderboard_),
        "n_evaluations": len(automl.study_.trials),
        "schedule": schedule_json(automl),
        "timings": {**automl.timings_, "wall": wall},
        "status": "complete",
    }  # fmt: skip
    write_json(layout.run_json, run)


def record_explanations(
    layout: RunLayout,
    *,
    explain_budget: float,
    timings: dict[str, float],
    failures: list[tuple[str, str]],
) -> None:
    """Add the explanation stage's cost, and what failed, to run.json."""
    run = json.loads(layout.run_json.read_text())
    run["timings"].update(timings)
    run["explain_budget"] = explain_budget
    if failures:
        run["status"] = "incomplete"
        run["failures"] = [{"part": name, "error": error} for name, error in failures]
    write_json(layout.run_json, run)


def trials_table(automl: Any) -> pd.DataFrame:
    """Every evaluation of the search (trials.csv): state, loss, score, budget, rung,
    bracket, parent (the evaluation it was promoted from), times, parameters, and
    ``shrunk`` (how it was made smaller to finish in time, see ``model_decisions_``)."""
    frame = automl.study_.trials_dataframe().rename(columns={"value": "loss"})
    shrunk = {d["trial"]: d["reason"] for d in automl.model_decisions_ if d["action"] == "shrunk"}
    frame["shrunk"] = frame["number"].map(shrunk)
    metric = automl.metric_
    score = frame["loss"].map(lambda v: None if v is None or v != v else metric.from_loss(v))
    frame.insert(frame.columns.get_loc("loss") + 1, f"cv_{metric.name}", score)
    return frame


def schedule_json(automl: Any) -> dict | None:
    """The multi-fidelity plan and what ran on each rung, for run.json."""
    if automl.schedule_ is None:
        return None
    summary = rung_summary(trials_table(automl))
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


def _versions() -> dict[str, str]:
    import lightgbm
    import sklearn

    return {"numpy": np.__version__, "pandas": pd.__version__,
            "scikit-learn": sklearn.__version__, "lightgbm": lightgbm.__version__}  # fmt: skip


def _fingerprint(data: Any, table: pd.DataFrame) -> str:
    if isinstance(data, (str, Path)):
        digest = hashlib.sha256(Path(data).read_bytes()).hexdigest()
    else:
        digest = hashlib.sha256(pd.util.hash_pandas_object(table).values.tobytes()).hexdigest()
    return f"sha256:{digest}"


def _target_summary(ds: Any) -> dict:
    """Class counts (classification) or quantiles and a histogram (regression)."""
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
