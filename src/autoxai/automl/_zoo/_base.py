"""What a model family offers the AutoML search."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from autoxai.space import BaseDistribution

__all__ = ["ModelFamily"]

Space = Mapping[str, BaseDistribution]


@dataclass(frozen=True)
class ModelFamily:
    """One kind of model: its search space, its good defaults, and how to build it.

    Attributes
    ----------
    name : str
        Short name used in ``models=`` and in the leaderboard (``"lgbm"``, ``"rf"``...).
    title : str
        Human name for reports.
    style : {"tree", "linear"}
        Which preprocessing the family needs: trees take ordinal-encoded categoricals and
        unscaled numbers; linear models and k-NN take one-hot encoding and scaling.
    space : callable
        ``space(task, n_rows) -> dict`` of hyperparameter distributions.
    defaults : callable
        ``defaults(task, n_rows) -> list of dict``: known-good configurations, tried
        before the search proposes its own.
    build : callable
        ``build(params, task, random_state, n_threads) -> estimator``.
    budget_param : str or None
        The hyperparameter that scales with a multi-fidelity budget (boosting rounds,
        trees), or None when only the training-row fraction can.
    handles_missing : bool
        Whether the estimator accepts NaN itself (no imputation needed).
    requires : str or None
        The optional package the family needs (an extra). Such a family is used only
        when named in ``models=``, so a default run does not depend on what is installed.
    frame_input : bool
        Whether the estimator takes the preprocessed features as a DataFrame with the
        preprocessing's feature names (``cat__colour``), to tell categorical features
        from numeric ones (CatBoost); otherwise it gets an array.
    """

    name: str
    title: str
    style: str
    space: Callable[[str, int], Space]
    defaults: Callable[[str, int], list[dict[str, Any]]]
    build: Callable[[Mapping[str, Any], str, int, int], Any]
    budget_param: str | None = None
    handles_missing: bool = False
    requires: str | None = None
    frame_input: bool = False
    tasks: frozenset[str] = field(
        default_factory=lambda: frozenset({"binary", "multiclass", "regression"})
    )

    def check_available(self) -> None:
        """Raise a clear error when the optional package the family needs is missing."""
        if self.requires is None:
            return
        import importlib.util

        from autoxai.exceptions import InvalidParameterError

        if importlib.util.find_spec(self.requires) is None:
            raise InvalidParameterError(
                f"model {self.name!r} needs the {self.requires} package: "
                f'pip install "autoxai[{self.requires}]"'
            )
