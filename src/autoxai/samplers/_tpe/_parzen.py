"""The Parzen estimator of TPE: a weighted mixture of product kernels on the unit cube.

Observations arrive in the index encoding of :meth:`SearchSpace.encode` (``onehot=False``):
one coordinate per parameter in ``[0, 1]``, NaN where a parameter is inactive. Each
observation is a mixture component, plus one uniform *prior* component. Per parameter:

* continuous numbers: a Gaussian truncated to ``[0, 1]``;
* discrete numbers (``Int``, stepped ``Float``): the same Gaussian integrated over each
  value's own bin (:meth:`~autoxai.space.Int.unit_bin_edges`: equal widths on a linear
  scale, shrinking ones on a log scale), so every value gets its own probability and
  the probabilities sum to 1; returned as a density (probability over bin width);
* categoricals: mass ``(prior_weight / n + 1) / (prior_weight + 1)`` on the observed
  choice, the rest spread evenly, also as a density.

Conditional parameters: a component whose observation lacks a parameter the candidate
has uses the uniform density (1) for it, and a parameter the candidate lacks is left
out of the product. Densities on the unit cube keep every factor in the same units, so
the ratio ``l(x) / g(x)`` stays meaningful across branches of a conditional space.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import log_ndtr, ndtr

from autoxai.space import Categorical, SearchSpace

__all__ = ["ParzenEstimator"]

_SQRT2PI_LOG = 0.5 * math.log(2 * math.pi)


def _log_diff_ndtr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``log(Phi(b) - Phi(a))`` for ``a < b``, stable in both tails."""
    # Reflect so that both arguments sit in the lower tail, where log_ndtr is accurate.
    flip = a > 0
    a2 = np.where(flip, -b, a)
    b2 = np.where(flip, -a, b)
    lb = log_ndtr(b2)
    la = log_ndtr(a2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return lb + np.log1p(-np.exp(np.minimum(la - lb, 0.0)))


class ParzenEstimator:
    """Mixture of product kernels fitted to observations ``obs`` (rows, NaN = inactive).

    Parameters
    ----------
    space : SearchSpace
    obs : ndarray of shape (n, n_params)
        Index-encoded observations.
    weights : ndarray of shape (n,)
        Relative weight of each observation.
    prior_weight : float
        Weight of the uniform prior component (relative to one observation of weight 1).
    bandwidth_factor : float
        Each kernel's width is this factor times the larger gap to its neighbouring
        observations along that parameter (Bergstra et al., 2011): narrow where good
        observations cluster, wide where they are sparse.
    min_bandwidth : float
        Floor of the width (on the unit interval), raised to ``1 / min(100, n + 2)``
        for ``n`` observations ("magic clip") and, for discrete numbers, to half the
        mean width of a value's bin (half a bin on a linear scale; on a log scale the
        small values' wide bins would otherwise blur the kernels where optima often are).
    """

    def __init__(
        self,
        space: SearchSpace,
        obs: np.ndarray,
        weights: np.ndarray,
        *,
        prior_weight: float,
        bandwidth_factor: float,
        min_bandwidth: float,
    ) -> None:
        self.space = space
        self.dists = list(space.values())
        self.obs = obs
        n, d = obs.shape
        total = float(np.sum(weights)) + prior_weight
        self.log_w = np.log(np.maximum(weights, 1e-300) / total)
        self.log_w_prior = math.log(prior_weight / total) if prior_weight > 0 else -np.inf
        self.prior_weight = prior_weight
        self.bandwidth = np.full((n, d), np.nan)  # per observation and parameter
        # Bin edges of each discrete number on the unit interval.
        self._edges = {
            p: dist.unit_bin_edges()
            for p, dist in enumerate(self.dists)
            if not isinstance(dist, Categorical) and dist.n_values is not None
        }
        for p, dist in enumerate(self.dists):
            if isinstance(dist, Categorical):
                continue
            active = ~np.isnan(obs[:, p])
            floor = max(min_bandwidth, 1.0 / min(100.0, 2.0 + active.sum()))
            if dist.n_values is not None:
                floor = max(floor, 0.5 / dist.n_values)
            self.bandwidth[active, p] = _neighbour_bandwidths(
                obs[active, p], factor=bandwidth_factor, floor=floor
            )
        # Terms that do not depend on the candidate, computed once: the truncation mass
        # of each kernel, and for continuous numbers the whole normalising constant.
        with np.errstate(invalid="ignore"):
            h = self.bandwidth
            self._log_mass = _log_diff_ndtr((0.0 - obs) / h, (1.0 - obs) / h)
            self._log_norm = -_SQRT2PI_LOG - np.log(h) - self._log_mass
        # Continuous numbers active in every observation are evaluated in one block.
        self._dense = np.array(
            [
                p
                for p, dist in enumerate(self.dists)
                if not isinstance(dist, Categorical)
                and dist.n_values is None
                and not np.isnan(obs[:, p]).any()
            ],
            dtype=int,
        )
        self._dense_norm = self._log_norm[:, self._dense].sum(axis=1)

    # -- sampling ---------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` index-encoded points (every coordinate filled)."""
        n, d = self.obs.shape
        probs = np.exp(np.append(self.log_w, self.log_w_prior))
        probs /= probs.sum()
        comp = rng.choice(n + 1, size=size, p=probs)
        out = rng.random((size, d))  # the prior, and the fallback for inactive coordinates
        from_obs = comp < n
        for p, dist in enumerate(self.dists):
            centre = np.full(size, np.nan)
            centre[from_obs] = self.obs[comp[from_obs], p]
            use = ~np.isnan(centre)
            if not use.any():
                continue
            if isinstance(dist, Categorical):
                k = len(dist.choices)
                observed = np.floor(centre[use] * k).astype(int).clip(0, k - 1)
                stay = (self.prior_weight / k + 1.0) / (self.prior_weight + 1.0)
                other = rng.integers(0, k - 1, size=observed.shape)
                other = other + (other >= observed)  # a uniformly chosen different index
                pick = np.where(rng.random(observed.shape) < stay, observed, other)
                if k == 1:
                    pick = observed
                out[use, p] = (pick + 0.5) / k
            else:
                width = self.bandwidth[comp[from_obs], p][use[from_obs]]
                out[use, p] = _truncated_normal(rng, centre[use], width)
        return out

    # -- density ----------------------------------------------------------------------
    def log_pdf(self, x: np.ndarray) -> np.ndarray:
        """Log density of index-encoded points ``x`` (NaN = inactive, left out)."""
        m = x.shape[0]
        n = self.obs.shape[0]
        total = np.zeros((m, n))
        done = set()
        dense = self._dense
        if dense.size and n and not np.isnan(x[:, dense]).any():
            z = (x[:, None, dense] - self.obs[None, :, dense]) / self.bandwidth[None, :, dense]
            total += -0.5 * np.einsum("mnp,mnp->mn", z, z) + self._dense_norm[None, :]
            done = set(dense.tolist())
        for p, dist in enumerate(self.dists):
            if p in done:
                continue
            xp = x[:, p]
            on = ~np.isnan(xp)
            if not on.any():
                continue
            op = self.obs[:, p]
            have = ~np.isnan(op)
            if not have.any():
                continue  # every component uses the uniform density (log 1 = 0)
            if on.all() and have.all():  # the common, unconditional case: no copies
                total += self._log_kernel(dist, p, xp[:, None], op[None, :])
                continue
            block = self._log_kernel(dist, p, xp[on][:, None], op[have][None, :])
            sub = total[on]
            sub[:, have] += block
            total[on] = sub
        comps = np.hstack([total + self.log_w[None, :], np.full((m, 1), self.log_w_prior)])
        top = comps.max(axis=1, keepdims=True)
        return top[:, 0] + np.log(np.exp(comps - top).sum(axis=1))

    def _log_kernel(self, dist, p: int, x: np.ndarray, mu: np.ndarray) -> np.ndarray:
        if isinstance(dist, Categorical):
            k = len(dist.choices)
            same = np.floor(x * k) == np.floor(mu * k)
            stay = (self.prior_weight / k + 1.0) / (self.prior_weight + 1.0)
            other = (1.0 - stay) / (k - 1) if k > 1 else 0.0
            return np.log(np.where(same, stay, other) * k + 1e-300)
        have = ~np.isnan(self.obs[:, p])
        h = self.bandwidth[have, p][None, :]
        if dist.n_values is None:
            z = (x - mu) / h
            return -0.5 * z * z + self._log_norm[have, p][None, :]
        log_mass = self._log_mass[have, p][None, :]
        lo, hi = _bins(self._edges[p], x)
        return _log_diff_ndtr((lo - mu) / h, (hi - mu) / h) - log_mass - np.log(hi - lo)


def _bins(edges: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper edges of the bins holding the unit-interval points ``x``."""
    idx = np.searchsorted(edges, x, side="right").clip(1, len(edges) - 1)
    return edges[idx - 1], edges[idx]


def _neighbour_bandwidths(mu: np.ndarray, *, factor: float, floor: float) -> np.ndarray:
    """Width of each kernel: the larger gap to its sorted neighbours, clipped.

    The domain's ends act as neighbours only for a lone observation; otherwise the
    outermost kernels take the gap on their inner side, so a cluster at a boundary stays
    narrow.
    """
    n = mu.shape[0]
    if n == 0:
        return mu.copy()
    order = np.argsort(mu, kind="stable")
    x = mu[order]
    if n == 1:
        gaps = np.array([max(x[0], 1.0 - x[0])])
    else:
        diffs = np.diff(x)
        left = np.concatenate([[diffs[0]], diffs])
        right = np.concatenate([diffs, [diffs[-1]]])
        gaps = np.maximum(left, right)
    width = np.clip(factor * gaps, floor, 1.0)
    out = np.empty(n)
    out[order] = width
    return out


def _truncated_normal(rng: np.random.Generator, mu: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Draws from N(mu, h) truncated to [0, 1], by inverting the CDF."""
    from scipy.special import ndtri

    lo = ndtr((0.0 - mu) / h)
    hi = ndtr((1.0 - mu) / h)
    u = lo + rng.random(mu.shape) * (hi - lo)
    u = np.clip(u, 1e-12, 1 - 1e-12)
    return np.clip(mu + h * ndtri(u), 0.0, 1.0)
