"""Exact SHAP values of linear models, assuming independent features.

For a model ``f(x) = w . x + c`` and the interventional value function (removed features
drawn from a background, independently of the kept ones), the Shapley value of feature
``j`` for row ``x`` is ``w_j (x_j - E_b[x_j])`` and the base value is
``f(E_b[x]) = E_b[f(b)]`` (Lundberg & Lee 2017, "linear SHAP"). No sampling, no model
calls: the numbers are exact for the model's margin (``decision_function``: log-odds for
logistic regression) whatever the correlations in the data — what the independence
assumption changes is the *meaning*: correlated features are credited for their own
coefficient only, never for what they carry of each other (that would need the
conditional value function, which depends on the data's dependence structure).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["linear_shap", "supports_linear"]


def _linear_classes() -> tuple[tuple[type, ...], tuple[type, ...]]:
    from sklearn import linear_model as lm

    regressors = (
        lm.LinearRegression,
        lm.Ridge,
        lm.RidgeCV,
        lm.Lasso,
        lm.LassoCV,
        lm.ElasticNet,
        lm.ElasticNetCV,
    )
    classifiers = (lm.LogisticRegression, lm.LogisticRegressionCV)
    return regressors, classifiers


def supports_linear(estimator: Any) -> bool:
    """True for a fitted scikit-learn linear model this module explains exactly.

    LinearRegression, Ridge, Lasso, ElasticNet (and their ``CV`` variants) and
    LogisticRegression (binary and multinomial / one-vs-rest, and ``CV``).

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.svm import SVC
    >>> supports_linear(Ridge().fit([[0.0], [1.0]], [0.0, 1.0])), supports_linear(SVC())
    (True, False)
    """
    regressors, classifiers = _linear_classes()
    return isinstance(estimator, regressors + classifiers) and hasattr(estimator, "coef_")


def linear_shap(
    estimator: Any, X: np.ndarray, background: np.ndarray
) -> tuple[np.ndarray, np.ndarray, str]:
    """SHAP values of a linear model: ``coef_j * (x_ij - mean_b(x_j))``.

    Assumes the features are independent (the interventional value function): a feature
    is credited with its own coefficient times its deviation from the background mean,
    nothing of the features it is correlated with.

    Parameters
    ----------
    estimator : fitted linear model
        One that :func:`supports_linear` accepts.
    X : ndarray of shape (n_rows, n_features)
        The rows to explain, as the estimator sees them.
    background : ndarray of shape (n_background, n_features)
        Only its column means are used.

    Returns
    -------
    base : ndarray of shape (n_outputs,)
        The model's output at the background mean (= the mean output on the background).
    values : ndarray of shape (n_outputs, n_rows, n_features)
    output_space : {"margin", "prediction"}
        ``"margin"`` (the decision function, log-odds) for classifiers: one output for a
        binary model (the positive class), one per class otherwise; ``"prediction"``
        for regressors (one output per target).

    References
    ----------
    S. Lundberg, S.-I. Lee, "A Unified Approach to Interpreting Model Predictions",
    NeurIPS 2017 (Corollary 1, linear SHAP).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
    >>> model = LinearRegression().fit(X, X @ [2.0, -1.0] + 3)
    >>> base, values, space = linear_shap(model, X, X)
    >>> np.round(values[0, 2], 6).tolist(), space
    ([2.0, -1.0], 'prediction')
    """
    _, classifiers = _linear_classes()
    X = np.asarray(X, dtype=float)
    background = np.asarray(background, dtype=float)
    coef = np.atleast_2d(np.asarray(estimator.coef_, dtype=float))  # (n_outputs, p)
    intercept = np.broadcast_to(
        np.atleast_1d(np.asarray(estimator.intercept_, dtype=float)), (coef.shape[0],)
    )
    if X.ndim != 2 or X.shape[1] != coef.shape[1]:
        raise ValueError(f"X must have {coef.shape[1]} columns, got shape {X.shape}")
    mean = background.mean(axis=0)
    values = coef[:, None, :] * (X - mean)[None, :, :]
    base = coef @ mean + intercept
    space = "margin" if isinstance(estimator, classifiers) else "prediction"
    return base, values, space
