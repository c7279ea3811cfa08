"""Every warning of the run in one list: the methods' own, failures and skips."""

from __future__ import annotations

from collections.abc import Mapping

from autoxai.report._markup import h, pair
from autoxai.report._sections._common import ADDITIVITY_TOLERANCE, additivity
from autoxai.runs._data import LocalRow, RunData
from autoxai.runs._stage import split_name

__all__ = ["collect_warnings", "describe", "warnings_section"]


def describe(name: str, rows: Mapping[str, LocalRow]) -> str:
    """A result's name for a reader: ``"LIME, row 13"`` rather than ``"local_lime:0"``.

    ``rows`` are the explained rows by key (:meth:`RunData.local_rows`).
    """
    kind, key = split_name(name)
    if kind in _LOCAL_LABELS and key:
        row = rows.get(key)
        where = f"row {row.row}" if row is not None and row.row is not None else f"row #{key}"
        return f"{_LOCAL_LABELS[kind]}, {where}"
    if kind in _EFFECT_LABELS and key:
        return f"{_EFFECT_LABELS[kind]} of {key}"
    return _LONG_LABELS.get(name, name)


_LOCAL_LABELS = {"local_shap": "SHAP", "local_lime": "LIME", "local": "local explanation"}
_EFFECT_LABELS = {"pdp": "partial dependence", "ale": "ALE"}


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
    rows = {row.key: row for row in data.local_rows()}
    found: list[tuple[str, str]] = []
    for name, result in data.explanations.items():
        for text in result.warnings:
            found.append((describe(name, rows), str(text)))
        if result.method == "shap":
            error = additivity(result)
            if error is not None and error > ADDITIVITY_TOLERANCE:
                found.append((describe(name, rows),
                              f"SHAP values miss the prediction by up to {error:.3g} "
                              "(additivity error): they do not add up exactly."))  # fmt: skip
    for entry in data.manifest.get("methods", []):
        where = describe(str(entry.get("method", "?")), rows)
        if entry.get("status") == "failed":
            found.append((where, f"failed: {entry.get('error') or 'unknown error'}"))
        elif entry.get("status") == "skipped":
            found.append((where, f"skipped: {entry.get('note') or 'no reason recorded'}"))
    if not data.manifest:
        found.append(("explanations", "no explanations were saved for this run"))
    for problem in data.problems:
        found.append(("report", f"could not read {problem}"))
    return found


def warnings_section(warnings: list[tuple[str, str]]) -> str:
    """The list of :func:`collect_warnings`, beside the note on reading it."""
    out = ['<section id="warnings"><h2>Warnings</h2>']
    if warnings:
        items = "".join(f"<li><b>{h(where)}</b>: {h(text)}</li>" for where, text in warnings)
        out.append(pair(f'<ul class="warnings">{items}</ul>', "warnings"))
    else:
        out.append(pair("<p>No method reported a warning.</p>", "warnings"))
    out.append("</section>")
    return "".join(out)
