"""Several global methods side by side: a consensus ranking and where the methods disagree.

No single importance method is "the" importance: permutation importance measures how
much *this fitted model* relies on a column, drop-column importance how much information
the column adds to the others (the model is refit without it), SHAP the average size of
the column's contribution to individual predictions, a surrogate how a small readable
model imitating the model uses it. They agree on clear cases and part ways on correlated
columns, interactions and noise — and *where* they part ways is itself worth reporting
(Fisher, Rudin & Dominici 2019; Covert, Lundberg & Lee 2021).

:func:`compare` turns each method's values into ranks, averages them into a consensus
ranking, measures how far the methods agree (Spearman and Kendall rank correlations)
and flags features the methods disagree on, with a plain-words warning saying which
methods and what their difference in meaning can explain. :func:`explain_model` runs the
standard set of methods with small, sensible defaults and compares them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from numbers import Real
from typing import Any

import numpy as np
from scipy.stats import kendalltau, rankdata

from autoxai._utils import RandomState, check_int, did_you_mean, seed_from
from autoxai.exceptions import DataError, InvalidParameterError, ParameterTypeError
from autoxai.explain._base import Explanation
from autoxai.explain._common import check_n_jobs, subsample
from autoxai.explain._model import as_frame, target_array

__all__ = ["compare", "explain_model"]

#: Spearman correlation below which the least concordant pair of methods is warned about.
LOW_CORRELATION = 0.5
#: Features named in a warning before "and N more".
_NAMED = 5
#: Rows explained by SHAP in :func:`explain_model` (SHAP's cost grows with each row).
SHAP_ROWS = 500
#: Folds of the drop-column refits in :func:`explain_model`.
DROP_COLUMN_CV = 3
#: Permutation repeats in :func:`explain_model`.
PERMUTATION_REPEATS = 5

#: What each method measures, for the disagreement warnings.
_MEANS = {
    "permutation_importance": "the reliance of this fitted model on the column (shuffled, "
    "no refit)",
    "background_importance": "the reliance of this fitted model on the column (replaced by "
    "background draws, no refit)",
    "drop_column_importance": "the information the column adds to the others (the model is "
    "refit without it)",
    "surrogate": "how a small model imitating this one uses the column (only as good as "
    "its fidelity)",
    "shap_importance": "the average size of the column's contribution to single "
    "predictions (mean |SHAP|)",
}

#: explain_model's method names and the result key of each.
METHODS = {
    "permutation": "permutation_importance",
    "surrogate": "surrogate",
    "shap": "shap_importance",
    "drop_column": "drop_column_importance",
}


def compare(
    explanations: Sequence[Explanation] | Mapping[str, Explanation],
    *,
    top_k: int = 5,
    disagreement: float | None = None,
    output: str | None = None,
) -> Explanation:
    """Rank features by several global explanations and report where they disagree.

    Each method's values are turned into ranks — 1 for the most important feature,
    ties sharing their average rank — with "important" meaning a larger value, as for
    every global importance in :mod:`autoxai.explain` (a negative permutation importance
    ranks below zero; NaN ranks last). The consensus is the mean rank over methods.

    A feature is flagged as *disagreed on* when either

    * some method ranks it in its top ``k`` and another ranks it in the bottom half
      (rank ``> ceil(n_features / 2)``), where ``k = min(top_k, ceil(n_features / 2) -
      1)`` (at least 1) so that at least one rank lies between "top" and "bottom half" and
      two neighbours swapping places are not flagged; or
    * its rank spread across methods (worst rank minus best rank) exceeds
      ``disagreement`` (default ``n_features / 2``: the methods place it more than half
      the ranking apart).

    Parameters
    ----------
    explanations : list of Explanation, or dict of name to Explanation
        Global explanations with one value per feature (``permutation_importance``,
        ``background_importance``, ``drop_column_importance``, ``surrogate``,
        ``shap_importance``, ...), all of the same features (in any order: they are
        aligned to the first one's order). A list names each by its ``method`` (a
        repeated name gets ``#2``, ``#3``...); a dict by its keys. Values with an output
        axis, shape ``(n_outputs, n_features)`` (e.g. the SHAP importance of a
        classifier per class), are reduced to one value per feature: the sum over
        outputs of their absolute values, or the row of ``output`` when given.
    top_k : int
        Size of "a method's top features" in the disagreement rule (capped as above).
    disagreement : float > 0 or None
        Rank spread above which a feature is flagged; default ``n_features / 2``.
    output : str or None
        For per-output values: the output (class) to compare, by its name in the
        explanation's ``output_names``; default: sum of |values| over outputs.

    Returns
    -------
    Explanation
        ``method="consensus"``, ``scope="global"``, ``feature_names`` in the first
        explanation's order, ``values`` the mean rank (1 = most important; lower is
        more important, which ``settings["lower_is_better"]`` tells
        :meth:`~Explanation.to_frame`, so it lists the most important first), ``std``
        the standard deviation of the ranks across methods and ``interval`` the best
        and the worst rank. Arrays:
        ``ranks`` (``(n_methods, n_features)``), ``scores`` (the values ranked, same
        shape), ``methods`` (names), ``rank_correlation`` (Spearman, ``(n_methods,
        n_methods)``; NaN when a method ranks every feature equal), ``kendall`` (Kendall's
        tau-b, same shape) and ``disagree`` (bool per feature). Diagnostics:
        ``mean_rank_correlation`` (mean Spearman over pairs of methods; None for one
        method), ``lowest_correlation`` (the least concordant pair and its rho),
        ``disagreeing_features``, ``top_k_used``, ``disagreement_threshold`` and
        ``warnings``: one sentence per disagreed feature (up to 5) naming the two methods
        that rank it furthest apart and what each measures, and one naming the least
        concordant pair of methods when its Spearman correlation is below 0.5 or
        any feature is disagreed on.

    Raises
    ------
    ParameterTypeError
        Something other than a list or dict of explanations.
    DataError
        A local explanation, explanations of different features, or values that are not
        one per feature.
    InvalidParameterError
        No explanations, an unknown ``output``, out-of-range options.

    References
    ----------
    A. Fisher, C. Rudin, F. Dominici, "All Models are Wrong, but Many are Useful",
    JMLR 20(177), 2019. I. Covert, S. Lundberg, S.-I. Lee, "Explaining by Removing",
    JMLR 22(209), 2021. S. Krishna et al., "The Disagreement Problem in Explainable
    Machine Learning", TMLR 2024.

    Examples
    --------
    >>> import numpy as np
    >>> a = Explanation("permutation_importance", "global", ["x", "y", "z"],
    ...                 np.array([0.5, 0.2, 0.0]))
    >>> b = Explanation("drop_column_importance", "global", ["z", "y", "x"],
    ...                 np.array([0.0, 0.1, 0.4]))
    >>> c = compare([a, b])
    >>> c.values.tolist(), bool(c.disagree.any())
    ([1.0, 2.0, 3.0], False)
    """
    names, items = _named(explanations)
    top_k = check_int("top_k", top_k, minimum=1)
    feature_names = _common_features(names, items)
    n_features = len(feature_names)
    if disagreement is None:
        threshold = n_features / 2
    else:
        if not isinstance(disagreement, Real) or isinstance(disagreement, bool):
            raise ParameterTypeError(
                f"disagreement must be a number (a rank spread) or None, got {disagreement!r}"
            )
        if not disagreement > 0:
            raise InvalidParameterError(
                f"disagreement must be a rank spread > 0, got {disagreement!r}"
            )
        threshold = float(disagreement)

    scores = np.stack(
        [_scores(name, e, feature_names, output) for name, e in zip(names, items)]
    )  # (n_methods, n_features)
    ranks = np.stack([rankdata(-np.nan_to_num(s, nan=-np.inf)) for s in scores])
    n_methods = len(names)
    spearman = np.eye(n_methods)
    kendall = np.eye(n_methods)
    for i, j in combinations(range(n_methods), 2):
        spearman[i, j] = spearman[j, i] = _correlation(ranks[i], ranks[j])
        ranked = np.ptp(ranks[i]) > 0 and np.ptp(ranks[j]) > 0
        tau = kendalltau(ranks[i], ranks[j]).statistic if ranked else math.nan
        kendall[i, j] = kendall[j, i] = tau

    k = max(1, min(top_k, math.ceil(n_features / 2) - 1))
    bottom = math.ceil(n_features / 2)
    best, worst = ranks.min(axis=0), ranks.max(axis=0)
    disagree = ((best <= k) & (worst > bottom)) | (worst - best > threshold)

    pairs = [
        (spearman[i, j], names[i], names[j])
        for i, j in combinations(range(n_methods), 2)
        if np.isfinite(spearman[i, j])
    ]
    mean_correlation = float(np.mean([p[0] for p in pairs])) if pairs else None
    lowest = min(pairs, key=lambda p: p[0]) if pairs else None

    warnings = [
        _disagreement_sentence(feature_names[f], ranks[:, f], names, items, n_features)
        for f in np.flatnonzero(disagree)[:_NAMED]
    ]
    n_flagged = int(disagree.sum())
    if n_flagged > _NAMED:
        warnings.append(f"... and {n_flagged - _NAMED} more feature(s) the methods disagree on.")
    if lowest is not None and (lowest[0] < LOW_CORRELATION or n_flagged):
        rho, a, b = lowest
        sentence = (
            f"The least concordant methods are {a} and {b} (Spearman rank correlation {rho:.2f})"
        )
        if rho < LOW_CORRELATION:
            sentence += (
                f", below {LOW_CORRELATION}: their rankings answer different questions (or "
                "one of them is noisy); read them feature by feature rather than through "
                "the average rank"
            )
        warnings.append(sentence + ".")

    method_array = np.empty(n_methods, dtype=object)
    method_array[:] = names
    diagnostics: dict[str, Any] = {
        "mean_rank_correlation": mean_correlation,
        "lowest_correlation": None if lowest is None else [lowest[1], lowest[2], float(lowest[0])],
        "disagreeing_features": [feature_names[f] for f in np.flatnonzero(disagree)],
        "top_k_used": k,
        "disagreement_threshold": threshold,
        "n_methods": n_methods,
        "warnings": warnings,
    }
    return Explanation(
        method="consensus",
        scope="global",
        feature_names=feature_names,
        values=ranks.mean(axis=0),
        std=ranks.std(axis=0),
        interval=np.stack([best, worst]),
        diagnostics=diagnostics,
        settings={
            "top_k": top_k,
            "disagreement": disagreement,
            "output": output,
            "lower_is_better": True,
        },
        arrays={
            "ranks": ranks,
            "scores": scores,
            "methods": method_array,
            "rank_correlation": spearman,
            "kendall": kendall,
            "disagree": disagree,
        },
    )


def explain_model(
    model: Any,
    X: Any,
    y: Any,
    *,
    methods: Iterable[str] = ("permutation", "surrogate", "shap", "drop_column"),
    max_rows: int | None = 2000,
    random_state: RandomState = None,
    n_jobs: int | None = 1,
) -> dict[str, Explanation]:
    """Run the standard global methods on one model and compare them.

    A one-call overview: each method runs with small defaults chosen so the whole set
    stays affordable, then :func:`compare` ranks the features by each and flags where
    they disagree.

    ============== ========================== ===========================================
    method         result key                 settings
    ============== ========================== ===========================================
    "permutation"  ``permutation_importance`` 5 repeats, the task's default metric
    "surrogate"    ``surrogate``              a depth-3 tree, 30 % of the rows held out
    "shap"         ``shap_importance``        mean |SHAP| of at most 500 rows
    "drop_column"  ``drop_column_importance`` 3-fold refits (``n_features + 1`` per fold)
    ============== ========================== ===========================================

    Parameters
    ----------
    model : estimator, Pipeline or AutoML
        The fitted model. Drop-column importance refits it, so it needs an estimator
        :func:`sklearn.base.clone` can copy (a fitted :class:`~autoxai.AutoML` refits its
        best pipeline; see :func:`~autoxai.explain.drop_column_importance`).
    X : DataFrame or 2-D array
        Rows to explain, in the model's original columns.
    y : array-like
        Their targets (permutation and drop-column importance score against them).
    methods : iterable of str
        Which of ``"permutation"``, ``"surrogate"``, ``"shap"``, ``"drop_column"`` to run
        (the consensus needs none of them in particular).
    max_rows : int or None
        When ``X`` has more rows, every method works on the same seeded random subset
        of this many rows (drop-column refits on it too, keeping its cost bounded);
        SHAP explains at most 500 of them. None: all rows.
    random_state : int, numpy.random.Generator or None
        One seed from which the subset and each method's seed are drawn (each method's
        seed does not depend on which other methods run).
    n_jobs : int or None
        Processes for permutation and drop-column importance.

    Returns
    -------
    dict of str to Explanation
        One entry per method run, keyed as in the table above, and ``"consensus"``: the
        :func:`compare` of them.

    Raises
    ------
    InvalidParameterError
        An unknown method name (with a suggestion), no methods, a bad ``max_rows``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.uniform(-1, 1, (120, 3)), columns=["a", "b", "c"])
    >>> y = 3 * X["a"] + X["b"]
    >>> model = RandomForestRegressor(n_estimators=10, random_state=0).fit(X, y)
    >>> result = explain_model(model, X, y, methods=["permutation", "surrogate"],
    ...                        random_state=0)
    >>> sorted(result), result["consensus"].feature_names
    (['consensus', 'permutation_importance', 'surrogate'], ['a', 'b', 'c'])
    """
    chosen = _check_methods(methods)
    if max_rows is not None:
        max_rows = check_int("max_rows", max_rows, minimum=10)
    n_jobs = check_n_jobs(n_jobs)
    seed = seed_from(random_state)
    rng = np.random.default_rng(seed)
    # Every seed is drawn up front in a fixed order, whichever methods run.
    subset_seed, *method_seeds = (int(s) for s in rng.integers(2**31 - 1, size=5))
    seeds = dict(zip(METHODS, method_seeds))

    frame = as_frame(X, feature_names=_model_columns(model))
    target = target_array(y, len(frame))
    frame, rows, _ = subsample(frame, max_rows, subset_seed)
    if rows is not None:
        target = target[rows]

    results: dict[str, Explanation] = {}
    for method in chosen:
        start = time.perf_counter()
        if method == "permutation":
            from autoxai.explain._permutation import permutation_importance

            result = permutation_importance(
                model,
                frame,
                target,
                n_repeats=PERMUTATION_REPEATS,
                n_jobs=n_jobs,
                random_state=seeds[method],
            )
        elif method == "surrogate":
            from autoxai.explain._surrogate import surrogate

            result = surrogate(model, frame, random_state=seeds[method])
        elif method == "drop_column":
            from autoxai.explain._ablation import drop_column_importance

            result = drop_column_importance(
                model,
                frame,
                target,
                cv=DROP_COLUMN_CV,
                n_jobs=n_jobs,
                random_state=seeds[method],
            )
        else:
            result = _shap(model, frame, seeds[method])
        result.diagnostics.setdefault("wall_seconds", time.perf_counter() - start)
        results[METHODS[method]] = result
    results["consensus"] = compare({k: v for k, v in results.items()})
    return results


# -- helpers -------------------------------------------------------------------------------


def _named(
    explanations: Sequence[Explanation] | Mapping[str, Explanation],
) -> tuple[list[str], list[Explanation]]:
    """Names and explanations, checked."""
    if isinstance(explanations, Mapping):
        names = [str(k) for k in explanations]
        items = list(explanations.values())
    elif isinstance(explanations, (list, tuple)):
        items = list(explanations)
        names, seen = [], {}
        for e in items:
            base = getattr(e, "method", "?")
            seen[base] = seen.get(base, 0) + 1
            names.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    else:
        raise ParameterTypeError(
            "explanations must be a list of Explanation or a dict of name to Explanation, "
            f"got {type(explanations).__name__}"
        )
    if not items:
        raise InvalidParameterError("compare needs at least one explanation, got none")
    for name, e in zip(names, items):
        if not isinstance(e, Explanation):
            raise ParameterTypeError(f"{name!r} is a {type(e).__name__}, not an Explanation")
        if e.scope != "global":
            raise DataError(
                f"{name!r} is a {e.scope} explanation; compare takes global ones (one value "
                "per feature), e.g. permutation_importance, drop_column_importance, "
                "surrogate, shap_importance"
            )
    return names, items


def _common_features(names: list[str], items: list[Explanation]) -> list[str]:
    """The first explanation's features, after checking every other has the same set."""
    reference = list(items[0].feature_names)
    if len(set(reference)) != len(reference):
        raise DataError(f"{names[0]!r} names a feature twice")
    for name, e in zip(names[1:], items[1:]):
        other = list(e.feature_names)
        if len(set(other)) != len(other):
            raise DataError(f"{name!r} names a feature twice")
        if set(other) != set(reference):
            missing = [f for f in reference if f not in other]
            extra = [f for f in other if f not in reference]
            parts = []
            if missing:
                parts.append(f"lacks {', '.join(missing[:10])}")
            if extra:
                parts.append(f"has {', '.join(extra[:10])} which {names[0]!r} lacks")
            raise DataError(
                f"explanations must speak of the same features: {name!r} " + " and ".join(parts)
            )
    return reference


def _scores(name: str, e: Explanation, features: list[str], output: str | None) -> np.ndarray:
    """One value per feature of ``features`` (larger = more important)."""
    values = np.asarray(e.values, dtype=float)
    n = len(e.feature_names)
    if values.ndim == 2 and values.shape[1] == n:
        if output is None:
            values = np.abs(values).sum(axis=0)
        else:
            outputs = [str(o) for o in (e.output_names or [])]
            if str(output) not in outputs:
                raise InvalidParameterError(
                    f"output {output!r} is not an output of {name!r} (its outputs: "
                    f"{', '.join(outputs) or 'none named'})." + did_you_mean(str(output), outputs)
                )
            values = values[outputs.index(str(output))]
    if values.shape != (n,):
        raise DataError(
            f"{name!r} has values of shape {values.shape}; compare needs one value per "
            f"feature ({n},) or one per output and feature (n_outputs, {n})"
        )
    position = {f: i for i, f in enumerate(e.feature_names)}
    return values[[position[f] for f in features]]


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two rank vectors (= Spearman); NaN if either is constant."""
    a, b = a - a.mean(), b - b.mean()
    denominator = math.sqrt(float(a @ a) * float(b @ b))
    return float(a @ b) / denominator if denominator > 0 else math.nan


def _disagreement_sentence(
    feature: str,
    ranks: np.ndarray,
    names: list[str],
    items: list[Explanation],
    n_features: int,
) -> str:
    """One warning: the two methods ranking ``feature`` furthest apart, and why they may."""
    high, low = int(np.argmin(ranks)), int(np.argmax(ranks))
    a, b = items[high].method, items[low].method
    sentence = (
        f"{names[high]} and {names[low]} disagree on {feature}: ranked "
        f"{_rank(ranks[high])} vs {_rank(ranks[low])} of {n_features}"
    )
    meanings = [f"{names[i]} measures {_MEANS[m]}" for i, m in ((high, a), (low, b)) if m in _MEANS]
    if meanings:
        sentence += " — " + "; ".join(meanings)
    reliance = {"permutation_importance", "background_importance", "shap_importance"}
    if a in reliance and b == "drop_column_importance":
        sentence += (
            f". Correlated columns can explain it: refitted without {feature}, the model "
            "reads the same information from the columns correlated with it"
        )
    elif a == "drop_column_importance" and b in reliance:
        sentence += (
            f". This fitted model barely relies on {feature}, yet models refitted without "
            "it score worse: drop-column refits a new model per fold, so check its interval "
            "across folds before reading much into it"
        )
    elif "surrogate" in (a, b):
        sentence += ". Check the surrogate's fidelity before trusting its ranking"
    return sentence + "."


def _rank(rank: float) -> str:
    return f"{rank:g}"


def _check_methods(methods: Iterable[str]) -> list[str]:
    if isinstance(methods, str):
        methods = [methods]
    try:
        methods = list(methods)
    except TypeError as exc:
        raise ParameterTypeError(
            f"methods must be a list of method names, got {type(methods).__name__}"
        ) from exc
    if not methods:
        raise InvalidParameterError(
            f"methods must name at least one of {', '.join(map(repr, METHODS))}"
        )
    chosen: list[str] = []
    for method in methods:
        if method not in METHODS:
            raise InvalidParameterError(
                f"unknown method {method!r}; choose from {', '.join(map(repr, METHODS))}."
                + did_you_mean(str(method), list(METHODS))
            )
        if method not in chosen:
            chosen.append(method)
    return chosen


def _model_columns(model: Any) -> list[str] | None:
    from autoxai.explain._model import _expected_columns, _unwrap

    try:
        return _expected_columns(_unwrap(model))
    except DataError:
        return None


def _shap(model: Any, frame: Any, seed: int) -> Explanation:
    """Mean |SHAP| of at most :data:`SHAP_ROWS` rows of ``frame`` (the method's defaults)."""
    from autoxai.explain.shap import shap_importance, shap_values

    rows, _, _ = subsample(frame, SHAP_ROWS, seed)
    return shap_importance(shap_values(model, rows, random_state=seed))
