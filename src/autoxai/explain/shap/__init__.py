"""SHAP values (Lundberg & Lee 2017): each column's additive share of each prediction.

:func:`shap_values` picks an exact algorithm where the model allows one — TreeSHAP for
tree models (LightGBM's and XGBoost's own), linear SHAP for linear models — and
model-agnostic Kernel SHAP otherwise, looking through a Pipeline's preprocessing and
reporting on the user's original columns. :func:`shap_importance` summarises the local
values into a global ranking (mean ``|SHAP|`` per column, with its direction).

Modules: ``_api`` (the dispatcher and the result), ``_kernel`` (Kernel SHAP, exact or
sampled), ``_linear`` (linear SHAP), ``_tree`` (TreeSHAP for scikit-learn trees) and
``_native`` (LightGBM's and XGBoost's contributions).
"""

from autoxai.explain.shap._api import shap_importance, shap_values
from autoxai.explain.shap._kernel import MAX_BACKGROUND

__all__ = ["MAX_BACKGROUND", "shap_importance", "shap_values"]
