"""SHAP values of LightGBM, XGBoost and CatBoost models, computed by the libraries.

Both libraries implement path-dependent TreeSHAP (Lundberg et al. 2020, Algorithm 2) in
compiled code and expose it as "feature contributions": LightGBM's
``predict(X, pred_contrib=True)`` and XGBoost's ``Booster.predict(DMatrix,
pred_contribs=True)``. Each row gets one contribution per feature plus a bias column,
the expected raw score over the training cover, and they add up to the model's *raw*
output — log-odds for classifiers. CatBoost's ``get_feature_importance(type=
"ShapValues")`` returns the same layout; autoxai's ``CatBoostModel`` wrapper declares
the pipeline's ordinal-encoded categoricals as CatBoost categories, so they are cast to
integers here as they are for its predictions. Asking the library is exact, fast and follows its own
handling of missing values and categorical splits, so this module only reshapes the
result into the layout every SHAP back end of autoxai returns.

References
----------
Lundberg, S. M., Erion, G., Chen, H., DeGrave, A., Prutkin, J. M., Nair, B., Katz, R.,
Himmelfarb, J., Bansal, N., & Lee, S.-I. (2020). From local explanations to global
understanding with explainable AI for trees. Nature Machine Intelligence, 2(1), 56-67.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autoxai.exceptions import DataError, ParameterTypeError

__all__ = ["native_contributions", "supports_native"]

#: The bias column is the same number for every row; float32 arithmetic inside the
#: libraries may leave it this far (relative) from constant.
_BIAS_TOLERANCE = 1e-5


def _unwrap(estimator: Any) -> Any:
    """The model inside autoxai's ``LabelEncodedClassifier`` (its ``estimator_``) or
    ``CatBoostModel`` (its ``model_``)."""
    kind = type(estimator)
    if kind.__name__ == "LabelEncodedClassifier" and kind.__module__.startswith("autoxai"):
        return getattr(estimator, "estimator_", None)
    if kind.__name__.startswith("CatBoost") and kind.__module__.startswith("autoxai"):
        return getattr(estimator, "model_", None)
    return estimator


def _library(estimator: Any) -> str | None:
    """``"lightgbm"``, ``"xgboost"`` or None, from the class alone (imports nothing new)."""
    module = type(estimator).__module__
    if module.startswith("lightgbm"):
        import lightgbm as lgb

        if isinstance(estimator, (lgb.LGBMRegressor, lgb.LGBMClassifier, lgb.Booster)):
            return "lightgbm"
    elif module.startswith("xgboost"):
        import xgboost as xgb

        if isinstance(estimator, (xgb.XGBRegressor, xgb.XGBClassifier)):
            return "xgboost"
    elif module.startswith("catboost"):
        import catboost

        if isinstance(estimator, (catboost.CatBoostRegressor, catboost.CatBoostClassifier)):
            return "catboost"
    return None


def _booster(model: Any, library: str) -> Any | None:
    """The fitted booster, or None when the model is not fitted."""
    from sklearn.exceptions import NotFittedError

    try:
        if library == "lightgbm":
            import lightgbm as lgb

            return model if isinstance(model, lgb.Booster) else model.booster_
        if library == "catboost":
            return model if model.is_fitted() else None
        return model.get_booster()
    except (NotFittedError, AttributeError):
        return None


def supports_native(estimator: Any) -> bool:
    """True for a fitted LightGBM or XGBoost model whose library computes SHAP values.

    ``LGBMRegressor``, ``LGBMClassifier`` and ``lightgbm.Booster`` (except linear trees,
    which LightGBM cannot explain), ``XGBRegressor`` and ``XGBClassifier``,
    ``CatBoostRegressor`` and ``CatBoostClassifier``, and autoxai's
    ``LabelEncodedClassifier`` or ``CatBoostModel`` wrapping one of them.

    Examples
    --------
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> supports_native(DecisionTreeRegressor())
    False
    """
    model = _unwrap(estimator)
    library = _library(model) if model is not None else None
    if library is None:
        return False
    booster = _booster(model, library)
    if booster is None:
        return False
    if library == "lightgbm":  # LightGBM cannot explain linear trees
        return str(booster.params.get("linear_tree", "")).lower() not in ("true", "1")
    return True


def native_contributions(estimator: Any, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """SHAP values of a LightGBM or XGBoost model from the library's own TreeSHAP.

    Parameters
    ----------
    estimator : fitted LightGBM or XGBoost model
        One of the models :func:`supports_native` accepts.
    X : ndarray of shape (n_rows, n_features)
        The rows to explain, in the features the model sees.

    Returns
    -------
    base_value : ndarray of shape (n_outputs,)
        The library's bias: the expected raw score (the same for every row).
    values : ndarray of shape (n_outputs, n_rows, n_features)
        ``base_value + values.sum(axis=2)`` equals the raw score of each row.
    output_space : {"margin", "prediction"}
        ``"margin"`` for classifiers (log-odds: one output for a binary model, one per
        class otherwise) and for regressors whose prediction is a transformed score
        (Poisson, Gamma, Tweedie: the log of the prediction); ``"prediction"`` for a
        regressor that predicts its raw score.

    Raises
    ------
    ParameterTypeError
        If the model is not a supported LightGBM / XGBoost model.
    DataError
        If it is not fitted, or ``X`` does not fit it.

    Examples
    --------
    >>> import lightgbm as lgb
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> model = lgb.LGBMRegressor(n_estimators=5, verbose=-1).fit(X, X[:, 0])
    >>> base, values, space = native_contributions(model, X)
    >>> values.shape, space, bool(np.allclose(base + values.sum(2), model.predict(X)))
    ((1, 100, 3), 'prediction', True)
    """
    model = _unwrap(estimator)
    library = _library(model) if model is not None else None
    if library is None and model is not None:
        raise ParameterTypeError(
            "native_contributions explains LightGBM (LGBMRegressor, LGBMClassifier, "
            "Booster), XGBoost (XGBRegressor, XGBClassifier) and CatBoost "
            f"(CatBoostRegressor, CatBoostClassifier) models, got "
            f"{type(estimator).__name__}"
        )
    booster = _booster(model, library) if model is not None else None
    if booster is None:
        raise DataError(
            f"the model ({type(estimator).__name__}) is not fitted: fit it before explaining"
        )
    classifier = hasattr(model, "classes_") or hasattr(estimator, "classes_")
    if library == "lightgbm":
        x = _as_matrix(X, booster.num_feature())
        contributions = booster.predict(x, pred_contrib=True)
        raw = booster.predict(x[:5], raw_score=True)
        predicted = None if classifier else booster.predict(x[:5])
        n_out = booster.num_model_per_iteration()
    elif library == "catboost":
        x = _as_matrix(X, len(model.feature_names_))
        contributions, raw, predicted = _catboost(model, x, classifier)
        n_out = 1 if contributions.ndim == 2 else contributions.shape[1]
    else:
        x = _as_matrix(X, booster.num_features())
        contributions, raw, predicted = _xgboost(model, booster, x, classifier)
        n_out = 1 if contributions.ndim == 2 else contributions.shape[1]
    n_rows, n_features = x.shape
    contributions = np.asarray(contributions, dtype=np.float64)
    contributions = contributions.reshape(n_rows, n_out, n_features + 1).transpose(1, 0, 2)
    bias = contributions[:, :, -1]
    base = bias[:, 0].copy()
    if np.any(np.abs(bias - base[:, None]) > _BIAS_TOLERANCE * (1.0 + np.abs(base[:, None]))):
        raise DataError(  # never seen: the libraries' bias is one number per output
            f"{library}'s bias column differs between rows: cannot report one base value"
        )
    identity = predicted is not None and np.allclose(predicted, raw, rtol=1e-9, atol=0.0)
    space = "prediction" if identity else "margin"
    return base, np.ascontiguousarray(contributions[:, :, :-1]), space


def _xgboost(model: Any, booster: Any, x: np.ndarray, classifier: bool):
    import xgboost as xgb

    types = booster.feature_types
    matrix = xgb.DMatrix(
        x,
        missing=np.nan if model.missing is None else model.missing,
        feature_names=booster.feature_names,
        feature_types=types,
        enable_categorical=bool(types) and "c" in types,
    )
    try:  # what the scikit-learn wrapper's own predict uses after early stopping
        iterations = (0, int(model.best_iteration) + 1)
    except AttributeError:
        iterations = (0, 0)
    contributions = booster.predict(matrix, pred_contribs=True, iteration_range=iterations)
    probe = matrix.slice(list(range(min(5, len(x)))))
    raw = booster.predict(probe, output_margin=True, iteration_range=iterations)
    predicted = None if classifier else booster.predict(probe, iteration_range=iterations)
    return contributions, raw, predicted


def catboost_pool(model: Any, x: Any):
    """A CatBoost ``Pool`` of ``x`` with the model's categorical features as integers
    (the ordinal codes autoxai's pipelines give them; missing -> -1)."""
    import catboost
    import pandas as pd

    cats = list(model.get_cat_feature_indices())
    frame = pd.DataFrame(np.asarray(x, dtype=np.float64), columns=model.feature_names_)
    for i in cats:
        name = frame.columns[i]
        frame[name] = np.nan_to_num(frame[name].to_numpy(), nan=-1).astype(np.int64)
    return catboost.Pool(frame, cat_features=cats or None)


def _catboost(model: Any, x: np.ndarray, classifier: bool):
    pool = catboost_pool(model, x)
    contributions = model.get_feature_importance(pool, type="ShapValues")
    probe = catboost_pool(model, x[:5])
    raw = model.predict(probe, prediction_type="RawFormulaVal")
    predicted = None if classifier else model.predict(probe)
    return contributions, raw, predicted


def _as_matrix(X: Any, n_features: int) -> np.ndarray:
    try:
        array = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"X must be a numeric 2-D array: {exc}") from exc
    if array.ndim != 2 or array.shape[0] == 0:
        raise DataError(f"X must be a non-empty 2-D array, got shape {array.shape}")
    if array.shape[1] != n_features:
        raise DataError(f"X has {array.shape[1]} columns but the model was fitted on {n_features}")
    return array
