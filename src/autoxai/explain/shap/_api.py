"""``shap_values``: SHAP values of any model on the user's original columns.

The dispatcher picks the cheapest *exact* algorithm the model allows and falls back to
model-agnostic Kernel SHAP otherwise:

* LightGBM, XGBoost: the libraries' own TreeSHAP (``pred_contrib``), in the raw margin
  (log-odds) for classifiers;
* scikit-learn trees and forests: TreeSHAP, path-dependent or (with a background)
  interventional, in probabilities for classifiers (margins for gradient boosting);
* linear models: ``coef * (x - mean)``, exact under feature independence, in the margin
  (log-odds) for logistic regression;
* autoxai's ``WeightedEnsemble``: the weighted sum of its members' values, every member
  against the same background on the ensemble's scale (probabilities for classifiers)
  -- exact for forests and linear regressors, Kernel SHAP for the other members
  together (see :func:`_ensemble`);
* anything else: Kernel SHAP on the original columns (exact up to ``max_exact``
  columns), in probabilities for classifiers;

and the prediction itself for regressors.

A Pipeline is explained in the space its last step sees (after preprocessing), and each
transformed feature's value is added to the original column it comes from — the one-hot
dummies of a column sum to the column's value — so the result always speaks of the
user's columns and still adds up to the model's output. For a linear model this sum is
exactly the column's own Shapley value (the model has no interactions); for trees it is
the usual convention (Lundberg et al. 2020), additive but not in general the Shapley
value of the column treated as one player. Kernel SHAP works on the original columns
directly, so there each column *is* one player.

Every result is checked: ``diagnostics["additivity_error"]`` is the largest
``|base + sum(values) - model output|`` over the rows, recomputed from the model itself
in the space explained, and a warning says so when it is larger than the algorithm
allows — never a silent wrong answer.
"""

from __future__ import annotations

import contextlib
import time
import types
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from autoxai._utils import RandomState, check_int, choose, seed_from
from autoxai.exceptions import DataError, InvalidParameterError, ParameterTypeError
from autoxai.explain._base import Explanation
from autoxai.explain._model import Predictor, _unwrap, as_frame, as_predictor
from autoxai.explain._perturb import is_numeric
from autoxai.explain.shap._kernel import (
    check_n_samples,
    default_n_samples,
    kernel_shap,
    summarise_background,
)
from autoxai.explain.shap._linear import linear_shap, supports_linear

__all__ = ["shap_importance", "shap_values"]

METHODS = ("auto", "tree", "linear", "kernel")
OUTPUTS = ("auto", "probability", "margin", "prediction")

#: Largest additivity error accepted without a warning, relative to ``max(1, |output|)``:
#: exact algorithms in double precision, and sampled Kernel SHAP (whose efficiency
#: constraint is solved exactly, so anything above rounding means a bug).
EXACT_TOLERANCE = 1e-6
SAMPLED_TOLERANCE = 1e-3
#: XGBoost computes its contributions in single precision.
FLOAT32_TOLERANCE = 1e-4

#: ``|Spearman rho|`` above which ``shap_importance`` calls a direction +1 / -1.
DIRECTION_THRESHOLD = 0.1

_SPACE_WORDS = {
    "probability": "values add up to the predicted probability of each class "
    "(base_value + sum over columns = predict_proba)",
    "margin": "values add up to the log-odds (raw margin) of the model: its decision "
    "function / raw score, before the sigmoid or softmax turns it into probabilities",
    "prediction": "values add up to the predicted value (base_value + sum over columns = predict)",
}


def shap_values(
    model: Any,
    X: Any,
    *,
    background: Any = None,
    method: str = "auto",
    output: str = "auto",
    max_exact: int = 12,
    n_samples: int | None = None,
    random_state: RandomState = None,
) -> Explanation:
    """SHAP values: each column's additive share of each row's prediction.

    For each row ``x`` and column ``j``, ``values[k, i, j]`` is column ``j``'s Shapley
    value in the game "how does output ``k`` change when the columns are revealed", so
    ``base_value[k] + values[k, i].sum() == model output k for row i``. The columns
    hidden are marginalised over a background distribution (interventional SHAP) or,
    for trees without a background, over the training data's paths through the trees
    (path-dependent TreeSHAP).

    Parameters
    ----------
    model : estimator, Pipeline, AutoML or callable
        A fitted model (see :func:`~autoxai.explain._model.as_predictor`).
    X : DataFrame or 2-D array
        The rows to explain, in the model's original columns.
    background : DataFrame or 2-D array, optional
        Reference rows in the same columns: removed columns take their values. Used as
        given up to :data:`~autoxai.explain.shap._kernel.MAX_BACKGROUND` (100) rows; a
        larger one is summarised by a seeded random sample of 100 rows (with a
        warning). Default: 100 rows of ``X`` drawn the same way — except for trees,
        which without a background use path-dependent TreeSHAP (no background needed),
        and LightGBM / XGBoost, whose own TreeSHAP is always path-dependent (a
        background passed to them is not used, with a warning).
    method : {"auto", "tree", "linear", "kernel"}
        ``"auto"``: TreeSHAP for tree models (the libraries' own for LightGBM and
        XGBoost), linear SHAP for linear models, an ensemble member by member (its
        members' interventional values against one background, weighted; Kernel SHAP
        for the members without an exact algorithm on the ensemble's scale), Kernel
        SHAP otherwise — looking through a Pipeline's preprocessing to its last step.
        ``"tree"`` / ``"linear"`` insist (an error when the model does not allow it);
        ``"kernel"`` works for any model, on the original columns.
    output : {"auto", "probability", "margin", "prediction"}
        The space the values add up in. ``"auto"``: the method's natural one (see
        :mod:`autoxai.explain.shap._api`). ``"probability"`` (classifiers):
        a method that gives margins falls back to Kernel SHAP on the probabilities
        (``method="auto"``) or raises (explicit method). ``"margin"``: the log-odds /
        decision function, where the method gives it (tree boosting, linear models) or
        the model has ``decision_function`` (Kernel SHAP). ``"prediction"``: regressors.
    max_exact : int
        Kernel SHAP is exact (all ``2^M`` coalitions) for rows with at most this many
        columns that differ from the background; above, it samples.
    n_samples : int, optional
        Coalitions sampled per row by Kernel SHAP beyond ``max_exact`` (default
        ``2 * n_columns + 2048``).
    random_state : int, numpy.random.Generator or None
        Seeds the background sample and Kernel SHAP's coalitions.

    Returns
    -------
    Explanation
        ``method="shap"``, ``scope="local"``, ``values`` of shape
        ``(n_outputs, n_rows, n_columns)`` with ``output_names`` (the class labels;
        the positive class only for a binary model explained in margin space;
        ``["prediction"]`` for a regressor) and ``std`` (sampled Kernel SHAP's standard
        errors; None for exact methods). Arrays: ``base_value`` (n_outputs,), ``data``
        (the explained rows' values, for plots), ``mean_abs`` (mean ``|value|`` over the
        rows, (n_outputs, n_columns)), ``mean_abs_interval`` (its 95 % t-interval over
        rows, (2, n_outputs, n_columns)) and ``sign`` (the Spearman correlation between
        a numeric column's value and its SHAP value across rows; NaN for non-numeric
        or constant columns, fewer than 3 rows, or values within sampling noise).
        Settings: ``method`` (the algorithm
        used: ``"tree-path-dependent"``, ``"tree-interventional"``, ``"native"``,
        ``"linear"``, ``"kernel-exact"``, ``"kernel-sampled"``, ``"ensemble-exact"`` or
        ``"ensemble-sampled"``), ``output`` (the space used), ``n_background``,
        ``n_samples``, ``max_exact``. Diagnostics: ``additivity_error``, ``output``
        (what the values add up to, in words), ``method_reason``, ``background``,
        ``model_seconds``, ``wall_seconds``, ``n_evaluations`` (Kernel SHAP's model
        evaluations), ``members`` (an ensemble: each member's model, weight, algorithm
        and why) and ``warnings``.

    See Also
    --------
    shap_importance : the global summary (mean ``|SHAP|`` per column).

    References
    ----------
    S. Lundberg, S.-I. Lee, "A Unified Approach to Interpreting Model Predictions",
    NeurIPS 2017.
    S. Lundberg et al., "From local explanations to global understanding with
    explainable AI for trees", Nature Machine Intelligence 2, 2020.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    >>> model = LinearRegression().fit(X, 2 * X["a"] - X["b"])
    >>> e = shap_values(model, X)
    >>> e.settings["method"], e.values.shape
    ('linear', (1, 4, 2))
    >>> np.round(e.values[0, 3], 6).tolist()  # 2 * (3 - 1.5), -1 * (0 - 0.5)
    [3.0, 0.5]
    """
    start = time.perf_counter()
    method = choose("method", method, METHODS)
    output = choose("output", output, OUTPUTS)
    max_exact = check_int("max_exact", max_exact, minimum=0)
    n_samples = check_n_samples(n_samples)
    seed = seed_from(random_state)
    background_seed, kernel_seed = np.random.default_rng(seed).integers(2**63 - 1, size=2)
    predictor, frame = as_predictor(model, X)
    _check_output_for_task(output, predictor)
    source = frame if background is None else _background_frame(background, frame)
    run = _Run(predictor=predictor, frame=frame, background_given=background is not None)

    raw = _unwrap(model)
    route = _route(raw, method, frame)
    if route.warn:
        run.warnings.append(route.warn)
    result = None
    if route.kind not in ("kernel", "ensemble"):
        result = _structural(route, run, source, output, method, int(background_seed))
    if result is None:
        space = output if output != "auto" else _natural_kernel_space(predictor)
        options = (max_exact, n_samples, int(background_seed), int(kernel_seed))
        if route.kind == "ensemble" and space != "margin":
            result = _ensemble(raw, run, source, space, *options)
        else:
            result = _kernel(raw, run, source, space, *options)
            if route.kind == "kernel":
                run.reasons.append(route.reason)
            elif route.kind == "ensemble":
                run.reasons.append("Kernel SHAP: an ensemble has no margin of its own")
            else:  # an exact algorithm gave another output space
                run.reasons.append(f"so Kernel SHAP explains the {space} instead")
    return _explanation(run, result, method, max_exact, seed, start)


def shap_importance(explanation: Explanation) -> Explanation:
    """The global summary of local SHAP values: mean ``|value|`` per column.

    Parameters
    ----------
    explanation : Explanation
        A result of :func:`shap_values`.

    Returns
    -------
    Explanation
        ``method="shap_importance"``, ``scope="global"``, ``values`` of shape
        ``(n_outputs, n_columns)``: the mean absolute SHAP value over the explained
        rows, ``std`` its standard error, ``interval`` its 95 % t-interval over rows
        (NaN with one row), and ``arrays["direction"]``: +1 when a numeric column's
        higher values go with higher SHAP values (Spearman ``rho > 0.1`` across rows),
        -1 when with lower, 0 otherwise, NaN for non-numeric columns. ``to_frame()``
        ranks the columns (of the last output by default).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    >>> model = LinearRegression().fit(X, 2 * X["a"] - X["b"])
    >>> table = shap_importance(shap_values(model, X)).to_frame()
    >>> table[["feature", "direction"]].values.tolist(), np.round(table["value"], 6).tolist()
    ([['a', 1.0], ['b', -1.0]], [2.0, 0.5])
    """
    if not isinstance(explanation, Explanation):
        raise ParameterTypeError(
            f"shap_importance takes the result of shap_values, got {type(explanation).__name__}"
        )
    if explanation.method != "shap" or explanation.scope != "local":
        raise InvalidParameterError(
            "shap_importance summarises a local SHAP explanation (method='shap'); got "
            f"method={explanation.method!r}, scope={explanation.scope!r}"
        )
    values = np.asarray(explanation.values, dtype=float)
    mean_abs, se, interval = _mean_abs(values)
    sign = explanation.arrays.get("sign")
    if sign is None:
        sign = _sign(_data_frame(explanation), values)
    sign = np.asarray(sign, dtype=float)
    direction = np.where(
        np.isnan(sign), np.nan, np.where(np.abs(sign) > DIRECTION_THRESHOLD, np.sign(sign), 0.0)
    )
    diagnostics = {k: v for k, v in explanation.diagnostics.items() if k not in ("wall_seconds",)}
    diagnostics["n_rows"] = int(values.shape[1])
    base = explanation.arrays.get("base_value")
    diagnostics["warnings"] = list(explanation.warnings)
    return Explanation(
        method="shap_importance",
        scope="global",
        feature_names=list(explanation.feature_names),
        values=mean_abs,
        std=se,
        interval=interval,
        output_names=explanation.output_names,
        diagnostics=diagnostics,
        settings=dict(explanation.settings),
        random_state=explanation.random_state,
        arrays={"direction": direction}
        | ({} if base is None else {"base_value": np.asarray(base, dtype=float)}),
    )


# -- what to run ------------------------------------------------------------------------------


@dataclass
class _Route:
    """The algorithm chosen for a model, and what it needs."""

    kind: str  # "tree", "native", "linear", "kernel" or "ensemble"
    reason: str
    estimator: Any = None  # the final estimator (tree/native/linear)
    fitted: Any = None  # what the algorithm reads (XGBoost inside LabelEncodedClassifier)
    prep: Any = None  # the Pipeline's preprocessing, None for a bare estimator
    origins: list[str] | None = None  # the original column of each feature it sees
    warn: str | None = None  # Kernel SHAP although an exact algorithm exists: say so


@dataclass
class _Run:
    """What one call accumulates: the model, its data, timings and notes."""

    predictor: Predictor
    frame: pd.DataFrame
    background_given: bool
    background_sampled: bool = False
    background: tuple[pd.DataFrame, str] | None = None  # the summarised rows and a note
    extra_model_seconds: float = 0.0
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Result:
    base: np.ndarray  # (K,)
    values: np.ndarray  # (K, n, M) on original columns
    std: np.ndarray | None
    space: str
    variant: str  # settings["method"]
    target: np.ndarray  # (n, K) model output in that space
    tolerance: float
    background_note: str
    n_background: int | None
    n_samples: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_TREE_WORDS = (
    "a tree model (scikit-learn decision tree, random forest, extra trees or gradient "
    "boosting; LightGBM; XGBoost; CatBoost)"
)
_LINEAR_WORDS = "a linear model (LinearRegression, Ridge, Lasso, ElasticNet or LogisticRegression)"


def _route(raw: Any, method: str, frame: pd.DataFrame) -> _Route:
    """Decide the algorithm; raise when an explicit ``method`` cannot be honoured."""
    if method == "kernel":
        return _Route("kernel", "Kernel SHAP: method='kernel' was asked for")
    if method == "auto" and _is_ensemble(raw):
        return _Route("ensemble", "")
    estimator, prep, origins, problem = _structure(raw, frame)
    kind, fitted = _kind(estimator) if estimator is not None else (None, None)
    if method == "auto":
        if estimator is None:
            return _Route("kernel", f"Kernel SHAP: {problem}")
        if kind is None:
            return _Route(
                "kernel",
                f"Kernel SHAP: {_name(estimator)} has no exact SHAP algorithm here "
                "(only tree and linear models do), so the model-agnostic one is used",
            )
        if problem is not None:
            because = f"{problem}, so the exact algorithm for {_name(estimator)} cannot be used"
            return _Route(
                "kernel",
                f"Kernel SHAP: {because}",
                warn=f"{because[0].upper()}{because[1:]}; Kernel SHAP explains the original "
                "columns instead (slower, and exact only up to max_exact columns per row).",
            )
    else:
        wanted = ("tree", "native") if method == "tree" else ("linear",)
        words = _TREE_WORDS if method == "tree" else _LINEAR_WORDS
        if estimator is None and problem is not None:
            raise InvalidParameterError(
                f"method={method!r} cannot be used here: {problem}. Use method='kernel' or "
                "method='auto'."
            )
        if estimator is None or kind not in wanted:
            got = _name(raw) if estimator is None else _name(estimator)
            raise InvalidParameterError(
                f"method={method!r} needs {words}, alone or as the last step of a "
                f"Pipeline; got {got}. Use method='kernel' (any model) or method='auto'."
            )
        if problem is not None:
            raise InvalidParameterError(
                f"method={method!r} cannot be used here: {problem}. "
                "Use method='kernel' or method='auto'."
            )
    reasons = {
        "native": "the library's own TreeSHAP (exact, path-dependent)",
        "tree": "TreeSHAP (exact)",
        "linear": "linear SHAP (exact, assuming independent features)",
    }
    where = " on the Pipeline's preprocessed features" if prep is not None else ""
    inner = _inner(estimator)  # name XGBoost, not autoxai's label-encoding wrapper
    reason = f"{reasons[kind]} for {_name(estimator if inner is None else inner)}{where}"
    return _Route(kind, reason, estimator, fitted, prep, origins)


def _structure(raw: Any, frame: pd.DataFrame):
    """``(estimator, prep, origins, problem)``: the model's last step and its inputs."""
    from sklearn.base import BaseEstimator
    from sklearn.pipeline import Pipeline

    columns = list(frame.columns)
    if _is_ensemble(raw):
        problem = (
            f"the model is an ensemble of {len(raw.members)} pipelines, not one tree or "
            "linear model (method='auto' explains it member by member)"
        )
        return None, None, None, problem
    if isinstance(raw, Pipeline):
        estimator = raw.steps[-1][1]
        if len(raw.steps) == 1:
            return estimator, None, columns, None
        origins, problem = _pipeline_origins(raw, columns)
        return estimator, raw[:-1], origins, problem
    if isinstance(raw, BaseEstimator) or hasattr(raw, "predict"):
        other = [c for c in columns if not pd.api.types.is_numeric_dtype(frame[c])]
        if other:
            return (
                raw,
                None,
                None,
                (
                    f"X has non-numeric column(s) ({', '.join(other[:5])}) that the model reads "
                    "itself, with no numeric encoding to compute on"
                ),
            )
        return raw, None, columns, None
    return None, None, None, "the model is a prediction function, not an estimator"


def _is_ensemble(raw: Any) -> bool:
    """autoxai's WeightedEnsemble (recognised by name: explain does not need automl)."""
    return type(raw).__name__ == "WeightedEnsemble" and hasattr(raw, "members")


def _kind(estimator: Any) -> tuple[str | None, Any]:
    """``("native" | "tree" | "linear" | None, the object the algorithm reads)``."""
    from autoxai.explain.shap._native import supports_native
    from autoxai.explain.shap._tree import supports_tree

    for candidate in (estimator, _inner(estimator)):
        if candidate is None:
            continue
        if supports_native(candidate):
            return "native", candidate
        if supports_tree(candidate):
            return "tree", candidate
    if supports_linear(estimator):
        return "linear", estimator
    return None, None


def _inner(estimator: Any) -> Any:
    """The estimator inside autoxai's LabelEncodedClassifier (XGBoost) or CatBoostModel,
    else None."""
    if type(estimator).__name__ == "LabelEncodedClassifier" and hasattr(estimator, "estimator_"):
        return estimator.estimator_
    if type(estimator).__name__.startswith("CatBoost") and hasattr(estimator, "model_"):
        return estimator.model_
    return None


def _name(thing: Any) -> str:
    """A model's name for messages: its class, or a function's own name."""
    if isinstance(thing, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
        return f"the function {thing.__name__}"
    return type(thing).__name__


def _pipeline_origins(pipeline: Any, columns: list[str]) -> tuple[list[str] | None, str | None]:
    """The original column of each feature the last step sees, or why it is unknown."""
    if callable(getattr(pipeline, "feature_origins", None)):  # it knows (AutoML's do)
        origins = list(pipeline.feature_origins())
    else:
        try:
            names = [str(n) for n in pipeline[:-1].get_feature_names_out()]
        except Exception as exc:  # any transformer may lack it, or break in it
            return None, (
                "the Pipeline's preprocessing cannot name its output features "
                f"(get_feature_names_out: {type(exc).__name__}), so its features cannot be "
                "traced back to the original columns"
            )
        origins = [_origin(name, columns) for name in names]
        unknown = [n for n, o in zip(names, origins) if o is None]
        if unknown:
            shown = ", ".join(map(repr, unknown[:5])) + (", ..." if len(unknown) > 5 else "")
            return None, (
                f"{len(unknown)} feature(s) made by the Pipeline's preprocessing ({shown}) "
                "cannot be traced to exactly one original column"
            )
    outside = sorted({o for o in origins if o not in columns})
    if outside:
        return None, (
            "the Pipeline's preprocessing names features after unknown column(s): "
            + ", ".join(outside[:5])
        )
    return origins, None


def _origin(name: str, columns: list[str]) -> str | None:
    """The one original column a transformed feature's name comes from, or None.

    The name, and the name with each ``transformer__`` prefix stripped, is matched
    against the columns: equal to a column (scaled, imputed, passed through) or
    ``column_...`` (one-hot ``column_level``, ``column__part``). An exact match wins;
    otherwise exactly one column must match.
    """
    pieces = [name]
    while "__" in pieces[-1]:
        pieces.append(pieces[-1].split("__", 1)[1])
    exact = {c for p in pieces for c in columns if p == c}
    if exact:
        return exact.pop() if len(exact) == 1 else None
    prefixed = {c for p in pieces for c in columns if p.startswith(f"{c}_")}
    return prefixed.pop() if len(prefixed) == 1 else None


# -- the exact algorithms ------------------------------------------------------------------


def _structural(
    route: _Route, run: _Run, source: pd.DataFrame, output: str, method: str, seed: int
) -> _Result | None:
    """Tree / native / linear SHAP on the last step's features; None to use Kernel SHAP."""
    predictor, frame = run.predictor, run.frame
    classifier = predictor.is_classifier
    if route.kind == "linear":  # its space is known before computing
        space = "margin" if classifier else "prediction"
        if output not in ("auto", space):
            return _space_mismatch(route, run, output, space, method)

    started = time.perf_counter()
    raw_features, features = _transform(route, frame)
    transform_seconds = time.perf_counter() - started
    background_note, n_background = "", None
    rows = None
    if route.kind == "linear" or (route.kind == "tree" and run.background_given):
        rows, background_note = _background_rows(run, source, seed)
        started = time.perf_counter()
        rows = _transform(route, rows)[1]
        transform_seconds += time.perf_counter() - started
        n_background = len(rows)
    run.extra_model_seconds += transform_seconds

    if route.kind == "native":
        from autoxai.explain.shap._native import native_contributions

        with _arrays_welcome():
            base, values, space = native_contributions(route.fitted, features)
        variant = "native"
        background_note = (
            "not used: the library's TreeSHAP is path-dependent (the trees' own training "
            "distribution stands in for the background)"
        )
        if run.background_given:
            run.warnings.append(
                "The background was not used: LightGBM's and XGBoost's own TreeSHAP is "
                "path-dependent. Pass method='kernel' to explain against this background."
            )
    elif route.kind == "tree":
        from autoxai.explain.shap._tree import tree_shap

        with _arrays_welcome():
            base, values, space = tree_shap(route.fitted, features, background=rows)
        if rows is None:
            variant = "tree-path-dependent"
            background_note = (
                "not used: path-dependent TreeSHAP (the training rows that reached each "
                "node stand in for the background)"
            )
        else:
            variant = "tree-interventional"
    else:
        base, values, space = linear_shap(route.estimator, features, rows)
        variant = "linear"

    base = np.atleast_1d(np.asarray(base, dtype=float))
    values = np.asarray(values, dtype=float)
    if values.ndim == 2:
        values = values[None]
    if output not in ("auto", space):
        return _space_mismatch(route, run, output, space, method)

    target = _target(route, run, raw_features, space, values.shape[0])
    values = _on_columns(values, route.origins, list(frame.columns))
    inner = _inner(route.fitted)
    float32 = type(route.fitted if inner is None else inner).__module__.startswith("xgboost")
    run.reasons.append(route.reason)
    return _Result(
        base=base,
        values=values,
        std=None,
        space=space,
        variant=variant,
        target=target,
        tolerance=FLOAT32_TOLERANCE if float32 else EXACT_TOLERANCE,
        background_note=background_note,
        n_background=n_background,
    )


def _on_columns(values: np.ndarray, origins: list[str], columns: list[str]) -> np.ndarray:
    """Values per transformed feature, (K, n, p), summed per original column: (K, n, M)."""
    if len(origins) != values.shape[2]:
        raise DataError(
            f"the Pipeline's last step sees {values.shape[2]} features but its "
            f"preprocessing names {len(origins)}; cannot map them to the original columns"
        )
    grouping = np.zeros((len(origins), len(columns)))
    grouping[np.arange(len(origins)), [columns.index(o) for o in origins]] = 1.0
    return values @ grouping


@contextlib.contextmanager
def _arrays_welcome():
    """Silence "X does not have valid feature names": the arrays are passed on purpose."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        yield


def _background_rows(run: _Run, source: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, str]:
    """The background (at most MAX_BACKGROUND rows), summarised once per call."""
    if run.background is None:
        rows, note, notes = summarise_background(
            source, seed, source="the background" if run.background_given else "X"
        )
        run.warnings.extend(notes)
        run.background = (rows, note)
        run.background_sampled = bool(notes)
    return run.background


def _space_mismatch(route: _Route, run: _Run, output: str, space: str, method: str) -> None:
    """``method="auto"``: note the fallback to Kernel SHAP (return None); else raise."""
    words = {"probability": "probabilities", "margin": "margins", "prediction": "predictions"}
    if method != "auto":
        raise InvalidParameterError(
            f"method={method!r} explains {_name(route.estimator)} in {words[space]} "
            f"(output={space!r}), not output={output!r}; use output={space!r} or "
            f"method='kernel'"
        )
    run.reasons.append(f"{route.reason} gives {words[space]}, but output={output!r} was asked for")
    return None


def _transform(route: _Route, frame: pd.DataFrame) -> tuple[Any, np.ndarray]:
    """The features the last step sees: as the Pipeline passes them, and as floats."""
    if route.prep is None:
        try:
            return frame, frame.to_numpy(dtype=float)
        except (TypeError, ValueError) as exc:
            raise DataError(
                "X has non-numeric columns, which the bare estimator cannot have been "
                "fitted on; explain the Pipeline that encodes them"
            ) from exc
    data = route.prep.transform(frame)
    dense = data.toarray() if hasattr(data, "toarray") else data
    return data, np.asarray(dense, dtype=float)


def _target(route: _Route, run: _Run, raw_features: Any, space: str, n_outputs: int):
    """The model's own output in ``space``, for the additivity check: (n_rows, K)."""
    if space == "margin":
        started = time.perf_counter()
        out = _margin(route.estimator, raw_features)
        run.extra_model_seconds += time.perf_counter() - started
    else:
        out = run.predictor(run.frame)
    out = np.asarray(out, dtype=float).reshape(len(run.frame), -1)
    if out.shape[1] != n_outputs and n_outputs == 1:
        out = out[:, -1:]  # a binary model explained for its positive class only
    return out


def _margin(estimator: Any, features: Any) -> np.ndarray:
    """The raw margin: LightGBM's raw score, XGBoost's output margin, CatBoost's raw
    formula value, decision_function."""
    inner = _inner(estimator)
    inner = estimator if inner is None else inner
    module = type(inner).__module__
    if module.startswith("lightgbm"):
        return inner.predict(features, raw_score=True)
    if module.startswith("xgboost"):
        return inner.predict(features, output_margin=True)
    if module.startswith("catboost"):
        from autoxai.explain.shap._native import catboost_pool

        return inner.predict(catboost_pool(inner, features), prediction_type="RawFormulaVal")
    if hasattr(inner, "decision_function"):
        return inner.decision_function(features)
    raise InvalidParameterError(f"{_name(inner)} has no margin (decision function) to explain")


# -- Kernel SHAP ------------------------------------------------------------------------------


def _natural_kernel_space(predictor: Predictor) -> str:
    return "probability" if predictor.is_classifier else "prediction"


def _kernel(
    raw: Any,
    run: _Run,
    source: pd.DataFrame,
    space: str,
    max_exact: int,
    n_samples: int | None,
    background_seed: int,
    kernel_seed: int,
) -> _Result:
    predictor = run.predictor
    if space == "margin":
        if not hasattr(raw, "decision_function"):
            natural = "probability" if predictor.is_classifier else "prediction"
            raise InvalidParameterError(
                "output='margin' needs a model with a decision function; Kernel SHAP "
                f"explains {_name(raw)} through its outputs: use output={natural!r}"
            )
        predictor = Predictor(
            raw.decision_function,
            predictor.task,
            predictor.output_names,
            predictor.classes,
            predictor.feature_names,
            predictor.wants_array,
        )
    rows, note = _background_rows(run, source, background_seed)
    info: dict[str, Any] = {}
    base, values, std = kernel_shap(
        predictor,
        run.frame,
        rows,
        max_exact=max_exact,
        n_samples=n_samples,
        random_state=kernel_seed,
        info=info,
    )
    target = predictor(run.frame)
    if predictor is not run.predictor:
        run.extra_model_seconds += predictor.model_seconds
    sampled = info["n_sampled_rows"] > 0
    return _Result(
        base=base,
        values=values,
        std=std,
        space=space,
        variant="kernel-sampled" if sampled else "kernel-exact",
        target=target,
        tolerance=SAMPLED_TOLERANCE if sampled else EXACT_TOLERANCE,
        background_note=note,
        n_background=len(rows),
        n_samples=(n_samples or default_n_samples(run.frame.shape[1])) if sampled else None,
        extra={
            "n_evaluations": info["n_evaluations"],
            "n_exact_rows": info["n_exact_rows"],
            "n_sampled_rows": info["n_sampled_rows"],
        },
    )


# -- an ensemble, member by member ----------------------------------------------------------


def _ensemble(
    raw: Any,
    run: _Run,
    source: pd.DataFrame,
    space: str,
    max_exact: int,
    n_samples: int | None,
    background_seed: int,
    kernel_seed: int,
) -> _Result:
    """Interventional SHAP values of a ``WeightedEnsemble``: its members' values, weighted.

    The ensemble outputs ``f = sum_m w_m f_m`` (probabilities for classes). Its game
    ``v(S) = mean_b f(x_S, b_rest)`` over the background rows ``b`` is then
    ``sum_m w_m v_m(S)`` with each member's game built the same way, and Shapley values
    are linear in the game (Lundberg & Lee 2017, from Shapley's linearity axiom), so
    ``phi(f) = sum_m w_m phi(f_m)`` *exactly* — provided every member is explained with
    this value function: the same background rows, interventional, on the ensemble's
    own scale. A member qualifies when an exact algorithm gives that:

    * scikit-learn trees and forests: interventional TreeSHAP (Lundberg et al. 2020),
      in probabilities / predictions, when its preprocessing maps each original column
      to at most one feature (with column-wise preprocessing, removing a column is then
      removing its feature; a column split in several, as date parts, is one player of
      the ensemble's game but several of the member's);
    * linear regressors: linear SHAP (additive in the columns, so exact per column
      whatever the encoding).

    The others are explained together, as the weighted sum of their outputs, by Kernel
    SHAP against the same background: exact up to ``max_exact`` varying columns per
    row, sampled beyond (its standard errors are the result's ``std``). Not qualifying:
    LightGBM / XGBoost (their TreeSHAP is path-dependent and in log-odds) and gradient
    boosting and logistic regression in a classifier (log-odds are not linear in the
    probability the ensemble averages), k-NN and any model without an exact algorithm.
    Kernel SHAP then calls only those members, not the whole ensemble.
    """
    rows, note = _background_rows(run, source, background_seed)
    columns = list(run.frame.columns)
    weights = np.asarray(raw.weights, dtype=float)
    base, values, std = 0.0, 0.0, None
    members: list[dict[str, Any]] = []
    rest: list[tuple[Any, float]] = []
    for member, weight in zip(raw.members, weights):
        part, algorithm, why = _exact_member(member, run, rows, space)
        members.append({"model": _member_name(member), "weight": float(weight),
                        "algorithm": algorithm, "reason": why})  # fmt: skip
        if part is None:
            rest.append((member, float(weight)))
        else:
            base = base + weight * part[0]
            values = values + weight * part[1]
    extra: dict[str, Any] = {"members": members, "n_evaluations": 0}
    variant, tolerance, n_used = "ensemble-exact", EXACT_TOLERANCE, None
    if rest:
        predictor = _weighted(rest, run.predictor)
        info: dict[str, Any] = {}
        rest_base, rest_values, std = kernel_shap(
            predictor,
            run.frame,
            rows,
            max_exact=max_exact,
            n_samples=n_samples,
            random_state=kernel_seed,
            info=info,
        )
        run.extra_model_seconds += predictor.model_seconds
        base, values = base + rest_base, values + rest_values
        extra.update(info)
        if info["n_sampled_rows"]:
            variant, tolerance = "ensemble-sampled", SAMPLED_TOLERANCE
            n_used = n_samples or default_n_samples(len(columns))
    exact = [m for m in members if m["algorithm"] != "kernel"]
    kernel = "" if not rest else (
        f"; Kernel SHAP ({'sampled' if std is not None else 'exact'}) for the other "
        f"{len(rest)} together"
    )  # fmt: skip
    run.reasons.append(
        f"the ensemble of {len(members)} models is explained member by member: its "
        "values are the weighted sum of theirs (Shapley values are linear in the model), "
        f"every member against the same {len(rows)} background rows in {space} — exact "
        f"algorithms for {len(exact)} member(s)"
        + (f" ({', '.join(sorted({m['algorithm'] for m in exact}))})" if exact else "")
        + kernel
    )
    return _Result(
        base=np.atleast_1d(np.asarray(base, dtype=float)),
        values=np.asarray(values, dtype=float),
        std=std,
        space=space,
        variant=variant,
        target=run.predictor(run.frame),
        tolerance=tolerance,
        background_note=note,
        n_background=len(rows),
        n_samples=n_used,
        extra=extra,
    )


def _exact_member(
    member: Any, run: _Run, rows: pd.DataFrame, space: str
) -> tuple[tuple[np.ndarray, np.ndarray] | None, str, str]:
    """``((base, values on columns) or None, algorithm, why)`` for one ensemble member."""
    route = _route(member, "auto", run.frame)
    if route.kind == "kernel":
        return None, "kernel", route.reason.removeprefix("Kernel SHAP: ")
    if route.kind == "native":
        return None, "kernel", (
            "its library's TreeSHAP is path-dependent and in log-odds, not interventional "
            "on the ensemble's scale"
        )  # fmt: skip
    from autoxai.explain.shap._tree import _tree_classes, tree_shap

    boosting = _tree_classes()[2]
    if space == "probability" and (route.kind == "linear" or isinstance(route.fitted, boosting)):
        return None, "kernel", (
            f"{'linear SHAP' if route.kind == 'linear' else 'its TreeSHAP'} gives log-odds, "
            "which are not linear in the probabilities the ensemble averages"
        )  # fmt: skip
    if route.kind == "tree" and len(set(route.origins)) < len(route.origins):
        return None, "kernel", (
            "its preprocessing splits a column into several features, so TreeSHAP's "
            "players are not the columns"
        )  # fmt: skip
    started = time.perf_counter()
    features = _transform(route, run.frame)[1]
    background = _transform(route, rows)[1]
    run.extra_model_seconds += time.perf_counter() - started
    if route.kind == "linear":
        base, values, _ = linear_shap(route.estimator, features, background)
        algorithm = "linear"
    else:
        with _arrays_welcome():
            base, values, _ = tree_shap(route.fitted, features, background=background)
        algorithm = "tree-interventional"
    values = _on_columns(np.asarray(values, dtype=float), route.origins, list(run.frame.columns))
    return (np.asarray(base, dtype=float), values), algorithm, route.reason


def _weighted(members: list[tuple[Any, float]], predictor: Predictor) -> Predictor:
    """The weighted sum of some members' outputs, as a Predictor like the ensemble's."""
    method = "predict_proba" if predictor.is_classifier else "predict"

    def outputs(frame: Any) -> np.ndarray:
        return sum(
            w * np.asarray(getattr(m, method)(frame), dtype=float).reshape(len(frame), -1)
            for m, w in members
        )

    return Predictor(
        outputs,
        predictor.task,
        predictor.output_names,
        predictor.classes,
        predictor.feature_names,
        predictor.wants_array,
    )


def _member_name(member: Any) -> str:
    """A member's model: the last step of a Pipeline, XGBoost inside its wrapper."""
    estimator = member.steps[-1][1] if hasattr(member, "steps") else member
    inner = _inner(estimator)
    return _name(estimator if inner is None else inner)


# -- the result ----------------------------------------------------------------------------------


def _explanation(
    run: _Run, result: _Result, method: str, max_exact: int, seed: int, start: float
) -> Explanation:
    frame, predictor = run.frame, run.predictor
    values, base = result.values, result.base
    n_outputs = values.shape[0]
    fitted = base[None, :] + values.sum(axis=2).T  # (n_rows, K)
    error = float(np.max(np.abs(fitted - result.target))) if fitted.size else 0.0
    scale = max(1.0, float(np.max(np.abs(result.target))) if result.target.size else 1.0)
    messages = list(run.warnings)
    if not np.isfinite(error) or error > result.tolerance * scale:
        messages.append(
            f"The values do not add up to the model's output: base_value + sum differs "
            f"from it by up to {error:.3g} (tolerance {result.tolerance:g} x "
            f"{scale:.3g}). Do not trust them; please report this with the model type."
        )
    if result.n_samples is not None and result.n_samples < 2 * frame.shape[1]:
        messages.append(
            f"n_samples={result.n_samples} is less than twice the number of columns "
            f"({frame.shape[1]}): the sampled values are poorly determined; use at "
            f"least {default_n_samples(frame.shape[1])}."
        )
    mean_abs, _, interval = _mean_abs(values)
    uses_randomness = result.variant.endswith("-sampled") or run.background_sampled
    diagnostics: dict[str, Any] = {
        "additivity_error": error,
        "output": _SPACE_WORDS[result.space],
        "method_reason": "; ".join(run.reasons),
        "background": result.background_note,
        "n_background_rows": result.n_background,
        "n_rows": len(frame),
        **result.extra,
        "model_seconds": predictor.model_seconds + run.extra_model_seconds,
        "wall_seconds": time.perf_counter() - start,
        "warnings": messages,
    }
    settings = {
        "method": result.variant,
        "requested_method": method,
        "output": result.space,
        "n_background": result.n_background,
        "n_samples": result.n_samples,
        "max_exact": max_exact,
    }
    return Explanation(
        method="shap",
        scope="local",
        feature_names=list(frame.columns),
        values=values,
        std=result.std,
        output_names=_output_names(predictor, n_outputs),
        diagnostics=diagnostics,
        settings=settings,
        random_state=seed if uses_randomness else None,
        arrays={
            "base_value": base,
            "data": _object_data(frame),
            "mean_abs": mean_abs,
            "mean_abs_interval": interval,
            "sign": _sign(frame, values, result.std),
        },
    )


def _output_names(predictor: Predictor, n_outputs: int) -> list[str]:
    if not predictor.is_classifier:
        return ["prediction"] if n_outputs == 1 else [f"prediction_{k}" for k in range(n_outputs)]
    names = list(predictor.output_names)
    if n_outputs == len(names):
        return names
    if n_outputs == 1:
        return [names[-1]]
    return [f"output_{k}" for k in range(n_outputs)]


def _object_data(frame: pd.DataFrame) -> np.ndarray:
    """The rows' values as a JSON-able object array (missing as None, dates as text)."""
    data = np.empty(frame.shape, dtype=object)
    for j, column in enumerate(frame.columns):
        for i, value in enumerate(frame[column].tolist()):
            data[i, j] = _plain_cell(value)
    return data


def _plain_cell(value: Any) -> Any:
    if value is None or (
        not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)
    ):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _data_frame(explanation: Explanation) -> pd.DataFrame:
    data = explanation.arrays.get("data")
    if data is None:
        raise DataError("the explanation has no 'data' array to read the columns' values from")
    return pd.DataFrame(np.asarray(data, dtype=object), columns=explanation.feature_names)


def _mean_abs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean ``|value|`` over rows, its standard error and 95 % t-interval."""
    from scipy import stats

    magnitude = np.abs(values)  # (K, n, M)
    n = magnitude.shape[1]
    mean = magnitude.mean(axis=1)
    if n < 2:
        nan = np.full_like(mean, np.nan)
        return mean, nan, np.stack([nan, nan])
    se = magnitude.std(axis=1, ddof=1) / np.sqrt(n)
    half = stats.t.ppf(0.975, n - 1) * se
    return mean, se, np.stack([mean - half, mean + half])


def _sign(frame: pd.DataFrame, values: np.ndarray, std: np.ndarray | None = None) -> np.ndarray:
    """Spearman correlation of each numeric column with its SHAP values: (K, M).

    NaN for non-numeric columns, fewer than 3 rows with a value, constant columns or
    values (up to rounding), and values within sampling noise (mean ``|value|`` at most
    twice the mean standard error): their ranks would be noise.
    """
    from scipy.stats import rankdata

    n_outputs, _, n_features = values.shape
    sign = np.full((n_outputs, n_features), np.nan)
    flat = 1e-12 * np.maximum(1.0, np.abs(values).max(axis=(1, 2)))
    noise = (
        np.zeros((n_outputs, n_features), dtype=bool)
        if std is None
        else (np.abs(values).mean(axis=1) <= 2 * np.nan_to_num(std).mean(axis=1))
        & (np.nan_to_num(std).mean(axis=1) > 0)
    )
    for j, column in enumerate(frame.columns):
        series = frame[column]
        if series.dtype == object:  # values read back from JSON: numeric if all are
            cells = series.dropna()
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in cells):
                continue
            series = pd.to_numeric(series)
        elif not is_numeric(series):
            continue
        x = series.to_numpy(dtype=float)
        keep = np.isfinite(x)
        if keep.sum() < 3:
            continue
        rank_x = rankdata(x[keep])
        if np.ptp(rank_x) == 0:
            continue
        for k in range(n_outputs):
            phi = values[k, keep, j]
            if np.ptp(phi) <= flat[k] or noise[k, j]:
                continue
            rank_phi = rankdata(phi)
            sign[k, j] = float(np.corrcoef(rank_x, rank_phi)[0, 1])
    return sign


# -- checks ----------------------------------------------------------------------------------------


def _check_output_for_task(output: str, predictor: Predictor) -> None:
    if predictor.is_classifier and output == "prediction":
        raise InvalidParameterError(
            "output='prediction' is for regressors: predicted class labels are not "
            "additive. Use output='probability' or output='margin' for a classifier."
        )
    if not predictor.is_classifier and output == "probability":
        raise InvalidParameterError(
            "output='probability' is for classifiers; this is a regression model: use "
            "output='prediction' (or 'auto')"
        )


def _background_frame(background: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """The background with ``frame``'s columns, in order (extra columns are ignored)."""
    columns = list(frame.columns)
    if not isinstance(background, (pd.DataFrame, np.ndarray, list)):
        raise ParameterTypeError(
            f"background must be a DataFrame or a 2-D array, got {type(background).__name__}"
        )
    if len(background) == 0:
        raise DataError("the background has no rows; pass at least one row (or None)")
    if isinstance(background, pd.DataFrame):
        rows = as_frame(background)
    else:
        array = np.asarray(background)
        if array.ndim != 2 or array.shape[1] != len(columns):
            raise DataError(
                f"background must have X's {len(columns)} columns, got shape {array.shape}"
            )
        rows = as_frame(array, feature_names=columns)
    missing = [c for c in columns if c not in rows.columns]
    if missing:
        raise DataError(f"background lacks column(s) of X: {', '.join(missing[:10])}")
    rows = rows[columns]
    for c in columns:  # keep X's dtypes (categories, integers) where the values allow
        if rows[c].dtype != frame[c].dtype:
            with contextlib.suppress(TypeError, ValueError):
                rows[c] = rows[c].astype(frame[c].dtype)
    return rows
