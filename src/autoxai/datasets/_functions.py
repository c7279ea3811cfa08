"""Built-in test functions with known optima, for demos, tests and benchmarks."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autoxai.space import Categorical, Float, Int, SearchSpace

__all__ = ["Problem", "ackley", "branin", "hartmann6", "mixed_conditional", "rosenbrock"]


@dataclass(frozen=True)
class Problem:
    """An objective to minimise, its space, and its known minimum value."""

    name: str
    space: SearchSpace
    objective: Callable[[dict[str, Any]], float]
    optimum: float

    def __call__(self, params: dict[str, Any]) -> float:
        return self.objective(params)


def _branin(p: dict[str, Any]) -> float:
    x1, x2 = p["x1"], p["x2"]
    b, c = 5.1 / (4 * math.pi**2), 5 / math.pi
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10


#: Branin-Hoo on ``[-5, 10] x [0, 15]``; minimum 0.397887 at three points.
branin = Problem(
    "branin",
    SearchSpace({"x1": Float(-5.0, 10.0), "x2": Float(0.0, 15.0)}),
    _branin,
    optimum=0.39788735772973816,
)


def _mixed(p: dict[str, Any]) -> float:
    if p["kind"] == "quadratic":
        return (p["x"] - 0.3) ** 2 + 0.1 * abs(p["n"] - 3)
    return 1.0 + 0.5 * (math.log10(p["scale"]) + 2) ** 2


#: A small mixed space with an integer, a log-scaled float and a condition; minimum 0.
mixed_conditional = Problem(
    "mixed_conditional",
    SearchSpace(
        {
            "kind": Categorical(["quadratic", "flat"]),
            "x": Float(-1.0, 1.0, when={"kind": "quadratic"}),
            "n": Int(0, 8, when={"kind": "quadratic"}),
            "scale": Float(1e-4, 1.0, log=True, when={"kind": "flat"}),
        }
    ),
    _mixed,
    optimum=0.0,
)


_H6_ALPHA = (1.0, 1.2, 3.0, 3.2)
_H6_A = (
    (10, 3, 17, 3.5, 1.7, 8),
    (0.05, 10, 17, 0.1, 8, 14),
    (3, 3.5, 1.7, 10, 17, 8),
    (17, 8, 0.05, 10, 0.1, 14),
)
_H6_P = (
    (0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886),
    (0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991),
    (0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650),
    (0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381),
)


def _hartmann6(p: dict[str, Any]) -> float:
    x = [p[f"x{i}"] for i in range(6)]
    total = 0.0
    for alpha, a_row, p_row in zip(_H6_ALPHA, _H6_A, _H6_P):
        inner = sum(a * (xi - pi) ** 2 for a, xi, pi in zip(a_row, x, p_row))
        total -= alpha * math.exp(-inner)
    return total


#: Hartmann-6 on ``[0, 1]^6``; minimum -3.32237.
hartmann6 = Problem(
    "hartmann6",
    SearchSpace({f"x{i}": Float(0.0, 1.0) for i in range(6)}),
    _hartmann6,
    optimum=-3.3223680114155147,
)


def _rosenbrock(p: dict[str, Any]) -> float:
    x = [p[f"x{i}"] for i in range(len(p))]
    return sum(100 * (b - a * a) ** 2 + (1 - a) ** 2 for a, b in itertools.pairwise(x))


def rosenbrock(dim: int = 10) -> Problem:
    """Rosenbrock on ``[-2, 2]^dim``; minimum 0 at ``(1, ..., 1)``."""
    space = SearchSpace({f"x{i}": Float(-2.0, 2.0) for i in range(dim)})
    return Problem(f"rosenbrock{dim}", space, _rosenbrock, optimum=0.0)


def _ackley(p: dict[str, Any]) -> float:
    x = [p[f"x{i}"] for i in range(len(p))]
    d = len(x)
    s1 = sum(v * v for v in x) / d
    s2 = sum(math.cos(2 * math.pi * v) for v in x) / d
    return -20 * math.exp(-0.2 * math.sqrt(s1)) - math.exp(s2) + 20 + math.e


def ackley(dim: int = 5) -> Problem:
    """Ackley on ``[-32.768, 32.768]^dim``; minimum 0 at the origin."""
    space = SearchSpace({f"x{i}": Float(-32.768, 32.768) for i in range(dim)})
    return Problem(f"ackley{dim}", space, _ackley, optimum=0.0)
