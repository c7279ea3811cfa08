"""Perturbed copies of a table, evaluated in a few large ``predict`` calls.

The methods that perturb data (permutation, PDP/ICE, ALE, ablation) all do the same
thing: stack many modified copies of the rows, call the model once per chunk of
:data:`~autoxai.explain._model.CHUNK_ROWS` rows, and reshape. Calling the model once per
copy (as a naive loop does) pays its per-call overhead — thread start-up in a random
forest, validation in a Pipeline — thousands of times; one stacked call pays it once, so
the model's own prediction time becomes the floor.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from autoxai.explain._model import Predictor

__all__ = [
    "effect_direction",
    "ice_curves",
    "is_numeric",
    "numeric_grid",
    "replicate",
    "set_column",
]


def replicate(frame: pd.DataFrame, n_copies: int) -> pd.DataFrame:
    """``n_copies`` copies of ``frame`` stacked (copy ``k`` holds rows ``k*n .. k*n+n-1``)."""
    index = np.tile(np.arange(len(frame)), n_copies)
    return frame.iloc[index].reset_index(drop=True)


def set_column(frame: pd.DataFrame, column: str, values: np.ndarray) -> None:
    """Overwrite ``column`` in place with ``values``.

    A categorical or string column keeps its dtype (so encoders see what they were fitted
    on); a numeric column takes the values' own dtype, so a float grid on an integer
    column is not truncated.
    """
    dtype = frame[column].dtype
    if isinstance(dtype, pd.CategoricalDtype):
        frame[column] = pd.Categorical(values, dtype=dtype)
    elif pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        frame[column] = np.asarray(values)
    else:
        frame[column] = pd.array(np.asarray(values, dtype=object), dtype=dtype)


def is_numeric(series: pd.Series) -> bool:
    """True for numeric columns other than booleans (which are treated as categories)."""
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def numeric_grid(
    series: pd.Series,
    resolution: int,
    *,
    kind: str = "quantile",
    percentiles: tuple[float, float] = (0.05, 0.95),
) -> np.ndarray:
    """Grid values for a numeric column: quantiles, or evenly spaced between percentiles.

    Both kinds span the ``percentiles`` range (as scikit-learn's ``partial_dependence``
    does) so that a few extreme rows do not stretch the plot; a column with fewer
    distinct values than ``resolution`` uses those values.
    """
    values = series.dropna().to_numpy(dtype=float)
    unique = np.unique(values)
    if len(unique) <= resolution:
        return unique
    low, high = np.quantile(values, percentiles)
    if kind == "uniform":
        return np.linspace(low, high, resolution)
    grid = np.unique(np.quantile(values, np.linspace(percentiles[0], percentiles[1], resolution)))
    return grid if len(grid) > 1 else np.array([low, high])


def ice_curves(
    predictor: Predictor, frame: pd.DataFrame, feature: str, grid: np.ndarray
) -> np.ndarray:
    """Outputs with ``feature`` set to each grid value: shape ``(n_grid, n_rows, n_outputs)``.

    Row ``i`` of grid point ``g`` is the model's output for row ``i`` of ``frame`` with
    ``feature`` replaced by ``grid[g]`` — one ICE curve per row; their mean over rows is
    the partial dependence.
    """
    n = len(frame)
    stacked = replicate(frame, len(grid))
    set_column(stacked, feature, np.repeat(np.asarray(grid), n))
    out = predictor(stacked)
    return out.reshape(len(grid), n, -1)


def effect_direction(
    predictor: Predictor,
    frame: pd.DataFrame,
    *,
    resolution: int = 10,
    max_rows: int = 500,
    random_state: int = 0,
) -> np.ndarray:
    """The sign of each numeric feature's effect, from the slope of its partial dependence.

    +1 when the partial dependence rises with the feature (Spearman correlation of the
    curve with the grid above 0.1), -1 when it falls, 0 when it is flat or not monotone;
    NaN for non-numeric features and for multiclass models, which have no single output
    to speak of (binary classifiers: the probability of the last class).
    """
    result = np.full(frame.shape[1], np.nan)
    if predictor.task == "multiclass":
        return result
    if len(frame) > max_rows:
        rows = np.random.default_rng(random_state).choice(len(frame), max_rows, replace=False)
        frame = frame.iloc[np.sort(rows)].reset_index(drop=True)
    for j, column in enumerate(frame.columns):
        if not is_numeric(frame[column]):
            continue
        grid = numeric_grid(frame[column], resolution)
        if len(grid) < 2:
            result[j] = 0.0
            continue
        curve = ice_curves(predictor, frame, column, grid)[..., -1].mean(axis=1)
        if np.ptp(curve) <= 1e-12 * max(1.0, np.abs(curve).max()):
            result[j] = 0.0
            continue
        rho = pd.Series(curve).corr(pd.Series(grid), method="spearman")
        result[j] = 0.0 if not np.isfinite(rho) or abs(rho) <= 0.1 else np.sign(rho)
    return result
