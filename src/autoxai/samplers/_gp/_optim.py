"""Maximising the acquisition over a mixed, conditional unit cube.

The search is multi-start (as in Snoek et al. 2012 and BoTorch):

1. score ``n_candidates`` random points plus perturbations of the best observed points
   (Gaussian steps of a random size between 0.005 and 0.2 on the numbers, and a new
   random choice for each categorical with probability 0.2);
2. start L-BFGS-B from the ``n_restarts`` best of them, over the coordinates of the
   numbers active at each start, within ``[0, 1]``; categoricals stay fixed. The starts
   are optimised together, as one problem whose objective is the sum of their negative
   log EI (the terms are independent, so its gradient is theirs side by side);
3. make the results canonical (discrete numbers snapped to the values they decode to)
   and score them again, keeping each start's result only if it did not get worse;
4. local search over the categoricals: for each result, try every other choice of every
   active categorical (switching a parent makes its children's coordinates active or
   inactive), move to the best neighbour if it improves, and repeat (at most 3 rounds).

The best point found is returned as a raw one-hot unit-cube vector, which
``SearchSpace.decode`` turns into a configuration (reading only the active coordinates).

References
----------
J. Snoek, H. Larochelle and R. P. Adams, "Practical Bayesian Optimization of Machine
Learning Algorithms", NeurIPS 2012.

M. Balandat et al., "BoTorch: A Framework for Efficient Monte-Carlo Bayesian
Optimization", NeurIPS 2020.
"""

from __future__ import annotations

import numpy as np
import scipy.optimize

from autoxai.samplers._gp._acquisition import LogEI
from autoxai.samplers._gp._encoding import CubeEncoding

__all__ = ["optimize_acquisition"]

_CHUNK = 1024
_LOCAL_SEARCH_ROUNDS = 3


def _score(acq: LogEI, enc: CubeEncoding, U: np.ndarray) -> np.ndarray:
    """Log EI at canonical raw vectors, in chunks to bound memory."""
    return np.concatenate(
        [acq(enc.model_input(U[i : i + _CHUNK])) for i in range(0, len(U), _CHUNK)]
    )


def _perturb(enc: CubeEncoding, rng: np.random.Generator, U_best: np.ndarray, n: int) -> np.ndarray:
    """``n`` random neighbours of the rows of ``U_best`` (canonical raw vectors)."""
    U = U_best[rng.integers(len(U_best), size=n)].copy()
    scale = 10.0 ** rng.uniform(np.log10(0.005), np.log10(0.2), size=(n, 1))
    U[:, enc.numeric] += scale * rng.standard_normal((n, int(enc.numeric.sum())))
    rows = np.arange(n)
    for _, sl in enc.categorical:
        flip = rows[rng.random(n) < 0.2]
        U[flip, sl] = 0.0
        U[flip, sl.start + rng.integers(sl.stop - sl.start, size=len(flip))] = 1.0
    return enc.canonical(U)


def _gradient_step(acq: LogEI, enc: CubeEncoding, U: np.ndarray, *, maxiter: int) -> np.ndarray:
    """L-BFGS-B on the active numeric coordinates of all rows of ``U`` at once."""
    active = enc.active(U)
    free = active & enc.numeric
    if not free.any():
        return U
    v0 = U[free]

    def loss(v: np.ndarray) -> tuple[float, np.ndarray]:
        W = U.copy()
        W[free] = v
        values, grads = acq.value_and_grad(enc.model_input(W, active))
        return -float(values.sum()), -grads[free]

    result = scipy.optimize.minimize(
        loss,
        v0,
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, 1.0)] * len(v0),
        options={"maxiter": maxiter},
    )
    out = U.copy()
    out[free] = np.clip(result.x, 0.0, 1.0)
    return out


def _categorical_neighbours(enc: CubeEncoding, U: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every row of ``U`` with one active categorical switched; and each neighbour's row."""
    active = enc.active(U)
    neighbours, owners = [], []
    for i, u in enumerate(U):
        for _, sl in enc.categorical:
            if not active[i, sl.start]:
                continue
            current = int(np.argmax(u[sl]))
            for j in range(sl.stop - sl.start):
                if j != current:
                    w = u.copy()
                    w[sl] = 0.0
                    w[sl.start + j] = 1.0
                    neighbours.append(w)
                    owners.append(i)
    if not neighbours:
        return np.empty((0, enc.n_dims)), np.empty(0, dtype=int)
    return np.array(neighbours), np.array(owners)


def optimize_acquisition(
    acq: LogEI,
    enc: CubeEncoding,
    rng: np.random.Generator,
    *,
    U_best: np.ndarray,
    n_candidates: int = 2000,
    n_restarts: int = 10,
    maxiter: int = 100,
) -> np.ndarray:
    """The raw one-hot unit-cube vector with the highest log EI found.

    Parameters
    ----------
    acq : LogEI
    enc : CubeEncoding
    rng : numpy.random.Generator
        The only source of randomness.
    U_best : ndarray of shape (k, n_dims)
        Canonical raw vectors of the best observed points, to perturb.
    n_candidates : int
        Random points scored in step 1; a quarter as many perturbations are added.
    n_restarts : int
        Starts of the gradient step.
    maxiter : int
        Iteration cap of L-BFGS-B.
    """
    U = enc.random(rng, n_candidates)
    if len(U_best):
        U = np.vstack([U, _perturb(enc, rng, U_best, max(1, n_candidates // 4))])
    values = _score(acq, enc, U)

    # Starts: the best distinct candidates.
    order = np.argsort(-values, kind="stable")
    _, first = np.unique(U[order], axis=0, return_index=True)
    starts = order[np.sort(first)][:n_restarts]
    X0, v0 = U[starts], values[starts]

    X1 = enc.canonical(_gradient_step(acq, enc, X0, maxiter=maxiter))
    v1 = _score(acq, enc, X1)
    better = v1 > v0
    X, v = np.where(better[:, None], X1, X0), np.where(better, v1, v0)

    for _ in range(_LOCAL_SEARCH_ROUNDS):
        N, owners = _categorical_neighbours(enc, X)
        if not len(N):
            break
        N = enc.canonical(N)
        vn = _score(acq, enc, N)
        improved = False
        for i in range(len(X)):
            mine = np.flatnonzero(owners == i)
            if len(mine):
                j = mine[np.argmax(vn[mine])]
                if vn[j] > v[i]:
                    X[i], v[i], improved = N[j], vn[j], True
        if not improved:
            break
    return X[int(np.argmax(v))]
