"""The report page: one self-contained HTML file, sections in order, every string escaped.

The page has no script, no external asset and no network access: figures are inline
SVG (:mod:`autoxai.plots`), the style a short ``<style>`` block that also
reads well when printed. Each section is a function of :class:`~._data.RunData` that
returns HTML; a result that is missing shows why ("not computed: <reason from the
manifest>"), and a figure that cannot be drawn shows the error instead of losing the
page.

Escaping: every string that comes from the user's data or from a run (column names,
category values, class labels, file names, rule texts, parameters, error messages) goes
through :func:`h` (``html.escape(..., quote=True)``). Trusted HTML built here is marked
with :class:`Markup` so that it is not escaped twice.
"""

from __future__ import annotations

import contextlib
import html
import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from autoxai import plots as figures
from autoxai._version import __version__
from autoxai.automl._fidelity import budget_text, history_text, is_full, rows_at, rung_summary
from autoxai.plots._svg import SVG_CSS
from autoxai.report._notes import note_for
from autoxai.runs._data import RunData

__all__ = ["Markup", "h", "render"]

#: Rows of the leaderboard shown.
LEADERBOARD_ROWS = 15
#: SHAP's additivity error above which the report warns.
ADDITIVITY_TOLERANCE = 1e-6
#: Classes of a multiclass model given their own beeswarm, at most.
MAX_SWARM_CLASSES = 3


class Markup(str):
    """HTML built by the report itself: inserted as is, never escaped again.

    Adding a plain string to it escapes that string (as MarkupSafe does), so text can
    only become markup by passing through :func:`h` or being built here.
    """

    def __add__(self, other: Any) -> Markup:
        return Markup(str.__add__(self, h(other)))

    def __radd__(self, other: Any) -> Markup:
        return Markup(str.__add__(h(other), self))


def h(value: Any) -> Markup:
    """``value`` as text safe to put in HTML content or a quoted attribute."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


def fmt(value: Any, digits: int = 4) -> str:
    """A number for a table: ``digits`` significant digits; blanks for missing."""
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return ""
        return f"{value:.{digits}g}"
    return str(value)


def table(
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    cls: str = "",
    row_classes: Sequence[str] | None = None,
) -> Markup:
    """A table; cells that are not :class:`Markup` are escaped (numbers formatted)."""
    head = "".join(f"<th>{h(c)}</th>" for c in headers)
    body = []
    for i, row in enumerate(rows):
        cells = "".join(f"<td>{c if isinstance(c, Markup) else h(fmt(c))}</td>" for c in row)
        extra = f' class="{h(row_classes[i])}"' if row_classes and row_classes[i] else ""
        body.append(f"<tr{extra}>{cells}</tr>")
    cls_attr = f' class="{h(cls)}"' if cls else ""
    return Markup(
        f"<table{cls_attr}><thead><tr>{head}</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table>"
    )


def figure(draw: Callable[..., str], *args: Any, caption: str = "", **kwargs: Any) -> Markup:
    """A figure from one of :mod:`autoxai.plots`; a drawing error becomes a short note."""
    try:
        svg = draw(*args, **kwargs)
    except Exception as exc:
        return Markup(
            f'<p class="missing">figure not drawn: {h(type(exc).__name__)}: {h(str(exc)[:300])}</p>'
        )
    cap = f"<figcaption>{h(caption)}</figcaption>" if caption else ""
    return Markup(f"<figure>{svg}{cap}</figure>")


def note(key: str) -> Markup:
    """The "how to read this" box of a method."""
    text = note_for(key)
    if text is None:
        return Markup("")
    return Markup(
        f'<aside class="note"><p><b>What it measures.</b> {h(text.measures)}</p>'
        f"<p><b>How to read it.</b> {h(text.read)}</p>"
        f"<p><b>What it cannot tell.</b> {h(text.cannot)}</p></aside>"
    )


def pair(main: str, key: str) -> Markup:
    """Content with its note beside it (stacked on narrow screens and on paper)."""
    return Markup(f'<div class="pair"><div class="main">{main}</div>{note(key)}</div>')


#: Results computed from another one: when absent, the other's status says why.
_MADE_FROM = {"shap_importance": "shap"}


def missing(data: RunData, method: str, what: str = "") -> Markup:
    """Why a result is absent, from the manifest."""
    entry = data.status(method)
    if entry is None and method in _MADE_FROM:  # mean |SHAP| is made from the SHAP values:
        source = data.status(_MADE_FROM[method])  # if those failed, that is the reason
        entry = source if source and source.get("status") != "done" else None
    label = what or method
    if entry is None:
        if not data.manifest:
            reason = "the run has no explanations (explanations/manifest.json is missing)"
        else:
            reason = "not part of this run's explanations"
    elif entry.get("status") == "failed":
        reason = f"failed — {entry.get('error', 'unknown error')}"
    elif entry.get("status") == "skipped":
        reason = f"skipped — {entry.get('note') or 'no reason recorded'}"
    else:
        reason = f"{entry.get('status', 'unknown status')} but no result file was found"
    return Markup(
        f'<p class="missing" data-method="{h(method)}">{h(label)}: not computed: {h(reason)}</p>'
    )


def method_warnings(explanation: Any) -> Markup:
    """A method's own warnings, shown beside its figure."""
    items = [w for w in explanation.warnings if w]
    if not items:
        return Markup("")
    return Markup('<ul class="warn">' + "".join(f"<li>{h(w)}</li>" for w in items) + "</ul>")


def facts(pairs: Iterable[tuple[str, Any]]) -> Markup:
    """A compact line of ``name: value`` facts (values formatted and escaped)."""
    parts = [
        f"<span><b>{h(k)}</b> {h(fmt(v))}</span>"
        for k, v in pairs
        if v is not None and fmt(v) != ""
    ]
    return Markup('<p class="facts">' + " · ".join(parts) + "</p>") if parts else Markup("")


# -- the sections --------------------------------------------------------------------------


def _header(data: RunData) -> str:
    run = data.run
    source = str(run.get("data", {}).get("source", data.directory.name))
    name = re.split(r"[\\/]", source)[-1] or source
    metric = data.metric
    best = run.get("best", {})
    score = best.get(f"cv_{metric}")
    std = None
    board = data.leaderboard
    if board is not None and len(board) and "cv_std" in board:
        std = board["cv_std"].iloc[0]
    score_text = fmt(score)
    if score_text and std is not None and pd.notna(std):
        score_text += f" ± {fmt(float(std), 2)}"
    model = str(best.get("model", ""))
    params = best.get("params")
    ensemble = run.get("ensemble") or []
    if len(ensemble) > 1:
        model = "ensemble of " + ", ".join(
            f"trial {m.get('trial')} (weight {fmt(m.get('weight'), 2)})" for m in ensemble
        )
    when = data.finished_at()
    rows = [
        (
            "dataset",
            f"{name} ({fmt(run.get('data', {}).get('rows'))} rows, "
            f"{fmt(run.get('data', {}).get('columns'))} columns)",
        ),
        ("target", run.get("target", "")),
        ("task", run.get("task", "")),
        ("metric", f"{metric} ({'higher' if data.greater_is_better else 'lower'} is better)"),
        (
            "best cross-validated score" + (" (best single model)" if len(ensemble) > 1 else ""),
            score_text,
        ),
        ("model", model if len(ensemble) > 1 else f"{model} (trial {best.get('trial')})"),
        (
            "best single model" if len(ensemble) > 1 else "its hyperparameters",
            (f"{best.get('model')} (trial {best.get('trial')}): " if len(ensemble) > 1 else "")
            + _params_text(params),
        ),
        ("finished", when.strftime("%Y-%m-%d %H:%M %Z").strip() if when else "unknown"),
        ("autoxai", f"{run.get('autoxai_version', '?')} (report by {__version__})"),
    ]
    status = run.get("status")
    if status and status != "complete":
        rows.append(("status", status))
    info = "".join(f"<tr><th>{h(k)}</th><td>{h(v)}</td></tr>" for k, v in rows)
    problems = ""
    if data.problems:
        problems = (
            '<p class="missing">could not read: ' + "; ".join(h(p) for p in data.problems) + "</p>"
        )
    return (
        f"<header><h1>autoxai report: {h(name)}</h1>"
        f'<table class="info">{info}</table>{problems}</header>'
    )


_TOC = [
    ("data", "Data"),
    ("search", "Search"),
    ("global", "Global explanations"),
    ("local", "Local explanations"),
    ("warnings", "Warnings"),
    ("timings", "Timings"),
]
_GLOBAL_TOC = [
    ("permutation", "Permutation importance"),
    ("drop-column", "Drop-column importance"),
    ("shap", "SHAP"),
    ("surrogate", "Surrogate tree"),
    ("effects", "Feature effects (PDP, ICE, ALE)"),
    ("consensus", "Consensus"),
]


def _toc(n_warnings: int) -> str:
    items = []
    for anchor, title in _TOC:
        label = f"{title} ({n_warnings})" if anchor == "warnings" else title
        sub = ""
        if anchor == "global":
            sub = (
                "<ol>"
                + "".join(f'<li><a href="#{a}">{h(t)}</a></li>' for a, t in _GLOBAL_TOC)
                + "</ol>"
            )
        items.append(f'<li><a href="#{anchor}">{h(label)}</a>{sub}</li>')
    return '<nav class="toc"><h2>Contents</h2><ol>' + "".join(items) + "</ol></nav>"


def _params_text(params: Any, limit: int = 300) -> str:
    """Hyperparameters as ``name=value, ...`` (a dict, or its repr as leaderboard.csv holds)."""
    if params is None or (isinstance(params, float) and math.isnan(params)):
        return ""
    if isinstance(params, str) and params.startswith("{"):
        import ast

        with contextlib.suppress(ValueError, SyntaxError):
            params = ast.literal_eval(params)
    if isinstance(params, dict):
        text = ", ".join(f"{k}={fmt(v) if isinstance(v, float) else v}" for k, v in params.items())
    else:
        text = str(params)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _data_section(data: RunData) -> str:
    run = data.run
    decisions = run.get("decisions", [])
    features = [d for d in decisions if d.get("kind") != "target"]
    used = [d for d in features if d.get("used")]
    dropped = [d for d in features if not d.get("used")]
    kinds: dict[str, int] = {}
    for d in used:
        kinds[d.get("kind", "?")] = kinds.get(d.get("kind", "?"), 0) + 1
    dropped_kinds: dict[str, int] = {}
    for d in dropped:
        dropped_kinds[d.get("kind", "?")] = dropped_kinds.get(d.get("kind", "?"), 0) + 1
    out = ['<section id="data"><h2>Data</h2>']
    out.append(
        facts(
            [
                ("rows", run.get("data", {}).get("rows")),
                ("columns", run.get("data", {}).get("columns")),
                ("features used", len(used)),
                ("dropped", len(dropped)),
                ("column types", ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))),
                ("dropped as", ", ".join(f"{k} {v}" for k, v in sorted(dropped_kinds.items()))),
            ]
        )
    )
    if decisions:
        out.append("<h3>Every column and what was decided</h3>")
        out.append(
            table(
                ["column", "kind", "used", "reason"],
                [
                    [
                        d.get("column"),
                        d.get("kind"),
                        "target"
                        if d.get("kind") == "target"
                        else ("yes" if d.get("used") else "dropped"),
                        d.get("reason"),
                    ]
                    for d in decisions
                ],
                row_classes=[
                    "dropped" if d.get("kind") != "target" and not d.get("used") else ""
                    for d in decisions
                ],
            )
        )
    else:
        out.append('<p class="missing">no column decisions in run.json</p>')
    notes = run.get("notes") or []
    if notes:
        out.append(
            "<h3>Notes on reading the data</h3><ul>"
            + "".join(f"<li>{h(n)}</li>" for n in notes)
            + "</ul>"
        )
    out.append(f"<h3>Target: {h(run.get('target', ''))}</h3>")
    out.append(_target(data))
    out.append("</section>")
    return "".join(out)


def _target(data: RunData) -> str:
    run = data.run
    target = str(run.get("target", "target"))
    summary = run.get("target_summary") or {}
    if "classes" in summary:
        return figure(figures.class_counts, summary["classes"], target=target)
    histogram = summary.get("histogram")
    if histogram:
        fig = figure(
            figures.histogram,
            histogram["counts"],
            histogram["edges"],
            target=target,
            quantiles=summary.get("quantiles"),
        )
        q = summary.get("quantiles") or {}
        return fig + facts(
            [
                ("mean", summary.get("mean")),
                ("std", summary.get("std")),
                *((k, q.get(k)) for k in ("min", "q25", "median", "q75", "max")),
            ]
        )
    for d in run.get("decisions", []):
        if d.get("kind") == "target":
            return Markup(
                f'<p>{h(d.get("reason"))}</p><p class="missing">target distribution '
                "not recorded in run.json</p>"
            )
    return Markup('<p class="missing">target distribution not recorded in run.json</p>')


def _literal(value: Any) -> Any:
    """A list or dict as leaderboard.csv holds it (its repr), read back; else as it is."""
    if isinstance(value, str) and value[:1] in "[{":
        import ast

        with contextlib.suppress(ValueError, SyntaxError):
            return ast.literal_eval(value)
    return value


def _history_text(history: Any, trials: pd.DataFrame | None) -> str:
    """``7: 1/3 → 10: 1``: a configuration's evaluations (leaderboard.csv's ``history``)."""
    history = _literal(history)
    if not isinstance(history, (list, tuple)):
        return ""
    budgets = {}
    if trials is not None and "budget" in trials:
        budgets = dict(zip(trials["number"], trials["budget"]))
    return history_text(history, budgets)


def _full_budget(trials: pd.DataFrame) -> pd.DataFrame:
    """Trials on all training rows: the only ones whose scores rank."""
    return trials[trials["budget"].map(is_full)]


def _rungs_table(data: RunData) -> Markup:
    """What ran on each budget of a multi-fidelity search."""
    summary = rung_summary(data.trials)
    schedule = data.run.get("schedule") or {}
    rows = []
    for _, r in summary.iterrows():
        n_rows = rows_at(schedule, r["budget"])
        best = r["best_loss"]
        if pd.notna(best):
            best = _score_of(data, float(best))
        rows.append(
            [
                "" if pd.isna(r["rung"]) else int(r["rung"]),
                budget_text(r["budget"]),
                n_rows,
                int(r["evaluations"]),
                int(r["complete"]),
                int(r["queued"]),
                int(r["promoted"]),
                best,
            ]
        )
    return table(
        ["rung", "budget (share of rows)", "rows per fold", "evaluations", "complete",
         "defaults (queued)", "promoted", f"best {data.metric}"],
        rows,
    )  # fmt: skip


def _score_of(data: RunData, loss: float) -> float:
    """A loss in the metric's units (as the trials table's ``score``)."""
    from autoxai.automl import METRICS

    metric = METRICS.get(data.metric)
    return metric.from_loss(loss) if metric else loss


def _search_section(data: RunData) -> str:
    run = data.run
    settings = run.get("settings", {})
    timings = run.get("timings", {})
    trials = data.trials
    multi = data.multi_fidelity
    schedule = run.get("schedule") or {}
    out = ['<section id="search"><h2>Search</h2>']
    states = ""
    if trials is not None and len(trials):
        counts = trials["state"].value_counts()
        states = ", ".join(f"{int(v)} {k.lower()}" for k, v in counts.items())
    out.append(
        facts(
            [
                ("search method", settings.get("search")),
                ("time budget (s)", settings.get("time_budget")),
                (
                    "trials asked",
                    settings.get("n_trials") if settings.get("n_trials") else "no limit",
                ),
                ("trials", states or run.get("n_trials")),
                (
                    "configurations on all rows",
                    len(_full_budget(trials[trials["state"] == "COMPLETE"])) if multi else None,
                ),
                (
                    "budgets (share of rows)",
                    ", ".join(budget_text(b) for b in sorted(trials["budget"].dropna().unique()))
                    if multi
                    else None,
                ),
                ("folds", settings.get("cv")),
                ("model families", settings.get("models") or "all default"),
                ("seed", settings.get("seed")),
                ("parallel trials", settings.get("n_jobs")),
            ]
        )
    )
    if timings:
        out.append(
            facts(
                [(f"{k} (s)", float(v)) for k, v in timings.items() if isinstance(v, (int, float))]
            )
        )
    if schedule.get("note"):
        out.append(f"<p>{h(schedule['note'])}</p>")
    board = data.leaderboard
    with_history = board is not None and "history" in board.columns
    out.append(
        f"<h3>Leaderboard (top {LEADERBOARD_ROWS}"
        + (", evaluations on all training rows only" if with_history else "")
        + ")</h3>"
    )
    if board is not None and len(board):
        metric_column = f"cv_{data.metric}"
        rows = []
        for rank, (_, r) in enumerate(board.head(LEADERBOARD_ROWS).iterrows(), start=1):
            row = [
                rank,
                r.get("trial"),
                r.get("model"),
                r.get(metric_column),
                r.get("cv_std"),
                r.get("fit_time"),
            ]
            if with_history:
                row.append(_history_text(r.get("history"), trials))
            row.append(Markup(f'<span class="params">{h(_params_text(r.get("params")))}</span>'))
            rows.append(row)
        more = Markup(
            f"<p>{len(board) - LEADERBOARD_ROWS} more in leaderboard.csv</p>"
            if len(board) > LEADERBOARD_ROWS
            else ""
        )
        out.append(
            pair(
                table(
                    [
                        "rank",
                        "trial",
                        "model",
                        data.metric,
                        "± std",
                        "fit s",
                        *(["rung history (trial: budget)"] if with_history else []),
                        "hyperparameters",
                    ],
                    rows,
                    cls="board",
                )
                + more,
                "leaderboard",
            )
        )
    else:
        out.append('<p class="missing">leaderboard.csv is missing or empty</p>')
    if multi:
        out.append("<h3>Search by budget</h3>")
        out.append(pair(_rungs_table(data), "search_rungs"))
    out.append("<h3>Search history</h3>")
    if trials is not None and trials["score"].notna().any():
        done = trials[trials["score"].notna()].copy()
        figs = Markup("")
        if multi:
            figs += figure(
                figures.rung_scores,
                trials,
                metric=data.metric,
                greater_is_better=data.greater_is_better,
                caption="every evaluation, one colour per budget (share of the training rows)",
            )
            done = _full_budget(done)  # only scores on all rows compare with each other
        caption = "evaluations on all training rows only" if multi else ""
        figs += figure(
            figures.best_so_far,
            done,
            metric=data.metric,
            greater_is_better=data.greater_is_better,
            caption=caption,
        )
        figs += figure(
            figures.trial_scores,
            done,
            metric=data.metric,
            greater_is_better=data.greater_is_better,
            caption=caption,
        )
        failed = trials[trials["state"] == "FAILED"]
        if len(failed):
            first_lines = failed["error"].map(
                lambda e: (str(e).strip().splitlines() or ["?"])[0] if e else "no reason recorded"
            )
            reasons = first_lines.value_counts()
            figs += Markup(
                "<p>Failed trials: "
                + "; ".join(f"{int(n)} × {h(str(reason)[:200])}" for reason, n in reasons.items())
                + "</p>"
            )
        out.append(pair(figs, "search"))
    else:
        out.append('<p class="missing">no finished trials could be read from study.db</p>')
    out.append("<h3>Hyperparameter importance</h3>")
    result = data.explanations.get("search_importance")
    if result is not None:
        body = figure(
            figures.importance_bars,
            result,
            title="hyperparameter importance",
            xlabel="drop in R² of (hyperparameters → CV loss) when shuffled",
        )
        body += facts(
            [
                ("trials used", result.diagnostics.get("n_rows")),
                ("R² of the forest on the trials", result.diagnostics.get("baseline_score")),
            ]
        )
        body += method_warnings(result)
        out.append(pair(body, "search_importance"))
    else:
        out.append(missing(data, "search_importance", "hyperparameter importance"))
    out.append("</section>")
    return "".join(out)


# -- global --------------------------------------------------------------------------------


def _global_section(data: RunData) -> str:
    results = data.explanations
    out = ['<section id="global"><h2>Global explanations</h2>', _rows_text(data)]

    out.append('<h3 id="permutation">Permutation importance</h3>')
    perm = results.get("permutation_importance")
    if perm is not None:
        d = perm.diagnostics
        body = figure(
            figures.importance_bars,
            perm,
            title="permutation importance",
            xlabel=f"drop in {d.get('scoring', 'score')} when the column is shuffled",
        )
        body += facts(
            [
                ("score on intact rows", d.get("baseline_score")),
                ("scoring", d.get("scoring")),
                ("rows", d.get("n_rows")),
                ("repeats", perm.settings.get("n_repeats")),
                (
                    "interval",
                    f"{fmt(100 * perm.settings.get('confidence', 0.95), 3)}% over the data "
                    f"({perm.settings.get('interval', 'over repeats')})",
                ),
                ("largest shuffle spread (std of single shuffles)", _largest(perm, "shuffle_std")),
            ]
        )
        body += method_warnings(perm)
        out.append(pair(body, "permutation_importance"))
    else:
        out.append(missing(data, "permutation_importance", "permutation importance"))

    out.append('<h3 id="drop-column">Drop-column importance</h3>')
    drop = results.get("drop_column_importance")
    if drop is not None:
        d = drop.diagnostics
        body = figure(
            figures.importance_bars,
            drop,
            title="drop-column importance",
            points=True,
            xlabel=f"drop in {d.get('scoring', 'score')} when refitted without the column",
        )
        body += facts(
            [
                ("cross-validated score with all columns", d.get("baseline_score")),
                ("folds", d.get("n_folds")),
                ("refits", d.get("n_refits")),
                ("rows", d.get("n_rows")),
            ]
        )
        body += method_warnings(drop)
        out.append(pair(body, "drop_column_importance"))
    else:
        out.append(missing(data, "drop_column_importance", "drop-column importance"))

    out.append('<h3 id="shap">SHAP</h3>')
    out.append(_shap_global(data))

    out.append('<h3 id="surrogate">Surrogate tree</h3>')
    out.append(_surrogate(data))

    out.append('<h3 id="effects">Feature effects (PDP, ICE, ALE)</h3>')
    out.append(_effects(data))

    out.append('<h3 id="consensus">Consensus of the global methods</h3>')
    out.append(_consensus(data))
    out.append("</section>")
    return "".join(out)


def _aggregate_outputs(explanation: Any) -> Any:
    """A global explanation with an output axis of 3+ classes, summed over the classes."""
    from autoxai.explain import Explanation

    values = np.asarray(explanation.values, dtype=float)
    if values.ndim != 2 or values.shape[0] <= 2:
        return explanation
    return Explanation(
        explanation.method,
        "global",
        list(explanation.feature_names),
        values.sum(axis=0),
        diagnostics=explanation.diagnostics,
        settings=explanation.settings,
    )


def _shap_outputs(shap: Any) -> list[int]:
    values = np.asarray(shap.values)
    n_outputs = values.shape[0] if values.ndim == 3 else 1
    if n_outputs <= 1:
        return [0]
    if n_outputs == 2:
        return [1]
    return list(range(min(n_outputs, MAX_SWARM_CLASSES)))


def _shap_global(data: RunData) -> str:
    results = data.explanations
    importance = results.get("shap_importance")
    shap = results.get("shap")
    body = Markup("")
    if importance is not None:
        shown = _aggregate_outputs(importance)
        summed = " (summed over classes)" if shown is not importance else ""
        body += figure(
            figures.importance_bars, shown, title=f"mean |SHAP|{summed}", xlabel="mean |SHAP value|"
        )
        body += method_warnings(importance)
    else:
        body += missing(data, "shap_importance", "mean |SHAP|")
    if shap is not None:
        for o in _shap_outputs(shap):
            body += figure(
                figures.beeswarm,
                shap,
                output=o,
                max_points=figures.importance.MAX_SWARM_POINTS
                if len(_shap_outputs(shap)) == 1
                else 100,
            )
        d = shap.diagnostics
        body += facts(
            [
                ("rows explained", np.asarray(shap.values).shape[-2]),
                ("algorithm", shap.settings.get("method")),
                ("background rows", shap.settings.get("n_background")),
                ("values add up to", d.get("output")),
                ("additivity error", _additivity(shap)),
            ]
        )
        body += method_warnings(shap)
    else:
        body += missing(data, "shap", "SHAP values (beeswarm)")
    return pair(body, "shap")


def _additivity(shap: Any) -> float | None:
    """The largest additivity error SHAP reported, whatever its diagnostic is called."""
    for key, value in shap.diagnostics.items():
        if "additiv" in key and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return None


def _surrogate(data: RunData) -> str:
    result = data.explanations.get("surrogate")
    if result is None:
        return missing(data, "surrogate", "surrogate tree")
    d = result.diagnostics
    body = Markup("")
    if "tree_feature" in result.arrays:
        body += figure(figures.tree_drawing, result)
    metric = d.get("fidelity_metric", "fidelity")
    body += facts(
        [
            (f"held-out fidelity ({metric})", d.get("fidelity")),
            ("fidelity on its training rows", d.get("fidelity_train")),
            ("depth", d.get("depth")),
            ("leaves", d.get("n_leaves")),
            (
                "rows fitted / held out",
                f"{fmt(d.get('n_train'))} / {fmt(d.get('n_test'))}"
                if d.get("n_train") is not None
                else None,
            ),
            ("kind", result.settings.get("kind")),
        ]
    )
    threshold = result.settings.get("fidelity_threshold")
    fidelity = d.get("fidelity")
    if (
        isinstance(fidelity, (int, float))
        and isinstance(threshold, (int, float))
        and fidelity < threshold
    ):
        body += Markup(
            f'<p class="missing">Fidelity {h(fmt(fidelity, 3))} is below '
            f"{h(fmt(threshold))}: the tree is a rough caricature of the model.</p>"
        )
    rules = result.arrays.get("rules")
    if rules is not None:
        text = rules.item() if isinstance(rules, np.ndarray) and rules.ndim == 0 else rules
        body += Markup(f'<h4>The rules as text</h4><pre class="rules">{h(text)}</pre>')
    body += method_warnings(result)
    return pair(body, "surrogate")


def _effect_features(data: RunData) -> list[str]:
    """Features with a PDP or an ALE (done or not), in the order the stage planned them."""
    names: list[str] = []
    keys = [e.get("method", "") for e in data.manifest.get("methods", [])] + list(data.explanations)
    for key in keys:
        if key.startswith(("pdp:", "ale:")):
            feature = key.split(":", 1)[1]
            if feature not in names:
                names.append(feature)
    return names


def _effects(data: RunData) -> str:
    features = _effect_features(data)
    if not features:
        return missing(data, "pdp", "partial dependence and ALE")
    out = Markup("")
    for feature in features:
        pdp = data.explanations.get(f"pdp:{feature}")
        ale = data.explanations.get(f"ale:{feature}")
        out += Markup(f"<h4>{h(feature)}</h4>")
        if pdp is None and ale is None:
            out += missing(data, f"pdp:{feature}", f"partial dependence of {feature}")
            continue
        out += figure(figures.effect_plot, pdp, ale)
        if pdp is None:
            out += missing(data, f"pdp:{feature}", "partial dependence")
        elif ale is None:
            entry = data.status(f"ale:{feature}")
            if entry is not None:
                out += missing(data, f"ale:{feature}", "ALE")
            else:
                out += Markup(
                    '<p class="small">No ALE: the column is not numeric with more than '
                    "two values (ALE needs ordered values).</p>"
                )
        for result in (pdp, ale):
            if result is not None:
                out += method_warnings(result)
    return pair(out, "partial_dependence")


_METHOD_LABELS = {
    "permutation_importance": "permutation",
    "drop_column_importance": "drop-column",
    "shap_importance": "mean |SHAP|",
    "surrogate": "surrogate tree",
    "background_importance": "background",
}


def _rows_text(data: RunData) -> Markup:
    """Which rows the global methods measured, and which model they explain."""
    rows = data.manifest.get("rows") or {}
    if rows.get("kind") == "held-out":
        return Markup(
            f"<p>Measured on <strong>{h(rows.get('n_rows'))} held-out rows</strong> the "
            f"explained model never saw: the chosen model (every member of an ensemble) "
            f"refitted on the other {h(rows.get('n_train'))} rows. The saved model is the "
            "same configuration fitted on all rows. Drop-column importance scores its "
            "refits on their own held-out folds.</p>"
        )
    if rows.get("kind") == "training":
        return Markup(
            '<p class="warn">Measured on the <strong>training rows</strong> of the saved '
            f"model ({h(rows.get('reason'))}): a model that can memorise shows what it "
            "memorised there, so pure-noise columns may look important.</p>"
        )
    return Markup("")


def _largest(explanation: Any, name: str) -> float | None:
    values = np.asarray(explanation.arrays.get(name, []), dtype=float)
    return float(np.nanmax(values)) if np.isfinite(values).any() else None


def _consensus(data: RunData) -> str:
    result = data.explanations.get("consensus")
    if result is None:
        return missing(data, "consensus", "consensus table")
    arrays = result.arrays
    features = list(result.feature_names)
    mean_rank = np.asarray(result.values, dtype=float).ravel()
    methods = [str(m) for m in np.atleast_1d(arrays.get("methods", []))]
    ranks = arrays.get("ranks")
    ranks = None if ranks is None else np.asarray(ranks, dtype=float)
    disagree = arrays.get("disagree")
    disagree = None if disagree is None else np.asarray(disagree)
    unimportant = np.asarray(arrays.get("unimportant", np.isnan(mean_rank)), dtype=bool)
    order = np.argsort(mean_rank, kind="stable")  # NaN (unimportant by consensus) last
    rows, classes = [], []
    for i in order:
        row: list[Any] = [features[i]]
        if ranks is not None and ranks.ndim == 2:
            row += [fmt(ranks[m, i], 3) for m in range(ranks.shape[0])]
        row.append(fmt(mean_rank[i], 3))
        flag = (
            bool(disagree[i])
            if disagree is not None and disagree.shape == mean_rank.shape
            else False
        )
        if flag:
            row.append(Markup('<span class="flag">disagree</span>'))
        else:
            row.append("unimportant by consensus" if unimportant[i] else "")
        rows.append(row)
        classes.append("disagree" if flag else ("unimportant" if unimportant[i] else ""))
    n_ranked = ranks.shape[0] if ranks is not None and ranks.ndim == 2 else 0
    names = (
        [_METHOD_LABELS.get(m, m) for m in methods]
        if len(methods) == n_ranked
        else [f"method {m + 1}" for m in range(n_ranked)]
    )
    body = Markup(
        "<p>Rank of each column by each method (1 = most important). Columns no method "
        "can tell from zero are unimportant by consensus and not ranked; a column is "
        "flagged only when one method finds it clearly important and another cannot "
        "tell it from zero.</p>"
    )
    body += table(["feature", *names, "mean rank", ""], rows, cls="consensus", row_classes=classes)
    corr = arrays.get("rank_correlation")
    if corr is not None:
        corr = np.asarray(corr, dtype=float)
        if corr.ndim == 2 and corr.shape[0] == corr.shape[1] == len(names):
            body += Markup("<h4>Rank correlation between methods</h4>")
            body += table(
                ["", *names],
                [[n, *(fmt(v, 2) for v in corr[i])] for i, n in enumerate(names)],
                cls="corr",
            )
    d = result.diagnostics
    body += _agreement_table(d.get("agreement") or [])
    body += _faithfulness(data)
    lowest = d.get("lowest_correlation")
    body += facts(
        [
            ("mean rank correlation", d.get("mean_rank_correlation")),
            ("least concordant pair", _pair_text(lowest)),
        ]
    )
    body += method_warnings(result)
    return pair(body, "consensus")


def _agreement_table(pairs: list[dict[str, Any]]) -> Markup:
    """Krishna et al.'s agreement metrics, one row per pair of methods."""
    if not pairs:
        return Markup("")
    from autoxai.explain._agreement import METRICS

    rows = [
        [" vs ".join(_METHOD_LABELS.get(m, m) for m in p.get("methods", [])), p.get("k"),
         *(fmt(p.get(metric), 2) for metric in METRICS)]
        for p in pairs
    ]  # fmt: skip
    return Markup("<h4>Agreement between methods (Krishna et al. 2022)</h4>") + table(
        ["methods", "k", *(m.replace("_", " ") for m in METRICS)], rows, cls="agreement"
    )


def _faithfulness(data: RunData) -> Markup:
    """Deletion areas of the global methods and of SHAP against LIME: which to believe."""
    out = Markup("<h4>Which method to believe here: deletion curves</h4>")
    result = data.explanations.get("faithfulness")
    if result is None:
        out += missing(data, "faithfulness", "deletion curves")
    else:
        d = result.diagnostics
        methods = [str(m) for m in np.atleast_1d(result.arrays.get("methods", []))]
        area = np.asarray(result.arrays.get("area", []), dtype=float)
        bounds = np.asarray(result.arrays.get("area_interval", np.full((2, len(area)), np.nan)))
        leads = d.get("lead_intervals") or {}
        best = str(d.get("most_faithful"))
        rows = []
        for i in np.argsort(-area, kind="stable"):
            lead = leads.get(methods[i])
            rows.append([
                _METHOD_LABELS.get(methods[i], methods[i]), fmt(area[i], 3),
                f"{fmt(bounds[0, i], 3)} to {fmt(bounds[1, i], 3)}",
                "most faithful" if methods[i] == best else
                ("" if lead is None else f"{fmt(lead[0], 3)} to {fmt(lead[1], 3)}"),
            ])  # fmt: skip
        label = _METHOD_LABELS.get(best, best)
        if d.get("clear_winner"):
            verdict = f"Believe {label} here: its ranking predicts best what the model loses."
        else:
            tied = ", ".join(_METHOD_LABELS.get(t, t) for t in d.get("tied_with") or [])
            verdict = f"{label} has the largest area, but {tied or 'the others'} cannot be "
            verdict += "told from it on these rows: their rankings are equally faithful here."
        out += Markup(
            "<p>Each method's columns were removed in its order, most important first "
            "(replaced by values of other rows), and the model scored after each step: the "
            f"area under that loss-increase curve ({h(d.get('scoring'))} drop, over the "
            "share of columns removed) is larger when the ranking puts first what the model "
            f"needs. <strong>{h(verdict)}</strong></p>"
        )
        out += table(["method", "deletion area", "95 % interval", "lead of the best"], rows,
                     cls="faithfulness")  # fmt: skip
    local = data.explanations.get("local_faithfulness")
    if local is not None:
        d = local.diagnostics
        mean, wins = d.get("mean_area") or {}, d.get("wins") or {}
        rows = [[m.upper() if m in ("shap", "lime") else m, fmt(mean[m], 3), wins.get(m)]
                for m in mean]  # fmt: skip
        out += Markup(
            f"<p>Per row ({d.get('n_rows')} explained rows): each row's columns removed in "
            "the order of |SHAP| or |LIME weight|, each against the "
            f"{d.get('n_background')} background rows; the area under the move of the "
            "row's prediction. Most faithful on these rows: "
            f"<strong>{h(str(d.get('most_faithful')).upper())}</strong>.</p>"
        )
        out += table(["method", "mean deletion area", "rows where largest"], rows,
                     cls="faithfulness")  # fmt: skip
    return out


def _pair_text(lowest: Any) -> str | None:
    """``["a", "b", rho]`` (or a dict) as readable text."""
    if isinstance(lowest, (list, tuple)) and len(lowest) == 3:
        a, b, rho = lowest
        return f"{_METHOD_LABELS.get(a, a)} and {_METHOD_LABELS.get(b, b)} (rho {fmt(rho, 2)})"
    if isinstance(lowest, dict):
        return ", ".join(
            f"{k} {fmt(v, 2) if isinstance(v, float) else v}" for k, v in lowest.items()
        )
    return None if lowest is None else str(lowest)


# -- local ---------------------------------------------------------------------------------


def _local_indices(data: RunData) -> list[str]:
    keys = [e.get("method", "") for e in data.manifest.get("methods", [])] + list(data.explanations)
    found: list[str] = []
    for key in keys:
        for prefix in ("local_shap:", "local_lime:", "local:"):
            if key.startswith(prefix):
                k = key[len(prefix) :]
                if k not in found:
                    found.append(k)
    return sorted(found, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))


def _local_section(data: RunData) -> str:
    out = ['<section id="local"><h2>Local explanations</h2>']
    indices = _local_indices(data)
    if not indices:
        out.append(missing(data, "local", "local explanations"))
    else:
        out.append(
            "<p>A few telling rows, each explained twice: SHAP (left) splits the "
            "prediction into the columns' shares; LIME (right) fits a small linear model "
            "around the row.</p>"
        )
        out.append(f'<div class="two">{note("local_shap")}{note("lime")}</div>')
    for n, k in enumerate(indices, start=1):
        shap = data.explanations.get(f"local_shap:{k}")
        lime = data.explanations.get(f"local_lime:{k}")
        notes = [str((data.status(f"{kind}:{k}") or {}).get("note") or "")
                 for kind in ("local_shap", "local_lime", "local")]  # fmt: skip
        found = next(
            (m for m in (re.fullmatch(r"row (\d+): (.*)", t, flags=re.DOTALL) for t in notes) if m),
            None,
        )
        title = f"Row {found.group(1)} — {found.group(2)}" if found else f"Row {n}"
        out.append(f'<h3 id="local-{h(k)}">{h(title)}</h3>')
        if shap is None and lime is None:
            key = f"local:{k}" if data.status(f"local:{k}") else f"local_shap:{k}"
            out.append(missing(data, key, "this row's explanation"))
            continue
        out.append(_row_values(shap, lime))
        output = _local_output(shap, lime)
        left = Markup("")
        if shap is not None:
            left += figure(figures.waterfall, shap, output=output)
            d = shap.diagnostics
            left += facts(
                [
                    ("values add up to", d.get("output")),
                    ("algorithm", shap.settings.get("method")),
                    ("additivity error", _additivity(shap)),
                ]
            )
            left += method_warnings(shap)
        else:
            left += missing(data, f"local_shap:{k}", "SHAP waterfall")
        right = Markup("")
        if lime is not None:
            right += figure(figures.lime_bars, lime)
            d = lime.diagnostics
            right += facts(
                [
                    ("fidelity (weighted R²)", d.get("fidelity")),
                    ("stability (top-feature overlap across seeds)", d.get("stability")),
                    ("model output", _scalar(lime.arrays.get("prediction"))),
                    ("LIME's local prediction", _scalar(lime.arrays.get("local_prediction"))),
                    ("samples", d.get("n_samples")),
                ]
            )
            right += method_warnings(lime)
        else:
            right += missing(data, f"local_lime:{k}", "LIME")
        out.append(f'<div class="two"><div>{left}</div><div>{right}</div></div>')
    out.append("</section>")
    return "".join(out)


def _scalar(value: Any) -> float | None:
    if value is None:
        return None
    array = np.asarray(value).ravel()
    if array.size == 0:
        return None
    try:
        return float(array[0])
    except (TypeError, ValueError):
        return None


def _local_output(shap: Any, lime: Any) -> int:
    """The SHAP output to draw: the class LIME explained, else the positive / predicted one."""
    if shap is None:
        return 0
    values = np.asarray(shap.values, dtype=float)
    if values.ndim != 3 or values.shape[0] == 1:
        return 0
    names = list(shap.output_names or [])
    if lime is not None and lime.output_names:
        wanted = str(lime.output_names[0])
        if wanted in names:
            return names.index(wanted)
    if values.shape[0] == 2:
        return 1
    base = np.atleast_1d(
        np.asarray(shap.arrays.get("base_value", np.zeros(values.shape[0])), dtype=float)
    )
    totals = values[:, 0, :].sum(axis=1) + (base if base.size == values.shape[0] else 0)
    return int(np.argmax(totals))


def _row_values(shap: Any, lime: Any) -> Markup:
    names: list[str] = []
    values: list[Any] = []
    if shap is not None and shap.arrays.get("data") is not None:
        names = list(shap.feature_names)
        data = np.asarray(shap.arrays["data"], dtype=object)
        values = list(data[0] if data.ndim == 2 else data)
    elif lime is not None and lime.arrays.get("row") is not None:
        names = list(lime.feature_names)
        values = list(np.asarray(lime.arrays["row"], dtype=object).ravel())
    if not names:
        return Markup("")
    cells = "".join(
        f"<div><dt>{h(n)}</dt><dd>{h(figures.format_value(v))}</dd></div>"
        for n, v in zip(names, values)
    )
    return Markup(f'<p class="small">The row\'s values:</p><dl class="row">{cells}</dl>')


# -- warnings and timings ------------------------------------------------------------------


def describe(name: str, data: RunData) -> str:
    """A result's name for a reader: ``"LIME, row 13"`` rather than ``"local_lime:0"``."""
    kind, _, rest = name.partition(":")
    if kind in ("local_shap", "local_lime", "local") and rest:
        entry = data.status(name) or {}
        found = re.match(r"row (\d+)", str(entry.get("note") or ""))
        row = f"row {found.group(1)}" if found else f"row #{rest}"
        label = {"local_shap": "SHAP", "local_lime": "LIME"}.get(kind, "local explanation")
        return f"{label}, {row}"
    if kind == "pdp" and rest:
        return f"partial dependence of {rest}"
    if kind == "ale" and rest:
        return f"ALE of {rest}"
    return _LONG_LABELS.get(name, name)


_LONG_LABELS = {
    "permutation_importance": "permutation importance",
    "drop_column_importance": "drop-column importance",
    "shap": "SHAP values",
    "shap_importance": "mean |SHAP|",
    "surrogate": "surrogate tree",
    "search_importance": "hyperparameter importance",
    "faithfulness": "deletion curves (global methods)",
    "local_faithfulness": "deletion curves (SHAP against LIME, per row)",
}


def collect_warnings(data: RunData) -> list[tuple[str, str]]:
    """(where, text) for every warning of every result, every failed or skipped method,
    and a SHAP additivity error above :data:`ADDITIVITY_TOLERANCE`."""
    found: list[tuple[str, str]] = []
    for name, result in data.explanations.items():
        for text in result.warnings:
            found.append((describe(name, data), str(text)))
        if result.method == "shap":
            error = _additivity(result)
            if error is not None and error > ADDITIVITY_TOLERANCE:
                found.append((describe(name, data),
                              f"SHAP values miss the prediction by up to {error:.3g} "
                              "(additivity error): they do not add up exactly."))  # fmt: skip
    for entry in data.manifest.get("methods", []):
        where = describe(str(entry.get("method", "?")), data)
        if entry.get("status") == "failed":
            found.append((where, f"failed: {entry.get('error') or 'unknown error'}"))
        elif entry.get("status") == "skipped":
            found.append((where, f"skipped: {entry.get('note') or 'no reason recorded'}"))
    if not data.manifest:
        found.append(("explanations", "no explanations were saved for this run"))
    for problem in data.problems:
        found.append(("report", f"could not read {problem}"))
    return found


def _warnings_section(warnings: list[tuple[str, str]]) -> str:
    out = ['<section id="warnings"><h2>Warnings</h2>']
    if warnings:
        items = "".join(f"<li><b>{h(where)}</b>: {h(text)}</li>" for where, text in warnings)
        out.append(pair(f'<ul class="warnings">{items}</ul>', "warnings"))
    else:
        out.append(pair("<p>No method reported a warning.</p>", "warnings"))
    out.append("</section>")
    return "".join(out)


def _timings_section(data: RunData) -> str:
    manifest = data.manifest
    out = ['<section id="timings"><h2>Timings</h2>']
    if not manifest:
        out.append('<p class="missing">no explanations/manifest.json: nothing to time</p>')
        out.append("</section>")
        return "".join(out)
    available = manifest.get("rows_available")
    out.append(
        facts(
            [
                ("explanation budget (s)", manifest.get("budget_seconds")),
                ("used (s)", manifest.get("used_seconds")),
                ("rows available", available),
                ("random seed", manifest.get("random_state")),
            ]
        )
    )
    rows = []
    classes = []
    for entry in manifest.get("methods", []):
        n = entry.get("rows")
        sampled = ""
        if isinstance(n, int) and isinstance(available, int) and n < available and n > 1:
            sampled = f"{n} of {available} rows"
        reason = entry.get("error") if entry.get("status") == "failed" else entry.get("note")
        rows.append(
            [
                entry.get("method"),
                entry.get("status"),
                entry.get("seconds"),
                n,
                sampled,
                reason or "",
            ]
        )
        classes.append("" if entry.get("status") == "done" else str(entry.get("status")))
    body = table(
        ["method", "status", "seconds", "rows", "sampled", "note"],
        rows,
        cls="timings",
        row_classes=classes,
    )
    body += Markup(
        '<p class="small">Drawn, not computed, samples: at most '
        f"{figures.effects.MAX_ICE} ICE curves per feature and "
        f"{figures.importance.MAX_SWARM_POINTS} rows per beeswarm are drawn.</p>"
    )
    out.append(pair(body, "timings"))
    out.append("</section>")
    return "".join(out)


# -- the page ------------------------------------------------------------------------------

CSS = """
:root { --ink: #1d1d1f; --muted: #666; --line: #ddd; --warn: #8a4b00; --bg-note: #f6f8fb; }
* { box-sizing: border-box; }
body { font: 15px/1.5 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: var(--ink); max-width: 1180px; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .6rem; overflow-wrap: anywhere; }
h2 { font-size: 1.3rem; border-bottom: 2px solid var(--ink); padding-bottom: .2rem;
     margin-top: 2.2rem; }
h3 { font-size: 1.08rem; margin: 1.6rem 0 .5rem; overflow-wrap: anywhere; }
h4 { font-size: .95rem; margin: 1rem 0 .3rem; overflow-wrap: anywhere; }
table { border-collapse: collapse; font-size: .85rem; margin: .4rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .2rem .5rem; text-align: left;
         vertical-align: top; overflow-wrap: break-word; }
thead th { border-bottom: 2px solid #999; }
table.info th { font-weight: 600; color: var(--muted); }
tr.dropped td, tr.skipped td, tr.failed td { color: var(--warn); }
tr.disagree td { background: #fff4e5; }
tr.unimportant td { color: #777; }
.flag { color: var(--warn); font-weight: 600; }
.params { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .78rem; }
.pair { display: grid; grid-template-columns: minmax(0, 1fr) 270px; gap: 1.2rem;
        align-items: start; }
.note { background: var(--bg-note); border-left: 3px solid #7a9cc6; padding: .4rem .7rem;
        font-size: .8rem; color: #333; }
.note p { margin: .3rem 0; }
figure { margin: .5rem 0; }
figure svg { height: auto; display: block; }
figcaption { font-size: .8rem; color: var(--muted); }
.facts { font-size: .85rem; color: #333; }
.facts span { white-space: normal; }
.missing { color: var(--warn); font-style: italic; }
.small { font-size: .8rem; color: var(--muted); }
ul.warn { font-size: .82rem; color: var(--warn); margin: .3rem 0; padding-left: 1.2rem; }
ul.warnings li { margin: .25rem 0; }
pre.rules { font-size: .78rem; background: #fafafa; border: 1px solid var(--line);
            padding: .5rem; overflow-x: auto; white-space: pre; }
nav.toc { font-size: .9rem; }
nav.toc ol ol { font-size: .85rem; }
details summary { cursor: default; font-size: .85rem; color: var(--muted); }
dl.row { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr));
         gap: 0 1rem; font-size: .82rem; margin: .2rem 0 .6rem; }
dl.row div { display: flex; gap: .4rem; border-bottom: 1px solid var(--line); }
dl.row dt { color: var(--muted); overflow-wrap: anywhere; }
dl.row dd { margin: 0 0 0 auto; text-align: right; overflow-wrap: anywhere; }
.two { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1.2rem;
       align-items: start; }
footer { margin-top: 3rem; font-size: .8rem; color: var(--muted); }
@media (max-width: 900px) { .pair, .two { grid-template-columns: 1fr; } }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  .pair, .two { grid-template-columns: 1fr; }
  figure, table, aside, pre { break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; }
  section { break-before: page; }
  a { color: inherit; text-decoration: none; }
}
"""


def render(data: RunData) -> str:
    """The whole page for one run."""
    warnings = collect_warnings(data)
    name = data.run.get("data", {}).get("source", data.directory.name)
    name = re.split(r"[\\/]", str(name))[-1]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # No script may run, no resource may load: the page is a document, nothing more.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>autoxai report: {h(name)}</title>",
        f"<style>{CSS}{SVG_CSS}</style></head><body>",
        _header(data),
        _toc(len(warnings)),
        _data_section(data),
        _search_section(data),
        _global_section(data),
        _local_section(data),
        _warnings_section(warnings),
        _timings_section(data),
        f"<footer>Written by autoxai {h(__version__)} from the files of "
        f"{h(data.directory.name)}; nothing in this page runs code or loads anything.</footer>",
        "</body></html>",
    ]
    return "\n".join(str(p) for p in parts)
