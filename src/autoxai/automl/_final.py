"""The final model: the chosen configurations refit on all rows, or kept as bags.

Cross-validation already fits k models per configuration, each on k-1 folds. Kept
(``CVObjective(keep_models=True)``), their average is a *bagged* model: no refit on all
rows, and an average of k models that is often better than one model on all rows
(Breiman 1996). The ensemble's weights were chosen on the out-of-fold predictions of
exactly these fold models, so a bagged ensemble is the same weights over bagged members.

:func:`keep_best_folds` bounds the disk (and so the loading) by keeping only the best
configurations' fold models during the search (:func:`keep_folds` then those of the
final model only); :func:`decide` chooses refit or bags; :func:`bag` and
:func:`bagged_ensemble` assemble them as :class:`WeightedEnsemble`.

References
----------
L. Breiman, "Bagging predictors", Machine Learning 24, 1996.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from autoxai.automl._ensemble import WeightedEnsemble
from autoxai.automl._fidelity import full_budget
from autoxai.automl._objective import config_key, read_fold_models
from autoxai.trial import TrialState

__all__ = [
    "FINAL_MODELS",
    "KEEP_FOLDS",
    "bag",
    "bagged_ensemble",
    "decide",
    "keep_best_folds",
    "keep_folds",
]

#: What ``final_model`` may be.
FINAL_MODELS = ("auto", "refit", "bagged")

#: Configurations whose fold models stay on disk: as many as the ensemble looks at.
KEEP_FOLDS = 20


def keep_best_folds(workdir, n_keep: int = KEEP_FOLDS):
    """A study callback that deletes the fold models of all but the ``n_keep`` best
    configurations (by loss on all rows), sparing those of trials still running."""

    def callback(study, trial) -> None:
        trials = study.trials
        best = sorted(full_budget(trials), key=lambda t: (t.value, t.number))[:n_keep]
        busy = [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]
        keep_folds(workdir, [t.params for t in [*best, *busy]])

    return callback


def keep_folds(workdir, configs) -> None:
    """Delete every kept fold model but those of ``configs``. After the fit only the
    final model's stay (it holds them; a resumed run re-reads them)."""
    keep = {config_key(params) for params in configs}
    for path in (Path(workdir) / "models").glob("*.joblib"):
        if path.stem not in keep:
            path.unlink(missing_ok=True)


def decide(
    final_model: str, *, holdout: bool, refit_seconds: float, seconds_left: float | None
) -> tuple[str, str]:
    """``("refit" | "bagged", reason)`` for the ``final_model`` option.

    ``"auto"`` bags under k-fold cross-validation (k models on k-1 folds each, no refit)
    and refits under the holdout split of large tables (its one "fold" model saw 80 %
    of the rows) unless the refit, estimated at ``refit_seconds``, would not end within
    the ``seconds_left`` of the budget: the budget includes everything.
    """
    if final_model == "refit":
        return "refit", "final_model='refit'"
    if final_model == "bagged":
        return "bagged", "final_model='bagged'"
    if not holdout:
        return "bagged", "k-fold cross-validation: the fold models are averaged, no refit"
    if seconds_left is not None and refit_seconds > seconds_left:
        return "bagged", (
            f"the refit on all rows (estimated {refit_seconds:.1f} s) would not end in the "
            f"{max(seconds_left, 0.0):.1f} s left: the holdout model (80 % of rows) is kept"
        )
    return "refit", "holdout split: one model refit on all rows"


def bag(workdir, params, classes) -> WeightedEnsemble | None:
    """The bagged model of one configuration: its fold models with weights 1/k; None if
    they were not kept, or one of them lacks a class (its probabilities would not line
    up with the others')."""
    models = read_fold_models(workdir, params)
    if not models:
        return None
    if classes is not None:
        expected = np.arange(len(classes))
        for m in models:
            if not np.array_equal(np.asarray(m.classes_, dtype=int), expected):
                return None
    k = len(models)
    return WeightedEnsemble(models, np.full(k, 1.0 / k), classes=classes, groups=[0] * k)


def bagged_ensemble(bags: list[WeightedEnsemble], weights, classes) -> WeightedEnsemble:
    """One ensemble of every bag's fold models, a bag's weight shared by its folds, with
    ``groups`` telling the configurations apart (a refit refits each once)."""
    members, member_weights, groups = [], [], []
    for g, (b, w) in enumerate(zip(bags, weights)):
        members += list(b.members)
        member_weights += [w * x for x in b._weights]
        groups += [g] * len(b.members)
    return WeightedEnsemble(members, np.array(member_weights), classes=classes, groups=groups)
