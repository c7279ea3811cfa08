"""The local explanations: a few telling rows, each by SHAP (waterfall) and LIME."""

from __future__ import annotations

from typing import Any

import numpy as np

from autoxai import plots as figures
from autoxai.report._markup import Markup, facts, figure, h, note
from autoxai.report._sections._common import additivity, method_warnings, missing
from autoxai.runs._data import LocalRow, RunData

__all__ = ["local_section"]


def local_section(data: RunData) -> str:
    """Each explained row: why it was chosen, its values, SHAP beside LIME."""
    out = ['<section id="local"><h2>Local explanations</h2>']
    rows = data.local_rows()
    if not rows:
        out.append(missing(data, "local", "local explanations"))
    else:
        out.append(
            "<p>A few telling rows, each explained twice: SHAP (left) splits the "
            "prediction into the columns' shares; LIME (right) fits a small linear model "
            "around the row.</p>"
        )
        out.append(f'<div class="two">{note("local_shap")}{note("lime")}</div>')
    for n, row in enumerate(rows, start=1):
        title = f"Row {row.row} — {row.reason}" if row.row is not None else f"Row {n}"
        out.append(f'<h3 id="local-{h(row.key)}">{h(title)}</h3>')
        if row.shap is None and row.lime is None:
            out.append(missing(data, row.absent_name, "this row's explanation"))
            continue
        out.append(_row_values(row.shap, row.lime))
        out.append(f'<div class="two"><div>{_shap_side(data, row)}</div>'
                   f"<div>{_lime_side(data, row)}</div></div>")  # fmt: skip
    out.append("</section>")
    return "".join(out)


def _shap_side(data: RunData, row: LocalRow) -> Markup:
    """The row's SHAP waterfall, for the class LIME explains."""
    shap = row.shap
    if shap is None:
        return missing(data, row.shap_name, "SHAP waterfall")
    out = figure(figures.waterfall, shap, output=row.output)
    out += facts(
        [
            ("values add up to", shap.diagnostics.get("output")),
            ("algorithm", shap.settings.get("method")),
            ("additivity error", additivity(shap)),
        ]
    )
    return out + method_warnings(shap)


def _lime_side(data: RunData, row: LocalRow) -> Markup:
    """The row's LIME weights, with their fidelity and stability."""
    lime = row.lime
    if lime is None:
        return missing(data, row.lime_name, "LIME")
    d = lime.diagnostics
    out = figure(figures.lime_bars, lime)
    out += facts(
        [
            ("fidelity (weighted R²)", d.get("fidelity")),
            ("stability (top-feature overlap across seeds)", d.get("stability")),
            ("model output", _scalar(lime.arrays.get("prediction"))),
            ("LIME's local prediction", _scalar(lime.arrays.get("local_prediction"))),
            ("samples", d.get("n_samples")),
        ]
    )
    return out + method_warnings(lime)


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
