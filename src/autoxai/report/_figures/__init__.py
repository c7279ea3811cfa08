"""The report's figures: one module per kind, each function returns inline SVG text.

Every function takes plain data or :class:`~autoxai.explain.Explanation` objects, draws
with matplotlib (without pyplot, so the user's back end is never touched) and returns an
``<svg>`` string ready to be placed in the page (see :mod:`._svg`). Nothing here computes
an explanation; at most a running best or a sample of curves to draw.
"""

from autoxai.report._figures._svg import UnsafeSVGError, to_svg
from autoxai.report._figures.data import class_counts, histogram
from autoxai.report._figures.effects import default_outputs, effect_plot
from autoxai.report._figures.importance import beeswarm, importance_bars
from autoxai.report._figures.local import format_value, lime_bars, waterfall
from autoxai.report._figures.search import best_so_far, rung_scores, trial_scores
from autoxai.report._figures.tree import tree_drawing

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
    "rung_scores",
    "to_svg",
    "tree_drawing",
    "trial_scores",
    "waterfall",
]
