"""Data and problems shipped inside the package (nothing is downloaded)."""

from autoxai.datasets._functions import Problem, branin, mixed_conditional

__all__ = ["Problem", "branin", "mixed_conditional"]
