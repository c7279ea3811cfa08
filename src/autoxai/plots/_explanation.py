"""One explanation's figure on a matplotlib Axes: what ``Explanation.plot`` draws.

The same drawings as the report's, dispatched by method: importance bars (with
intervals and direction) for global importances, the SHAP waterfall of one row, LIME's
weights, PDP over ICE curves, the ALE curve.
"""

from __future__ import annotations

from typing import Any

from autoxai.plots._svg import onto, style
from autoxai.plots.effects import _draw_ale, _draw_pdp, default_outputs
from autoxai.plots.importance import importance_bars
from autoxai.plots.local import lime_bars, waterfall

__all__ = ["plot_explanation"]


def plot_explanation(explanation: Any, ax: Any = None, **options: Any) -> Any:
    """Draw ``explanation`` on ``ax`` (a new pyplot Axes when None); return the Axes.

    ``options`` go to the drawing: ``output`` (the class drawn), ``row`` (for SHAP
    values of several rows), ``max_features`` (importances).
    """
    method = explanation.method
    if ax is None:
        import matplotlib.pyplot as plt

        n = len(explanation.feature_names)
        _, ax = plt.subplots(figsize=(6.5, min(0.3 * n + 1.2, 8.0)))
    with style(), onto(ax):
        if method == "partial_dependence" or method == "ale":
            output = options.get("output")
            names = list(explanation.output_names or ["prediction"])
            if output is None:
                output = default_outputs(names, len(names))[0]
            if method == "ale":
                _draw_ale(ax, explanation, output)
            else:
                _draw_pdp(ax, explanation, output, options.get("max_ice", 50), 0)
            ax.set_title(f"{method.replace('_', ' ')}: {explanation.feature_names[0]}", loc="left")
        elif method == "shap" and explanation.scope == "local":
            waterfall(explanation, output=options.get("output", -1), row=options.get("row", 0))
        elif method == "lime":
            lime_bars(explanation)
        elif explanation.scope == "global":
            importance_bars(
                explanation,
                output=options.get("output"),
                max_features=options.get("max_features", 20),
                title=method.replace("_", " "),
            )
        else:
            raise ValueError(f"no figure for a {explanation.scope} {method!r} explanation")
    return ax
