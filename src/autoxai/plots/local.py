"""One row explained: a SHAP waterfall, and LIME's weights with their conditions."""

from __future__ import annotations

from typing import Any

import numpy as np

from autoxai.plots._svg import BLUE, RED, figure, style, to_svg, truncate

__all__ = ["format_value", "lime_bars", "waterfall"]

#: Bars drawn at most; the smallest contributions are summed into one.
MAX_BARS = 10


def format_value(value: Any) -> str:
    """A cell value for a label: numbers to 4 significant digits, missing as "missing"."""
    if value is None:
        return "missing"
    if isinstance(value, (float, np.floating)):
        return "missing" if not np.isfinite(value) else f"{value:.4g}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    return truncate(value, 20)


def waterfall(
    shap: Any, *, output: int = -1, row: int = 0, max_bars: int = MAX_BARS, as_figure: bool = False
) -> Any:
    """From the base value, each feature's SHAP value, up to this row's prediction.

    Parameters
    ----------
    shap : Explanation
        ``method="shap"``: ``values`` ``(n_outputs, n_rows, n_features)`` (or without
        the output axis), ``arrays["base_value"]`` ``(n_outputs,)`` and
        ``arrays["data"]``, the rows' values.
    output : int
        The output (class) drawn.
    row : int
        The row (of the explained rows) drawn.
    max_bars : int
        Features shown one by one; the rest are summed into one bar.
    as_figure : bool
        Return the matplotlib Figure (drawn inside :func:`style`; save it there too)
        instead of SVG text, e.g. for the PNG of ``autoxai explain``.

    Examples
    --------
    >>> from autoxai.explain import Explanation
    >>> e = Explanation("shap", "local", ["a", "b"], np.array([[[0.3, -0.1]]]),
    ...                 arrays={"base_value": np.array([0.5]),
    ...                         "data": np.array([[1.5, "x"]], dtype=object)})
    >>> waterfall(e, output=0).startswith("<svg")
    True
    """
    phi = np.asarray(shap.values, dtype=float)
    if phi.ndim == 3:
        phi = phi[output]
    phi = phi[row]
    base = np.atleast_1d(np.asarray(shap.arrays.get("base_value", [0.0]), dtype=float))
    base_value = float(base[output] if base.size > 1 else base[0])
    data = shap.arrays.get("data")
    values = None
    if data is not None:
        data = np.asarray(data, dtype=object)
        values = data[row] if data.ndim == 2 else data
    names = list(shap.feature_names)
    labels = [
        f"{truncate(n, 25)} = {format_value(values[j])}"
        if values is not None and j < len(values)
        else truncate(n, 30)
        for j, n in enumerate(names)
    ]
    order = np.argsort(-np.abs(phi), kind="stable")
    shown = list(order[: max_bars if len(order) > max_bars + 1 else len(order)])
    rest = [j for j in order if j not in set(shown)]
    steps = [(labels[j], phi[j]) for j in shown]
    if rest:
        steps.append((f"{len(rest)} other features", float(phi[rest].sum())))
    steps = steps[::-1]  # bottom to top: smallest first, the largest on top
    prediction = base_value + float(phi.sum())
    with style():
        fig, ax = figure(4.8, 0.32 * len(steps) + 1.3)
        position = base_value
        for i, (_, value) in enumerate(steps):
            colour = RED if value > 0 else BLUE
            ax.barh(i, value, left=position, color=colour, height=0.65)
            end = position + value
            if value > 0:
                ax.text(end, i, f" {value:+.3g}", va="center", ha="left", fontsize=7, color=colour)
            else:
                ax.text(end, i, f"{value:+.3g} ", va="center", ha="right", fontsize=7, color=colour)
            position = end
        ax.axvline(base_value, color="#555555", linewidth=0.7, linestyle="--")
        ax.axvline(prediction, color="#111111", linewidth=0.9)
        ax.text(
            base_value,
            -0.75,
            f"base value {base_value:.3g}",
            ha="center",
            va="center",
            fontsize=7,
            color="#555555",
        )
        ax.text(
            prediction,
            len(steps) - 0.25,
            f"prediction {prediction:.3g}",
            ha="center",
            va="center",
            fontsize=7,
        )
        ax.set_yticks(range(len(steps)), [label for label, _ in steps])
        ax.set_ylim(-1.1, len(steps) + 0.1)
        lo = min(base_value, prediction, *(np.cumsum([v for _, v in steps]) + base_value))
        hi = max(base_value, prediction, *(np.cumsum([v for _, v in steps]) + base_value))
        pad = 0.15 * (hi - lo or 1.0)
        ax.set_xlim(lo - pad, hi + pad)
        out_names = [str(o) for o in (shap.output_names or [])]
        name = out_names[output] if -len(out_names) <= output < len(out_names) else ""
        which = (
            f"output for class {truncate(name, 25)}" if name and name != "prediction" else "output"
        )
        ax.set_xlabel(f"model {which}")
        ax.set_title("SHAP waterfall", loc="left")
        return fig if as_figure else to_svg(fig, label="SHAP waterfall for one row")


def lime_bars(lime: Any, *, max_bars: int = 12, as_figure: bool = False) -> Any:
    """LIME's weights, largest on top, labelled with the conditions they stand for.

    Parameters
    ----------
    lime : Explanation
        ``method="lime"``: ``values`` (one weight per feature), ``arrays["conditions"]``
        (``"age <= 38.0"``...), ``std`` when stability reruns were made.
    as_figure : bool
        Return the matplotlib Figure instead of SVG text (as :func:`waterfall`).

    Examples
    --------
    >>> from autoxai.explain import Explanation
    >>> e = Explanation("lime", "local", ["a", "b"], np.array([0.2, -0.05]),
    ...                 arrays={"conditions": np.array(["a <= 1", "b = x"], dtype=object)})
    >>> lime_bars(e).startswith("<svg")
    True
    """
    weights = np.asarray(lime.values, dtype=float).ravel()
    names = list(lime.feature_names)
    conditions = lime.arrays.get("conditions")
    labels = (
        [str(c) for c in np.asarray(conditions, dtype=object).ravel()]
        if conditions is not None
        else names
    )
    std = None if lime.std is None else np.asarray(lime.std, dtype=float).ravel()
    order = [j for j in np.argsort(-np.abs(weights), kind="stable")][:max_bars][::-1]
    with style():
        fig, ax = figure(4.8, 0.3 * len(order) + 1.0)
        y = np.arange(len(order))
        w = weights[order]
        ax.barh(y, w, color=[RED if v > 0 else BLUE for v in w], height=0.65)
        if std is not None and std.shape == weights.shape:
            ax.errorbar(
                w,
                y,
                xerr=np.nan_to_num(std[order]),
                fmt="none",
                ecolor="#333333",
                elinewidth=0.8,
                capsize=2,
            )
        ax.axvline(0, color="#555555", linewidth=0.6)
        ax.set_yticks(y, [truncate(labels[j], 45) for j in order])
        ax.set_xlabel("LIME weight (effect on the explained output near this row)")
        out = [str(o) for o in (lime.output_names or [])]
        which = f" — class {truncate(out[0], 25)}" if out and out[0] != "prediction" else ""
        ax.set_title(f"LIME{which}", loc="left")
        return fig if as_figure else to_svg(fig, label="LIME weights for one row")
