"""Hyperband (Li et al., 2018) and BOHB (Falkner et al., 2018)."""

from __future__ import annotations

import math

from autoxai.exceptions import InvalidParameterError
from autoxai.schedulers._sha import BracketScheduler

__all__ = ["BOHB", "Hyperband"]


class Hyperband(BracketScheduler):
    """Brackets of successive halving that trade breadth for starting budget.

    Bracket ``s`` (from ``s_max`` down to 0) starts ``ceil((s_max + 1) / (s + 1) *
    eta ** s)`` configurations at budget ``max_budget * eta ** -s``: the first bracket
    is the most aggressive (many configurations, small budget), the last runs a few
    configurations at full budget only, a hedge for problems where small budgets
    mislead. For budgets 1..81 and ``eta=3`` the brackets start 81, 34, 15, 8 and 5
    configurations at budgets 1, 3, 9, 27 and 81.

    Parameters
    ----------
    min_budget, max_budget, eta
        See :class:`BaseScheduler`.
    n_brackets : int, optional
        Brackets to run; default: one round of ``s_max + 1`` brackets when the search
        has no ``n_trials`` or ``timeout``, else as many as those allow (round after
        round).

    As a pruner, each trial is given a bracket in proportion to the brackets' sizes
    and judged only against the trials of its bracket, from that bracket's first rung.

    References
    ----------
    L. Li, K. Jamieson, G. DeSalvo, A. Rostamizadeh and A. Talwalkar, "Hyperband: A
    Novel Bandit-Based Approach to Hyperparameter Optimization", JMLR 18, 2018.
    """

    def bracket_shape(self, bracket: int) -> tuple[int, tuple[int, ...]]:
        s = self.s_max - bracket % (self.s_max + 1)
        n = math.ceil((self.s_max + 1) / (s + 1) * self.eta**s - 1e-9)
        return self.s_max - s, self._sizes(n, s + 1)

    @property
    def brackets_per_pass(self) -> int:
        return self.s_max + 1

    # -- as a pruner: every trial belongs to one bracket -----------------------------
    def prune_group(self, number: int) -> int:
        sizes = [self.bracket_shape(b)[1][0] for b in range(self.s_max + 1)]
        slot = number % sum(sizes)
        for bracket, size in enumerate(sizes):
            if slot < size:
                return bracket
            slot -= size
        raise AssertionError("unreachable: slot < sum(sizes)")

    def prune_rungs(self, number: int) -> tuple[int, ...]:
        first, _ = self.bracket_shape(self.prune_group(number))
        return tuple(range(first, self.s_max))


class BOHB(Hyperband):
    """Hyperband whose new configurations come from TPE (Falkner et al., 2018).

    The schedule is :class:`Hyperband`'s; the default sampler is
    :class:`~autoxai.samplers.TPESampler`, which, when evaluations carry budgets,
    models only the largest budget holding enough finished evaluations (its
    ``n_startup_trials``) and draws at random until one does. Once it models, a
    share ``random_fraction`` of new configurations is still drawn uniformly at random,
    as in the paper: however wrong the model, BOHB then samples the space as Hyperband
    does, and keeps Hyperband's guarantees up to a constant factor.

    Parameters
    ----------
    min_budget, max_budget, eta, n_brackets
        See :class:`Hyperband`.
    random_fraction : float
        Share of model-based proposals drawn at random instead (default 1/3, the
        paper's ρ).

    References
    ----------
    S. Falkner, A. Klein and F. Hutter, "BOHB: Robust and Efficient Hyperparameter
    Optimization at Scale", ICML 2018.
    """

    def __init__(self, min_budget, max_budget, *, eta=3, n_brackets: int | None = None,
                 random_fraction: float = 1 / 3):  # fmt: skip
        super().__init__(min_budget, max_budget, eta=eta, n_brackets=n_brackets)
        if not 0 <= random_fraction < 1:
            raise InvalidParameterError(
                f"random_fraction must be in [0, 1), got {random_fraction!r}"
            )
        self.random_fraction = random_fraction

    def default_sampler(self, random_state=None, **options):
        from autoxai.samplers import TPESampler

        options.setdefault("random_fraction", self.random_fraction)
        return TPESampler(random_state=random_state, **options)
