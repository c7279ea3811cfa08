"""Feature effects: partial dependence with ICE lines above, ALE below, per output."""

from __future__ import annotations

from typing import Any

import numpy as np

from autoxai.plots._svg import BLUE, GREY, RED, figure, style, to_svg, truncate

__all__ = ["default_outputs", "effect_plot"]

#: ICE curves drawn at most (a fixed random sample of the rows).
MAX_ICE = 50
#: Outputs (classes) drawn side by side at most.
MAX_OUTPUTS = 4


def default_outputs(output_names: list[str] | None, n_outputs: int) -> list[int]:
    """The outputs worth drawing: the only one, the positive class of a binary model, or
    each class of a multiclass model (the first :data:`MAX_OUTPUTS`)."""
    if n_outputs <= 1:
        return [0]
    if n_outputs == 2:
        return [1]
    return list(range(min(n_outputs, MAX_OUTPUTS)))


def _is_numeric_grid(grid: np.ndarray) -> bool:
    if grid.dtype.kind in "iufb":
        return True
    try:
        np.asarray(grid, dtype=float)
    except (TypeError, ValueError):
        return False
    return all(not isinstance(v, str) for v in grid)


def effect_plot(
    pdp: Any | None,
    ale: Any | None = None,
    *,
    outputs: list[int] | None = None,
    max_ice: int = MAX_ICE,
    random_state: int = 0,
) -> str:
    """PDP (thick) over a sample of ICE curves (thin), and the ALE curve below.

    Parameters
    ----------
    pdp : Explanation or None
        ``method="partial_dependence"`` for one feature: ``grid``, ``values``
        ``(n_outputs, n_grid)``, ``individual`` ``(n_outputs, n_rows, n_grid)``.
    ale : Explanation or None
        ``method="ale"`` for the same feature: ``grid`` (bin edges), ``values``
        ``(n_outputs, n_edges)``, ``bin_counts``.
    outputs : list of int, optional
        Outputs of ``pdp`` (or ``ale``) to draw, one column each; default
        :func:`default_outputs`.
    max_ice : int
        ICE curves drawn at most.

    Examples
    --------
    >>> from autoxai.explain import Explanation
    >>> grid = np.linspace(0, 1, 5)
    >>> ice = np.stack([grid * k for k in (1, 2, 3)])[None]
    >>> pdp = Explanation("partial_dependence", "global", ["a"], ice.mean(axis=1),
    ...                   arrays={"grid": grid, "individual": ice})
    >>> effect_plot(pdp).startswith("<svg")
    True
    """
    main = pdp if pdp is not None else ale
    if main is None:
        raise ValueError("effect_plot needs a partial dependence or an ALE result")
    feature = main.feature_names[0]
    names = list(main.output_names or ["prediction"])
    n_outputs = np.asarray(main.values).shape[0]
    outputs = default_outputs(names, n_outputs) if outputs is None else list(outputs)
    n_rows_panels = 2 if (pdp is not None and ale is not None) else 1
    with style():
        fig, axes = figure(
            min(max(3.4 * len(outputs), 4.6), 10) + 0.6,
            2.3 * n_rows_panels + 0.4,
            nrows=n_rows_panels,
            ncols=len(outputs),
            squeeze=False,
            sharex="col",
        )
        handles: list[Any] = []
        for column, o in enumerate(outputs):
            label = names[o] if o < len(names) else str(o)
            row = 0
            if pdp is not None:
                handles = _draw_pdp(axes[0, column], pdp, o, max_ice, random_state)
                row = 1
            if ale is not None:
                ale_names = list(ale.output_names or names)
                a = ale_names.index(label) if label in ale_names else min(o, len(ale_names) - 1)
                _draw_ale(axes[row, column], ale, a)
            top = axes[0, column]
            heterogeneity = pdp.diagnostics.get("heterogeneity") if pdp is not None else None
            extra = ""
            if (
                isinstance(heterogeneity, list)
                and o < len(heterogeneity)
                and heterogeneity[o] is not None
            ):
                extra = f" (heterogeneity {heterogeneity[o]:.2f})"
            elif isinstance(heterogeneity, (int, float)):
                extra = f" (heterogeneity {heterogeneity:.2f})"
            out = f"class {truncate(label, 20)}" if label != "prediction" else ""
            top.set_title(f"{out}{extra}", loc="left", fontsize=9)
            axes[-1, column].set_xlabel(truncate(feature, 40))
        axes[0, 0].set_ylabel("partial dependence" if pdp is not None else "ALE")
        if n_rows_panels == 2:
            axes[1, 0].set_ylabel("ALE (centred)")
        if ale is not None:
            from matplotlib.lines import Line2D

            label = "ALE (lower panel)" if pdp is not None else "ALE"
            handles.append(Line2D([], [], color=RED, linewidth=1.8, label=label))
        fig.suptitle(
            f"effect of {truncate(feature, 50)}", x=0.01, y=1.0, ha="left", va="bottom", fontsize=10
        )
        if handles:
            fig.legend(
                handles=handles,
                loc="center left",
                bbox_to_anchor=(1.0, 0.5),
                frameon=False,
                fontsize=7,
            )
        return to_svg(fig, label=f"partial dependence and ALE of {feature}")


def _draw_pdp(ax: Any, pdp: Any, o: int, max_ice: int, random_state: int) -> list[Any]:
    """Draw one output's PDP and ICE; return legend handles."""
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    grid = np.asarray(pdp.arrays["grid"])
    average = np.asarray(pdp.values, dtype=float)[o]
    individual = pdp.arrays.get("individual")
    ice = None
    if individual is not None:
        individual = np.asarray(individual, dtype=float)[o]
        n = individual.shape[0]
        rows = np.arange(n)
        if n > max_ice:
            rows = np.sort(np.random.default_rng(random_state).choice(n, max_ice, replace=False))
        ice = individual[rows]
    n_ice = 0 if ice is None else len(ice)
    ice_label = f"ICE ({n_ice} of {0 if individual is None else individual.shape[0]} rows)"
    if _is_numeric_grid(grid):
        x = grid.astype(float)
        if ice is not None:
            segments = np.stack([np.broadcast_to(x, ice.shape), ice], axis=-1)
            ax.add_collection(LineCollection(segments, colors=GREY, linewidths=0.5, alpha=0.45))
        ax.plot(x, average, color=BLUE, linewidth=2.2)
        ax.autoscale_view()
        return [
            Line2D([], [], color=BLUE, linewidth=2.2, label="PDP (average)"),
            Line2D([], [], color=GREY, linewidth=0.8, label=ice_label),
        ]
    # categories: a bar per value, ICE as jittered dots
    x = np.arange(len(grid))
    ax.bar(x, average, color=BLUE, alpha=0.75, width=0.6)
    if ice is not None:
        jitter = np.random.default_rng(random_state).uniform(-0.2, 0.2, size=ice.shape)
        ax.scatter((x + jitter).ravel(), ice.ravel(), s=4, color="#333333", alpha=0.4, linewidths=0)
    ax.set_xticks(
        x,
        [truncate(g, 15) for g in grid],
        rotation=30 if len(grid) > 4 else 0,
        ha="right" if len(grid) > 4 else "center",
    )
    return [
        Patch(color=BLUE, alpha=0.75, label="PDP (average)"),
        Line2D([], [], marker="o", linestyle="", markersize=2, color="#333333", label=ice_label),
    ]


def _draw_ale(ax: Any, ale: Any, a: int) -> None:
    grid = np.asarray(ale.arrays["grid"], dtype=float)
    values = np.asarray(ale.values, dtype=float)[a]
    ax.axhline(0, color="#999999", linewidth=0.6)
    ax.plot(grid, values, color=RED, linewidth=1.8, marker="o", markersize=2.5)
    counts = ale.arrays.get("bin_counts")
    if counts is not None and len(grid) > 1:  # a rug of where the rows are
        centres = (grid[:-1] + grid[1:]) / 2
        ax.plot(
            centres,
            np.full(len(centres), ax.get_ylim()[0]),
            "|",
            color="#555555",
            markersize=4,
            alpha=0.6,
        )
