"""The report page: one self-contained HTML file, sections in order, every string escaped.

The page has no script, no external asset and no network access: figures are inline
SVG (:mod:`autoxai.plots`), the style a short ``<style>`` block that also
reads well when printed. Each section (:mod:`autoxai.report._sections`) is a function of
:class:`~autoxai.runs.RunData` that returns HTML; a result that is missing shows why
("not computed: <reason from the manifest>"), and a figure that cannot be drawn shows
the error instead of losing the page. Escaping is the markup kit's
(:mod:`autoxai.report._markup`).
"""

from __future__ import annotations

import re

import pandas as pd

from autoxai._version import __version__
from autoxai.plots._svg import SVG_CSS
from autoxai.report._markup import fmt, h
from autoxai.report._sections._common import params_text
from autoxai.report._sections.data import data_section
from autoxai.report._sections.global_ import global_section
from autoxai.report._sections.local import local_section
from autoxai.report._sections.search import search_section
from autoxai.report._sections.timings import timings_section
from autoxai.report._sections.warnings import collect_warnings, warnings_section
from autoxai.runs._data import RunData

__all__ = ["render"]


def _dataset_name(data: RunData) -> str:
    """The data file's name, without its folders."""
    source = str(data.run.get("data", {}).get("source", data.directory.name))
    return re.split(r"[\\/]", source)[-1] or source


def _header(data: RunData) -> str:
    run = data.run
    name = _dataset_name(data)
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
            + params_text(params),
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


#: The page's style: screen and print.
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
    name = _dataset_name(data)
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
        data_section(data),
        search_section(data),
        global_section(data),
        local_section(data),
        warnings_section(warnings),
        timings_section(data),
        f"<footer>Written by autoxai {h(__version__)} from the files of "
        f"{h(data.directory.name)}; nothing in this page runs code or loads anything.</footer>",
        "</body></html>",
    ]
    return "\n".join(str(p) for p in parts)
