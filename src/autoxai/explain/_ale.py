"""Accumulated local effects (ALE) of a numeric feature (Apley & Zhu 2020).

A partial dependence plot sets a feature to every grid value in every row. When features
are correlated that asks the model about rows that never occur — a house with 10 rooms
and 30 m² — and the curve averages the model's extrapolations there. ALE only ever
moves a row's feature *within the small interval the row already lies in*: it splits the
feature's range into quantile bins, measures for the rows of each bin how much the
output changes from the bin's lower to its upper edge (the local effect), averages, and
adds the averages up from left to right. Every evaluated row stays next to a real one,
so ALE stays valid under correlated features, and it is cheaper: two predictions per row
whatever the number of bins, against one per row and grid point for a PDP.

References
----------
Apley, D. W., & Zhu, J. (2020). Visualizing the effects of predictor variables in black
box supervised learning models. Journal of the Royal Statistical Society: Series B,
82(4), 1059-1086.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

from autoxai._utils import RandomState, check_int
from autoxai.exceptions import DataError
from autoxai.explain._base import Explanation
from autoxai.explain._common import check_feature, subsample
from autoxai.explain._model import as_predictor
from autoxai.explain._perturb import is_numeric, replicate, set_column

__all__ = ["ale"]

#: Bins holding fewer rows than this make the local effect there a noisy average.
MIN_BIN_ROWS = 5


def ale(
    model: Any,
    X: Any,
    feature: str,
    *,
    grid_resolution: int = 20,
    max_samples: int | None = None,
    random_state: RandomState = None,
) -> Explanation:
    """First-order accumulated local effects of one numeric feature.

    The feature's range is cut at its quantiles into about ``grid_resolution`` bins.
    Every row is predicted twice, with the feature at the lower and at the upper edge of
    its own bin (all rows in one stacked ``predict`` call); the mean difference within a
    bin is its local effect; the effects are summed from the left and the sum is centred
    so that its mean over the data is 0 (Apley & Zhu 2020).

    Parameters
    ----------
    model : estimator, Pipeline, AutoML or callable
        A fitted model (see :func:`~autoxai.explain._model.as_predictor`); classifiers are
        explained through each class's probability.
    X : DataFrame or 2-D array
        The rows whose local effects are averaged; the bins come from them.
    feature : str
        A numeric column. Categorical features have no order to accumulate along: use
        :func:`~autoxai.explain._pdp.partial_dependence` for them.
    grid_resolution : int, default 20
        Number of quantile bins. Fewer when the feature has ties (quantiles that coincide
        are merged) or when a bin would hold no row (it is merged into the next one).
    max_samples : int, optional
        Use at most this many rows, drawn at random without replacement.
    random_state : int, Generator or None
        Seed of the row subsample (only used with ``max_samples``).

    Returns
    -------
    Explanation
        ``method="ale"``, ``scope="global"``, ``feature_names=[feature]``. ``values`` has
        shape ``(n_outputs, n_edges)``: the centred ALE at each bin edge (one row per
        entry of ``output_names``). ``arrays``: ``grid`` (the bin edges, ascending),
        ``bin_counts`` (rows per bin, ``n_edges - 1`` of them) and ``sample_rows`` when
        ``max_samples`` subsampled. ``diagnostics``: ``n_rows``, ``n_bins``,
        ``model_seconds``, ``wall_seconds``, ``model_time_fraction``, ``warnings``.

    Notes
    -----
    With edges ``z_0 < ... < z_K`` (the distinct quantiles of the feature at
    ``0, 1/K, ..., 1``), bin ``k`` holds the rows with ``z_{k-1} < x <= z_k`` (the first
    bin also ``x = z_0``) and ``n_k`` is their number. The uncentred effect at the edges
    is ``A(z_0) = 0``,
    ``A(z_k) = A(z_{k-1}) + 1/n_k * sum_{i in bin k} [f(z_k, x_i,-s) - f(z_{k-1}, x_i,-s)]``.
    The ALE is ``A - c`` with ``c = sum_k n_k (A(z_{k-1}) + A(z_k)) / 2 / n``: the mean of
    ``A`` over the rows when ``A`` is taken as linear within each bin, as in Apley's
    ``ALEPlot`` R package (the paper's estimator takes each row at its bin's upper edge
    instead; the two differ by half a bin's effect at most).

    For a model additive in the feature and independent features ALE and PDP agree up to
    a constant; where they disagree under correlated features, ALE is the one describing
    the model on data like ``X``.

    References
    ----------
    Apley and Zhu (2020), Journal of the Royal Statistical Society B 82(4), 1059-1086.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> X = pd.DataFrame({"a": np.linspace(0.0, 1.0, 100), "b": np.zeros(100)})
    >>> result = ale(lambda d: 3 * d["a"] + d["b"], X, "a", grid_resolution=4)
    >>> result.grid.tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    >>> result.values.round(6).tolist()  # 3 * (edge - 0.5): the mean of 3a is removed
    [[-1.5, -0.75, 0.0, 0.75, 1.5]]
    """
    start = time.perf_counter()
    predictor, frame = as_predictor(model, X)
    feature = _check_numeric_feature(feature, frame)
    grid_resolution = check_int("grid_resolution", grid_resolution, minimum=1)
    frame, rows, seed = subsample(frame, max_samples, random_state)

    warnings: list[str] = []
    frame, x = _without_missing(frame, feature, warnings)
    edges, bins, counts = _quantile_bins(x, grid_resolution)

    n = len(frame)
    stacked = replicate(frame, 2)
    set_column(stacked, feature, np.concatenate([edges[bins], edges[bins + 1]]))
    outputs = predictor(stacked)
    differences = outputs[n:] - outputs[:n]  # (n_rows, n_outputs)
    values = _centred_ale(differences, bins, counts)

    sparse = int(np.sum(counts < MIN_BIN_ROWS))
    if sparse:
        warnings.append(
            f"{sparse} of {len(counts)} bins of {feature} hold fewer than {MIN_BIN_ROWS} "
            "rows, so their local effects are noisy; lower grid_resolution or use more rows"
        )
    wall = time.perf_counter() - start
    arrays: dict[str, Any] = {"grid": edges, "bin_counts": counts.astype(np.int64)}
    if rows is not None:
        arrays["sample_rows"] = rows
    return Explanation(
        method="ale",
        scope="global",
        feature_names=[feature],
        values=values,
        output_names=list(predictor.output_names),
        diagnostics={
            "n_rows": n,
            "n_bins": len(counts),
            "model_seconds": predictor.model_seconds,
            "wall_seconds": wall,
            "model_time_fraction": predictor.model_seconds / wall if wall > 0 else None,
            "warnings": warnings,
        },
        settings={
            "feature": feature,
            "grid_resolution": grid_resolution,
            "max_samples": max_samples,
        },
        random_state=seed,
        arrays=arrays,
    )


def _check_numeric_feature(feature: str, frame: pd.DataFrame) -> str:
    """``feature`` checked to be a numeric column of ``frame``: ALE accumulates along it."""
    feature = check_feature(feature, list(frame.columns))
    if not is_numeric(frame[feature]):
        raise DataError(
            f"ale needs a numeric feature, but {feature!r} is {frame[feature].dtype} "
            "(categorical): categories have no order to accumulate effects along; use "
            f"partial_dependence(model, X, {feature!r}) instead"
        )
    return feature


def _without_missing(
    frame: pd.DataFrame, feature: str, warnings: list[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows whose ``feature`` is known, and its values there (a warning if any left out).

    A row with the feature missing lies in no bin; at least two distinct values must
    remain for there to be a change to measure.
    """
    x = frame[feature].to_numpy(dtype=float)
    missing = np.isnan(x)
    if missing.any():
        warnings.append(
            f"{int(missing.sum())} row(s) with {feature} missing were left out of the ALE"
        )
        frame, x = frame[~missing].reset_index(drop=True), x[~missing]
    if len(np.unique(x)) < 2:
        raise DataError(
            f"feature {feature!r} takes a single value in X; ALE needs at least two to "
            "measure a change"
        )
    return frame, x


def _quantile_bins(x: np.ndarray, grid_resolution: int) -> tuple[np.ndarray, ...]:
    """The bin edges (distinct quantiles of ``x``), each value's bin and the rows per bin.

    Coinciding quantiles are merged, and a bin holding no row is merged into the next
    one, so every bin has rows to average over.
    """
    edges = np.unique(np.quantile(x, np.linspace(0.0, 1.0, grid_resolution + 1)))
    bins = _bin_of(x, edges)
    counts = np.bincount(bins, minlength=len(edges) - 1)
    if np.any(counts == 0):  # keep z_0 and the upper edge of every bin holding rows
        edges = np.concatenate([edges[:1], edges[1:][counts > 0]])
        bins = _bin_of(x, edges)
        counts = np.bincount(bins, minlength=len(edges) - 1)
    return edges, bins, counts


def _centred_ale(differences: np.ndarray, bins: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The ALE at each edge, ``(n_outputs, n_edges)``, from each row's change across its bin.

    The mean change per bin is accumulated from the left and centred so that its mean
    over the rows, the ALE taken as linear within each bin, is 0 (see :func:`ale`).
    """
    effects = (
        np.stack(
            [np.bincount(bins, weights=d, minlength=len(counts)) for d in differences.T], axis=1
        )
        / counts[:, None]
    )
    accumulated = np.vstack([np.zeros((1, effects.shape[1])), np.cumsum(effects, axis=0)])
    midpoints = (accumulated[:-1] + accumulated[1:]) / 2
    return (accumulated - counts @ midpoints / len(differences)).T


def _bin_of(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """0-based bin of each value: ``edges[k] < x <= edges[k+1]``, the first bin closed."""
    return np.clip(np.searchsorted(edges, x, side="left"), 1, len(edges) - 1) - 1
