"""The timings: the explanation budget, and what each method cost and measured."""

from __future__ import annotations

from autoxai import plots as figures
from autoxai.report._markup import Markup, facts, pair, table
from autoxai.runs._data import RunData

__all__ = ["timings_section"]


def timings_section(data: RunData) -> str:
    """The explanation budget and each method's time, rows and note."""
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
