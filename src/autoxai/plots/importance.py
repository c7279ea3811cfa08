"""Global importance: bars with interval whiskers and direction, and the SHAP beeswarm."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from autoxai.plots._svg import BLUE, GREY, RED, figure, style, to_svg, truncate

__all__ = ["beeswarm", "importance_bars"]

#: Features drawn at most (the most important ones).
MAX_FEATURES = 20
#: Beeswarm: features and points per feature drawn at most.
MAX_SWARM_FEATURES = 12
MAX_SWARM_POINTS = 200


def _direction_colours(direction: pd.Series | None, n: int) -> list[str]:
    if direction is None:
        return [BLUE] * n
    return [RED if d > 0 else BLUE if d < 0 else GREY for d in direction.to_numpy(float)]


def importance_bars(
    explanation: Any,
    *,
    output: int | str | None = None,
    max_features: int = MAX_FEATURES,
    title: str = "",
    xlabel: str = "importance",
    points: bool = False,
) -> str:
    """Horizontal bars, most important on top, with whiskers and (if known) direction.

    Parameters
    ----------
    explanation : Explanation
        A global explanation (``to_frame()`` is read: ``value``, ``low``/``high`` or
        ``std``, ``direction``).
    output : int or str, optional
        The output (class) to draw when the values have an output axis.
    max_features : int
        The most important features drawn; the rest are counted in the title.
    points : bool
        Also draw each repeat's / fold's value (``arrays["importances"]``) as dots.

    Examples
    --------
    >>> from autoxai.explain import Explanation
    >>> e = Explanation("demo", "global", ["a", "b"], np.array([0.5, 0.1]),
    ...                 std=np.array([0.05, 0.02]), arrays={"direction": np.array([1.0, -1.0])})
    >>> importance_bars(e).startswith("<svg")
    True
    """
    table = explanation.to_frame(output)
    n_all = len(table)
    table = table.head(max_features).iloc[::-1].reset_index(drop=True)
    values = table["value"].to_numpy(float)
    if "low" in table and np.isfinite(table[["low", "high"]].to_numpy(float)).all():
        low, high = table["low"].to_numpy(float), table["high"].to_numpy(float)
    elif "std" in table:
        std = np.nan_to_num(table["std"].to_numpy(float))
        low, high = values - std, values + std
    else:
        low = high = None
    direction = table.get("direction")
    has_direction = direction is not None and np.isfinite(direction.to_numpy(float)).any()
    colours = _direction_colours(direction if has_direction else None, len(table))
    y = np.arange(len(table))
    with style():
        fig, ax = figure(6.5, 0.28 * len(table) + 1.0)
        ax.barh(y, np.nan_to_num(values), color=colours, height=0.65)
        if low is not None:
            ax.errorbar(
                values,
                y,
                xerr=[np.nan_to_num(values - low), np.nan_to_num(high - values)],
                fmt="none",
                ecolor="#333333",
                elinewidth=0.8,
                capsize=2,
            )
        if points and "importances" in explanation.arrays:
            draws = np.asarray(explanation.arrays["importances"], dtype=float)
            names = list(explanation.feature_names)
            if draws.ndim == 2 and draws.shape[0] == len(names):
                for i, feature in enumerate(table["feature"]):
                    row = draws[names.index(feature)]
                    ax.scatter(
                        row, np.full(len(row), i), s=6, color="black", zorder=3, linewidths=0
                    )
        if has_direction:
            span = np.nanmax(np.abs(np.concatenate([values, high if high is not None else values])))
            for i, d in enumerate(direction.to_numpy(float)):
                mark = "+" if d > 0 else "−" if d < 0 else "~" if np.isfinite(d) else ""
                right = high[i] if high is not None and np.isfinite(high[i]) else values[i]
                ax.text(
                    max(right, values[i], 0) + 0.02 * (span or 1),
                    i,
                    mark,
                    va="center",
                    fontsize=9,
                    color=colours[i],
                    fontweight="bold",
                )
            from matplotlib.patches import Patch

            ax.legend(
                handles=[
                    Patch(color=RED, label="+ raises the prediction"),
                    Patch(color=BLUE, label="− lowers it"),
                    Patch(color=GREY, label="~ not monotone / unknown"),
                ],
                loc="lower right",
                frameon=False,
                fontsize=7,
            )
        ax.axvline(0, color="#555555", linewidth=0.6)
        ax.set_yticks(y, [truncate(f, 35) for f in table["feature"]])
        ax.set_xlabel(xlabel)
        more = f" (top {len(table)} of {n_all})" if n_all > len(table) else ""
        ax.set_title(f"{title}{more}", loc="left")
        return to_svg(fig, label=title or "importance")


def _swarm_offsets(x: np.ndarray, width: float = 0.38, n_bins: int = 40) -> np.ndarray:
    """Vertical offsets that spread points with similar ``x`` (a cheap beeswarm)."""
    offsets = np.zeros(len(x))
    if len(x) < 2 or np.ptp(x) == 0:
        return offsets
    bins = np.floor((x - x.min()) / np.ptp(x) * (n_bins - 1)).astype(int)
    crowd = max(np.bincount(bins).max(), 1)
    for b in np.unique(bins):
        members = np.flatnonzero(bins == b)
        k = np.arange(len(members))
        step = (k + 1) // 2 * np.where(k % 2 == 0, 1, -1)  # 0, -1, 1, -2, 2, ...
        offsets[members] = step * (2 * width / crowd)
    return offsets


def _value_ranks(column: np.ndarray) -> np.ndarray:
    """Each value's rank within the column in [0, 1]; NaN for non-numeric or missing."""
    numeric = pd.to_numeric(pd.Series(column, dtype=object), errors="coerce").to_numpy(float)
    if np.isfinite(numeric).sum() < 2:
        return np.full(len(column), np.nan)
    ranks = pd.Series(numeric).rank(pct=True).to_numpy(float)
    return ranks


def beeswarm(
    shap: Any,
    *,
    output: int = -1,
    max_features: int = MAX_SWARM_FEATURES,
    max_points: int = MAX_SWARM_POINTS,
    random_state: int = 0,
) -> str:
    """SHAP values per feature and row, coloured by the feature's value (rank).

    Parameters
    ----------
    shap : Explanation
        ``method="shap"``, local: ``values`` of shape ``(n_outputs, n_rows, n_features)``
        (or ``(n_rows, n_features)``) and ``arrays["data"]``, the rows' values.
    output : int
        The output (class) drawn.
    max_features, max_points : int
        The features with the largest mean |SHAP| drawn, and rows sampled at most.

    Examples
    --------
    >>> from autoxai.explain import Explanation
    >>> rng = np.random.default_rng(0)
    >>> data = rng.normal(size=(30, 2))
    >>> e = Explanation("shap", "local", ["a", "b"], data[None] * [1.0, 0.1],
    ...                 arrays={"data": data.astype(object)})
    >>> beeswarm(e).startswith("<svg")
    True
    """
    phi = np.asarray(shap.values, dtype=float)
    if phi.ndim == 3:
        phi = phi[output]
    data = np.asarray(shap.arrays.get("data", np.full(phi.shape, np.nan)), dtype=object)
    if data.ndim == 1:
        data = data.reshape(phi.shape)
    names = list(shap.feature_names)
    n_rows = phi.shape[0]
    rows = np.arange(n_rows)
    if n_rows > max_points:
        rows = np.sort(
            np.random.default_rng(random_state).choice(n_rows, max_points, replace=False)
        )
    order = np.argsort(-np.abs(phi).mean(axis=0), kind="stable")[:max_features]
    import matplotlib as mpl

    cmap = mpl.colormaps["coolwarm"]
    with style():
        fig, ax = figure(6.5, 0.42 * len(order) + 1.1)
        for position, j in enumerate(order[::-1]):
            x = phi[rows, j]
            ranks = (
                _value_ranks(data[rows, j])
                if data.shape == phi.shape
                else np.full(len(rows), np.nan)
            )
            grey = mpl.colors.to_rgba(GREY)
            colours = np.array([cmap(r) if np.isfinite(r) else grey for r in ranks]).reshape(-1, 4)
            ax.scatter(
                x,
                position + _swarm_offsets(x),
                s=7,
                c=colours,
                linewidths=0,
                alpha=0.85,
                rasterized=False,
            )
        ax.axvline(0, color="#555555", linewidth=0.6)
        ax.set_yticks(range(len(order)), [truncate(names[j], 35) for j in order[::-1]])
        ax.set_ylim(-0.6, len(order) - 0.4)
        ax.set_xlabel("SHAP value (effect on the model output)")
        sm = mpl.cm.ScalarMappable(cmap=cmap, norm=mpl.colors.Normalize(0, 1))
        bar = fig.colorbar(sm, ax=ax, fraction=0.03, pad=0.02, ticks=[0, 1])
        bar.ax.set_yticklabels(["low", "high"])
        bar.set_label("feature value (rank; grey: not numeric)", fontsize=7)
        bar.outline.set_visible(False)
        names_out = shap.output_names or []
        label = str(names_out[output]) if -len(names_out) <= output < len(names_out) else ""
        which = f" — class {truncate(label, 25)}" if label and label != "prediction" else ""
        shown = f", {len(rows)} of {n_rows} rows" if len(rows) < n_rows else f", {n_rows} rows"
        ax.set_title(f"SHAP beeswarm{which}{shown}", loc="left")
        return to_svg(fig, label="SHAP beeswarm")
