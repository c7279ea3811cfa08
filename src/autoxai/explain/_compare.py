"""Several global methods side by side: a consensus ranking and where the methods disagree.

No single importance method is "the" importance: permutation importance measures how
much *this fitted model* relies on a column, drop-column importance how much information
the column adds to the others (the model is refit without it), SHAP the average size of
the column's contribution to individual predictions, a surrogate how a small readable
model imitating the model uses it. They agree on clear cases and part ways on correlated
columns, interactions and noise — and *where* they part ways is itself worth reporting
(Fisher, Rudin & Dominici 2019; Covert, Lundberg & Lee 2021).

:func:`compare` reads each method's values *with their intervals*: features no method
can tell from zero are "unimportant by consensus" and not ranked against each other; a
feature is flagged only when one method finds it clearly important and another cannot
tell it from zero, with the likely cause in words; the rest are ranked by mean rank.
For every pair of methods it measures the agreement metrics of Krishna et al. (2022)
(:mod:`autoxai.explain._agreement`). :func:`~autoxai.explain.explain_model`
(:mod:`autoxai.explain._orchestrate`) runs the standard set of methods and compares them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from numbers import Real
from typing import Any

import numpy as np
from scipy.stats import rankdata

from autoxai._utils import check_int, did_you_mean
from autoxai.exceptions import DataError, InvalidParameterError, ParameterTypeError
from autoxai.explain._agreement import agreement
from autoxai.explain._base import Explanation

__all__ = ["compare"]

#: A feature is important to a method from this share of the method's largest value up
#: (with its interval above 0), and clearly important from STRONG_SHARE up.
MIN_SHARE = 0.02
STRONG_SHARE = 0.1
#: Methods whose values are magnitudes (never below 0, non-zero for fitted noise).
_MAGNITUDES = frozenset({"shap_importance", "surrogate"})
#: Features named in a warning before "and N more".
_NAMED = 5

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


def compare(
    explanations: Sequence[Explanation] | Mapping[str, Explanation],
    *,
    top_k: int = 5,
    min_share: float = MIN_SHARE,
    strong_share: float = STRONG_SHARE,
    output: str | None = None,
) -> Explanation:
    """A consensus of several global explanations that knows noise from signal.

    Each method's value of a feature is read as a *share* of that method's largest
    value, together with its confidence interval when it has one:

    * a method calls a feature **important** when its share is at least ``min_share``
      and its interval lies above 0. A magnitude (mean ``|SHAP|``, a surrogate's
      importance) is never below 0 and is non-zero for any column the model moves on,
      noise it fitted included, so a magnitude counts only from ``strong_share`` up;
    * a feature no method calls important is **unimportant by consensus**: it gets no
      rank (NaN), since ranking noise against noise says nothing;
    * a feature is **flagged** (the methods disagree) only when one method calls it
      clearly important (share ``>= strong_share``, interval above 0) while another,
      one that can tell a value from zero (a score drop with an interval: permutation,
      drop-column), finds it indistinguishable from 0. The warning names the likely
      cause: correlated columns, an interaction or extrapolation, or a method measured
      on other rows.

    The other features are ranked by each method (1 = most important, ties sharing
    their average rank) and the consensus is their mean rank. For every pair of
    methods :func:`~autoxai.explain._agreement.agreement` measures how far the rankings
    agree (Krishna et al. 2022), at the top ``k`` and over the features not
    unimportant by consensus.

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
        outputs of their absolute values (and of the interval bounds), or the row of
        ``output`` when given. Each explanation should explain the same model on the
        same kind of rows; ``settings["rows"]`` (``"held-out"``, ``"training"``), when
        set, is compared.
    top_k : int
        The top of each ranking the agreement metrics look at (at most the number of
        features not unimportant by consensus).
    min_share, strong_share : float
        The shares of a method's largest value that make a feature important, and
        clearly important (see above); ``0 < min_share <= strong_share <= 1``.
    output : str or None
        For per-output values: the output (class) to compare, by its name in the
        explanation's ``output_names``; default: sum of |values| over outputs.

    Returns
    -------
    Explanation
        ``method="consensus"``, ``scope="global"``, ``feature_names`` in the first
        explanation's order, ``values`` the mean rank (1 = most important; NaN for the
        unimportant by consensus; ``settings["lower_is_better"]`` makes
        :meth:`~Explanation.to_frame` list the most important first), ``std`` the
        standard deviation of the ranks across methods and ``interval`` the best and
        the worst rank. Arrays: ``ranks`` and ``scores`` (``(n_methods,
        n_features)``), ``shares``, ``important`` (bool, per method and feature),
        ``methods``, ``unimportant`` and ``disagree`` (bool per feature),
        ``rank_correlation`` (Spearman over the features not unimportant by consensus,
        ``(n_methods, n_methods)``). Diagnostics: ``agreement`` (one dict per pair of
        methods: ``methods``, ``k`` and the six metrics), ``mean_rank_correlation``,
        ``lowest_correlation`` (the least concordant pair and its rho),
        ``unimportant_features``, ``disagreeing_features``, ``min_share``,
        ``strong_share``, ``n_methods`` and ``warnings``: one sentence per flagged
        feature (up to 5) naming the two methods, their values and the likely cause.

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
    >>> interval = np.array([[0.4, 0.1, -0.01], [0.6, 0.3, 0.01]])
    >>> a = Explanation("permutation_importance", "global", ["x", "y", "z"],
    ...                 np.array([0.5, 0.2, 0.0]), interval=interval)
    >>> b = Explanation("drop_column_importance", "global", ["z", "y", "x"],
    ...                 np.array([0.0, 0.1, 0.4]), interval=interval[:, ::-1])
    >>> c = compare([a, b])
    >>> c.values.tolist(), c.unimportant.tolist(), bool(c.disagree.any())
    ([1.0, 2.0, nan], [False, False, True], False)
    """
    names, items = _named(explanations)
    top_k = check_int("top_k", top_k, minimum=1)
    min_share, strong_share = _check_shares(min_share, strong_share)
    feature_names = _common_features(names, items)
    n_methods, n_features = len(names), len(feature_names)

    scores = np.stack([_scores(name, e, feature_names, output) for name, e in zip(names, items)])
    lows = np.stack([_lows(e, feature_names, output) for e in items])
    shares, important, strong, indistinct = _readings(scores, lows, items, min_share, strong_share)
    unimportant = ~important.any(axis=0)
    disagree = strong.any(axis=0) & indistinct.any(axis=0) & ~unimportant

    ranked = ~unimportant
    ranks = np.full((n_methods, n_features), np.nan)
    if ranked.any():
        ranks[:, ranked] = np.stack(
            [rankdata(-np.nan_to_num(s[ranked], nan=-np.inf)) for s in scores]
        )
    signs = [_signs(e, feature_names, output) for e in items]
    among = ranked if ranked.sum() >= 2 else np.ones(n_features, dtype=bool)
    k = min(top_k, max(1, int(ranked.sum())))  # the top of the features worth ranking
    spearman, pairs_agreement = _pairwise_agreement(names, scores, signs, among, k)
    mean_correlation, lowest = _correlation_summary(spearman, names)

    warnings = [
        _disagreement_sentence(feature_names[f], f, scores, lows, strong, indistinct, names, items)
        for f in np.flatnonzero(disagree)[:_NAMED]
    ]
    n_flagged = int(disagree.sum())
    if n_flagged > _NAMED:
        warnings.append(f"... and {n_flagged - _NAMED} more feature(s) the methods disagree on.")

    with np.errstate(invalid="ignore"):
        values = np.where(ranked, np.nanmean(np.where(ranked, ranks, 0.0), axis=0), np.nan)
        spread = np.where(ranked, np.nanstd(np.where(ranked, ranks, 0.0), axis=0), np.nan)
    method_array = np.empty(n_methods, dtype=object)
    method_array[:] = names
    diagnostics: dict[str, Any] = {
        "agreement": pairs_agreement,
        "mean_rank_correlation": mean_correlation,
        "lowest_correlation": None if lowest is None else [lowest[1], lowest[2], float(lowest[0])],
        "unimportant_features": [feature_names[f] for f in np.flatnonzero(unimportant)],
        "disagreeing_features": [feature_names[f] for f in np.flatnonzero(disagree)],
        "min_share": min_share,
        "strong_share": strong_share,
        "n_methods": n_methods,
        "warnings": warnings,
    }
    return Explanation(
        method="consensus",
        scope="global",
        feature_names=feature_names,
        values=values,
        std=spread,
        interval=np.stack([np.min(ranks, axis=0), np.max(ranks, axis=0)]),
        diagnostics=diagnostics,
        settings={
            "top_k": top_k,
            "min_share": min_share,
            "strong_share": strong_share,
            "output": output,
            "lower_is_better": True,
        },
        arrays={
            "ranks": ranks,
            "scores": scores,
            "shares": shares,
            "important": important,
            "methods": method_array,
            "rank_correlation": spearman,
            "unimportant": unimportant,
            "disagree": disagree,
        },
    )


def _readings(
    scores: np.ndarray,
    lows: np.ndarray,
    items: Sequence[Explanation],
    min_share: float,
    strong_share: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """How each method reads each feature, all ``(n_methods, n_features)``.

    Returns the shares of each method's largest value, and whether the method calls the
    feature important, clearly important (``strong``), or cannot tell it from 0
    (``indistinct``: only methods with intervals that are not magnitudes can). See
    :func:`compare` for the rules.
    """
    top = np.nanmax(np.where(np.isfinite(scores), scores, -np.inf), axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(top > 0, np.nan_to_num(scores, nan=0.0) / top, 0.0)
    has_interval = np.isfinite(lows)
    above_zero = has_interval & (np.nan_to_num(lows, nan=-np.inf) > 0)
    magnitude = np.array([e.method in _MAGNITUDES for e in items])[:, None]
    important = np.where(
        magnitude,
        (shares >= strong_share) & (above_zero | ~has_interval),
        (shares >= min_share) & (above_zero | ~has_interval),
    )
    strong = (shares >= strong_share) & above_zero
    indistinct = has_interval & ~magnitude & ~above_zero
    return shares, important, strong, indistinct


def _pairwise_agreement(
    names: list[str], scores: np.ndarray, signs: list[np.ndarray | None], among: np.ndarray, k: int
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """The agreement metrics of every pair of methods, and their rank correlation matrix."""
    n_methods = len(names)
    spearman = np.eye(n_methods)
    pairs_agreement = []
    for i, j in combinations(range(n_methods), 2):
        metrics = agreement(
            scores[i], scores[j], k=k, sign_a=signs[i], sign_b=signs[j], among=among
        )
        spearman[i, j] = spearman[j, i] = metrics["rank_correlation"]
        pairs_agreement.append({"methods": [names[i], names[j]], "k": k} | metrics)
    return spearman, pairs_agreement


def _correlation_summary(
    spearman: np.ndarray, names: list[str]
) -> tuple[float | None, tuple[float, str, str] | None]:
    """The mean rank correlation over the pairs of methods, and the least concordant pair.

    Pairs whose correlation is undefined (NaN) are left out; None when no pair is left.
    """
    correlations = [
        (spearman[i, j], names[i], names[j])
        for i, j in combinations(range(len(names)), 2)
        if np.isfinite(spearman[i, j])
    ]
    mean_correlation = float(np.mean([c[0] for c in correlations])) if correlations else None
    lowest = min(correlations, key=lambda c: c[0]) if correlations else None
    return mean_correlation, lowest


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


def _lows(e: Explanation, features: list[str], output: str | None) -> np.ndarray:
    """The lower bound of each feature's interval (NaN without one), reduced like values."""
    if e.interval is None:
        return np.full(len(features), np.nan)
    low = np.asarray(e.interval, dtype=float)[0]
    if low.ndim == 2:
        if output is None:  # the sum over outputs is above 0 when any output is
            low = np.where(np.isfinite(low), low, np.nan).max(axis=0)
        else:
            low = low[[str(o) for o in (e.output_names or [])].index(str(output))]
    position = {f: i for i, f in enumerate(e.feature_names)}
    return low[[position[f] for f in features]]


def _signs(e: Explanation, features: list[str], output: str | None) -> np.ndarray | None:
    """Each feature's sign of effect (``arrays["direction"]``), or None."""
    direction = e.arrays.get("direction")
    if direction is None:
        return None
    direction = np.asarray(direction, dtype=float)
    if direction.ndim == 2:
        names = [str(o) for o in (e.output_names or [])]
        direction = direction[-1 if output is None else names.index(str(output))]
    position = {f: i for i, f in enumerate(e.feature_names)}
    return direction[[position[f] for f in features]]


def _check_shares(min_share: Any, strong_share: Any) -> tuple[float, float]:
    for name, value in (("min_share", min_share), ("strong_share", strong_share)):
        if not isinstance(value, Real) or isinstance(value, bool) or not 0 < value <= 1:
            raise InvalidParameterError(f"{name} must be a number in (0, 1], got {value!r}")
    if min_share > strong_share:
        raise InvalidParameterError(
            f"min_share must be <= strong_share, got min_share={min_share}, "
            f"strong_share={strong_share}"
        )
    return float(min_share), float(strong_share)


def _disagreement_sentence(
    feature: str,
    f: int,
    scores: np.ndarray,
    lows: np.ndarray,
    strong: np.ndarray,
    indistinct: np.ndarray,
    names: list[str],
    items: list[Explanation],
) -> str:
    """One warning: a method finding ``feature`` clearly important, one finding it 0, why."""
    high = max(np.flatnonzero(strong[:, f]), key=lambda m: scores[m, f] / np.nanmax(scores[m]))
    low = int(np.flatnonzero(indistinct[:, f])[0])
    a, b = items[high].method, items[low].method
    sentence = (
        f"{names[high]} finds {feature} clearly important ({scores[high, f]:.3g}, interval "
        f"above 0) but {names[low]} cannot tell it from 0 ({scores[low, f]:.3g}, interval "
        f"from {lows[low, f]:.3g}) — {names[high]} measures {_MEANS.get(a, a)}; "
        f"{names[low]} measures {_MEANS.get(b, b)}. Likely cause: "
    )
    return sentence + _likely_cause(feature, items[high], items[low]) + "."


def _likely_cause(feature: str, high: Explanation, low: Explanation) -> str:
    """Correlated columns, other rows, an interaction or extrapolation: the likeliest."""
    rows_high, rows_low = high.settings.get("rows"), low.settings.get("rows")
    if rows_high and rows_low and rows_high != rows_low:
        return (
            f"the two were measured on other rows ({rows_high} vs {rows_low} rows): a model "
            "explained on the rows it learnt shows what it memorised"
        )
    partners = [
        (a if b == feature else b, rho)
        for e in (high, low)
        for a, b, rho in e.diagnostics.get("correlated_pairs", [])
        if feature in (a, b)
    ]
    if partners:
        other, rho = partners[0]
        return (
            f"correlated columns ({feature} ~ {other}, rho={rho:+.2f}): the fitted model "
            f"uses both, and a model refit without {feature} reads the same information "
            f"from {other}"
        )
    if low.method == "drop_column_importance":
        return (
            "an interaction or extrapolation: this fitted model reacts when the column is "
            "moved off the data (shuffled or replaced, which creates rows it never saw, or "
            "breaks an interaction), yet models refit without it predict as well"
        )
    return (
        "an interaction: its effect may show only together with other columns, which "
        f"{low.method} does not credit to it alone"
    )
