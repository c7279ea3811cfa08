"""The consensus of the global methods: their ranks side by side, how far they agree,
and which one to believe (deletion curves)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autoxai.report._markup import Markup, facts, fmt, h, pair, table
from autoxai.report._sections._common import METHOD_LABELS, method_warnings, missing
from autoxai.runs._data import RunData

__all__ = ["consensus"]


def consensus(data: RunData) -> str:
    """The ranks of the global methods side by side, their agreement and faithfulness."""
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
        [METHOD_LABELS.get(m, m) for m in methods]
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
        [" vs ".join(METHOD_LABELS.get(m, m) for m in p.get("methods", [])), p.get("k"),
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
                METHOD_LABELS.get(methods[i], methods[i]), fmt(area[i], 3),
                f"{fmt(bounds[0, i], 3)} to {fmt(bounds[1, i], 3)}",
                "most faithful" if methods[i] == best else
                ("" if lead is None else f"{fmt(lead[0], 3)} to {fmt(lead[1], 3)}"),
            ])  # fmt: skip
        label = METHOD_LABELS.get(best, best)
        if d.get("clear_winner"):
            verdict = f"Believe {label} here: its ranking predicts best what the model loses."
        else:
            tied = ", ".join(METHOD_LABELS.get(t, t) for t in d.get("tied_with") or [])
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
        return f"{METHOD_LABELS.get(a, a)} and {METHOD_LABELS.get(b, b)} (rho {fmt(rho, 2)})"
    if isinstance(lowest, dict):
        return ", ".join(
            f"{k} {fmt(v, 2) if isinstance(v, float) else v}" for k, v in lowest.items()
        )
    return None if lowest is None else str(lowest)
