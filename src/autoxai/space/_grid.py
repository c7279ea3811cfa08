"""Grid expansion of a search space, conditions respected."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from autoxai.exceptions import SearchSpaceError
from autoxai.space._distributions import value_key
from autoxai.space._search_space import SearchSpace

__all__ = ["iter_grid", "params_key"]


def iter_grid(space: SearchSpace | Mapping, n_points: int = 5) -> Iterator[dict[str, Any]]:
    """Yield every configuration of the grid over ``space``, each exactly once.

    Categoricals contribute all their choices; a number contributes all its values when
    it has at most ``n_points`` of them, otherwise ``n_points`` values spread evenly
    (in log space for ``log=True``). A conditional parameter is expanded only under the
    parent values that activate it, so no two configurations differ only in an inactive
    parameter. The order is deterministic: the first parameter varies slowest.
    """
    if not isinstance(n_points, int) or isinstance(n_points, bool) or n_points < 1:
        raise SearchSpaceError(f"n_points must be an int >= 1, got {n_points!r}")
    space = SearchSpace.coerce(space)
    names = list(space)
    values = {name: space[name].grid(n_points) for name in names}

    def expand(i: int, partial: dict[str, Any]) -> Iterator[dict[str, Any]]:
        if i == len(names):
            yield dict(partial)
            return
        name = names[i]
        if not space.is_active(name, partial):
            yield from expand(i + 1, partial)
            return
        for value in values[name]:
            partial[name] = value
            yield from expand(i + 1, partial)
        del partial[name]

    yield from expand(0, {})


def params_key(params: Mapping[str, Any]) -> tuple:
    """A hashable key that is equal for equal configurations (``1 == 1.0``, ``True != 1``)."""
    return tuple(sorted((name, value_key(value)) for name, value in params.items()))
