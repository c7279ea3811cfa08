"""What several sections share: why a result is missing, a method's warnings, labels."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from autoxai import plots as figures
from autoxai.explain import Explanation
from autoxai.report._markup import Markup, facts, figure, fmt, h, pair
from autoxai.runs._data import RunData

#: SHAP's additivity error above which the report warns.
ADDITIVITY_TOLERANCE = 1e-6

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


def importance_block(
    data: RunData,
    name: str,
    what: str,
    details: Callable[[Explanation], tuple[str, list[tuple[str, Any]]]],
    **options: Any,
) -> Markup:
    """A method's importance bars titled ``what``, its facts and warnings, beside its note;
    or why the result is missing. ``details(result)`` gives the axis label and the facts."""
    result = data.explanations.get(name)
    if result is None:
        return missing(data, name, what)
    xlabel, fact_list = details(result)
    body = figure(figures.importance_bars, result, title=what, xlabel=xlabel, **options)
    body += facts(fact_list)
    body += method_warnings(result)
    return pair(body, name)


def additivity(shap: Any) -> float | None:
    """The largest additivity error SHAP reported, whatever its diagnostic is called."""
    for key, value in shap.diagnostics.items():
        if "additiv" in key and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return None


def params_text(params: Any, limit: int = 300) -> str:
    """Hyperparameters as ``name=value, ...`` (a dict as the reader gives it, or text)."""
    if params is None or (isinstance(params, float) and math.isnan(params)):
        return ""
    if isinstance(params, dict):
        text = ", ".join(f"{k}={fmt(v) if isinstance(v, float) else v}" for k, v in params.items())
    else:
        text = str(params)
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: Short names of the global methods, for table headers.
METHOD_LABELS = {
    "permutation_importance": "permutation",
    "drop_column_importance": "drop-column",
    "shap_importance": "mean |SHAP|",
    "surrogate": "surrogate tree",
    "background_importance": "background",
}
