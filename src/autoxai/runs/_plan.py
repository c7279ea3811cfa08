"""The time plan of a run: every share of its time budgets, in one place.

A run has two budgets. ``time_budget`` covers the search *and* the refit (AutoML keeps
it: it stops starting trials when a typical trial plus the refit's estimate would pass
it, :class:`~autoxai.automl._automl._RefitReserve`, and each trial's fit gives up at
``AUTOML_DEADLINE_SHARE`` before the end). ``explain_budget`` covers the explanation
stage and the report: the report keeps ``REPORT_SHARE`` of it (at most
``MAX_REPORT_SECONDS``), the stage the rest. Inside the stage, each method is planned
when its turn comes, from the measured cost of the model, to use at most its share of
the budget *left* at that moment (:data:`METHOD_SHARES`), and stopped when it has used
``HARD_LIMIT_SLACK`` times that share (:meth:`TimePlan.limit`; what cannot be stopped is
listed in :mod:`autoxai.explain._deadline`); methods run cheapest and most informative
first, so a tight budget loses the expensive ones, never all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autoxai.automl._constants import AUTOML_DEADLINE_SHARE, REFIT_SLACK_SHARE
from autoxai.exceptions import InvalidParameterError

__all__ = ["METHOD_SHARES", "TimePlan"]

#: The explanation budget when none is given: this share of the time budget ...
DEFAULT_EXPLAIN_SHARE = 0.5
#: ... and at least this many seconds.
MIN_EXPLAIN_SECONDS = 15.0
#: The report's share of the explanation budget, and its cap in seconds.
REPORT_SHARE = 0.15
MAX_REPORT_SECONDS = 5.0

#: Each step of the explanation stage may use this share of the stage's budget left
#: when it starts (the order is the stage's: cheap and informative first).
METHOD_SHARES: dict[str, float] = {
    "held-out refit": 0.3,  # the refit on part of the rows, to explain unseen rows
    "permutation_importance": 0.4,
    "surrogate": 0.1,
    "shap": 0.35,
    "pdp": 0.1,  # per feature
    "ale": 0.05,  # per feature
    "local_lime": 0.3,  # per row
    "local_shap": 0.3,  # per row
    "drop_column_importance": 0.8,
    "faithfulness": 0.5,  # the deletion curves of the global methods
    "deletion bootstrap": 0.1,  # their resamples, of what is left after the curves
    "local_faithfulness": 0.3,  # SHAP against LIME on the explained rows
}
#: A method is planned (its rows cut) to use its share of the budget left; it is stopped
#: once it has used this many times that share (never past the stage's end), so an
#: estimate a little off costs nothing and one far off cannot eat the others' time.
HARD_LIMIT_SLACK = 1.5


@dataclass(frozen=True)
class TimePlan:
    """The budgets of one run, in seconds.

    Parameters
    ----------
    time_budget : float or None
        Search and refit; None: no limit (the search then needs ``n_trials``).
    explain_budget : float or None
        Explanations and report; default ``DEFAULT_EXPLAIN_SHARE`` of the time budget
        (of 60 s without one), at least ``MIN_EXPLAIN_SECONDS``.

    Examples
    --------
    >>> plan = TimePlan(60)
    >>> plan.explain_seconds, plan.report_seconds, plan.stage_seconds
    (30.0, 4.5, 25.5)
    """

    time_budget: float | None = 60.0
    explain_budget: float | None = None

    def __post_init__(self) -> None:
        for name in ("time_budget", "explain_budget"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0
            ):
                raise InvalidParameterError(
                    f"{name} must be a number of seconds > 0 or None, got {value!r}"
                )

    @property
    def explain_seconds(self) -> float:
        """Seconds for the explanation stage and the report together."""
        if self.explain_budget is not None:
            return float(self.explain_budget)
        base = self.time_budget if self.time_budget else 60.0
        return max(MIN_EXPLAIN_SECONDS, DEFAULT_EXPLAIN_SHARE * base)

    @property
    def report_seconds(self) -> float:
        """Seconds kept for drawing the report."""
        return min(MAX_REPORT_SECONDS, REPORT_SHARE * self.explain_seconds)

    @property
    def stage_seconds(self) -> float:
        """Seconds for the explanation methods."""
        return self.explain_seconds - self.report_seconds

    @staticmethod
    def share(step: str) -> float:
        """The share of the stage's budget left that ``step`` may use."""
        return METHOD_SHARES[step]

    @staticmethod
    def limit(step: str, left: float) -> float:
        """Seconds after which ``step`` is stopped, ``left`` seconds being left.

        ``HARD_LIMIT_SLACK`` times its share of what is left, at most all of it; a step
        without a share (the consensus, the search's importance) may use all of it.

        Examples
        --------
        >>> round(TimePlan.limit("surrogate", 20.0), 6), TimePlan.limit("consensus", 20.0)
        (3.0, 20.0)
        """
        share = METHOD_SHARES.get(step)
        return left if share is None else min(left, HARD_LIMIT_SLACK * share * left)

    def to_dict(self) -> dict[str, Any]:
        """The plan as run.json records it."""
        return {
            "time_budget": self.time_budget,
            "explain_budget": self.explain_seconds,
            "report_seconds": self.report_seconds,
            "stage_seconds": self.stage_seconds,
            "automl_deadline_share": AUTOML_DEADLINE_SHARE,
            "refit_slack_share": REFIT_SLACK_SHARE,
            "method_shares": dict(METHOD_SHARES),
            "hard_limit_slack": HARD_LIMIT_SLACK,
        }
