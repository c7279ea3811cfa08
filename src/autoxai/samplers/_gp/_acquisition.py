"""Log expected improvement, computed stably, with its gradient.

For minimisation, with posterior mean ``mu(x)``, standard deviation ``sigma(x)`` and the
best value so far ``best``, the expected improvement is
``EI(x) = sigma(x) * h(z)`` with ``z = (best - mu(x)) / sigma(x)`` and
``h(z) = phi(z) + z * Phi(z)`` (Jones et al. 1998; Snoek et al. 2012).

``EI`` underflows to 0 for ``z`` below about -38, where its gradient vanishes too, so
a gradient-based optimiser is stuck on a flat landscape. Its logarithm does not: for
``z <= -1``, ``log h(z)`` is computed as

    -z**2 / 2 - log(2 pi) / 2 + log1mexp(log(erfcx(-z / sqrt(2)) |z|) + log(pi / 2) / 2)

and, below ``-1 / sqrt(machine epsilon)``, by its asymptote
``-z**2 / 2 - log(2 pi) / 2 - 2 log|z|`` (Ament et al. 2023, eq. 9). The derivative
``d log h / dz = Phi(z) / h(z)`` is computed as ``exp(log Phi(z) - log h(z))`` with
``scipy.special.log_ndtr`` (by its asymptote ``|z| + 2 / |z|`` below ``z = -1000``),
which is finite everywhere.

References
----------
D. R. Jones, M. Schonlau and W. J. Welch, "Efficient Global Optimization of Expensive
Black-Box Functions", Journal of Global Optimization 13, 1998.

J. Snoek, H. Larochelle and R. P. Adams, "Practical Bayesian Optimization of Machine
Learning Algorithms", NeurIPS 2012.

S. Ament, S. Daulton, D. Eriksson, M. Balandat and E. Bakshy, "Unexpected Improvements
to Expected Improvement for Bayesian Optimization", NeurIPS 2023.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erfcx, log_ndtr, ndtr

from autoxai.samplers._gp._gp import GPPosterior

__all__ = ["LogEI", "log_h", "log_h_grad"]

_C1 = 0.5 * math.log(2.0 * math.pi)
_C2 = 0.5 * math.log(0.5 * math.pi)
_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_EPS = 1.0 / math.sqrt(np.finfo(float).eps)


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """``log(1 - exp(x))`` for ``x < 0``, accurate on both sides of ``-log 2``."""
    return np.where(
        x > -math.log(2.0),
        np.log(-np.expm1(np.minimum(x, -1e-300))),
        np.log1p(-np.exp(np.minimum(x, 0.0))),
    )


def log_h(z: np.ndarray) -> np.ndarray:
    """``log(phi(z) + z Phi(z))``, finite for every finite ``z``.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.stats import norm
    >>> z = np.array([-3.0, 0.0, 2.0])
    >>> np.allclose(log_h(z), np.log(norm.pdf(z) + z * norm.cdf(z)))
    True
    >>> round(float(log_h(np.array([-40.0]))[0]), 3)
    -808.299
    """
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    upper = z > -1.0
    zu = z[upper]
    out[upper] = np.log(np.exp(-0.5 * zu**2 - _C1) + zu * ndtr(zu))
    mid = ~upper & (z > -_INV_SQRT_EPS)
    zm = z[mid]
    out[mid] = -0.5 * zm**2 - _C1 + _log1mexp(np.log(erfcx(-zm * _INV_SQRT2) * np.abs(zm)) + _C2)
    far = ~upper & ~mid
    zf = z[far]
    out[far] = -0.5 * zf**2 - _C1 - 2.0 * np.log(np.abs(zf))
    return out


def log_h_grad(z: np.ndarray, log_h_z: np.ndarray | None = None) -> np.ndarray:
    """``d log h / dz = Phi(z) / h(z)``, computed in log space.

    Below ``z = -1000`` the two logarithms are too large to subtract accurately and the
    asymptote ``|z| + 2 / |z|`` (relative error below ``1e-11``) is used.
    """
    z = np.asarray(z, dtype=float)
    if log_h_z is None:
        log_h_z = log_h(z)
    far = z < -1e3
    out = np.exp(log_ndtr(z) - log_h_z)
    out[far] = -z[far] - 2.0 / z[far]
    return out


class LogEI:
    """Log expected improvement over ``best`` under a GP posterior (minimisation).

    Parameters
    ----------
    posterior : GPPosterior
    best : float
        The value to improve on (the lowest standardised observation).

    Examples
    --------
    >>> import numpy as np
    >>> from autoxai.samplers._gp._gp import GPParams, GPPosterior
    >>> post = GPPosterior(np.array([[0.2], [0.8]]), np.array([0.0, 1.0]), GPParams.default(1))
    >>> acq = LogEI(post, best=0.0)
    >>> values = acq(np.array([[0.0], [0.8]]))
    >>> bool(values[0] > values[1])
    True
    """

    def __init__(self, posterior: GPPosterior, best: float) -> None:
        self.posterior = posterior
        self.best = float(best)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """Log EI at the rows of ``X``."""
        mean, var = self.posterior.predict(X)
        sigma = np.sqrt(var)
        return log_h((self.best - mean) / sigma) + np.log(sigma)

    def value_and_grad(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Log EI at the rows of ``X`` and its gradient with respect to ``X``.

        With ``a = d log h / dz``::

            d logEI / d mean = -a / sigma
            d logEI / d var  = (1 - a z) / (2 var)
        """
        mean, var, dmean, dvar = self.posterior.predict(X, return_grad=True)
        sigma = np.sqrt(var)
        z = (self.best - mean) / sigma
        lh = log_h(z)
        a = log_h_grad(z, lh)
        grad = (-a / sigma)[:, None] * dmean + ((1.0 - a * z) / (2.0 * var))[:, None] * dvar
        return lh + np.log(sigma), grad
