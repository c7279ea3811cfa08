"""Partial dependence (PDP) and individual conditional expectation (ICE) curves.

The partial dependence of a model ``f`` on a feature ``s`` is the model's output averaged
over the data with ``s`` held at a value ``v`` (Friedman 2001):
``PD(v) = 1/n * sum_i f(v, x_i,-s)``. Each term of that sum, seen as a function of ``v``,
is one row's ICE curve (Goldstein et al. 2015); the PDP is their mean. The curves are
evaluated by stacking one modified copy of the data per grid value and calling the model
once per chunk of rows (see :mod:`autoxai.explain._perturb`), so the model's own
prediction time is the floor.

The average hides interactions: when the ICE curves are not parallel, the feature's
effect depends on the other features, and the PDP shows a compromise no row follows.
:func:`partial_dependence` therefore always measures the spread of the ICE curves (the
*heterogeneity*) and says in plain words when the average is misleading.

A PDP sets ``s`` to every grid value in every row, so with correlated features it asks
the model about rows that never occur (a 2 m tall person weighing 40 kg) and averages
extrapolations; :func:`autoxai.explain._ale.ale` does not.

References
----------
Friedman, J. H. (2001). Greedy function approximation: a gradient boosting machine.
The Annals of Statistics, 29(5), 1189-1232.

Goldstein, A., Kapelner, A., Bleich, J., & Pitkin, E. (2015). Peeking inside the black
box: visualizing statistical learning with plots of individual conditional expectation.
Journal of Computational and Graphical Statistics, 24(1), 44-65.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from autoxai._utils import (
    RandomState,
    check_int,
    choose,
)
from autoxai.exceptions import DataError, InvalidParameterError, ParameterTypeError
from autoxai.explain._base import Explanation
from autoxai.explain._common import check_feature, check_n_jobs, run_tasks, subsample
from autoxai.explain._model import CHUNK_ROWS, Predictor, as_predictor
from autoxai.explain._perturb import ice_curves, is_numeric, numeric_grid, replicate, set_column

__all__ = ["HETEROGENEITY_WARNING", "partial_dependence"]

#: Heterogeneity above which :func:`partial_dependence` warns that the average curve hides
#: an interaction. A rule of thumb: at 0.3 the row-to-row spread of the (level-free) ICE
#: curves is 30 % of the spread of the model's output (about 9 % of its variance) — enough
#: to change the reading of the plot for a visible share of the rows.
HETEROGENEITY_WARNING = 0.3

KINDS = ("average", "individual", "both")
GRID_KINDS = ("quantile", "uniform")


def partial_dependence(
    model: Any,
    X: Any,
    features: str | Sequence[str],
    *,
    grid: Any = None,
    grid_resolution: int = 20,
    grid_kind: str = "quantile",
    percentiles: tuple[float, float] = (0.05, 0.95),
    kind: str = "average",
    centered: bool = False,
    max_samples: int | None = None,
    n_jobs: int = 1,
    random_state: RandomState = None,
) -> Explanation:
    """Partial dependence and ICE curves of one feature, or partial dependence of a pair.

    For each grid value ``v`` the feature is set to ``v`` in every row and the model's
    outputs are averaged: the average curve is Friedman's partial dependence, the
    per-row curves are Goldstein et al.'s ICE curves. A pair of features gives the
    two-way partial dependence on the Cartesian product of their grids, which shows an
    interaction the one-way curves cannot.

    Parameters
    ----------
    model : estimator, Pipeline, AutoML or callable
        A fitted model (see :func:`~autoxai.explain._model.as_predictor`). Classifiers are
        explained through their class probabilities, one curve per class; regressors
        through their prediction.
    X : DataFrame or 2-D array
        The rows to average over (the data the model is used on, not necessarily the
        training data); the automatic grid is taken from all of them.
    features : str or pair of str
        One column name, or two (a tuple or list) for a two-way partial dependence.
        Numeric and categorical (strings, booleans, pandas ``category``) columns are
        supported; a categorical feature's grid is the levels present in ``X``, sorted
        (a pandas ``category`` keeps its categories' order).
    grid : array-like, or a pair of them, optional
        The values to evaluate at, instead of the automatic grid: a 1-D array for one
        feature, a sequence of two 1-D arrays (or ``None`` for an automatic one) for a
        pair.
    grid_resolution : int, default 20
        Number of automatic grid points of a numeric feature (fewer when it has fewer
        distinct values).
    grid_kind : {"quantile", "uniform"}, default "quantile"
        Automatic numeric grid at quantiles of the feature (dense where the data are) or
        evenly spaced; both span ``percentiles`` so extreme rows do not stretch it.
    percentiles : (float, float), default (0.05, 0.95)
        Range of the automatic numeric grid, as fractions of the data.
    kind : {"average", "individual", "both"}, default "average"
        Whether ``arrays`` also keeps the ICE curves (``"individual"`` and ``"both"``);
        the average is always in ``values``. For a pair, the individual "curves" are
        surfaces of shape ``(g1, g2)`` per row.
    centered : bool, default False
        Also keep the centred ICE curves (``arrays["centered_individual"]``): each curve
        minus its value at the first grid point (for a pair: at the first point of both
        grids), which lines the curves up so that differences in shape stand out
        (Goldstein et al.'s c-ICE plot). Kept whatever ``kind`` is.
    max_samples : int, optional
        Average over at most this many rows, drawn at random without replacement (the
        cost grows with rows x grid points). Default: all rows.
    n_jobs : int or None, default 1
        Processes (joblib, loky) that evaluate chunks of the grid in parallel; the result
        does not depend on it. ``-1`` uses every CPU; ``None`` means 1.
    random_state : int, Generator or None
        Seed of the row subsample (only used with ``max_samples``).

    Returns
    -------
    Explanation
        ``method="partial_dependence"``, ``scope="global"``,
        ``feature_names=[feature]`` (or the pair). ``values`` is the average curve,
        shape ``(n_outputs, n_grid)`` (pair: ``(n_outputs, g1, g2)``), one row per
        entry of ``output_names``. ``arrays``: ``grid`` (1-D; for a pair a list of two),
        ``average`` (the same as ``values``), ``individual`` (shape
        ``(n_outputs, n_rows, n_grid)``, pair: ``(n_outputs, n_rows, g1, g2)``) for
        ``kind`` "individual"/"both", ``centered_individual`` with ``centered=True``, and
        ``sample_rows`` (the positions in ``X`` of the rows used) when ``max_samples``
        subsampled. ``diagnostics``: ``n_rows``, ``model_seconds``, ``wall_seconds``,
        ``model_time_fraction``, ``warnings`` and, for one feature, ``heterogeneity``.

    Notes
    -----
    **Heterogeneity** (one feature, one number per output). Let ``f_i(v)`` be row ``i``'s
    ICE curve on the grid ``v_1..v_G`` and ``c_i(v) = f_i(v) - mean_g f_i(v_g)`` the curve
    with its level removed. Then::

        H = sqrt( mean_g var_i c_i(v_g) ) / std_i f(x_i)

    (population variance and standard deviation; ``f(x_i)`` is the model's output on the
    unmodified row). ``H = 0`` exactly when all ICE curves are parallel, i.e. the model is
    additive in this feature over these rows: no interaction involves it. ``H`` is the
    typical distance of a row's curve from the average shape, in units of the output's
    spread; above :data:`HETEROGENEITY_WARNING` (0.3) a warning says the average hides an
    interaction. It is 0 when the grid has one point and when the output never varies.

    PDP extrapolates under correlated features (it evaluates rows that never occur);
    prefer :func:`~autoxai.explain._ale.ale` there. The result matches
    ``sklearn.inspection.partial_dependence(..., method="brute")`` for the same grid
    (scikit-learn keeps only the positive class of a binary classifier: ``values[1]``).

    References
    ----------
    Friedman (2001), The Annals of Statistics 29(5); Goldstein, Kapelner, Bleich and
    Pitkin (2015), Journal of Computational and Graphical Statistics 24(1).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> X = pd.DataFrame({"a": np.linspace(0.0, 1.0, 11), "b": np.ones(11)})
    >>> pd_ = partial_dependence(lambda d: 2 * d["a"] + d["b"], X, "a", grid=[0.0, 0.5, 1.0])
    >>> pd_.values.round(6).tolist()
    [[1.0, 2.0, 3.0]]
    >>> pd_.diagnostics["heterogeneity"]
    [0.0]
    """
    start = time.perf_counter()
    predictor, frame = as_predictor(model, X)
    names = _check_features(features, list(frame.columns))
    grid_resolution = check_int("grid_resolution", grid_resolution, minimum=2)
    grid_kind = choose("grid_kind", grid_kind, GRID_KINDS)
    percentiles = _check_percentiles(percentiles)
    kind = choose("kind", kind, KINDS)
    if not isinstance(centered, (bool, np.bool_)):
        raise ParameterTypeError(f"centered must be True or False, got {centered!r}")
    n_jobs = check_n_jobs(n_jobs)

    grids = _grids(frame, names, grid, grid_resolution, grid_kind, percentiles)
    frame, rows, seed = subsample(frame, max_samples, random_state)
    n_rows = len(frame)

    if len(names) == 1:
        points = [grids[0]]
    else:
        points = [np.repeat(grids[0], len(grids[1])), np.tile(grids[1], len(grids[0]))]
    outputs, model_seconds = _evaluate_chunked(predictor, frame, names, points, n_jobs)
    shape = tuple(len(g) for g in grids)
    # (n_points, n_rows, n_outputs) -> (n_outputs, n_rows, *grid shape)
    individual = outputs.transpose(2, 1, 0).reshape(-1, n_rows, *shape)
    average = individual.mean(axis=1)

    warnings: list[str] = []
    diagnostics: dict[str, Any] = {"n_rows": n_rows}
    if len(names) == 1:
        scores, warning, seconds = _heterogeneity_of(predictor, frame, individual, names[0])
        model_seconds += seconds
        diagnostics["heterogeneity"] = scores
        if warning:
            warnings.append(warning)

    arrays = _curve_arrays(grids, average, individual, kind, centered, rows)

    wall = time.perf_counter() - start
    diagnostics.update(
        model_seconds=model_seconds,
        wall_seconds=wall,
        model_time_fraction=model_seconds / wall if wall > 0 else None,
        warnings=warnings,
    )
    return Explanation(
        method="partial_dependence",
        scope="global",
        feature_names=list(names),
        values=average,
        output_names=list(predictor.output_names),
        diagnostics=diagnostics,
        settings={
            "features": list(names),
            "custom_grid": grid is not None,
            "grid_resolution": grid_resolution,
            "grid_kind": grid_kind,
            "percentiles": list(percentiles),
            "kind": kind,
            "centered": bool(centered),
            "max_samples": max_samples,
            "n_jobs": n_jobs,
        },
        random_state=seed,
        arrays=arrays,
    )


def _heterogeneity_of(
    predictor: Predictor, frame: pd.DataFrame, individual: np.ndarray, feature: str
) -> tuple[list[float], str, float]:
    """One feature's ICE heterogeneity per output, its warning, and the model time spent.

    The model is asked once more, for its outputs on the unmodified rows (the spread the
    heterogeneity is measured in units of).
    """
    before = predictor.model_seconds
    observed = predictor(frame)
    seconds = predictor.model_seconds - before
    scores = heterogeneity(individual, observed)
    warning = _heterogeneity_warning(feature, scores, predictor)
    return [float(h) for h in scores], warning, seconds


def _curve_arrays(
    grids: list[np.ndarray],
    average: np.ndarray,
    individual: np.ndarray,
    kind: str,
    centered: bool,
    rows: np.ndarray | None,
) -> dict[str, Any]:
    """The result's arrays: the grid, the average and, as asked, the (centred) ICE curves."""
    arrays: dict[str, Any] = {
        "grid": grids[0] if len(grids) == 1 else list(grids),
        "average": average,
    }
    if kind in ("individual", "both"):
        arrays["individual"] = individual
    if centered:
        anchor = individual[:, :, :1] if len(grids) == 1 else individual[:, :, :1, :1]
        arrays["centered_individual"] = individual - anchor
    if rows is not None:
        arrays["sample_rows"] = rows
    return arrays


def heterogeneity(individual: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """The ICE heterogeneity of each output (see :func:`partial_dependence`, Notes).

    ``individual`` has shape ``(n_outputs, n_rows, n_grid)``; ``observed`` holds the
    model's outputs on the unmodified rows, shape ``(n_rows, n_outputs)``.
    """
    level_free = individual - individual.mean(axis=2, keepdims=True)
    spread = np.sqrt(level_free.var(axis=1).mean(axis=1))
    scale = observed.std(axis=0)
    # Rounding leaves ~1e-16 of spread between parallel curves: treat that as none.
    tiny = 1e-12 * np.maximum(1.0, np.abs(observed).max(axis=0))
    scores = np.zeros_like(spread)
    varies = (spread > tiny) & (scale > tiny)
    scores[varies] = spread[varies] / scale[varies]
    return scores


def _heterogeneity_warning(feature: str, scores: np.ndarray, predictor: Predictor) -> str:
    if not np.any(scores > HETEROGENEITY_WARNING):
        return ""
    worst = int(np.argmax(scores))
    where = (
        f" for class {predictor.output_names[worst]!r}" if predictor.task == "multiclass" else ""
    )
    return (
        f"ICE curves of {feature} diverge (heterogeneity {scores[worst]:.2f}{where}): its "
        "effect depends on other features; the average curve hides that — look at the ICE "
        "curves or a two-way PDP"
    )


# -- evaluation --------------------------------------------------------------------------
def _evaluate(
    predictor: Predictor, frame: pd.DataFrame, columns: list[str], points: list[np.ndarray]
) -> tuple[np.ndarray, float]:
    """Outputs with ``columns`` set to each point, ``(n_points, n_rows, n_outputs)``.

    Point ``p`` sets ``columns[k]`` to ``points[k][p]``; all points are stacked into one
    table and predicted together. Also returns the seconds spent in the model (a worker
    process cannot add to the caller's :class:`Predictor`).
    """
    before = predictor.model_seconds
    if len(columns) == 1:
        out = ice_curves(predictor, frame, columns[0], points[0])
    else:
        n = len(frame)
        stacked = replicate(frame, len(points[0]))
        for column, values in zip(columns, points):
            set_column(stacked, column, np.repeat(values, n))
        out = predictor(stacked).reshape(len(points[0]), n, -1)
    return out, predictor.model_seconds - before


def _evaluate_chunked(
    predictor: Predictor,
    frame: pd.DataFrame,
    columns: list[str],
    points: list[np.ndarray],
    n_jobs: int,
) -> tuple[np.ndarray, float]:
    """:func:`_evaluate` over chunks of points: bounded memory, optionally in parallel.

    The chunks hold about :data:`CHUNK_ROWS` stacked rows each, and at least one per job.
    Every row's output is computed by the same model on the same input whatever the
    chunking, so ``n_jobs`` does not change the result.
    """
    import joblib

    n_points = len(points[0])
    jobs = joblib.effective_n_jobs(n_jobs)
    n_chunks = max(math.ceil(n_points * len(frame) / CHUNK_ROWS), jobs)
    chunks = np.array_split(np.arange(n_points), min(n_chunks, n_points))
    tasks = [([p[chunk] for p in points],) for chunk in chunks]
    results = run_tasks(_evaluate, (predictor, frame, columns), tasks, n_jobs)
    outputs = np.concatenate([out for out, _ in results])
    return outputs, float(sum(seconds for _, seconds in results))


# -- validation and grids ----------------------------------------------------------------
def _check_features(features: Any, columns: list[str]) -> list[str]:
    if isinstance(features, str):
        return [check_feature(features, columns)]
    if not isinstance(features, (list, tuple)):
        raise ParameterTypeError(
            "features must be a column name or a pair of them (tuple or list), "
            f"got {type(features).__name__}"
        )
    if not 1 <= len(features) <= 2:
        raise InvalidParameterError(
            f"features must be one column name or a pair of them, got {len(features)} names"
        )
    names = [check_feature(f, columns, name="features") for f in features]
    if len(names) == 2 and names[0] == names[1]:
        raise InvalidParameterError(
            f"features names {names[0]!r} twice; a two-way PDP needs two different columns"
        )
    return names


def _check_percentiles(percentiles: Any) -> tuple[float, float]:
    try:
        low, high = (float(p) for p in percentiles)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"percentiles must be two numbers (low, high), got {percentiles!r}"
        ) from exc
    if not 0.0 <= low < high <= 1.0:
        raise InvalidParameterError(
            f"percentiles must satisfy 0 <= low < high <= 1, got ({low}, {high})"
        )
    return low, high


def _grids(
    frame: pd.DataFrame,
    names: list[str],
    grid: Any,
    resolution: int,
    kind: str,
    percentiles: tuple[float, float],
) -> list[np.ndarray]:
    if grid is None:
        given: list[Any] = [None] * len(names)
    elif len(names) == 1:
        given = [grid]
    else:
        if isinstance(grid, str) or not hasattr(grid, "__len__") or len(grid) != 2:
            raise InvalidParameterError(
                "grid for a pair of features must be a sequence of two 1-D arrays "
                "(or None for an automatic one)"
            )
        given = list(grid)
    grids = []
    for name, values in zip(names, given):
        series = frame[name]
        if values is not None:
            grids.append(_check_grid(name, series, values))
        elif is_numeric(series):
            axis = numeric_grid(series, resolution, kind=kind, percentiles=percentiles)
            if len(axis) == 0:
                raise DataError(f"feature {name!r} has no non-missing value to build a grid from")
            grids.append(axis)
        else:
            grids.append(_levels(name, series))
    return grids


def _check_grid(name: str, series: pd.Series, values: Any) -> np.ndarray:
    if isinstance(values, str) or np.ndim(values) != 1 or len(values) == 0:
        raise InvalidParameterError(
            f"grid for {name!r} must be a non-empty 1-D sequence of values, got {values!r}"
        )
    if is_numeric(series):
        try:
            axis = np.asarray(values, dtype=float)
        except (TypeError, ValueError) as exc:
            raise InvalidParameterError(
                f"grid for the numeric feature {name!r} must hold numbers, got {values!r}"
            ) from exc
        if not np.all(np.isfinite(axis)):
            raise InvalidParameterError(f"grid for {name!r} holds NaN or infinite values")
        return axis
    values = list(values)
    if isinstance(series.dtype, pd.CategoricalDtype):
        unknown = [v for v in values if v not in set(series.cat.categories)]
        if unknown:
            raise InvalidParameterError(
                f"grid for {name!r} has value(s) that are not categories of the column: "
                f"{', '.join(map(repr, unknown[:5]))}"
            )
    if pd.api.types.is_bool_dtype(series):
        return np.asarray(values, dtype=bool)
    return _object_array(values)


def _levels(name: str, series: pd.Series) -> np.ndarray:
    """The levels of a categorical column present in the data, in sorted order."""
    present = series.dropna()
    if len(present) == 0:
        raise DataError(f"feature {name!r} has no non-missing value to build a grid from")
    if isinstance(series.dtype, pd.CategoricalDtype):
        return np.asarray(present.cat.remove_unused_categories().cat.categories)
    if pd.api.types.is_bool_dtype(series):
        return np.unique(present.to_numpy(dtype=bool))
    levels = list(pd.unique(present.to_numpy(dtype=object)))
    try:
        levels = sorted(levels)
    except TypeError:  # mixed types: order by their text
        levels = sorted(levels, key=str)
    return _object_array(levels)


def _object_array(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out
