"""Built-in test functions with known optima, for demos, tests and benchmarks."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autoxai.space import Categorical, Float, Int, SearchSpace

__all__ = ["Problem", "branin", "mixed_conditional"]


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
