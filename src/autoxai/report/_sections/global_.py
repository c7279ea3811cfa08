"""The global explanations: permutation and drop-column importance, SHAP, the surrogate
tree and the feature effects; the consensus of the methods closes it (:mod:`.consensus`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autoxai import plots as figures
from autoxai.explain import Explanation
from autoxai.report._markup import Markup, facts, figure, fmt, h, pair
from autoxai.report._sections._common import (
    additivity,
    importance_block,
    method_warnings,
    missing,
)
from autoxai.report._sections.consensus import consensus
from autoxai.runs._data import RunData

__all__ = ["global_section"]

#: Classes of a multiclass model given their own beeswarm, at most.
MAX_SWARM_CLASSES = 3


def global_section(data: RunData) -> str:
    """The global methods, each beside its note, then their consensus."""
    parts = [
        '<section id="global"><h2>Global explanations</h2>', _rows_text(data),
        '<h3 id="permutation">Permutation importance</h3>', _permutation(data),
        '<h3 id="drop-column">Drop-column importance</h3>', _drop_column(data),
        '<h3 id="shap">SHAP</h3>', _shap_global(data),
        '<h3 id="surrogate">Surrogate tree</h3>', _surrogate(data),
        '<h3 id="effects">Feature effects (PDP, ICE, ALE)</h3>', _effects(data),
        '<h3 id="consensus">Consensus of the global methods</h3>', consensus(data),
        "</section>",
    ]  # fmt: skip
    return "".join(parts)


def _permutation(data: RunData) -> str:
    def details(perm: Explanation) -> tuple[str, list[tuple[str, Any]]]:
        d, settings = perm.diagnostics, perm.settings
        interval = (f"{fmt(100 * settings.get('confidence', 0.95), 3)}% over the data "
                    f"({settings.get('interval', 'over repeats')})")  # fmt: skip
        return f"drop in {d.get('scoring', 'score')} when the column is shuffled", [
            ("score on intact rows", d.get("baseline_score")),
            ("scoring", d.get("scoring")),
            ("rows", d.get("n_rows")),
            ("repeats", settings.get("n_repeats")),
            ("interval", interval),
            ("largest shuffle spread (std of single shuffles)", _largest(perm, "shuffle_std")),
        ]

    return importance_block(data, "permutation_importance", "permutation importance", details)


def _drop_column(data: RunData) -> str:
    def details(drop: Explanation) -> tuple[str, list[tuple[str, Any]]]:
        d = drop.diagnostics
        return f"drop in {d.get('scoring', 'score')} when refitted without the column", [
            ("cross-validated score with all columns", d.get("baseline_score")),
            ("folds", d.get("n_folds")),
            ("refits", d.get("n_refits")),
            ("rows", d.get("n_rows")),
        ]

    return importance_block(data, "drop_column_importance", "drop-column importance", details,
                            points=True)  # fmt: skip


def _shap_outputs(shap: Any) -> list[int]:
    values = np.asarray(shap.values)
    n_outputs = values.shape[0] if values.ndim == 3 else 1
    if n_outputs <= 1:
        return [0]
    if n_outputs == 2:
        return [1]
    return list(range(min(n_outputs, MAX_SWARM_CLASSES)))


def _shap_global(data: RunData) -> str:
    shap = data.explanations.get("shap")
    shown, summed = data.overall_shap_importance()
    body = Markup("")
    if shown is not None:
        title = "mean |SHAP| (summed over classes)" if summed else "mean |SHAP|"
        body += figure(figures.importance_bars, shown, title=title, xlabel="mean |SHAP value|")
        body += method_warnings(data.explanations["shap_importance"])
    else:
        body += missing(data, "shap_importance", "mean |SHAP|")
    if shap is not None:
        outputs = _shap_outputs(shap)
        points = figures.importance.MAX_SWARM_POINTS if len(outputs) == 1 else 100
        for o in outputs:
            body += figure(figures.beeswarm, shap, output=o, max_points=points)
        d = shap.diagnostics
        body += facts(
            [
                ("rows explained", np.asarray(shap.values).shape[-2]),
                ("algorithm", shap.settings.get("method")),
                ("background rows", shap.settings.get("n_background")),
                ("values add up to", d.get("output")),
                ("additivity error", additivity(shap)),
            ]
        )
        body += method_warnings(shap)
    else:
        body += missing(data, "shap", "SHAP values (beeswarm)")
    return pair(body, "shap")


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


def _effects(data: RunData) -> str:
    effects = data.effects()
    if not effects:
        return missing(data, "pdp", "partial dependence and ALE")
    out = Markup("")
    for effect in effects:
        pdp, ale = effect.pdp, effect.ale
        out += Markup(f"<h4>{h(effect.feature)}</h4>")
        if pdp is None and ale is None:
            out += missing(data, effect.pdp_name, f"partial dependence of {effect.feature}")
            continue
        out += figure(figures.effect_plot, pdp, ale)
        if pdp is None:
            out += missing(data, effect.pdp_name, "partial dependence")
        elif ale is None:
            if data.status(effect.ale_name) is not None:
                out += missing(data, effect.ale_name, "ALE")
            else:
                out += Markup(
                    '<p class="small">No ALE: the column is not numeric with more than '
                    "two values (ALE needs ordered values).</p>"
                )
        for result in (pdp, ale):
            if result is not None:
                out += method_warnings(result)
    return pair(out, "partial_dependence")


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
