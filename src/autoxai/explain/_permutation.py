"""Permutation importance, and its background-sampling variant: break a column, re-score.

Both methods answer "how much does *this fitted model* rely on a column?" without
refitting. The column (or a group of columns, together) is replaced by values that keep
its marginal distribution but break its link to the other columns and to the target; the
drop in the model's score is the column's importance.

* :func:`permutation_importance` shuffles the column within the data (Breiman, 2001;
  Fisher, Rudin & Dominici, 2019): every value is used exactly once.
* :func:`background_importance` draws the column's values *with replacement* from a
  separate background table (default: ``X`` itself): the column is marginalised over its
  background distribution, which is also how SHAP-style "removal" is done.

One code path serves both; only the index arrays differ (a permutation of the rows, or
draws with replacement from the background rows) and the table they index. All index
arrays are drawn from one seeded generator, feature by feature and repeat by repeat,
*before* any work is fanned out, so ``n_jobs=1`` and ``n_jobs=2`` give identical numbers.
For each feature the ``n_repeats`` broken copies of the data are stacked into one frame
and the model is called once on it (:mod:`autoxai.explain._perturb`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from autoxai._utils import RandomState, check_int, did_you_mean, seed_from
from autoxai.exceptions import DataError, InvalidParameterError, ParameterTypeError
from autoxai.explain._base import Explanation
from autoxai.explain._common import (
    check_confidence,
    check_fraction,
    check_max_samples,
    check_n_jobs,
    run_tasks,
)
from autoxai.explain._model import (
    Predictor,
    as_frame,
    as_predictor,
    encode_target,
    training_rows_warning,
)
from autoxai.explain._perturb import effect_direction, is_numeric, replicate, set_column
from autoxai.explain._scoring import Scorer, get_scorer

__all__ = ["background_importance", "permutation_importance"]

#: |Spearman rho| above which two numeric columns are reported as correlated.
CORRELATION_THRESHOLD = 0.8

#: Bootstrap draws of the rows behind the importance intervals.
N_BOOTSTRAP = 100

#: How many correlated pairs the warning sentence names.
_PAIRS_NAMED = 5

#: A feature of the result: its name and the original columns it stands for.
Unit = tuple[str, list[str]]


def permutation_importance(
    model: Any,
    X: Any,
    y: Any,
    *,
    scoring: str | Callable | None = None,
    n_repeats: int = 5,
    max_samples: int | float | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    correlation_threshold: float | None = CORRELATION_THRESHOLD,
    confidence: float = 0.95,
    n_bootstrap: int = N_BOOTSTRAP,
    direction: bool = True,
    n_jobs: int | None = 1,
    random_state: RandomState = None,
) -> Explanation:
    """How much a fitted model's score drops when a column is shuffled.

    Each column (or group of columns) is permuted across the rows ``n_repeats`` times;
    the importance is the model's score on the intact data minus its score on the
    permuted data, so a positive value means the model relies on the column and a value
    near 0 means it does not. Negative values mean the model did *better* with the
    column scrambled: the column only carries noise the model fitted to.

    Parameters
    ----------
    model : estimator, Pipeline, AutoML or callable
        A fitted model (see :func:`~autoxai.explain._model.as_predictor`).
    X : DataFrame or 2-D array
        The rows to score on, in the model's original columns. Held-out data shows what
        the model relies on to generalise; the training data shows what it memorised.
    y : array-like
        The true targets of ``X``.
    scoring : str or callable, optional
        A metric name (``"r2"``, ``"rmse"``, ``"roc_auc"``, ...) or
        ``f(y_true, outputs) -> float`` where higher is better; default: the AutoML
        default metric of the task. Losses are negated, so importances are always score
        drops.
    n_repeats : int
        Permutations per feature. More repeats lower the shuffle (Monte-Carlo) noise of
        each value; they cannot make the interval narrower than the rows allow.
    max_samples : int or float, optional
        Score on a random subset of the rows: a number of rows, or a fraction in
        ``(0, 1]``. Drawn once (without replacement) and used for every feature.
    groups : dict of str to list of str, optional
        Columns to permute *together* (the same row permutation for all of them), e.g.
        the one-hot columns of one variable or two strongly correlated measurements.
        A group is reported under its name, at the position of its first column;
        columns in no group are reported one by one.
    correlation_threshold : float or None
        Pairs of numeric columns whose Spearman correlation exceeds this in absolute
        value are reported in ``diagnostics["correlated_pairs"]`` with a warning
        (None: do not check). Permuting one of two correlated columns creates rows that
        never occur, and the model can read the information from the other column, so
        their importance is split between them and each looks less important than the
        pair is; permuting them as a group avoids both.
    confidence : float
        Level of the confidence interval of each value, in ``(0, 1)``. The interval is
        over the *data*: it covers the model's reliance on the column in the population
        the rows were drawn from (Fisher, Rudin & Dominici's model reliance, as a score
        difference), not the average over shuffles of these particular rows. Its width
        comes from a bootstrap of the rows (see ``n_bootstrap``) and shrinks with more
        rows, not with more repeats. Rows the model was trained on do not give such an
        interval: pass held-out rows.
    n_bootstrap : int
        Bootstrap draws of the rows behind the interval. Each draw reweights the rows
        by multinomial counts ``c``; a shuffled row ``i`` that took its value from row
        ``j`` counts ``c_i * c_j`` times (both rows of the pair are resampled, as in the
        bootstrap of a U-statistic), and its scores are recomputed from the model
        outputs already made: no extra model calls. The standard error is the
        draws' standard deviation; the interval is ``value +- z * se``. 0: no interval.
    direction : bool
        Also report the sign of each column's effect in ``arrays["direction"]``.
        Permutation importance itself has no sign (it says *how much*, not *which way*),
        so the sign is read from the slope of the column's partial dependence: +1
        rising, -1 falling, 0 flat or not monotone; NaN for non-numeric columns, groups
        of several columns and multiclass models.
    n_jobs : int or None
        Processes scoring features in parallel (joblib's loky backend; -1 for all
        cores). 1 (or None) runs in this process.
    random_state : int, numpy.random.Generator or None
        Seeds the subsample and the permutations.

    Returns
    -------
    Explanation
        ``method="permutation_importance"``, one value per feature: the mean score drop
        over repeats, its ``std`` (the bootstrap standard error over rows) and
        ``interval``. Arrays: ``importances`` (each repeat's drop, shape ``(n_features,
        n_repeats)``), ``shuffle_std`` (the spread of single shuffles of these rows: the
        Monte-Carlo noise, which more repeats average away; NaN for one repeat) and
        ``direction``. Diagnostics: ``baseline_score``, ``scoring``, ``n_rows``,
        ``correlated_pairs``, ``model_seconds``, ``wall_seconds``,
        ``model_time_fraction`` (the share of the wall time spent inside the model;
        with ``n_jobs > 1`` it adds the workers' model time, so it can exceed 1) and
        ``warnings``.

    See Also
    --------
    background_importance : draws replacement values from a background table instead.
    autoxai.explain.drop_column_importance : refits without the column.

    References
    ----------
    L. Breiman, "Random Forests", Machine Learning 45, 2001.
    A. Fisher, C. Rudin, F. Dominici, "All Models are Wrong, but Many are Useful",
    JMLR 20(177), 2019.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.uniform(-1, 1, (200, 2)), columns=["a", "b"])
    >>> y = 3 * X["a"]
    >>> e = permutation_importance(LinearRegression().fit(X, y), X, y, random_state=0)
    >>> e.to_frame()["feature"].tolist()
    ['a', 'b']
    """
    return _importance(
        "permutation",
        model,
        X,
        y,
        background=None,
        scoring=scoring,
        n_repeats=n_repeats,
        max_samples=max_samples,
        groups=groups,
        correlation_threshold=correlation_threshold,
        confidence=confidence,
        n_bootstrap=n_bootstrap,
        direction=direction,
        n_jobs=n_jobs,
        random_state=random_state,
    )


def background_importance(
    model: Any,
    X: Any,
    y: Any,
    *,
    background: Any = None,
    scoring: str | Callable | None = None,
    n_repeats: int = 5,
    max_samples: int | float | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    confidence: float = 0.95,
    n_bootstrap: int = N_BOOTSTRAP,
    n_jobs: int | None = 1,
    random_state: RandomState = None,
) -> Explanation:
    """How much a fitted model's score drops when a column is replaced by background draws.

    A cheap ablation: the column is "removed" by marginalising it over a background
    distribution, without refitting. Each row's value of the column (or, for a group,
    of all its columns, taken from the same background row) is replaced by the value of
    a background row drawn *with replacement*; the importance is the score on the intact
    data minus the score on the replaced data.

    How it differs from its neighbours:

    * from **drop-column importance** (:func:`~autoxai.explain.drop_column_importance`):
      nothing is refitted. It measures how much *this* model relies on the column, not
      how much information the column adds to what the other columns already tell; a
      model that uses one of two redundant columns scores high here and near 0 there.
    * from **permutation importance** (:func:`permutation_importance`): the values are
      sampled with replacement from a separate background table (e.g. training data or
      a reference population) instead of being shuffled within ``X``, so ``X`` can be a
      handful of rows and the reference distribution is the user's choice.

    Parameters
    ----------
    model, X, y, scoring, n_repeats, max_samples, groups, confidence, n_bootstrap, n_jobs, \
random_state
        As in :func:`permutation_importance`; the bootstrap resamples the rows of ``X``
        and holds the background table fixed (pairs are reweighted by both rows only
        when the background is ``X`` itself).
    background : DataFrame or 2-D array, optional
        The rows replacement values are drawn from; it must have ``X``'s columns (extra
        columns are ignored). Default: ``X`` itself (all its rows, before
        ``max_samples``).

    Returns
    -------
    Explanation
        ``method="background_importance"``, laid out as
        :func:`permutation_importance`'s (without ``direction``), with
        ``diagnostics["n_background_rows"]``. Numeric columns correlated above
        :data:`CORRELATION_THRESHOLD` are reported as there: replacing one of them
        independently creates rows that never occur.

    References
    ----------
    S. Lundberg, S.-I. Lee, "A Unified Approach to Interpreting Model Predictions",
    NeurIPS 2017 (removal by marginalising over a background distribution).
    I. Covert, S. Lundberg, S.-I. Lee, "Explaining by Removing", JMLR 22(209), 2021.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.uniform(-1, 1, (200, 2)), columns=["a", "b"])
    >>> y = 3 * X["a"]
    >>> model = LinearRegression().fit(X, y)
    >>> e = background_importance(model, X.iloc[:50], y[:50], background=X, random_state=0)
    >>> e.to_frame()["feature"].tolist()
    ['a', 'b']
    """
    return _importance(
        "background",
        model,
        X,
        y,
        background=background,
        scoring=scoring,
        n_repeats=n_repeats,
        max_samples=max_samples,
        groups=groups,
        correlation_threshold=CORRELATION_THRESHOLD,
        confidence=confidence,
        n_bootstrap=n_bootstrap,
        direction=False,
        n_jobs=n_jobs,
        random_state=random_state,
    )


# -- the shared machinery ------------------------------------------------------------------


def _importance(
    kind: str,
    model: Any,
    X: Any,
    y: Any,
    *,
    background: Any,
    scoring: str | Callable | None,
    n_repeats: int,
    max_samples: int | float | None,
    groups: Mapping[str, Sequence[str]] | None,
    correlation_threshold: float | None,
    confidence: float,
    n_bootstrap: int,
    direction: bool,
    n_jobs: int | None,
    random_state: RandomState,
) -> Explanation:
    """Permutation (``kind="permutation"``) or background (``"background"``) importance."""
    start = time.perf_counter()
    predictor, frame = as_predictor(model, X)
    target = encode_target(y, predictor, len(frame))
    scorer = get_scorer(scoring, predictor)
    n_repeats = check_int("n_repeats", n_repeats, minimum=1)
    n_bootstrap = check_int("n_bootstrap", n_bootstrap, minimum=0)
    confidence = check_confidence(confidence)
    n_jobs = check_n_jobs(n_jobs)
    units = check_groups(groups, list(frame.columns))
    if correlation_threshold is not None:
        correlation_threshold = check_fraction("correlation_threshold", correlation_threshold)
    paired = kind == "permutation" or background is None  # donors are rows of X
    # (permutation_importance never passes a background)
    source = frame if background is None else _check_background(background, frame)
    seed = seed_from(random_state)
    rng = np.random.default_rng(seed)

    draws = _draw_all(kind, rng, frame, target, source, paired, len(units), n_repeats,
                      n_bootstrap, max_samples)  # fmt: skip
    frame, target, source, n_rows = draws.frame, draws.target, draws.source, len(draws.frame)
    base_outputs = predictor(frame)
    baseline = scorer(target, base_outputs)
    shared = (predictor, frame, source, target, scorer)
    results, inline_seconds = _score_units(shared, units, draws.indices, n_jobs)
    importances = baseline - np.array([r[0] for r in results])  # (n_units, n_repeats)
    values = importances.mean(axis=1)
    std = _bootstrap_se(
        target, base_outputs, [r[1] for r in results], draws.indices, draws.counts,
        draws.donor_counts, scorer,
    )  # fmt: skip
    interval = interval_from_se(values, std, confidence)

    arrays = _importance_arrays(importances, values, n_repeats)
    if direction:
        arrays["direction"] = _unit_directions(predictor, frame, units, draws.direction_seed)

    pairs = correlated_pairs(frame, units, correlation_threshold)
    warnings = _importance_warnings(pairs, kind, model, frame)
    model_seconds = predictor.model_seconds - inline_seconds + sum(r[2] for r in results)
    diagnostics = _importance_diagnostics(
        baseline, scorer.name, n_rows, pairs, model_seconds, start, warnings
    )
    if kind == "background":
        diagnostics["n_background_rows"] = len(source)
    settings = _importance_settings(
        scorer.name, n_repeats, max_samples, groups, confidence, n_bootstrap
    )
    if kind == "permutation":
        settings.update(correlation_threshold=correlation_threshold, direction=bool(direction))
    return Explanation(
        method=f"{kind}_importance",
        scope="global",
        feature_names=[name for name, _ in units],
        values=values,
        std=std,
        interval=interval,
        diagnostics=diagnostics,
        settings=settings,
        random_state=seed,
        arrays=arrays,
    )


class _Draws(NamedTuple):
    """Every random draw of one importance run, made in a fixed order before any fan-out."""

    frame: pd.DataFrame  # the rows scored: all of X, or a sample
    target: np.ndarray
    source: pd.DataFrame  # the rows replacement values are taken from
    indices: list[np.ndarray]  # per unit, (n_repeats, n_rows) rows of source
    direction_seed: int
    counts: np.ndarray  # the bootstrap's count of each scored row, per draw
    donor_counts: np.ndarray | None  # the same for the donors when they are rows of X


def _draw_all(
    kind: str,
    rng: np.random.Generator,
    frame: pd.DataFrame,
    target: np.ndarray,
    source: pd.DataFrame,
    paired: bool,
    n_units: int,
    n_repeats: int,
    n_bootstrap: int,
    max_samples: Any,
) -> _Draws:
    """The rows, the replacements, the direction seed and the bootstrap counts, in order.

    A permutation takes its replacements from the rows scored (the sample); a background
    from ``source``, which is all of ``X`` when no background was given (``paired``).
    """
    n_total = len(frame)
    frame, target, rows = _draw_rows(rng, frame, target, max_samples)
    n_rows = len(frame)
    if kind == "permutation":
        source = frame
    indices = _draw_replacements(kind, rng, n_rows, len(source), n_units, n_repeats)
    direction_seed = int(rng.integers(2**31 - 1))
    donors_of_x = rows if kind == "background" and paired else None  # donors index all of X
    counts, counts_of_donors = _draw_bootstrap(rng, n_rows, n_bootstrap, donors_of_x, n_total)
    donor_counts = counts_of_donors if paired else None
    return _Draws(frame, target, source, indices, direction_seed, counts, donor_counts)


def _draw_rows(
    rng: np.random.Generator, frame: pd.DataFrame, target: np.ndarray, max_samples: Any
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray | None]:
    """The rows to score on: all, or ``max_samples`` of them drawn without replacement.

    Returns the rows' frame and targets, and their sorted positions (None when all).
    """
    n_total = len(frame)
    n_rows = check_max_samples(max_samples, n_total)
    if n_rows == n_total:
        return frame, target, None
    rows = np.sort(rng.choice(n_total, size=n_rows, replace=False))
    return frame.iloc[rows].reset_index(drop=True), target[rows], rows


def _draw_replacements(
    kind: str, rng: np.random.Generator, n_rows: int, n_source: int, n_units: int, n_repeats: int
) -> list[np.ndarray]:
    """Per unit, the source row each row takes its values from, ``(n_repeats, n_rows)``.

    A permutation of the rows for permutation importance; draws with replacement from
    the ``n_source`` background rows for background importance.
    """
    if kind == "permutation":
        return [
            np.stack([rng.permutation(n_rows) for _ in range(n_repeats)]) for _ in range(n_units)
        ]
    return [rng.integers(0, n_source, size=(n_repeats, n_rows)) for _ in range(n_units)]


def _draw_bootstrap(
    rng: np.random.Generator,
    n_rows: int,
    n_bootstrap: int,
    rows: np.ndarray | None,
    n_total: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The bootstrap's count of each row per draw, and the same counts of the donor rows.

    When the donors are all of ``X`` but only its ``rows`` are scored, a donor's count is
    its row's count (0 for the rows not scored); otherwise the two are the same.
    """
    counts = rng.multinomial(n_rows, np.full(n_rows, 1.0 / n_rows), size=n_bootstrap)
    if rows is None:
        return counts, counts
    counts_of_donors = np.zeros((n_bootstrap, n_total), dtype=counts.dtype)
    counts_of_donors[:, rows] = counts
    return counts, counts_of_donors


def _score_units(
    shared: tuple[Predictor, pd.DataFrame, pd.DataFrame, np.ndarray, Scorer],
    units: list[Unit],
    indices: list[np.ndarray],
    n_jobs: int,
) -> tuple[list[tuple[list[float], np.ndarray, float]], float]:
    """Each unit's broken copies scored (in ``n_jobs`` processes), and the model time spent
    in this process doing it (0 when all ran in workers)."""
    predictor = shared[0]
    tasks = [(columns, index) for (_, columns), index in zip(units, indices)]
    main_seconds = predictor.model_seconds
    results = run_tasks(_score_broken_copies, shared, tasks, n_jobs)
    return results, predictor.model_seconds - main_seconds


def _importance_diagnostics(
    baseline: float,
    scoring: str,
    n_rows: int,
    pairs: list[list[Any]],
    model_seconds: float,
    start: float,
    warnings: list[str],
) -> dict[str, Any]:
    """The diagnostics both importances share; the wall time runs from ``start`` to now."""
    wall = time.perf_counter() - start
    return {
        "baseline_score": baseline,
        "scoring": scoring,
        "n_rows": n_rows,
        "correlated_pairs": pairs,
        "model_seconds": model_seconds,
        "wall_seconds": wall,
        "model_time_fraction": model_seconds / wall if wall > 0 else None,
        "warnings": warnings,
    }


def _importance_settings(
    scoring: str,
    n_repeats: int,
    max_samples: int | float | None,
    groups: Mapping[str, Sequence[str]] | None,
    confidence: float,
    n_bootstrap: int,
) -> dict[str, Any]:
    """The settings both importances share, as recorded in the result."""
    return {
        "scoring": scoring,
        "n_repeats": n_repeats,
        "max_samples": max_samples,
        "groups": None if groups is None else {k: list(v) for k, v in groups.items()},
        "confidence": confidence,
        "n_bootstrap": n_bootstrap,
        "interval": "bootstrap over rows",
    }


def _importance_arrays(
    importances: np.ndarray, values: np.ndarray, n_repeats: int
) -> dict[str, Any]:
    """Each repeat's score drop, and the spread of single repeats (NaN for one repeat)."""
    return {
        "importances": importances,
        "shuffle_std": importances.std(axis=1, ddof=1) if n_repeats > 1 else np.full_like(
            values, np.nan),
    }  # fmt: skip


def _importance_warnings(
    pairs: list[list[Any]], kind: str, model: Any, frame: pd.DataFrame
) -> list[str]:
    """Warnings about correlated columns and about rows the model may have been fitted on."""
    warnings = [] if not pairs else [_correlation_warning(pairs, kind)]
    trained = training_rows_warning(model, frame)
    if trained:
        warnings.append(trained)
    return warnings


def _score_broken_copies(
    predictor: Predictor,
    frame: pd.DataFrame,
    source: pd.DataFrame,
    target: np.ndarray,
    scorer: Scorer,
    columns: list[str],
    index: np.ndarray,
) -> tuple[list[float], np.ndarray, float]:
    """Score ``frame`` with ``columns`` replaced by ``source`` rows ``index[r]``, per repeat.

    ``index`` has shape ``(n_repeats, n_rows)``; the copies are stacked so the model is
    called once. Returns the scores, the outputs (``(n_repeats, n_rows, n_outputs)``,
    for the bootstrap) and the model time this call added.
    """
    n_repeats, n_rows = index.shape
    stacked = replicate(frame, n_repeats)
    for column in columns:  # one index array for the whole group: rows move together
        set_column(stacked, column, source[column].to_numpy()[index.ravel()])
    before = predictor.model_seconds
    outputs = predictor(stacked).reshape(n_repeats, n_rows, -1)
    scores = [scorer(target, outputs[r]) for r in range(n_repeats)]
    return scores, outputs, predictor.model_seconds - before


def _bootstrap_se(
    target: np.ndarray,
    base_outputs: np.ndarray,
    outputs: list[np.ndarray],
    indices: list[np.ndarray],
    counts: np.ndarray,
    donor_counts: np.ndarray | None,
    scorer: Scorer,
) -> np.ndarray:
    """The bootstrap standard error over rows of each feature's score drop.

    Draw ``b`` weights row ``i`` of repeat ``r`` by ``counts[b, i] *
    donor_counts[b, indices[r, i]]`` (the row and the row its value came from are both
    resampled, as in the bootstrap of a two-sample U-statistic), or by ``counts[b, i]``
    when the donors are a fixed background table. The repeats are pooled, and the intact
    and the broken score are taken on the same weighted rows, so the draw is the score
    drop of the resampled data (exactly 0 for a column the model ignores). A draw whose
    score is undefined (one class left, say) is dropped. NaN with fewer than two draws.
    """
    if len(counts) < 2:
        return np.full(len(outputs), np.nan)
    n_repeats = indices[0].shape[0]
    tiled = np.tile(target, n_repeats)
    intact = np.tile(base_outputs, (n_repeats, 1))
    draws = np.full((len(counts), len(outputs)), np.nan)
    for b, c in enumerate(counts):
        for u, (out, index) in enumerate(zip(outputs, indices)):
            weight = c[None, :] if donor_counts is None else c[None, :] * donor_counts[b][index]
            weight = np.broadcast_to(weight, index.shape).ravel()
            y = np.repeat(tiled, weight)
            try:
                draws[b, u] = scorer(y, np.repeat(intact, weight, axis=0)) - scorer(
                    y, np.repeat(out.reshape(len(weight), -1), weight, axis=0)
                )
            except ValueError:
                continue
    return np.nanstd(draws, axis=0, ddof=1)


def interval_from_se(values: np.ndarray, se: np.ndarray, confidence: float) -> np.ndarray:
    """``values -+ z * se``, the normal interval at ``confidence``, shape ``(2, ...)``."""
    from scipy import stats

    half = stats.norm.ppf(0.5 + confidence / 2) * se
    return np.stack([values - half, values + half])


def _unit_directions(
    predictor: Predictor, frame: pd.DataFrame, units: list[Unit], seed: int
) -> np.ndarray:
    """Each feature's direction; a group's only when it has a single column."""
    per_column = effect_direction(predictor, frame, random_state=seed)
    position = {c: j for j, c in enumerate(frame.columns)}
    return np.array(
        [per_column[position[cols[0]]] if len(cols) == 1 else np.nan for _, cols in units]
    )


def named_pairs(pairs: list[list[Any]]) -> str:
    """``"n pair(s) of strongly correlated columns: a ~ b (rho=+0.93), ..."``."""
    named = ", ".join(f"{a} ~ {b} (rho={rho:+.2f})" for a, b, rho in pairs[:_PAIRS_NAMED])
    more = f" and {len(pairs) - _PAIRS_NAMED} more" if len(pairs) > _PAIRS_NAMED else ""
    return f"{len(pairs)} pair(s) of strongly correlated columns: {named}{more}"


def _correlation_warning(pairs: list[list[Any]], kind: str) -> str:
    a, b, _ = pairs[0]
    verb = "Permuting" if kind == "permutation" else "Replacing"
    return (
        f"{named_pairs(pairs)}. {verb} one "
        "column of such a pair creates rows that never occur in the data, and the model "
        "can still read the information from the other column, so the importance is split "
        "between them and each looks less important than the pair is. Permute them "
        f"together: groups={{'{a}+{b}': ['{a}', '{b}']}}."
    )


# -- helpers shared with the other importance methods ----------------------------------------


def check_groups(groups: Mapping[str, Sequence[str]] | None, columns: list[str]) -> list[Unit]:
    """The features to explain: ``(name, columns)`` in ``columns``' order.

    Columns in no group are features of their own; a group sits at the position of its
    first column (in ``columns``' order).
    """
    if groups is None:
        return [(c, [c]) for c in columns]
    if not isinstance(groups, Mapping):
        raise ParameterTypeError(
            "groups must be a dict {group name: [columns]}, got " + type(groups).__name__
        )
    owner: dict[str, str] = {}
    for name, members in groups.items():
        if not isinstance(name, str):
            raise ParameterTypeError(f"group names must be strings, got {name!r}")
        if isinstance(members, str) or not isinstance(members, Iterable):
            raise ParameterTypeError(
                f"group {name!r} must be a list of column names, got {members!r}"
            )
        members = list(members)
        if not members:
            raise InvalidParameterError(f"group {name!r} is empty: list at least one column")
        for column in members:
            if column not in columns:
                raise InvalidParameterError(
                    f"group {name!r} names column {column!r}, which X does not have."
                    + did_you_mean(column, columns)
                )
            if column in owner:
                where = "twice" if owner[column] == name else f"also in group {owner[column]!r}"
                raise InvalidParameterError(
                    f"column {column!r} of group {name!r} is listed {where}; "
                    "a column can belong to one group only"
                )
            owner[column] = name
    for name in groups:
        if name in columns and owner.get(name) != name:
            raise InvalidParameterError(
                f"group name {name!r} is also a column of X outside that group; rename the group"
            )
    units: list[Unit] = []
    placed: set[str] = set()
    for column in columns:
        name = owner.get(column)
        if name is None:
            units.append((column, [column]))
        elif name not in placed:
            placed.add(name)
            units.append((name, [c for c in columns if owner.get(c) == name]))
    return units


def summarise(
    samples: np.ndarray, confidence: float, *, inflation: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, std (ddof=1) and t-interval of each row of ``samples`` (features x draws).

    ``inflation`` widens the interval's half-width (a variance correction for draws that
    are not independent, see :func:`~autoxai.explain._ablation.drop_column_importance`).
    With a single draw the std is 0 and the interval NaN (there is no spread to see).
    """
    from scipy import stats

    n = samples.shape[1]
    values = samples.mean(axis=1)
    if n == 1:
        return values, np.zeros_like(values), np.full((2, len(values)), np.nan)
    std = samples.std(axis=1, ddof=1)
    half = inflation * stats.t.ppf(0.5 + confidence / 2, n - 1) * std / np.sqrt(n)
    return values, std, np.stack([values - half, values + half])


def correlated_pairs(
    frame: pd.DataFrame, units: list[Unit], threshold: float | None
) -> list[list[Any]]:
    """``[a, b, rho]`` for numeric columns with ``|Spearman rho| > threshold``, strongest first.

    Only numeric columns are compared (booleans and categories have no rank order
    worth trusting here); columns already grouped together are not reported.
    """
    if threshold is None:
        return []
    numeric = [c for c in frame.columns if is_numeric(frame[c])]
    if len(numeric) < 2:
        return []
    group_of = {c: name for name, cols in units for c in cols}
    rho = frame[numeric].corr(method="spearman").to_numpy()
    pairs = []
    for i in range(len(numeric)):
        for j in range(i + 1, len(numeric)):
            a, b, r = numeric[i], numeric[j], rho[i, j]
            if np.isfinite(r) and abs(r) > threshold and group_of[a] != group_of[b]:
                pairs.append([a, b, float(r)])
    return sorted(pairs, key=lambda p: -abs(p[2]))


def _check_background(background: Any, frame: pd.DataFrame) -> pd.DataFrame:
    names = list(frame.columns)
    if not isinstance(background, pd.DataFrame):
        width = np.shape(background)[1] if np.ndim(background) == 2 else None
        if width is not None and width != len(names):
            raise DataError(
                f"background has {width} columns but X has {len(names)}; it must have "
                "every column of X"
            )
    table = as_frame(background, feature_names=names)
    missing = [c for c in names if c not in table.columns]
    if missing:
        raise DataError(
            f"background lacks column(s) of X: {', '.join(missing[:10])}; it must have "
            "every column of X"
        )
    return table[names]
