"""One way to call any model: :class:`Predictor`.

Every explainer takes "a model": a fitted scikit-learn estimator or Pipeline, a fitted
:class:`autoxai.AutoML`, anything with ``predict`` / ``predict_proba``, or a bare
callable. :func:`as_predictor` checks it once (fitted? same columns as ``X``?) and wraps
it so the methods see one thing: a function from a DataFrame of the user's original
columns to a 2-D float array of outputs (class probabilities for classifiers, the
prediction for regressors). It also counts the time spent inside the model, so every
result can say how much of its wall time was the model's own (the floor), and checks a
method's time limit before each call (:mod:`autoxai.explain._deadline`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from autoxai._utils import check_columns
from autoxai.exceptions import DataError, InvalidParameterError, ParameterTypeError
from autoxai.explain._deadline import check_time

__all__ = ["Predictor", "as_frame", "as_predictor", "encode_target", "target_array"]

#: Rows per ``predict`` call when many perturbed copies of the data are stacked: large
#: enough that per-call overhead vanishes, small enough to bound memory.
CHUNK_ROWS = 200_000


@dataclass
class Predictor:
    """A model as a function from original columns to a 2-D array of outputs.

    Attributes
    ----------
    task : {"binary", "multiclass", "regression"}
    output_names : list of str
        Class labels (as strings) for classifiers, ``["prediction"]`` otherwise.
    classes : ndarray or None
        The class labels themselves, in the order of the output columns.
    feature_names : list of str
        The columns the model takes, in order.
    model_seconds : float
        Wall time spent inside the model so far.
    """

    function: Callable[[Any], np.ndarray]
    task: str
    output_names: list[str]
    classes: np.ndarray | None
    feature_names: list[str]
    wants_array: bool = False
    model_seconds: float = field(default=0.0)
    n_calls: int = field(default=0)

    @property
    def is_classifier(self) -> bool:
        return self.task != "regression"

    def __call__(self, frame: pd.DataFrame) -> np.ndarray:
        """Outputs for the rows of ``frame``, shape ``(n_rows, n_outputs)``."""
        if len(frame) > CHUNK_ROWS:
            return np.concatenate(
                [self(frame.iloc[i : i + CHUNK_ROWS]) for i in range(0, len(frame), CHUNK_ROWS)]
            )
        check_time()  # a method under a time limit stops here once it is used up
        data = frame.to_numpy() if self.wants_array else frame
        start = time.perf_counter()
        out = self.function(data)
        self.model_seconds += time.perf_counter() - start
        self.n_calls += 1
        out = np.asarray(out, dtype=float)
        return out.reshape(len(frame), -1)


def as_frame(X: Any, feature_names: list[str] | None = None) -> pd.DataFrame:
    """``X`` as a DataFrame with string column names (arrays get ``x0, x1, ...``)."""
    if isinstance(X, pd.DataFrame):
        frame = X
    elif isinstance(X, (np.ndarray, list)):
        array = np.asarray(X)
        if array.ndim != 2:
            raise DataError(f"X must be 2-D (rows x columns), got shape {array.shape}")
        names = feature_names or [f"x{i}" for i in range(array.shape[1])]
        frame = pd.DataFrame(array, columns=names)
    else:
        raise ParameterTypeError(
            f"X must be a pandas DataFrame or a 2-D array, got {type(X).__name__}"
        )
    if len(frame) == 0 or frame.shape[1] == 0:
        raise DataError(f"X is empty ({frame.shape[0]} rows, {frame.shape[1]} columns)")
    if frame.columns.duplicated().any():
        dup = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise DataError(f"X has duplicate column names: {', '.join(dup)}")
    if not all(isinstance(c, str) for c in frame.columns):
        frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
    return frame.reset_index(drop=True)


def training_rows_warning(model: Any, frame: pd.DataFrame) -> str | None:
    """A warning when most rows of ``frame`` are rows ``model`` was fitted on.

    Detectable for a fitted :class:`~autoxai.AutoML` while it holds its training rows
    (``dataset_``; a saved and reloaded one keeps none): rows are matched by a hash of
    their values in the columns both share. On rows it was trained on, a model that can
    memorise (a forest, boosting, k-NN) looks as if it relied on pure-noise columns,
    and its score is better than on new rows.
    """
    if not _is_automl(model):
        return None
    seen = getattr(getattr(model, "dataset_", None), "X", None)
    columns = [] if seen is None else [c for c in frame.columns if c in seen.columns]
    if not columns or len(seen) == 0 or len(frame) == 0:
        return None
    known = set(pd.util.hash_pandas_object(seen[columns], index=False))
    share = float(pd.util.hash_pandas_object(frame[columns], index=False).isin(known).mean())
    if share < 0.5:
        return None
    return (
        f"{share:.0%} of these rows are rows the model was trained on. A model that can "
        "memorise them shows what it memorised, not what it relies on to predict new "
        "rows (pure-noise columns look important, the score looks better than it is): "
        "explain it on held-out rows."
    )


def _is_automl(model: Any) -> bool:
    return type(model).__name__ == "AutoML" and type(model).__module__.startswith("autoxai")


def _unwrap(model: Any) -> Any:
    """The fitted estimator inside an AutoML object (which is not itself checked)."""
    if _is_automl(model):
        if not hasattr(model, "best_model_"):
            raise DataError("the AutoML model is not fitted yet: call fit() first")
        return model.best_model_
    return model


def _check_fitted(model: Any) -> None:
    from sklearn.base import BaseEstimator
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    if isinstance(model, BaseEstimator):
        try:
            check_is_fitted(model)
        except NotFittedError as exc:
            raise DataError(
                f"the model ({type(model).__name__}) is not fitted: fit it before explaining"
            ) from exc


def _expected_columns(model: Any) -> list[str] | None:
    names = getattr(model, "feature_names_in_", None)
    if names is None and hasattr(model, "members"):  # autoxai's WeightedEnsemble
        names = getattr(model.members[0], "feature_names_in_", None)
    return None if names is None else [str(n) for n in names]


def as_predictor(
    model: Any,
    X: Any,
    *,
    task: str | None = None,
) -> tuple[Predictor, pd.DataFrame]:
    """Check ``model`` against ``X`` and wrap it; return it with ``X`` as a DataFrame.

    Classifiers (anything with ``predict_proba`` and ``classes_``) are explained through
    their class probabilities; other models through ``predict``. A bare callable is
    called on two rows of ``X`` to find its output: one column is a regression-like
    score, several columns are class probabilities (``task`` overrides).
    """
    model = _unwrap(model)
    if not (callable(model) or hasattr(model, "predict")):
        raise ParameterTypeError(
            "model must be a fitted estimator (with predict or predict_proba), a fitted "
            f"AutoML, or a callable returning predictions; got {type(model).__name__}"
        )
    _check_fitted(model)
    expected = _expected_columns(model)
    if isinstance(X, pd.DataFrame) or expected is None:
        frame = as_frame(X)
    else:  # an array for a model fitted on a DataFrame: name the columns the model's way
        frame = as_frame(X, feature_names=expected)
    wants_array = False
    if expected is not None:
        missing = [c for c in expected if c not in frame.columns]
        extra = [c for c in frame.columns if c not in expected]
        if missing:
            check_columns(expected, frame.columns)
        if extra:
            raise DataError(f"X has column(s) the model was not fitted on: {', '.join(extra[:10])}")
        frame = frame[expected]
    else:
        n_in = getattr(model, "n_features_in_", None)
        if n_in is not None:
            wants_array = True
            if n_in != frame.shape[1]:
                raise DataError(
                    f"X has {frame.shape[1]} columns but the model was fitted on {n_in}"
                )

    classes = getattr(model, "classes_", None)
    if hasattr(model, "predict_proba") and classes is not None and task != "regression":
        function, classes = model.predict_proba, np.asarray(classes)
        found = "binary" if len(classes) == 2 else "multiclass"
    elif hasattr(model, "predict"):
        function, classes, found = model.predict, None, "regression"
    else:
        function = model
        probe = np.asarray(model(frame.iloc[:2].to_numpy() if wants_array else frame.iloc[:2]))
        width = 1 if probe.ndim == 1 else probe.shape[1]
        if width == 1:
            classes, found = None, "regression"
        else:
            classes = np.arange(width)
            found = "binary" if width == 2 else "multiclass"
    if task is not None and task != found:
        if task not in ("binary", "multiclass", "regression"):
            raise InvalidParameterError(
                f"task must be 'binary', 'multiclass' or 'regression', got {task!r}"
            )
        raise InvalidParameterError(f"task={task!r} but the model is a {found} model")
    names = ["prediction"] if classes is None else [str(c) for c in classes]
    predictor = Predictor(function, found, names, classes, list(frame.columns), wants_array)
    return predictor, frame


def target_array(y: Any, n_rows: int) -> np.ndarray:
    """``y`` as a 1-D array with one value per row of ``X`` (checked)."""
    if y is None:
        raise InvalidParameterError("y is required for this method")
    values = np.asarray(y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else y)
    values = values.reshape(-1) if values.ndim > 1 and values.shape[1] == 1 else values
    if values.ndim != 1 or len(values) != n_rows:
        raise DataError(f"y must have one value per row of X ({n_rows}), got shape {values.shape}")
    return values


def encode_target(y: Any, predictor: Predictor, n_rows: int) -> np.ndarray:
    """``y`` as the metrics want it: class indices for classifiers, floats otherwise."""
    values = target_array(y, n_rows)
    if not predictor.is_classifier:
        try:
            return values.astype(float)
        except (TypeError, ValueError) as exc:
            raise DataError("y of a regression model must be numeric") from exc
    lookup = {c: i for i, c in enumerate(predictor.classes.tolist())}
    unknown = sorted({str(v) for v in values.tolist() if v not in lookup})
    if unknown:
        raise DataError(
            f"y has label(s) the model does not know: {', '.join(unknown[:5])}; "
            f"its classes are {', '.join(predictor.output_names)}"
        )
    return np.array([lookup[v] for v in values.tolist()], dtype=np.int64)
