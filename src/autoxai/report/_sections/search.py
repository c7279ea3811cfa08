"""The search section: settings, leaderboard, the budgets of a multi-fidelity search,
the history of scores, and the hyperparameters' importance."""

from __future__ import annotations

from typing import Any

import pandas as pd

from autoxai import plots as figures
from autoxai.automl._fidelity import budget_text
from autoxai.explain import Explanation
from autoxai.report._markup import Markup, facts, figure, h, pair, table
from autoxai.report._sections._common import importance_block, params_text
from autoxai.runs._data import RunData

__all__ = ["search_section"]

#: Rows of the leaderboard shown.
LEADERBOARD_ROWS = 15


def search_section(data: RunData) -> str:
    """How the model was chosen: settings, leaderboard, budgets, history, importance."""
    out = ['<section id="search"><h2>Search</h2>', _settings(data)]
    note = (data.run.get("schedule") or {}).get("note")
    if note:
        out.append(f"<p>{h(note)}</p>")
    out.append(_leaderboard(data))
    if data.multi_fidelity:
        out.append("<h3>Search by budget</h3>")
        out.append(pair(_rungs_table(data), "search_rungs"))
    out.append("<h3>Search history</h3>")
    out.append(_history(data))
    out.append("<h3>Hyperparameter importance</h3>")
    out.append(_search_importance(data))
    out.append("</section>")
    return "".join(out)


def _settings(data: RunData) -> Markup:
    """The search's settings and counts, and the run's timings."""
    run = data.run
    settings = run.get("settings", {})
    timings = run.get("timings", {})
    trials = data.trials
    multi = data.multi_fidelity
    states = ""
    if trials is not None and len(trials):
        counts = trials["state"].value_counts()
        states = ", ".join(f"{int(v)} {k.lower()}" for k, v in counts.items())
    on_all_rows = data.trials_on_all_rows()
    out = facts(
        [
            ("search method", settings.get("search")),
            ("time budget (s)", settings.get("time_budget")),
            ("trials asked", settings.get("n_trials") if settings.get("n_trials") else "no limit"),
            ("trials", states or run.get("n_trials")),
            ("configurations on all rows",
             int((on_all_rows["state"] == "COMPLETE").sum()) if multi else None),
            ("budgets (share of rows)",
             ", ".join(budget_text(b) for b in data.budgets()) if multi else None),
            ("folds", settings.get("cv")),
            ("model families", settings.get("models") or "all default"),
            ("seed", settings.get("seed")),
            ("parallel trials", settings.get("n_jobs")),
        ]
    )  # fmt: skip
    if timings:
        out += facts(
            [(f"{k} (s)", float(v)) for k, v in timings.items() if isinstance(v, (int, float))]
        )
    return out


def _leaderboard(data: RunData) -> Markup:
    """The best configurations on all rows, with their rung history and hyperparameters."""
    board = data.leaderboard
    with_history = board is not None and "history" in board.columns
    out = Markup(
        f"<h3>Leaderboard (top {LEADERBOARD_ROWS}"
        + (", evaluations on all training rows only" if with_history else "")
        + ")</h3>"
    )
    if board is None or not len(board):
        return out + Markup('<p class="missing">leaderboard.csv is missing or empty</p>')
    metric_column = f"cv_{data.metric}"
    rows = []
    for rank, (_, r) in enumerate(board.head(LEADERBOARD_ROWS).iterrows(), start=1):
        row = [rank, r.get("trial"), r.get("model"), r.get(metric_column), r.get("cv_std"),
               r.get("fit_time")]  # fmt: skip
        if with_history:
            row.append(data.history_text(r.get("history")))
        row.append(Markup(f'<span class="params">{h(params_text(r.get("params")))}</span>'))
        rows.append(row)
    more = Markup(
        f"<p>{len(board) - LEADERBOARD_ROWS} more in leaderboard.csv</p>"
        if len(board) > LEADERBOARD_ROWS
        else ""
    )
    history = ["rung history (trial: budget)"] if with_history else []
    headers = ["rank", "trial", "model", data.metric, "± std", "fit s", *history,
               "hyperparameters"]  # fmt: skip
    return out + pair(table(headers, rows, cls="board") + more, "leaderboard")


def _rungs_table(data: RunData) -> Markup:
    """What ran on each budget of a multi-fidelity search."""
    rows = [
        ["" if pd.isna(r["rung"]) else int(r["rung"]), budget_text(r["budget"]), r["rows"],
         int(r["evaluations"]), int(r["complete"]), int(r["queued"]), int(r["promoted"]),
         r["best_score"]]
        for _, r in data.rungs().iterrows()
    ]  # fmt: skip
    return table(
        ["rung", "budget (share of rows)", "rows per fold", "evaluations", "complete",
         "defaults (queued)", "promoted", f"best {data.metric}"],
        rows,
    )  # fmt: skip


def _history(data: RunData) -> Markup:
    """The scores over the search (on every budget, then on all rows), and the failures."""
    trials = data.trials
    if trials is None or not trials["score"].notna().any():
        return Markup('<p class="missing">no finished trials could be read from study.db</p>')
    multi = data.multi_fidelity
    scale = {"metric": data.metric, "greater_is_better": data.greater_is_better}
    figs = Markup("")
    if multi:
        figs += figure(
            figures.rung_scores, trials, **scale,
            caption="every evaluation, one colour per budget (share of the training rows)",
        )  # fmt: skip
    # under budgets, only scores on all rows compare with each other
    done = (data.trials_on_all_rows() if multi else trials).copy()
    done = done[done["score"].notna()]
    caption = "evaluations on all training rows only" if multi else ""
    figs += figure(figures.best_so_far, done, **scale, caption=caption)
    figs += figure(figures.trial_scores, done, **scale, caption=caption)
    reasons = data.failure_reasons()
    if reasons:
        figs += Markup(
            "<p>Failed trials: "
            + "; ".join(f"{n} × {h(reason[:200])}" for reason, n in reasons)
            + "</p>"
        )
    return pair(figs, "search")


def _search_importance(data: RunData) -> Markup:
    """Which hyperparameters mattered: a forest on (hyperparameters -> loss), explained."""

    def details(result: Explanation) -> tuple[str, list[tuple[str, Any]]]:
        return "drop in R² of (hyperparameters → CV loss) when shuffled", [
            ("trials used", result.diagnostics.get("n_rows")),
            ("R² of the forest on the trials", result.diagnostics.get("baseline_score")),
        ]

    return importance_block(data, "search_importance", "hyperparameter importance", details)
