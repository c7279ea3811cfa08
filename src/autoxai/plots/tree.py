"""The global surrogate's decision tree, drawn from its per-node arrays."""

from __future__ import annotations

from typing import Any

import numpy as np

from autoxai.plots._svg import PALETTE, figure, style, to_svg, truncate

__all__ = ["tree_drawing"]

#: Nodes drawn at most (a deeper tree is cut, and the cut said on the figure).
MAX_DEPTH = 4


def _number(value: float) -> str:
    return f"{value:.4g}"


def _leaf_text(value: Any, outputs: list[str]) -> tuple[str, str | None]:
    """What a node predicts, and the class (for the colour) when there is one."""
    if isinstance(value, str):
        return truncate(value, 18), value
    array = np.atleast_1d(np.asarray(value, dtype=object))
    if array.size > 1:  # probabilities per class
        probs = array.astype(float)
        best = int(probs.argmax())
        label = outputs[best] if best < len(outputs) else str(best)
        return f"{truncate(label, 14)} {probs[best]:.0%}", label
    scalar = array[0]
    try:
        return _number(float(scalar)), None
    except (TypeError, ValueError):
        return truncate(scalar, 18), str(scalar)


def tree_drawing(surrogate: Any, *, max_depth: int = MAX_DEPTH) -> str:
    """Boxes and arrows: each split with its question, each leaf with its prediction.

    Parameters
    ----------
    surrogate : Explanation
        ``method="surrogate"`` of the tree kind: ``arrays`` ``tree_feature``,
        ``tree_threshold``, ``tree_left``, ``tree_right``, ``tree_value``,
        ``tree_samples`` (node 0 the root; ``-1`` children for a leaf), and
        ``encoded_names`` / ``encoded_column`` to tell one-hot splits (``colour = red``)
        from numeric ones.

    Examples
    --------
    >>> from autoxai.explain import Explanation
    >>> arrays = {"tree_feature": np.array(["a", "", ""], dtype=object),
    ...           "tree_threshold": np.array([0.5, np.nan, np.nan]),
    ...           "tree_left": np.array([1, -1, -1]), "tree_right": np.array([2, -1, -1]),
    ...           "tree_value": np.array([1.0, 0.0, 2.0]), "tree_samples": np.array([10, 4, 6])}
    >>> tree_drawing(Explanation("surrogate", "global", ["a"], np.ones(1),
    ...                          arrays=arrays)).startswith("<svg")
    True
    """
    arrays = surrogate.arrays
    feature = [str(f) for f in np.asarray(arrays["tree_feature"], dtype=object)]
    threshold = np.asarray(arrays["tree_threshold"], dtype=float)
    left = np.asarray(arrays["tree_left"], dtype=int)
    right = np.asarray(arrays["tree_right"], dtype=int)
    value = np.asarray(arrays["tree_value"], dtype=object)
    samples = np.asarray(arrays["tree_samples"], dtype=int)
    outputs = [str(o) for o in np.atleast_1d(arrays.get("surrogate_outputs", []))]
    encoded = [str(n) for n in np.atleast_1d(arrays.get("encoded_names", []))]
    origin = [str(c) for c in np.atleast_1d(arrays.get("encoded_column", []))]
    dummy = {n for n, c in zip(encoded, origin) if n != c and " = " in n}

    x, depth, cut, n_leaves = _layout(left, right, max_depth)
    n_levels = max(depth.values()) + 1
    classes = list(dict.fromkeys(outputs))
    with style():
        fig, ax = figure(min(max(4.0, 1.45 * n_leaves), 16.0), 1.05 * n_levels + 0.3)
        ax.set_axis_off()
        ax.set_xlim(-0.6, n_leaves - 0.4)
        ax.set_ylim(-(n_levels - 1) - 0.5, 0.5)
        for node in x:
            nx, ny = x[node], -depth[node]
            if left[node] >= 0 and node not in cut:
                name = feature[node]
                if name in dummy:
                    column, category = name.split(" = ", 1)
                    edge_left, edge_right = f"≠ {category}", f"= {category}"
                else:
                    column = name
                    edge_left, edge_right = (
                        f"≤ {_number(threshold[node])}",
                        f"> {_number(threshold[node])}",
                    )
                text = f"{truncate(column, 22)}\n{samples[node]} rows"
                face: str | tuple[float, float, float] = "#f2f2f2"
                for child, label in ((int(left[node]), edge_left), (int(right[node]), edge_right)):
                    _edge(ax, (nx, ny), (x[child], -depth[child]), label)
            else:
                prediction, cls = _leaf_text(value[node], outputs)
                more = " …" if node in cut else ""
                text = f"{prediction}{more}\n{samples[node]} rows"
                face = _leaf_face(cls, classes)
            ax.text(
                nx,
                ny,
                text,
                ha="center",
                va="center",
                fontsize=7,
                bbox={
                    "boxstyle": "round,pad=0.35",
                    "facecolor": face,
                    "edgecolor": "#888888",
                    "linewidth": 0.6,
                },
            )
        note = f" (cut at depth {max_depth})" if cut else ""
        ax.set_title(f"surrogate tree{note}", loc="left")
        return to_svg(fig, label="surrogate decision tree")


def _layout(
    left: np.ndarray, right: np.ndarray, max_depth: int
) -> tuple[dict[int, float], dict[int, int], set[int], int]:
    """Where each node is drawn: its x and depth, the splits cut at ``max_depth``, and
    the number of leaves drawn.

    Leaves (and cut splits) go left to right in order, one unit apart; a parent sits above
    the middle of its two children. The dicts list the nodes in drawing order.
    """
    x: dict[int, float] = {}
    depth: dict[int, int] = {}
    cut: set[int] = set()
    next_leaf = [0.0]

    def place(node: int, d: int) -> None:
        depth[node] = d
        is_leaf = left[node] < 0
        if not is_leaf and d >= max_depth:
            cut.add(node)
            is_leaf = True
        if is_leaf:
            x[node] = next_leaf[0]
            next_leaf[0] += 1
            return
        place(int(left[node]), d + 1)
        place(int(right[node]), d + 1)
        x[node] = (x[int(left[node])] + x[int(right[node])]) / 2

    place(0, 0)
    return x, depth, cut, int(next_leaf[0])


def _edge(ax: Any, start: tuple[float, float], end: tuple[float, float], label: str) -> None:
    """An arrow from a split down to its child, its answer written halfway."""
    (nx, ny), (cx, cy) = start, end
    ax.annotate(
        "",
        xy=(cx, cy + 0.22),
        xytext=(nx, ny - 0.22),
        arrowprops={
            "arrowstyle": "-|>",
            "color": "#777777",
            "linewidth": 0.8,
            "shrinkA": 0,
            "shrinkB": 0,
        },
    )
    ax.text(
        (nx + cx) / 2,
        (ny + cy) / 2,
        truncate(label, 18),
        fontsize=6.5,
        ha="center",
        va="center",
        color="#333333",
        bbox={
            "boxstyle": "round,pad=0.15",
            "facecolor": "white",
            "edgecolor": "none",
        },
    )


def _leaf_face(cls: str | None, classes: list[str]) -> str | tuple[float, float, float]:
    """A leaf's fill: a tint of its class's colour, or a neutral blue for a value.

    A class not yet in ``classes`` is appended to it, so each class keeps one colour.
    """
    if cls is None:
        return "#e3ecf7"
    if cls not in classes:
        classes.append(cls)
    return _tint(PALETTE[classes.index(cls) % len(PALETTE)])


def _tint(colour: str, amount: float = 0.7) -> tuple[float, float, float]:
    """``colour`` mixed with white (a light fill that keeps dark text readable)."""
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)
