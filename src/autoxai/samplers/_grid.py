"""Grid search over a (conditional) search space."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from autoxai._utils import check_int
from autoxai.samplers._base import BaseSampler
from autoxai.space import iter_grid, params_key

if TYPE_CHECKING:
    from autoxai.study import Study
    from autoxai.trial import Trial

__all__ = ["GridSampler"]


class GridSampler(BaseSampler):
    """Tries every point of the grid once, then ends the study.

    Categoricals give all their choices; each number gives all its values when it has at
    most ``n_points`` of them, otherwise ``n_points`` values spread evenly (log-spaced for
    ``log=True``). Conditional parameters are expanded only where they are active. A point
    already present in the study (in any state, from any driver) is not proposed again,
    so a resumed or shared study continues the grid instead of restarting it.

    The points are visited in a shuffled order (seeded by ``random_state``), so a search
    stopped early by ``n_trials`` or ``timeout`` has sampled the grid evenly instead of
    exploring only the first values of the first parameter.

    Parameters
    ----------
    n_points : int
        Values per number parameter (default 5).
    shuffle : bool
        Visit the points in random order (default) or in the grid's fixed order, where
        the first parameter varies slowest.
    random_state : int, numpy.random.Generator or None
        Seed of the shuffle.

    Examples
    --------
    >>> from autoxai import Categorical, Int, tune
    >>> study = tune(lambda p: p["n"] if p["kind"] == "a" else 10,
    ...              {"kind": Categorical(["a", "b"]), "n": Int(1, 3, when={"kind": "a"})},
    ...              method="grid")
    >>> len(study.trials), study.best_params
    (4, {'kind': 'a', 'n': 1})
    """

    def __init__(self, n_points: int = 5, *, shuffle: bool = True, random_state=None) -> None:
        check_int("n_points", n_points, minimum=1)
        super().__init__(random_state=random_state)
        self.n_points = n_points
        self.shuffle = shuffle
        self._space_json: str | None = None
        self._points: list[dict[str, Any]] = []
        self._cursor = 0
        self._seen: set[tuple] = set()
        self._seen_numbers: set[int] = set()

    @property
    def is_finite(self) -> bool:
        return True

    def grid_size(self, space) -> int:
        """Number of points in the grid over ``space``."""
        return sum(1 for _ in iter_grid(space, self.n_points))

    def sample(self, study: Study, trials: Sequence[Trial]) -> dict[str, Any] | None:
        space_json = study.space.to_json()
        if space_json != self._space_json:  # first use, or reused on another space
            self._space_json = space_json
            self._points = list(iter_grid(study.space, self.n_points))
            if self.shuffle:
                order = np.random.default_rng(self._seed).permutation(len(self._points))
                self._points = [self._points[i] for i in order]
            self._cursor = 0
            self._seen.clear()
            self._seen_numbers.clear()
        for trial in trials:
            if trial.number not in self._seen_numbers:
                self._seen_numbers.add(trial.number)
                self._seen.add(params_key(trial.params))
        while self._cursor < len(self._points):
            point = self._points[self._cursor]
            self._cursor += 1
            if params_key(point) not in self._seen:
                return point
        return None

    def __repr__(self) -> str:
        return (
            f"GridSampler(n_points={self.n_points}, shuffle={self.shuffle}, "
            f"random_state={self.random_state!r})"
        )
