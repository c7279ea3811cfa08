"""The report's figures: one module per kind, each function returns inline SVG text.

:func:`plot_explanation` draws the same figures on a notebook's matplotlib Axes (it is
what :meth:`Explanation.plot <autoxai.explain.Explanation.plot>` calls).

Every function takes plain data or :class:`~autoxai.explain.Explanation` objects, draws
with matplotlib (without pyplot, so the user's back end is never touched) and returns an
``<svg>`` string ready to be placed in the page (see :mod:`._svg`). Nothing here computes
an explanation; at most a running best or a sample of curves to draw.
"""

from autoxai.plots._explanation import plot_explanation
from autoxai.plots._svg import UnsafeSVGError, to_svg
from autoxai.plots.data import class_counts, histogram
from autoxai.plots.effects import default_outputs, effect_plot
from autoxai.plots.importance import beeswarm, importance_bars
from autoxai.plots.local import format_value, lime_bars, waterfall
from autoxai.plots.search import best_so_far, rung_scores, trial_scores
from autoxai.plots.tree import tree_drawing

__all__ = [
    "UnsafeSVGError",
    "beeswarm",
    "best_so_far",
    "class_counts",
    "default_outputs",
    "effect_plot",
    "format_value",
    "histogram",
    "importance_bars",
    "lime_bars",
    "plot_explanation",
    "rung_scores",
    "to_svg",
    "tree_drawing",
    "trial_scores",
    "waterfall",
]
