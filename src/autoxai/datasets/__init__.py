"""Data and problems shipped inside the package (nothing is downloaded)."""

from autoxai.datasets._functions import (
    Problem,
    ackley,
    branin,
    hartmann6,
    mixed_conditional,
    rosenbrock,
)

__all__ = ["Problem", "ackley", "branin", "hartmann6", "mixed_conditional", "rosenbrock"]
