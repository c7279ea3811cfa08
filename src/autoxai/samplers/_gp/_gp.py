"""The Gaussian-process model: hyperparameters, their fit, and the posterior.

The model for standardised observations ``y`` at points ``X`` of the unit cube is

    f ~ GP(mean, s2 * Matern52(r / l)),    y = f(x) + eps,    eps ~ N(0, noise_var),

with a constant ``mean``, a signal variance ``s2``, a noise variance ``noise_var`` and
one lengthscale ``l_i`` per dimension (automatic relevance determination).

Hyperparameters are chosen by maximising the log marginal likelihood plus a log prior
(a maximum a posteriori fit; Rasmussen & Williams 2006, section 5.4; Snoek et al. 2012).
The optimiser works on ``theta = [log l_1 .. log l_d, log s2, log noise_var, mean]``;
the priors are densities of the natural parameters (no change-of-variables term):

* ``l_i ~ LogNormal(sqrt(2) + log(d) / 2, sqrt(3))``: the dimension-scaled prior of
  Hvarfner et al. (2024), whose median grows like ``sqrt(d)`` so that the typical
  distance between points in ``d`` dimensions stays comparable to a lengthscale;
* ``s2 ~ Gamma(2, 1)``: the observations are standardised, so a variance near 1;
* ``noise_var ~ Gamma(1.1, 30)``, bounded below by :data:`NOISE_VAR_MIN` ``= 1e-6``:
  small noise is favoured (objectives are often nearly deterministic), but never so
  small that the kernel matrix becomes numerically singular;
* ``mean ~ Normal(0, 1)``.

The log marginal likelihood and its gradient (eq. 5.8 and 5.9 of Rasmussen & Williams)
are computed from one Cholesky factorisation; when the factorisation fails, jitter is
added to the diagonal in growing amounts (:func:`cholesky`).

References
----------
C. E. Rasmussen and C. K. I. Williams, "Gaussian Processes for Machine Learning",
MIT Press, 2006.

J. Snoek, H. Larochelle and R. P. Adams, "Practical Bayesian Optimization of Machine
Learning Algorithms", NeurIPS 2012.

C. Hvarfner, E. O. Hellsten and L. Nardi, "Vanilla Bayesian Optimization Performs Great
in High Dimensions", ICML 2024.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.optimize
from scipy.linalg import lapack

from autoxai.samplers._gp._kernel import matern52, scaled_sq_distances

__all__ = [
    "NOISE_VAR_MIN",
    "GPParams",
    "GPPosterior",
    "cholesky",
    "fit_gp",
    "log_marginal_likelihood",
    "log_prior",
]

#: Smallest noise variance the fit may choose (on the standardised scale).
NOISE_VAR_MIN = 1e-6

_LOG_2PI = math.log(2.0 * math.pi)
_LENGTHSCALE_BOUNDS = (1e-2, 1e3)
_SIGNAL_VAR_BOUNDS = (1e-3, 1e3)
_NOISE_VAR_BOUNDS = (NOISE_VAR_MIN, 1.0)
_MEAN_BOUNDS = (-10.0, 10.0)
_VAR_MIN = 1e-12  # posterior variances are clipped here


@dataclass(frozen=True)
class GPParams:
    """Hyperparameters of the GP.

    Attributes
    ----------
    lengthscales : ndarray of shape (d,)
    signal_var : float
    noise_var : float
    mean : float
    """

    lengthscales: np.ndarray
    signal_var: float
    noise_var: float
    mean: float

    @property
    def n_dims(self) -> int:
        """Number of input dimensions."""
        return len(self.lengthscales)

    def to_theta(self) -> np.ndarray:
        """The optimiser's vector ``[log l, log s2, log noise_var, mean]``."""
        tail = [math.log(self.signal_var), math.log(self.noise_var), self.mean]
        return np.concatenate([np.log(self.lengthscales), tail])

    @classmethod
    def from_theta(cls, theta: np.ndarray) -> GPParams:
        """Inverse of :meth:`to_theta`."""
        theta = np.asarray(theta, dtype=float)
        d = len(theta) - 3
        return cls(
            lengthscales=np.exp(theta[:d]),
            signal_var=float(np.exp(theta[d])),
            noise_var=float(np.exp(theta[d + 1])),
            mean=float(theta[d + 2]),
        )

    @classmethod
    def default(cls, n_dims: int) -> GPParams:
        """Where a fit without a warm start begins."""
        return cls(np.full(n_dims, 0.5), 1.0, 1e-2, 0.0)


def _log_bounds(bounds: tuple[float, float]) -> tuple[float, float]:
    return math.log(bounds[0]), math.log(bounds[1])


def _bounds(n_dims: int) -> list[tuple[float, float]]:
    """Box of the optimiser in theta (L-BFGS-B keeps the noise variance >= 1e-6)."""
    return [_log_bounds(_LENGTHSCALE_BOUNDS)] * n_dims + [
        _log_bounds(_SIGNAL_VAR_BOUNDS),
        _log_bounds(_NOISE_VAR_BOUNDS),
        _MEAN_BOUNDS,
    ]


def cholesky(K: np.ndarray) -> tuple[np.ndarray, bool]:
    """Lower Cholesky factor of ``K`` (``scipy.linalg.cho_factor`` form), with jitter if needed.

    When ``K`` is not numerically positive definite, ``1e-10 * mean(diag(K))`` is added
    to its diagonal, then ten times more, up to ``1e-2 * mean(diag(K))``.

    Raises
    ------
    numpy.linalg.LinAlgError
        If even the largest jitter does not make ``K`` positive definite (or ``K`` holds
        NaN or infinity).
    """
    try:
        factor = scipy.linalg.cho_factor(K, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        pass
    else:
        if np.all(np.isfinite(np.diag(factor[0]))):  # LAPACK lets NaN through
            return factor
    scale = float(np.mean(np.diag(K)))
    if not math.isfinite(scale) or scale <= 0.0:
        raise np.linalg.LinAlgError("the kernel matrix is not finite and positive")
    eye = np.eye(len(K))
    for exponent in range(-10, -1):
        try:
            return scipy.linalg.cho_factor(
                K + (scale * 10.0**exponent) * eye, lower=True, check_finite=False
            )
        except np.linalg.LinAlgError:
            continue
    raise np.linalg.LinAlgError("the kernel matrix is not positive definite, even with jitter")


def _inverse_from_cholesky(factor: tuple[np.ndarray, bool]) -> np.ndarray:
    """``K^-1`` from the lower Cholesky factor of ``K`` (LAPACK ``potri``)."""
    inv, info = lapack.dpotri(factor[0], lower=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"potri failed with info={info}")
    lower = np.tril(inv)
    return lower + np.tril(lower, -1).T


def log_prior(theta: np.ndarray) -> tuple[float, np.ndarray]:
    """Log prior density of the hyperparameters (up to a constant) and its gradient in theta.

    See the module docstring for the priors.
    """
    d = len(theta) - 3
    log_l, log_s2, log_n2, mean = theta[:d], theta[d], theta[d + 1], theta[d + 2]
    grad = np.empty_like(theta)
    # LogNormal(mu, sigma) on l: -(log l - mu)^2 / (2 sigma^2) - log l
    mu, sigma2 = math.sqrt(2.0) + 0.5 * math.log(d), 3.0
    value = float(np.sum(-0.5 * (log_l - mu) ** 2 / sigma2 - log_l))
    grad[:d] = -(log_l - mu) / sigma2 - 1.0
    # Gamma(a, b) on v = exp(log v): (a - 1) log v - b v
    for i, (a, b, log_v) in ((d, (2.0, 1.0, log_s2)), (d + 1, (1.1, 30.0, log_n2))):
        v = math.exp(log_v)
        value += (a - 1.0) * log_v - b * v
        grad[i] = (a - 1.0) - b * v
    value += -0.5 * mean**2
    grad[d + 2] = -mean
    return value, grad


def log_marginal_likelihood(
    theta: np.ndarray, X: np.ndarray, y: np.ndarray
) -> tuple[float, np.ndarray]:
    """Log marginal likelihood ``log p(y | X, theta)`` and its gradient in theta.

    With ``K = s2 * M + noise_var * I`` and ``alpha = K^-1 (y - mean)``::

        log p = -1/2 (y - mean)^T alpha - 1/2 log|K| - n/2 log(2 pi)
        d log p / d theta_j = 1/2 tr((alpha alpha^T - K^-1) dK/dtheta_j)

    (Rasmussen & Williams 2006, eq. 5.8-5.9), and ``d log p / d mean = sum(alpha)``.
    The lengthscale terms are reduced to matrix products, so the cost is one Cholesky
    factorisation and inverse plus ``O(n^2 d)``.

    Parameters
    ----------
    theta : ndarray of shape (d + 3,)
        ``[log l_1 .. log l_d, log s2, log noise_var, mean]``.
    X : ndarray of shape (n, d)
    y : ndarray of shape (n,)
    """
    n, d = X.shape
    lengthscales = np.exp(theta[:d])
    s2, noise_var, mean = math.exp(theta[d]), math.exp(theta[d + 1]), float(theta[d + 2])
    M, G = matern52(scaled_sq_distances(X, X, lengthscales, same=True))
    K = s2 * M
    K.flat[:: n + 1] += noise_var
    factor = cholesky(K)
    resid = y - mean
    alpha = scipy.linalg.cho_solve(factor, resid, check_finite=False)
    value = (
        -0.5 * float(resid @ alpha) - float(np.sum(np.log(np.diag(factor[0])))) - 0.5 * n * _LOG_2PI
    )

    W = np.outer(alpha, alpha) - _inverse_from_cholesky(factor)
    grad = np.empty(d + 3)
    H = W * G
    # 1/2 sum_ab H_ab (x_ai - x_bi)^2 = sum_a rowsum(H)_a x_ai^2 - sum_a x_ai (H X)_ai
    grad[:d] = (s2 / lengthscales**2) * (H.sum(axis=1) @ (X * X) - np.sum(X * (H @ X), axis=0))
    grad[d] = 0.5 * s2 * float(np.sum(W * M))
    grad[d + 1] = 0.5 * noise_var * float(np.trace(W))
    grad[d + 2] = float(np.sum(alpha))
    return value, grad


def fit_gp(
    X: np.ndarray,
    y: np.ndarray,
    *,
    init: GPParams | None = None,
    maxiter: int = 200,
) -> GPParams:
    """Maximum a posteriori hyperparameters by L-BFGS-B with analytic gradients.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        Points in the unit cube.
    y : ndarray of shape (n,)
        Standardised observations.
    init : GPParams, optional
        Where to start (a previous fit, to save iterations); default
        :meth:`GPParams.default`.
    maxiter : int
        Iteration cap of L-BFGS-B.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.linspace(0, 1, 8)[:, None]
    >>> params = fit_gp(X, np.sin(6 * X[:, 0]))
    >>> params.noise_var < 1e-3
    True
    """
    n_dims = X.shape[1]
    if init is None or init.n_dims != n_dims:
        init = GPParams.default(n_dims)
    bounds = _bounds(n_dims)
    lo, hi = np.array(bounds).T
    theta0 = np.clip(init.to_theta(), lo, hi)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        try:
            lml, g_lml = log_marginal_likelihood(theta, X, y)
        except np.linalg.LinAlgError:
            return 1e25, np.zeros_like(theta)
        lp, g_lp = log_prior(theta)
        return -(lml + lp), -(g_lml + g_lp)

    result = scipy.optimize.minimize(
        loss, theta0, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": maxiter}
    )
    theta = result.x if np.all(np.isfinite(result.x)) and result.fun < 1e25 else theta0
    return GPParams.from_theta(theta)


class GPPosterior:
    """The GP conditioned on observations: posterior mean and variance of ``f``, with gradients.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    y : ndarray of shape (n,)
    params : GPParams

    Notes
    -----
    With ``k*`` the kernel between a query point and the data, the posterior mean is
    ``mean + k*^T alpha`` and the variance of the latent ``f`` (noise excluded) is
    ``s2 - k*^T K^-1 k*`` (Rasmussen & Williams 2006, eq. 2.25-2.26), clipped at
    ``1e-12``. ``K^-1`` is formed once, so a batch of ``m`` queries costs ``O(m n^2)``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.1], [0.5], [0.9]])
    >>> params = GPParams(np.array([0.3]), signal_var=1.0, noise_var=1e-6, mean=0.0)
    >>> post = GPPosterior(X, np.array([1.0, -1.0, 0.5]), params)
    >>> mean, var = post.predict(X)
    >>> mean.round(3).tolist(), bool(np.all(var < 1e-5))
    ([1.0, -1.0, 0.5], True)
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, params: GPParams) -> None:
        self.X = np.asarray(X, dtype=float)
        self.y = np.asarray(y, dtype=float)
        self.params = params
        n = len(self.X)
        M, _ = matern52(scaled_sq_distances(self.X, self.X, params.lengthscales, same=True))
        K = params.signal_var * M
        K.flat[:: n + 1] += params.noise_var
        factor = cholesky(K)
        self.alpha_ = scipy.linalg.cho_solve(factor, self.y - params.mean, check_finite=False)
        self.K_inv_ = _inverse_from_cholesky(factor)

    def predict(self, Xq: np.ndarray, *, return_grad: bool = False) -> tuple[np.ndarray, ...]:
        """Posterior mean and variance at the rows of ``Xq``.

        With ``return_grad``, also their gradients with respect to ``Xq``, each of
        shape ``(m, d)``: ``(mean, var, dmean, dvar)``.
        """
        p = self.params
        Xq = np.atleast_2d(np.asarray(Xq, dtype=float))
        M, G = matern52(scaled_sq_distances(Xq, self.X, p.lengthscales))
        Ks = p.signal_var * M
        mean = p.mean + Ks @ self.alpha_
        V = Ks @ self.K_inv_
        var = p.signal_var - np.einsum("ij,ij->i", V, Ks)
        clipped = var < _VAR_MIN
        var[clipped] = _VAR_MIN
        if not return_grad:
            return mean, var
        # dk/dx_i = -s2 g(r) (x_i - x'_i) / l_i^2
        scale = p.signal_var / p.lengthscales**2
        Wm = G * self.alpha_
        dmean = -scale * (Xq * Wm.sum(axis=1)[:, None] - Wm @ self.X)
        Wv = G * V
        dvar = 2.0 * scale * (Xq * Wv.sum(axis=1)[:, None] - Wv @ self.X)
        dvar[clipped] = 0.0
        return mean, var, dmean, dvar
