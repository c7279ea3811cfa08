"""The target's distribution: class counts, or a histogram of a numeric target."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from autoxai.plots._svg import BLUE, GREY, figure, style, to_svg, truncate

__all__ = ["class_counts", "histogram"]

#: Classes drawn at most; the rest are summed into one bar.
MAX_CLASSES = 20


def class_counts(counts: Mapping[str, int], *, target: str = "target") -> str:
    """Horizontal bars of rows per class (largest first).

    Examples
    --------
    >>> class_counts({"yes": 30, "no": 70}).startswith("<svg")
    True
    """
    items = sorted(counts.items(), key=lambda kv: -kv[1])
    if len(items) > MAX_CLASSES:
        rest = sum(v for _, v in items[MAX_CLASSES - 1 :])
        items = [*items[: MAX_CLASSES - 1], (f"{len(items) - MAX_CLASSES + 1} other classes", rest)]
    labels = [truncate(k, 30) for k, _ in items][::-1]
    values = np.array([v for _, v in items], dtype=float)[::-1]
    total = values.sum() or 1.0
    with style():
        fig, ax = figure(5.5, 0.35 * len(items) + 0.8)
        ax.barh(range(len(values)), values, color=BLUE, height=0.7)
        ax.set_yticks(range(len(values)), labels)
        for i, v in enumerate(values):
            ax.text(v, i, f" {int(v)} ({v / total:.0%})", va="center", fontsize=8)
        ax.set_xlim(0, values.max() * 1.25 if len(values) else 1)
        ax.set_xlabel("rows")
        ax.set_title(f"{truncate(target, 40)}: rows per class", loc="left")
        return to_svg(fig, label=f"rows per class of {target}")


def histogram(
    counts: Sequence[float],
    edges: Sequence[float],
    *,
    target: str = "target",
    quantiles: Mapping[str, float] | None = None,
) -> str:
    """A histogram from precomputed ``counts`` and bin ``edges``, quartiles marked.

    Examples
    --------
    >>> histogram([1, 3, 2], [0.0, 1.0, 2.0, 3.0], quantiles={"median": 1.5}).startswith("<svg")
    True
    """
    counts = np.asarray(counts, dtype=float)
    edges = np.asarray(edges, dtype=float)
    with style():
        fig, ax = figure(5.5, 2.4)
        ax.stairs(counts, edges, fill=True, color=BLUE, alpha=0.8)
        for name, value in (quantiles or {}).items():
            if name in ("q25", "median", "q75") and value is not None:
                ax.axvline(
                    value, color=GREY, linestyle="--" if name != "median" else "-", linewidth=1
                )
                ax.text(
                    value,
                    ax.get_ylim()[1],
                    f" {name}",
                    rotation=90,
                    va="top",
                    fontsize=7,
                    color="#555555",
                )
        ax.set_xlabel(truncate(target, 60))
        ax.set_ylabel("rows")
        ax.set_title(f"distribution of {truncate(target, 40)}", loc="left")
        return to_svg(fig, label=f"histogram of {target}")
