"""The search space as the GP sees it: one-hot unit-cube vectors with inactive values imputed.

The sampler works with two views of a point:

* the *raw* vector ``u`` in the one-hot unit cube (``SearchSpace.decode(u, onehot=True)``
  reads it), where every coordinate holds a value, including those of parameters that
  are inactive at ``u`` (they matter again if a categorical is switched);
* the *model input* ``x``: ``u`` with the coordinates of inactive parameters replaced by
  a fixed value, 0.5 for a number and 0 for each one-hot coordinate of a categorical, so
  that two configurations that differ only in unused values are the same point for the
  kernel, and the kernel is defined although ``SearchSpace.encode`` writes NaN there.

A raw vector is made *canonical* before it is evaluated: each categorical's one-hot
block becomes an exact one-hot vector (its argmax), and each discrete number (``Int``,
``Float(step=...)``) with at most :data:`MAX_SNAP_VALUES` values moves to the centre of
the bin of the value it decodes to, which is where ``SearchSpace.encode`` puts that
value. The acquisition is then evaluated at the configuration that will be proposed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autoxai.space import Categorical, SearchSpace

__all__ = ["MAX_SNAP_VALUES", "CubeEncoding"]

#: Discrete numbers with more values than this are treated as continuous by the model.
MAX_SNAP_VALUES = 4096


class CubeEncoding:
    """Vectorised helpers for a search space's one-hot unit-cube encoding.

    Parameters
    ----------
    space : SearchSpace

    Examples
    --------
    >>> import numpy as np
    >>> from autoxai import Categorical, Float, SearchSpace
    >>> space = SearchSpace({"k": Categorical(["a", "b"]), "x": Float(0, 1, when={"k": "a"})})
    >>> enc = CubeEncoding(space)
    >>> U = enc.canonical(np.array([[0.2, 0.7, 0.3], [0.9, 0.1, 0.3]]))
    >>> enc.model_input(U).tolist()
    [[0.0, 1.0, 0.5], [1.0, 0.0, 0.3]]
    """

    def __init__(self, space: SearchSpace) -> None:
        self.space = space
        self.slices = space.slices(onehot=True)
        self.n_dims = space.n_dims(onehot=True)
        self.names = list(space)
        self.fill = np.full(self.n_dims, 0.5)
        self.categorical: list[tuple[str, slice]] = []
        self.numeric = np.zeros(self.n_dims, dtype=bool)
        # coordinate -> (edges, centres) of a discrete number's bins
        self.snap: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for name, dist in space.items():
            sl = self.slices[name]
            if isinstance(dist, Categorical):
                self.categorical.append((name, sl))
                self.fill[sl] = 0.0
                continue
            self.numeric[sl] = True
            n_values = dist.n_values
            if n_values is not None and n_values <= MAX_SNAP_VALUES:
                values = np.array(dist.grid(n_values), dtype=float)
                centres = np.array([dist.encode(v)[0] for v in values])
                edges = np.array([dist.encode(v)[0] for v in (values[1:] + values[:-1]) / 2])
                self.snap[sl.start] = (edges, centres)

    # -- activity ---------------------------------------------------------------------
    def active(self, U: np.ndarray) -> np.ndarray:
        """Boolean mask of shape ``(m, n_dims)``: coordinates of parameters active at each row."""
        U = np.atleast_2d(U)
        out = np.ones((len(U), self.n_dims), dtype=bool)
        if not self.space.is_conditional:
            return out
        for name, rows in self.space.active_many(U, onehot=True).items():
            out[:, self.slices[name]] = rows[:, None]
        return out

    # -- canonical raw vectors and model inputs --------------------------------------------
    def canonical(self, U: np.ndarray) -> np.ndarray:
        """Exact one-hot blocks and discrete numbers at their bin centres (a new array)."""
        U = np.clip(np.atleast_2d(np.asarray(U, dtype=float)), 0.0, 1.0)
        rows = np.arange(len(U))
        for _, sl in self.categorical:
            idx = np.argmax(U[:, sl], axis=1)
            U[:, sl] = 0.0
            U[rows, sl.start + idx] = 1.0
        for j, (edges, centres) in self.snap.items():
            U[:, j] = centres[np.searchsorted(edges, U[:, j], side="right")]
        return U

    def model_input(self, U: np.ndarray, active: np.ndarray | None = None) -> np.ndarray:
        """The kernel's input: ``U`` with inactive coordinates set to the fixed fill values."""
        U = np.atleast_2d(U)
        if active is None:
            active = self.active(U)
        return np.where(active, U, self.fill)

    def encode_params(self, params: Sequence[dict[str, Any]]) -> np.ndarray:
        """Encoded configurations, shape ``(len(params), n_dims)``; inactive values are NaN."""
        if not params:
            return np.empty((0, self.n_dims))
        return self.space.encode_many(list(params), onehot=True)

    # -- random points --------------------------------------------------------------------
    def random(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` canonical raw vectors, uniform over numbers and over each categorical's choices."""
        U = rng.random((n, self.n_dims))
        rows = np.arange(n)
        for _, sl in self.categorical:
            U[:, sl] = 0.0
            U[rows, sl.start + rng.integers(sl.stop - sl.start, size=n)] = 1.0
        return self.canonical(U)
