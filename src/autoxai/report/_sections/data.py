"""The data section: the table's size, every column and what was decided, the target."""

from __future__ import annotations

from collections import Counter

from autoxai import plots as figures
from autoxai.report._markup import Markup, facts, figure, h, table
from autoxai.runs._data import RunData

__all__ = ["data_section"]


def data_section(data: RunData) -> str:
    """Rows and columns, every column's decision, notes on reading, the target."""
    run = data.run
    decisions = run.get("decisions", [])
    features = [d for d in decisions if d.get("kind") != "target"]
    used = [d for d in features if d.get("used")]
    dropped = [d for d in features if not d.get("used")]
    kinds = Counter(d.get("kind", "?") for d in used)
    dropped_kinds = Counter(d.get("kind", "?") for d in dropped)
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
