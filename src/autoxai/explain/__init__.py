"""Explain any fitted model: one function per method, each returning an :class:`Explanation`.

Every function takes a fitted model — a scikit-learn estimator or Pipeline, a fitted
:class:`autoxai.AutoML`, anything with ``predict`` / ``predict_proba``, or a prediction
callable — and data in the user's original columns, and reports on those columns (a
Pipeline that one-hot encodes is explained per original column, never per dummy).

Global methods (one value per feature):

* :func:`permutation_importance` — score drop when a column is shuffled (with intervals
  over repeats, grouped permutation, a correlated-features warning and the sign of the
  effect from the partial-dependence slope);
* :func:`background_importance` — score drop when a column is replaced by draws from a
  background table (no refit);
* :func:`drop_column_importance` — score drop when the model is *refit* without the
  column, cross-validated;
* :func:`surrogate` — a shallow tree or sparse linear model trained to imitate the model,
  with its fidelity on held-out rows;
* :func:`partial_dependence` (PDP and ICE, one or two features) and :func:`ale`
  (accumulated local effects, valid under correlated features).
* :func:`shap_values` — local SHAP values (each column's additive share of each row's
  prediction: TreeSHAP, linear or Kernel SHAP), summarised globally by
  :func:`shap_importance` (mean ``|SHAP|`` per column, with its direction);
* :func:`lime` — local: a weighted linear model fitted around one row (LIME), with its
  fidelity and, on request, its stability across seeds;
* :func:`compare` — a consensus ranking of several global explanations, their rank
  correlations and the features they disagree on;
* :func:`deletion_curves` — faithfulness: which global method's ranking best predicts
  what the model loses when features are removed (deletion curves), and
  :func:`local_deletion`, the same per row for local methods (SHAP against LIME);
* :func:`explain_model` — runs the standard global methods on one model and compares them,
  through :class:`GlobalExplainer`, the one orchestrator a run's explanation stage uses too.

Examples
--------
>>> from sklearn.linear_model import LinearRegression
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
>>> model = LinearRegression().fit(X, 3 * X["a"])
>>> result = permutation_importance(model, X, 3 * X["a"], random_state=0)
>>> result.to_frame()["feature"].tolist()
['a', 'b']
"""

from autoxai.explain._ablation import drop_column_importance
from autoxai.explain._ale import ale
from autoxai.explain._base import Explanation
from autoxai.explain._compare import compare
from autoxai.explain._faithfulness import deletion_curves, local_deletion
from autoxai.explain._lime import lime
from autoxai.explain._orchestrate import GlobalExplainer, explain_model
from autoxai.explain._pdp import partial_dependence
from autoxai.explain._permutation import background_importance, permutation_importance
from autoxai.explain._surrogate import surrogate
from autoxai.explain.shap import shap_importance, shap_values

__all__ = [
    "Explanation",
    "GlobalExplainer",
    "ale",
    "background_importance",
    "compare",
    "deletion_curves",
    "drop_column_importance",
    "explain_model",
    "lime",
    "local_deletion",
    "partial_dependence",
    "permutation_importance",
    "shap_importance",
    "shap_values",
    "surrogate",
]
