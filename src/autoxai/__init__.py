"""autoxai: Automated AI for tabular data — search for a good model, then explain it.

The front doors::

    import autoxai
    study = autoxai.tune(objective, {"x": autoxai.Float(-5, 5)}, n_trials=100)
    study.best_params

    result = autoxai.run("data.csv", "price", time_budget=120)  # tune, explain, report
    result.report_path
"""

from autoxai._version import __version__
from autoxai.exceptions import AutoXAIError, TrialPruned
from autoxai.space import Categorical, Float, Int, SearchSpace
from autoxai.study import Study, Trial, TrialState, create_study, tune

__all__ = [
    "AutoML",
    "AutoXAIError",
    "Categorical",
    "Float",
    "Int",
    "Run",
    "SearchSpace",
    "Study",
    "Trial",
    "TrialPruned",
    "TrialState",
    "__version__",
    "create_study",
    "explain",
    "load",
    "run",
    "tune",
]


def __getattr__(name: str):
    # The AutoML layer imports scikit-learn and LightGBM: load it on first use only, so
    # `import autoxai` (and the CLI's --help) stays quick.
    if name == "AutoML":
        from autoxai.automl import AutoML

        return AutoML
    if name == "explain":
        import autoxai.explain

        return autoxai.explain
    if name == "load":
        from autoxai.automl._artifacts import load

        return load
    if name in ("run", "Run"):
        from autoxai import _api

        return getattr(_api, name)
    raise AttributeError(f"module 'autoxai' has no attribute {name!r}")
