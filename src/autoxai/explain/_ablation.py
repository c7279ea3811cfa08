"""Drop-column importance: remove a column, refit, and see how much the score drops.

Unlike permutation importance, which asks how much one fitted model *relies* on a column,
drop-column importance asks how much *information* the column adds to what the other
columns already carry: a fresh model is fitted without it, in every fold of a
cross-validation, and its held-out score is compared with that of a model fitted on all
columns. A column whose information another column duplicates scores near 0 here even
when the model leans on it heavily.

"Removing" a column without breaking a Pipeline: pipelines select columns by name
(``ColumnTransformer``), so deleting a column would make them fail. Instead the column is
set to a constant — the training fold's median (numeric) or most frequent value (other
kinds) — in both the training and the test fold. A constant carries no information, so
the refitted model cannot use it: for learning, a constant column is equivalent to an
absent one, and every column list inside the pipeline keeps working.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from autoxai._utils import RandomState, check_int, seed_from
from autoxai.exceptions import DataError, InvalidParameterError, ParameterTypeError
from autoxai.explain._base import Explanation
from autoxai.explain._common import check_confidence, check_n_jobs, run_tasks
from autoxai.explain._deadline import check_time
from autoxai.explain._model import Predictor, as_frame, as_predictor, encode_target, target_array
from autoxai.explain._permutation import (
    CORRELATION_THRESHOLD,
    Unit,
    check_groups,
    correlated_pairs,
    named_pairs,
    summarise,
)
from autoxai.explain._perturb import is_numeric, set_column
from autoxai.explain._scoring import Scorer, get_scorer

__all__ = ["drop_column_importance"]


def drop_column_importance(
    model: Any,
    X: Any,
    y: Any,
    *,
    cv: int | Any = 5,
    scoring: str | Callable | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    confidence: float = 0.95,
    n_jobs: int | None = 1,
    random_state: RandomState = None,
) -> Explanation:
    """How much the cross-validated score drops when a column is removed and the model refit.

    In each fold of a cross-validation a clone of ``model`` is fitted on all columns and
    scored on the held-out fold (the baseline); then, for each column (or group), a clone
    is fitted with that column made constant and scored the same way. The importance in
    a fold is the baseline score minus the ablated score; the result is its mean over
    folds. It costs ``n_folds * (n_features + 1)`` fits.

    Parameters
    ----------
    model : scikit-learn estimator or Pipeline, or a fitted AutoML
        Anything :func:`sklearn.base.clone` can clone; fitted or not (only its
        parameters are used). For a fitted :class:`~autoxai.AutoML` its ``best_model_``
        is refitted: the best pipeline, or the ensemble, whose members are all refitted
        with their weights kept, so the result speaks of the model that predicts.
    X : DataFrame or 2-D array
        The data to cross-validate on, in the model's original columns.
    y : array-like
        The targets of ``X``.
    cv : int or cross-validation splitter
        Number of folds (stratified for classifiers, shuffled with a seed drawn from
        ``random_state``), or a scikit-learn splitter such as ``KFold(3)``.
    scoring : str or callable, optional
        As in :func:`~autoxai.explain.permutation_importance`: the same higher-is-better
        scores computed from the same model outputs, so the two methods' numbers are in
        the same units.
    groups : dict of str to list of str, optional
        Columns removed *together* (e.g. two measurements of the same thing, which
        removed one at a time each look useless because the other stands in for it).
    confidence : float
        Level of the confidence interval of each mean, in ``(0, 1)``: a t-interval
        across folds with Nadeau & Bengio's (2003) corrected variance. The folds share
        training rows, so their importances are correlated and the plain ``std /
        sqrt(k)`` would be too narrow; the correction scales the variance by ``1/k +
        n_test/n_train`` instead of ``1/k``.
    n_jobs : int or None
        Processes running refits in parallel (joblib's loky backend; -1 for all cores).
    random_state : int, numpy.random.Generator or None
        Seeds the folds and the model: every ``random_state`` parameter of the model (or
        of a Pipeline's steps) that is None is set to one seed drawn from it, so the
        refits are reproducible and differ only by the column removed.

    Returns
    -------
    Explanation
        ``method="drop_column_importance"``: one value per feature, the mean score drop
        over folds, its ``std`` across folds and ``interval``. Arrays: ``importances``
        (each fold's drop, shape ``(n_features, n_folds)``). Diagnostics:
        ``baseline_score`` (mean over folds), ``baseline_scores``, ``scoring``,
        ``n_folds``, ``n_refits``, ``model_seconds`` (fitting and predicting, summed over
        processes), ``wall_seconds``, ``model_time_fraction``, ``correlated_pairs`` and
        ``warnings``.

    See Also
    --------
    autoxai.explain.permutation_importance : no refit; what the fitted model relies on.

    References
    ----------
    T. Parr, K. Turgutlu, C. Csiszar, J. Howard, "Beware Default Random Forest
    Importances", explained.ai, 2018 (drop-column importance).
    J. Lei, M. G'Sell, A. Rinaldo, R. Tibshirani, L. Wasserman, "Distribution-Free
    Predictive Inference for Regression", JASA 113(523), 2018 (leave-one-covariate-out).
    C. Nadeau, Y. Bengio, "Inference for the Generalization Error", Machine Learning 52,
    2003.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.uniform(-1, 1, (100, 2)), columns=["a", "b"])
    >>> y = 3 * X["a"] + rng.normal(0, 0.1, 100)
    >>> e = drop_column_importance(LinearRegression(), X, y, cv=3, random_state=0)
    >>> e.to_frame()["feature"].tolist()
    ['a', 'b']
    """
    start = time.perf_counter()
    estimator, warnings = _cloneable(model)
    frame = as_frame(X)
    target = target_array(y, len(frame))
    classification, scorer = _task_scorer(estimator, frame, target, scoring)
    confidence = check_confidence(confidence)
    n_jobs = check_n_jobs(n_jobs)
    units = check_groups(groups, list(frame.columns))

    seed = seed_from(random_state)
    rng = np.random.default_rng(seed)
    splits = _splits(cv, frame, target, classification, int(rng.integers(2**31 - 1)))
    estimator = _seeded(estimator, int(rng.integers(2**31 - 1)))

    # One task per (fold, feature); feature None is the fold's baseline fit on all columns.
    tasks = [
        (train, test, None if u is None else units[u][1])
        for train, test in splits
        for u in [None, *range(len(units))]
    ]
    results = run_tasks(_fit_and_score, (estimator, frame, target, scorer), tasks, n_jobs)
    scores = np.array([r[0] for r in results]).reshape(len(splits), len(units) + 1)
    baseline = scores[:, 0]
    importances = (baseline[:, None] - scores[:, 1:]).T  # (n_units, n_folds)
    values, std, interval = summarise(importances, confidence, inflation=_nadeau_bengio(splits))

    warning = _indistinct_warning(units, values, std, len(splits))
    if warning:
        warnings.append(warning)
    pairs = correlated_pairs(frame, units, CORRELATION_THRESHOLD)
    if pairs:
        warnings.append(
            f"{named_pairs(pairs)}. A model refitted without one of them can read the same "
            "information from the other, so each looks unimportant; pass groups={...} to "
            "remove them together."
        )
    model_seconds = float(sum(r[1] for r in results))
    wall = time.perf_counter() - start
    diagnostics: dict[str, Any] = {
        "baseline_score": float(baseline.mean()),
        "baseline_scores": baseline,
        "scoring": scorer.name,
        "n_rows": len(frame),
        "n_folds": len(splits),
        "n_refits": len(tasks),
        "model_seconds": model_seconds,
        "wall_seconds": wall,
        "model_time_fraction": model_seconds / wall if wall > 0 else None,
        "correlated_pairs": pairs,
        "warnings": warnings,
    }
    settings = {
        "cv": cv if isinstance(cv, (int, np.integer)) else repr(cv),
        "scoring": scorer.name,
        "groups": None if groups is None else {k: list(v) for k, v in groups.items()},
        "confidence": confidence,
        "estimator": type(estimator).__name__,
    }
    return Explanation(
        method="drop_column_importance",
        scope="global",
        feature_names=[name for name, _ in units],
        values=values,
        std=std,
        interval=interval,
        diagnostics=diagnostics,
        settings=settings,
        random_state=seed,
        arrays={"importances": importances},
    )


def _task_scorer(
    estimator: Any, frame: pd.DataFrame, target: np.ndarray, scoring: str | Callable | None
) -> tuple[bool, Scorer]:
    """Whether the model is a classifier, and the scorer, checked against the task up front.

    Nothing is fitted yet, so a probe predictor that is never called tells
    :func:`get_scorer` the task; a classifier must have ``predict_proba`` since the
    scores are computed from class probabilities.
    """
    classification = _is_classification(estimator, target)
    if classification and not hasattr(estimator, "predict_proba"):
        raise ParameterTypeError(
            f"the classifier ({type(estimator).__name__}) has no predict_proba; the scores "
            "are computed from class probabilities (e.g. SVC(probability=True))"
        )
    classes = np.unique(target) if classification else None
    task = "regression" if classes is None else ("binary" if len(classes) == 2 else "multiclass")
    probe = Predictor(_no_call, task, _names(classes), classes, list(frame.columns))
    return classification, get_scorer(scoring, probe)


def _indistinct_warning(
    units: list[Unit], values: np.ndarray, std: np.ndarray, n_folds: int
) -> str | None:
    """A warning when even the largest importance cannot be told from 0 across folds."""
    top = int(np.argmax(values))
    if n_folds > 1 and std[top] > abs(values[top]):
        return (
            f"The importance of {units[top][0]} (the largest, {values[top]:+.4g}) is not "
            f"distinguishable from 0 across folds (std {std[top]:.4g} > |mean|): removing any "
            "single column barely changes the score; the columns may be redundant (group "
            "them) or the model may not beat a constant on this data."
        )
    return None


def _nadeau_bengio(splits: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """How much wider the corrected interval is than the plain one across ``k`` folds.

    Nadeau & Bengio (2003): the variance of a mean over ``k`` resamples whose training
    sets overlap is about ``(1/k + n_test/n_train) * s^2``, not ``s^2 / k``.
    """
    k = len(splits)
    ratio = float(np.mean([len(test) / len(train) for train, test in splits]))
    return float(np.sqrt(1.0 + k * ratio))


def _fit_and_score(
    estimator: Any,
    frame: pd.DataFrame,
    target: np.ndarray,
    scorer: Scorer,
    train: np.ndarray,
    test: np.ndarray,
    columns: list[str] | None,
) -> tuple[float, float]:
    """Fit a clone on the train rows (``columns`` made constant) and score the test rows.

    Returns the score and the seconds spent fitting and predicting.
    """
    from sklearn.base import clone

    X_train = frame.iloc[train].reset_index(drop=True)
    X_test = frame.iloc[test].reset_index(drop=True)
    for column in columns or []:
        fill = _constant(X_train[column])
        set_column(X_train, column, np.repeat(fill, len(X_train)))
        set_column(X_test, column, np.repeat(fill, len(X_test)))
    check_time()  # under a time limit, no refit starts after it
    start = time.perf_counter()
    fitted = clone(estimator).fit(X_train, target[train])
    seconds = time.perf_counter() - start
    predictor, X_test = as_predictor(fitted, X_test)
    y_test = encode_target(target[test], predictor, len(X_test))
    return scorer(y_test, predictor(X_test)), seconds + predictor.model_seconds


def _constant(series: pd.Series) -> np.ndarray:
    """The training fold's median (numeric) or most frequent value (other kinds).

    Returned as a one-element array taken from the column itself, so that a boolean or
    string column stays one when the value is repeated.
    """
    if is_numeric(series):
        return np.array([series.median()], dtype=float)
    counts = series.value_counts(dropna=True)
    if len(counts) == 0:  # all missing: a missing value is as constant as any
        return series.to_numpy()[:1]
    position = int(np.flatnonzero((series == counts.index[0]).to_numpy())[0])
    return series.to_numpy()[position : position + 1]


def _cloneable(model: Any) -> tuple[Any, list[str]]:
    """The estimator to refit (AutoML resolved to a pipeline) and any warning about it."""
    from sklearn.base import clone

    warnings: list[str] = []
    if type(model).__name__ == "AutoML" and type(model).__module__.startswith("autoxai"):
        if not hasattr(model, "best_model_"):
            raise DataError(
                "the AutoML model is not fitted yet: call fit() first (drop-column importance "
                "refits its chosen model, not the whole search)"
            )
        model = model.best_model_  # a pipeline, or an ensemble that refits its members
    try:
        clone(model)
    except Exception as exc:  # sklearn raises TypeError, or anything a broken get_params does
        raise ParameterTypeError(
            "drop-column importance refits the model, so it must be a scikit-learn "
            "estimator or Pipeline that sklearn.base.clone can copy (or a fitted AutoML); "
            f"got {type(model).__name__}. For a fitted model that cannot be refitted use "
            "permutation_importance or background_importance."
        ) from exc
    return model, warnings


def _is_classification(estimator: Any, target: np.ndarray) -> bool:
    """A classifier by its scikit-learn type; for untyped estimators, by ``y``'s values."""
    from sklearn.base import is_classifier, is_regressor

    if is_classifier(estimator):
        return True
    if is_regressor(estimator):
        return False
    return not (is_numeric(pd.Series(target)) and target.dtype.kind == "f")


def _splits(
    cv: Any, frame: pd.DataFrame, target: np.ndarray, classification: bool, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (train, test) row indices of each fold."""
    from sklearn.model_selection import KFold, StratifiedKFold

    if hasattr(cv, "split") and not isinstance(cv, (int, np.integer)):
        splitter = cv
    else:
        n_splits = check_int("cv", cv, minimum=2)
        if classification:
            labels, counts = np.unique(target, return_counts=True)
            if counts.min() < n_splits:
                rare = labels[int(np.argmin(counts))]
                rare = rare.item() if isinstance(rare, np.generic) else rare
                raise InvalidParameterError(
                    f"cv={n_splits} stratified folds need at least {n_splits} rows of every "
                    f"class, but class {rare!r} has {counts.min()}; lower cv"
                )
            splitter = StratifiedKFold(n_splits, shuffle=True, random_state=seed)
        else:
            if n_splits > len(frame):
                raise InvalidParameterError(
                    f"cv={n_splits} folds need at least {n_splits} rows, X has {len(frame)}"
                )
            splitter = KFold(n_splits, shuffle=True, random_state=seed)
    splits = [(np.asarray(tr), np.asarray(te)) for tr, te in splitter.split(frame, target)]
    if classification:
        n_classes = len(np.unique(target))
        for k, (train, _) in enumerate(splits):
            if len(np.unique(target[train])) < n_classes:
                raise DataError(
                    f"the training part of fold {k} lacks some classes of y, so a model "
                    "fitted on it cannot score them; use a stratified splitter"
                )
    return splits


def _seeded(estimator: Any, seed: int) -> Any:
    """A clone with every ``random_state`` parameter that is None set to ``seed``."""
    from sklearn.base import clone

    estimator = clone(estimator)
    params = estimator.get_params(deep=True)
    unset = {
        key: seed
        for key, value in params.items()
        if (key == "random_state" or key.endswith("__random_state")) and value is None
    }
    return estimator.set_params(**unset) if unset else estimator


def _names(classes: np.ndarray | None) -> list[str]:
    return ["prediction"] if classes is None else [str(c) for c in classes]


def _no_call(data: Any) -> np.ndarray:  # pragma: no cover - never called
    raise RuntimeError("the probe predictor only tells get_scorer the task")
