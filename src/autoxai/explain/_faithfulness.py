"""Faithfulness, measured: which method's ranking predicts what the model loses.

Explanations that disagree cannot all be right about *this* model. A deletion test asks
the model itself (Samek et al. 2017): remove the features in the order a method ranks
them, most important first, and watch the model get worse. A ranking that is faithful
to the model puts first the features whose removal hurts most, so its curve rises
early and the area under it is large.

Removing a feature means replacing its values by values of other rows (*marginal*
replacement): each explained row gets one donor row of a background sample per draw,
and every removed feature takes that donor's value — the interventional value
function SHAP uses too (Janzing et al. 2020), so no feature is ever set to a value the
data does not have. The same donors serve every method and every step (common random
numbers), so the methods' curves differ only through their orders.

:func:`deletion_curves` (global): with ``L(k)`` the score drop (intact score minus the
score with the top ``k`` features of a method removed; the task's metric, higher is
better, so a loss increase) and ``M`` features, the curve goes from ``L(0) = 0`` to
``L(M)``, the same for every method (all features removed); the copies of the rows
with their donors are scored together. Its **deletion area** is the area under the
piecewise-linear curve over the *fraction* of features removed,
``(L(1) + ... + L(M-1) + L(M)/2) / M``, in the metric's units: larger = more faithful.
Whether the largest area is clearly the largest is read off a bootstrap of the rows
(the model outputs are kept, only rescored): the best method is named alone only when
its lead over every other method has an interval above 0.

:func:`local_deletion` (per row): remove a row's features in the order of a local
method's ``|attribution|`` (SHAP, LIME), each removal averaged over the background rows,
and measure how far the row's prediction moves: ``D(k) = |f(x) - E_b f(x with its top k
features from b)|``. Same area; averaged over the rows, with a count of the rows each
method wins.

Keeping the top ``k`` features and *refitting* (ROAR / KAR, Hooker et al. 2019) asks a
different question — what information the features carry, not what this model uses —
and costs a refit per step; it is not done here (drop-column importance already
refits).

References
----------
W. Samek, A. Binder, G. Montavon, S. Lapuschkin, K.-R. Müller, "Evaluating the
visualization of what a deep neural network has learned", IEEE TNNLS 28(11), 2017.
S. Hooker, D. Erhan, P.-J. Kindermans, B. Kim, "A Benchmark for Interpretability
Methods in Deep Neural Networks", NeurIPS 2019.
D. Janzing, L. Minorics, P. Blöbaum, "Feature relevance quantification in explainable
AI: A causal problem", AISTATS 2020.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from autoxai._utils import RandomState, check_int, seed_from
from autoxai.exceptions import DataError, InvalidParameterError
from autoxai.explain._base import Explanation
from autoxai.explain._common import check_confidence
from autoxai.explain._compare import _common_features, _named, _scores
from autoxai.explain._model import Predictor, as_predictor, encode_target
from autoxai.explain._perturb import replicate
from autoxai.explain._scoring import Scorer, get_scorer
from autoxai.explain.shap._api import _background_frame

__all__ = ["deletion_curves", "local_deletion"]

#: Donor draws per row in :func:`deletion_curves`.
N_DRAWS = 3
#: Bootstrap resamples of the rows for the interval of each area and of each lead.
N_BOOTSTRAP = 100


def deletion_curves(
    model: Any,
    X: Any,
    y: Any,
    explanations: Sequence[Explanation] | Mapping[str, Explanation],
    *,
    background: Any = None,
    scoring: str | Callable | None = None,
    n_draws: int = N_DRAWS,
    n_bootstrap: int = N_BOOTSTRAP,
    confidence: float = 0.95,
    output: str | None = None,
    random_state: RandomState = None,
) -> Explanation:
    """Deletion curves of global explanations: which ranking predicts the model's loss?

    For each explanation the features are removed in its order (largest value first;
    ties in column order; per-output values reduced as :func:`~autoxai.explain.compare`
    does), one more at each step, by marginal replacement from ``background``, and the
    model is scored on ``X, y`` after each step (see the module docstring).

    Parameters
    ----------
    model : estimator, Pipeline, AutoML or callable
        The fitted model the explanations explain.
    X : DataFrame or 2-D array
        Rows to score on (rows the model did not learn from, ideally).
    y : array-like
        Their targets.
    explanations : list of Explanation, or dict of name to Explanation
        Global explanations of the same features (named as in ``compare``).
    background : DataFrame or 2-D array, optional
        Donor rows; default ``X`` itself.
    scoring : str or callable, optional
        The metric (autoxai's names; default: the task's AutoML metric).
    n_draws : int
        Donor rows per explained row (the curves are averaged over them).
    n_bootstrap : int
        Bootstrap resamples of the rows for the intervals (below 2: none, and no method
        is named the clear winner).
    confidence : float
        Level of the percentile intervals.
    output : str or None
        Per-output values: the output (class) whose ranking is used; default the sum
        of ``|values|`` over outputs.
    random_state : int, numpy.random.Generator or None
        Seeds the donors and the bootstrap.

    Returns
    -------
    Explanation
        ``method="deletion"``, ``scope="global"``, ``output_names`` the methods and
        ``values`` of shape ``(n_methods, n_features)``: the score drop added by
        removing each feature at its step of that method's order (a row sums to the
        drop with every feature removed; ``to_frame(output=method)`` lists them).
        Arrays: ``area`` (n_methods,), ``area_interval`` (2, n_methods), ``curves``
        (n_methods, n_features + 1: ``L(0) .. L(M)``), ``order`` (feature indices,
        removed first to last), ``methods``. Diagnostics: ``areas`` (method to area),
        ``most_faithful`` (the largest area), ``clear_winner`` (its lead over every
        other method has an interval above 0), ``tied_with`` (the methods it cannot be
        told from), ``lead_intervals``, ``score_intact``, ``scoring``, ``n_rows``,
        ``n_evaluations`` and ``warnings``.

    References
    ----------
    W. Samek et al., "Evaluating the visualization of what a deep neural network has
    learned", IEEE TNNLS 2017.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    >>> y = 3 * X["a"] + X["b"]
    >>> model = LinearRegression().fit(X, y)
    >>> right = Explanation("truth", "global", ["a", "b", "c"], np.array([3.0, 1.0, 0.0]))
    >>> wrong = Explanation("reverse", "global", ["a", "b", "c"], np.array([0.0, 1.0, 3.0]))
    >>> result = deletion_curves(model, X, y, [right, wrong], random_state=0)
    >>> result.diagnostics["most_faithful"], bool(result.diagnostics["clear_winner"])
    ('truth', True)
    """
    predictor, frame = as_predictor(model, X)
    target = encode_target(y, predictor, len(frame))
    scorer = get_scorer(scoring, predictor)
    n_draws = check_int("n_draws", n_draws, minimum=1)
    n_bootstrap = check_int("n_bootstrap", n_bootstrap, minimum=0)
    confidence = check_confidence(confidence)
    features = list(frame.columns)
    names, orders = _removal_orders(explanations, features, output)
    donors_frame = frame if background is None else _background_frame(background, frame)
    rng = np.random.default_rng(seed_from(random_state))
    n = len(frame)
    donors = rng.integers(len(donors_frame), size=(n_draws, n))

    sets, index = _prefix_sets(orders)
    outputs, n_evaluations = _removed_outputs(predictor, frame, donors_frame, donors, sets)
    intact = predictor(frame)
    curves_on = partial(
        _curves_on, target=target, intact=intact, outputs=outputs, index=index, scorer=scorer
    )
    curves = curves_on(np.arange(n))
    area = _area(curves)
    best = int(np.argmax(area))
    area_interval, leads = _bootstrap(curves_on, n, len(names), n_bootstrap, best, confidence, rng)
    others = [i for i in range(len(names)) if i != best]
    tied = [names[i] for i in others if not leads[0, i] > 0]
    clear = bool(others) and not tied
    increments = _increments(curves, orders)
    warnings = _deletion_warnings(
        curves, scorer.name, names, best, bool(others), tied, n_bootstrap, confidence
    )
    return Explanation(
        method="deletion",
        scope="global",
        feature_names=features,
        values=increments,
        output_names=list(names),
        diagnostics={
            "areas": {name: float(a) for name, a in zip(names, area)},
            "most_faithful": names[best],
            "clear_winner": clear,
            "tied_with": tied,
            "lead_intervals": {names[i]: [float(leads[0, i]), float(leads[1, i])] for i in others},
            "score_intact": scorer(target, intact),
            "scoring": scorer.name,
            "n_rows": n,
            "n_evaluations": n_evaluations,
            "model_seconds": predictor.model_seconds,
            "warnings": warnings,
        },
        settings={
            "n_draws": n_draws,
            "n_bootstrap": n_bootstrap,
            "confidence": confidence,
            "output": output,
            "background": "X" if background is None else f"{len(donors_frame)} rows",
            "replacement": "marginal (one donor row per row and draw)",
        },
        random_state=seed_from(random_state),
        arrays={
            "area": area,
            "area_interval": area_interval,
            "curves": curves,
            "order": orders,
            "methods": np.array(names, dtype=object),
        },
    )


def _removal_orders(
    explanations: Sequence[Explanation] | Mapping[str, Explanation],
    features: list[str],
    output: str | None,
) -> tuple[list[str], np.ndarray]:
    """The methods' names and the order each removes ``features`` in, ``(n_methods, M)``.

    The explanations must explain exactly ``X``'s columns; per-output values are
    reduced as :func:`~autoxai.explain.compare` does.
    """
    names, items = _named(explanations)
    _common_features(["X", *names], [_columns_of(features), *items])
    scores = np.stack([_scores(n, e, features, output) for n, e in zip(names, items)])
    return names, np.stack([_order(s) for s in scores])


def _increments(curves: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """The score drop each feature adds at its step, in column order, per method."""
    increments = np.zeros((len(orders), orders.shape[1]))
    for i in range(len(orders)):
        increments[i, orders[i]] = np.diff(curves[i])
    return increments


def _removed_outputs(
    predictor: Predictor,
    frame: pd.DataFrame,
    donors_frame: pd.DataFrame,
    donors: np.ndarray,
    sets: list[np.ndarray],
) -> tuple[np.ndarray, int]:
    """The model's outputs with each set of features removed, and the rows evaluated.

    One copy of the rows per donor draw and set, its features of the set taken from the
    donor rows ``donors`` (``(n_draws, n_rows)``), all scored in one model call: the
    outputs have shape ``(n_sets, n_draws, n_rows, n_outputs)``. The count of evaluated
    rows includes the intact rows, scored once more by the caller.
    """
    n_draws, n = donors.shape
    stacked = replicate(frame, n_draws * len(sets))
    donor_rows = donors_frame.iloc[np.tile(donors.ravel(), len(sets))].reset_index(drop=True)
    _remove(stacked, donor_rows, sets, list(frame.columns), n_draws * n)
    outputs = predictor(stacked).reshape(len(sets), n_draws, n, -1)
    return outputs, int(len(stacked) + n)


def _curves_on(
    rows: np.ndarray,
    *,
    target: np.ndarray,
    intact: np.ndarray,
    outputs: np.ndarray,
    index: np.ndarray,
    scorer: Scorer,
) -> np.ndarray:
    """``L(0..M)`` per method on the rows ``rows`` (a bootstrap sample or all).

    Only rescored: ``outputs`` holds the model's outputs with each set removed (see
    :func:`_removed_outputs`) and ``index`` the set of each method and step.
    """
    n_sets, n_draws = outputs.shape[:2]
    y = np.tile(target[rows], n_draws)
    base = scorer(target[rows], intact[rows])
    drops = np.array(
        [base - scorer(y, outputs[s][:, rows].reshape(len(y), -1)) for s in range(n_sets)]
    )
    return np.concatenate([np.zeros((len(index), 1)), drops[index]], axis=1)


def _bootstrap(
    curves_on: Callable[[np.ndarray], np.ndarray],
    n: int,
    n_methods: int,
    n_bootstrap: int,
    best: int,
    confidence: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile intervals of each method's area and of the best method's lead over it.

    Both ``(2, n_methods)``, from ``n_bootstrap`` resamples of the ``n`` rows; NaN with
    fewer than 2 resamples.
    """
    boot = np.empty((n_bootstrap, n_methods))
    for b in range(n_bootstrap):
        boot[b] = _area(curves_on(rng.integers(n, size=n)))
    alpha = (1 - confidence) / 2
    if n_bootstrap >= 2:
        area_interval = np.quantile(boot, [alpha, 1 - alpha], axis=0)
        leads = np.quantile(boot[:, [best]] - boot, [alpha, 1 - alpha], axis=0)
    else:
        area_interval = leads = np.full((2, n_methods), np.nan)
    return area_interval, leads


def _deletion_warnings(
    curves: np.ndarray,
    scoring: str,
    names: list[str],
    best: int,
    others: bool,
    tied: list[str],
    n_bootstrap: int,
    confidence: float,
) -> list[str]:
    """At most one sentence on why the largest area may not name the most faithful method.

    The removals may not hurt the model at all, there may be no bootstrap to tell the
    lead from noise, or other methods may be tied with the best.
    """
    if curves[0, -1] <= 0:
        return [
            "Removing every feature does not make the model worse on these rows "
            f"({scoring} drops by {curves[0, -1]:.3g}): the deletion areas say nothing "
            "about which method to believe."
        ]
    if n_bootstrap < 2 and others:
        return [
            f"{names[best]} has the largest deletion area, but without a bootstrap "
            f"(n_bootstrap={n_bootstrap}) its lead cannot be told from noise."
        ]
    if tied:
        return [
            f"{names[best]} has the largest deletion area, but it cannot be told from "
            f"{', '.join(tied)} on these rows ({confidence:.0%} bootstrap interval of the "
            "lead includes 0): their rankings are equally faithful here."
        ]
    return []


def local_deletion(
    model: Any,
    X: Any,
    attributions: Mapping[str, Any],
    *,
    background: Any,
    outputs: Sequence[int] | None = None,
) -> Explanation:
    """Per-row deletion fidelity of local explanations (e.g. SHAP against LIME).

    For each row and method the row's features are removed in the order of the
    method's ``|attribution|`` for that row (ties in column order), each removal
    averaged over every background row (``E_b f(x with the removed features from b)``),
    and the move of the row's prediction ``D(k) = |f(x) - that average|`` is recorded;
    the deletion area is the area under ``D`` over the fraction of features removed
    (see the module docstring). Larger = the attribution names first what moves the
    prediction.

    Parameters
    ----------
    model : estimator, Pipeline, AutoML or callable
        The fitted model.
    X : DataFrame or 2-D array
        The explained rows.
    attributions : dict of name to array of shape (n_rows, n_features)
        Each method's attribution of each row (for the output in ``outputs``).
    background : DataFrame or 2-D array
        Donor rows (a few dozen: every step of every row costs one model call per row).
    outputs : list of int, optional
        The output (column of the model's outputs) each row's attributions explain;
        default the predicted class (classifiers), the prediction (regressors).

    Returns
    -------
    Explanation
        ``method="local_deletion"``, ``scope="local"``, ``output_names`` the methods,
        ``values`` of shape ``(n_methods, n_rows, n_features)``: the move added by
        removing each feature at its step. Arrays: ``area`` (n_methods, n_rows),
        ``curves`` (n_methods, n_rows, n_features + 1), ``order``, ``outputs``,
        ``methods``. Diagnostics: ``mean_area`` and ``wins`` (rows where a method has
        the largest area; ties count for each) per method, ``most_faithful`` (the
        largest mean area), ``n_rows``, ``n_background``, ``n_evaluations``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    >>> model = LinearRegression().fit(X, 2 * X["a"] - X["b"])
    >>> good = np.array([[3.0, 0.5]])  # the row (3, 0): removing a moves 6 to 3, then b to 2.5
    >>> bad = good[:, ::-1]
    >>> e = local_deletion(model, X.iloc[[3]], {"good": good, "bad": bad}, background=X)
    >>> e.diagnostics["most_faithful"], np.round(e.area[:, 0], 3).tolist()
    ('good', [2.375, 1.125])
    """
    predictor, frame = as_predictor(model, X)
    features = list(frame.columns)
    donors = _background_frame(background, frame)
    names = [str(k) for k in attributions]
    if not names:
        raise InvalidParameterError("local_deletion needs at least one method's attributions")
    n, m = frame.shape
    arrays = []
    for name in names:
        a = np.asarray(attributions[name], dtype=float)
        if a.shape != (n, m):
            raise DataError(
                f"attributions[{name!r}] must have one value per row and feature ({n}, {m}), "
                f"got shape {a.shape}"
            )
        arrays.append(a)
    fx = predictor(frame)
    if outputs is None:
        outputs = np.argmax(fx, axis=1) if predictor.is_classifier else np.zeros(n, dtype=int)
    outputs = np.asarray(outputs, dtype=int)
    if outputs.shape != (n,) or outputs.min() < 0 or outputs.max() >= fx.shape[1]:
        raise InvalidParameterError(
            f"outputs must give one output index per row, each in [0, {fx.shape[1]}), "
            f"got {outputs.tolist()}"
        )
    orders = np.stack([np.stack([_order(np.abs(a[i])) for i in range(n)]) for a in arrays])
    curves = np.zeros((len(names), n, m + 1))
    n_bg = len(donors)
    evaluations = n
    for i in range(n):
        sets, index = _prefix_sets(orders[:, i])
        stacked = replicate(frame.iloc[[i]], n_bg * len(sets))
        donor_rows = donors.iloc[np.tile(np.arange(n_bg), len(sets))].reset_index(drop=True)
        _remove(stacked, donor_rows, sets, features, n_bg)
        moved = predictor(stacked)[:, outputs[i]].reshape(len(sets), n_bg).mean(axis=1)
        evaluations += len(stacked)
        curves[:, i, 1:] = np.abs(fx[i, outputs[i]] - moved)[index]
    area = _area(curves)
    values = np.zeros((len(names), n, m))
    for k in range(len(names)):
        for i in range(n):
            values[k, i, orders[k, i]] = np.diff(curves[k, i])
    mean_area = area.mean(axis=1)
    wins = (area >= area.max(axis=0, keepdims=True) - 1e-12).sum(axis=1)
    return Explanation(
        method="local_deletion",
        scope="local",
        feature_names=features,
        values=values,
        output_names=names,
        diagnostics={
            "mean_area": {name: float(a) for name, a in zip(names, mean_area)},
            "wins": {name: int(w) for name, w in zip(names, wins)},
            "most_faithful": names[int(np.argmax(mean_area))],
            "n_rows": n,
            "n_background": n_bg,
            "n_evaluations": int(evaluations),
            "model_seconds": predictor.model_seconds,
            "warnings": [],
        },
        settings={"replacement": "every background row (the interventional average)"},
        arrays={
            "area": area,
            "curves": curves,
            "order": orders,
            "outputs": outputs,
            "methods": np.array(names, dtype=object),
        },
    )


# -- helpers -------------------------------------------------------------------------------


def _order(values: np.ndarray) -> np.ndarray:
    """Feature indices, largest value first; NaN last; ties in column order."""
    return np.argsort(-np.nan_to_num(values, nan=-np.inf), kind="stable")


def _area(curves: np.ndarray) -> np.ndarray:
    """Trapezoid area under ``L(0..M)`` over the fraction removed (last axis)."""
    m = curves.shape[-1] - 1
    return (curves[..., 1:-1].sum(axis=-1) + curves[..., -1] / 2) / m


def _prefix_sets(orders: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct sets "top k of a method's order" and, per (method, k), its set.

    Methods that agree on a top-``k`` *set* share its evaluation, so the model is asked
    about each distinct set once.
    """
    found: dict[frozenset, int] = {}
    sets: list[np.ndarray] = []
    index = np.zeros((orders.shape[0], orders.shape[1]), dtype=int)
    for i, order in enumerate(orders):
        for k in range(1, len(order) + 1):
            key = frozenset(order[:k].tolist())
            if key not in found:
                found[key] = len(sets)
                sets.append(np.asarray(order[:k]))
            index[i, k - 1] = found[key]
    return sets, index


def _remove(
    stacked: pd.DataFrame,
    donor_rows: pd.DataFrame,
    sets: list[np.ndarray],
    features: list[str],
    block: int,
) -> None:
    """In place: in block ``s`` (``block`` rows each), the features of ``sets[s]`` take
    the donors' values (dtypes kept)."""
    for j, column in enumerate(features):
        holds = np.array([j in s for s in sets])
        if holds.any():
            keep = ~np.repeat(holds, block)
            stacked[column] = stacked[column].where(keep, donor_rows[column])


def _columns_of(features: list[str]) -> Explanation:
    """A stand-in explanation naming X's columns, for the feature check."""
    return Explanation("X", "global", features, np.zeros(len(features)))
