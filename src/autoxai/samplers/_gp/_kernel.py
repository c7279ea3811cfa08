"""The Matérn-5/2 kernel with one lengthscale per dimension (ARD).

With the scaled distance ``r = sqrt(sum_i ((x_i - x'_i) / l_i) ** 2)``, the kernel is
``k(x, x') = s2 * (1 + sqrt(5) r + 5/3 r**2) * exp(-sqrt(5) r)``
(Rasmussen & Williams 2006, eq. 4.17). Its derivatives have no ``1 / r`` factor, so they
are finite at ``r = 0``:

* ``d k / d x_i = -s2 * g(r) * (x_i - x'_i) / l_i**2``,
* ``d k / d log l_i = s2 * g(r) * (x_i - x'_i)**2 / l_i**2``,

with ``g(r) = 5/3 * (1 + sqrt(5) r) * exp(-sqrt(5) r)``. The functions here return the
unit-variance kernel ``k / s2`` and ``g`` together, so a caller can build the kernel
matrix and its gradients from one pass over the distances.

References
----------
C. E. Rasmussen and C. K. I. Williams, "Gaussian Processes for Machine Learning",
MIT Press, 2006, section 4.2.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["matern52", "scaled_sq_distances"]

_SQRT5 = math.sqrt(5.0)


def scaled_sq_distances(
    X1: np.ndarray, X2: np.ndarray, lengthscales: np.ndarray, *, same: bool = False
) -> np.ndarray:
    """Squared distances ``r**2`` between the rows of ``X1`` and ``X2`` scaled by lengthscales.

    Parameters
    ----------
    X1 : ndarray of shape (n1, d)
    X2 : ndarray of shape (n2, d)
    lengthscales : ndarray of shape (d,)
    same : bool
        ``X1`` and ``X2`` are the same points: the diagonal is set to exactly 0.

    Returns
    -------
    ndarray of shape (n1, n2), non-negative.
    """
    A = X1 / lengthscales
    B = A if same else X2 / lengthscales
    sq = np.einsum("ij,ij->i", A, A)[:, None] + np.einsum("ij,ij->i", B, B)[None, :]
    sq -= 2.0 * (A @ B.T)
    np.maximum(sq, 0.0, out=sq)
    if same:
        np.fill_diagonal(sq, 0.0)
    return sq


def matern52(r2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit-variance Matérn-5/2 kernel values and the gradient factor ``g`` from ``r**2``.

    Examples
    --------
    >>> import numpy as np
    >>> k, g = matern52(np.array([0.0, 1.0]))
    >>> k.round(4).tolist(), g.round(4).tolist()
    ([1.0, 0.524], [1.6667, 0.5764])
    """
    r = np.sqrt(r2)
    e = np.exp(-_SQRT5 * r)
    a = 1.0 + _SQRT5 * r
    return (a + (5.0 / 3.0) * r2) * e, (5.0 / 3.0) * a * e
