"""AutoML: load a table, type its columns, search the model zoo, ensemble, refit.

Examples
--------
>>> from autoxai.automl import AutoML, METRICS
>>> sorted(METRICS)[:3]
['accuracy', 'balanced_accuracy', 'f1']
"""

from autoxai.automl._automl import AutoML, NotFittedError
from autoxai.automl._data import (
    ColumnDecision,
    Dataset,
    FeatureCaster,
    FeatureSchema,
    cast_features,
    prepare,
    read_table,
)
from autoxai.automl._ensemble import WeightedEnsemble, greedy_selection
from autoxai.automl._preprocess import feature_origins
from autoxai.automl._stack import StackedEnsemble
from autoxai.automl._zoo import FAMILIES, ModelFamily
from autoxai.metrics import METRICS, Metric, default_metric, get_metric

__all__ = [
    "FAMILIES",
    "METRICS",
    "AutoML",
    "ColumnDecision",
    "Dataset",
    "FeatureCaster",
    "FeatureSchema",
    "Metric",
    "ModelFamily",
    "NotFittedError",
    "StackedEnsemble",
    "WeightedEnsemble",
    "cast_features",
    "default_metric",
    "feature_origins",
    "get_metric",
    "greedy_selection",
    "prepare",
    "read_table",
]
