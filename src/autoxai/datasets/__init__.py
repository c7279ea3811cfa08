"""Data and problems shipped inside the package (nothing is downloaded)."""

from autoxai.datasets._functions import (
    Problem,
    ackley,
    branin,
    hartmann6,
    mixed_conditional,
    rosenbrock,
)
from autoxai.datasets._tables import load_penguins, penguins_path

__all__ = [
    "Problem",
    "ackley",
    "branin",
    "hartmann6",
    "load_penguins",
    "mixed_conditional",
    "penguins_path",
    "rosenbrock",
]
