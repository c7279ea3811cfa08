"""A learned portfolio: zero-shot configurations tried first, in an order learned offline.

``portfolio.json`` (shipped next to this module, rebuilt by
``python benchmarks/portfolio.py --build``) holds, for each task, a set of candidate
configurations across the default model families (their hand-picked defaults plus random
draws from their spaces) and a loss matrix: each candidate's 3-fold cross-validated loss
on each benchmark table, measured on a capped sample of the table's rows.

:func:`load_portfolio` turns that matrix into an order. Each table's losses are scaled
to [0, 1] (best candidate 0, worst 1), so that tables with large losses do not dominate;
then the order is greedy (:func:`greedy_order`): first the candidate with the lowest mean
scaled loss, then at each step the one that most lowers the mean over tables of the best
scaled loss so far. That favours candidates which are good where the ones already
chosen are not, rather than many near-copies of one good configuration.

``exclude`` leaves tables out of the learning: when a benchmark evaluates on table T,
the order is learned without T (leave-one-dataset-out), so the portfolio is never
learned on the data it is judged on. :func:`n_portfolio` is the stopping rule: how many
entries to try on a table of a given size.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from autoxai.automl._zoo import FAMILIES

__all__ = [
    "PORTFOLIO_BY_DEFAULT",
    "PORTFOLIO_FILE",
    "fit_to_space",
    "flat",
    "greedy_order",
    "load_portfolio",
    "n_portfolio",
    "portfolio_entries",
    "scale_losses",
    "use_portfolio",
]

#: The shipped portfolio: candidates and their loss matrix per task.
PORTFOLIO_FILE = Path(__file__).with_name("portfolio.json")

#: ``n_portfolio`` tries about ``PORTFOLIO_SCALE / sqrt(n_rows)`` entries (20 at 1,000
#: rows, 6 at 10,000, 3 at 50,000 and more): on small tables an entry costs little and
#: a good zero-shot configuration is most of the gain; on big ones each entry is
#: expensive and the search should start sooner.
PORTFOLIO_SCALE = 640.0
#: The fewest entries tried, however big the table.
MIN_PORTFOLIO = 3
#: What ``AutoML(portfolio="auto")`` means. The portfolio is the default because it beat
#: the hand-picked defaults in ``benchmarks/results/portfolio.md`` (leave-one-dataset-out,
#: 23 tables x 3 seeds): at 5 trials 40 wins, 5 ties, 24 losses, mean relative error
#: 0.075 against 0.113; at 10 trials (35 of 69 pairs run) 17/8/10, 0.018 against 0.028.
PORTFOLIO_BY_DEFAULT = True


def scale_losses(losses: np.ndarray) -> np.ndarray:
    """Each column (table) of a candidates x tables loss matrix scaled to [0, 1].

    The best candidate of a table gets 0, the worst 1; a candidate that failed (NaN)
    counts as the worst; a table on which every candidate is equal gets 0 throughout.
    """
    losses = np.asarray(losses, dtype=float)
    low = np.nanmin(losses, axis=0)
    high = np.nanmax(losses, axis=0)
    span = np.where(high > low, high - low, 1.0)
    scaled = (losses - low) / span
    return np.where(np.isnan(scaled), 1.0, scaled)


def greedy_order(scaled: np.ndarray) -> list[int]:
    """The candidates' order (row indices) that greedily lowers the best-so-far loss.

    Each step picks the candidate minimising the mean over tables (columns) of the
    element-wise minimum of the best loss so far and its own loss. Ties go to the lower
    mean loss, then to the lower index, so once every table has its best candidate the
    rest follow by mean loss.
    """
    scaled = np.asarray(scaled, dtype=float)
    n = scaled.shape[0]
    best = np.full(scaled.shape[1], np.inf)
    mean = scaled.mean(axis=1) if scaled.shape[1] else np.zeros(n)
    left = list(range(n))
    order = []
    while left:
        gain = [np.minimum(best, scaled[i]).mean() if scaled.shape[1] else 0.0 for i in left]
        pick = left[min(range(len(left)), key=lambda j: (gain[j], mean[left[j]], left[j]))]
        order.append(pick)
        left.remove(pick)
        best = np.minimum(best, scaled[pick])
    return order


@functools.cache
def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def load_portfolio(
    task: str,
    exclude: Iterable[str] | None = None,
    models: Sequence[str] | None = None,
    *,
    path: Path | None = None,
) -> list[dict[str, Any]]:
    """The portfolio's configurations for ``task``, best first, in AutoML's flat form.

    Parameters
    ----------
    task : {"binary", "multiclass", "regression"}
    exclude : iterable of str, optional
        Benchmark tables left out of the learning (leave-one-dataset-out).
    models : sequence of str, optional
        Keep only the candidates of these model families (all when None).
    path : path, optional
        Another portfolio file (default the shipped one).

    Returns
    -------
    list of dict
        ``{"model": "lgbm", "lgbm.num_leaves": 31, ...}``, as ``Study.enqueue`` takes.
    """
    entry = _read(path or PORTFOLIO_FILE)["tasks"][task]
    dropped = set(exclude or ())
    columns = [j for j, name in enumerate(entry["tables"]) if name not in dropped]
    rows = [i for i, c in enumerate(entry["candidates"]) if models is None or c["model"] in models]
    if not rows:
        return []
    losses = np.asarray(entry["losses"], dtype=float).reshape(len(entry["candidates"]), -1)
    scaled = scale_losses(losses[np.ix_(rows, columns)]) if columns else np.zeros((len(rows), 0))
    return [flat(entry["candidates"][rows[k]]) for k in greedy_order(scaled)]


def flat(candidate: Mapping[str, Any]) -> dict[str, Any]:
    """A stored candidate in AutoML's flat form: ``rf`` with ``{"n_estimators": 9}``
    becomes ``{"model": "rf", "rf.n_estimators": 9}``."""
    name = candidate["model"]
    return {"model": name, **{f"{name}.{hp}": v for hp, v in candidate["params"].items()}}


def n_portfolio(n_rows: int, n_candidates: int) -> int:
    """How many portfolio entries to try on a table of ``n_rows`` rows (see the constants)."""
    wanted = max(MIN_PORTFOLIO, int(PORTFOLIO_SCALE / math.sqrt(max(n_rows, 1))))
    return min(n_candidates, wanted)


def fit_to_space(config: Mapping[str, Any], task: str, n_rows: int) -> dict[str, Any] | None:
    """A portfolio entry made valid in its family's space for this table, or None.

    Some spaces depend on the table's size (forests add ``max_samples`` on big tables,
    k-NN caps ``n_neighbors``): a missing hyperparameter takes the family's first
    default, one the space no longer has is dropped, and an entry with a value outside
    the space is skipped (None).
    """
    name = config["model"]
    family = FAMILIES[name]
    space = family.space(task, n_rows)
    default = family.defaults(task, n_rows)[0]
    out: dict[str, Any] = {"model": name}
    for hp, dist in space.items():
        value = config.get(f"{name}.{hp}", default.get(hp))
        if not dist.contains(value):
            return None
        out[f"{name}.{hp}"] = value
    return out


def use_portfolio(portfolio: str | bool, *, holdout: bool = False) -> bool:
    """Whether ``AutoML(portfolio=...)`` queues the portfolio.

    "auto" is the measured default, except on the large tables that use the ``holdout``
    split: the portfolio is learned by 3-fold CV on at most 800 rows per table, and
    beyond that regime its small-data configurations lost to the hand-picked defaults
    (held-out ROC AUC 0.787 against 0.834 on a 1,000,000-row table at 60 s; on the
    largest benchmark table, flights_delay, error 0.297 against 0.245 at 5 trials). Not
    one-sided: at 100,000 rows of the same synthetic table the portfolio did better
    (0.840 against 0.832 at 60 s, one seed).
    """
    if portfolio == "auto":
        return PORTFOLIO_BY_DEFAULT and not holdout
    return bool(portfolio)


def portfolio_entries(
    names: Sequence[str], task: str, n_rows: int, exclude: Iterable[str] = ()
) -> tuple[list[dict[str, Any]], list[str]]:
    """What AutoML queues first with the portfolio on, and the families it leaves out.

    The first :func:`n_portfolio` entries of the families in ``names`` that are valid
    for this table; and the families of ``names`` with no candidate in the portfolio
    (CatBoost, XGBoost), whose hand-picked defaults the caller queues after them.
    ``exclude`` names benchmark tables to learn the order without (see the module).
    """
    ordered = load_portfolio(task, exclude=exclude, models=names)
    valid = [c for c in (fit_to_space(e, task, n_rows) for e in ordered) if c is not None]
    covered = {c["model"] for c in ordered}
    return valid[: n_portfolio(n_rows, len(valid))], [n for n in names if n not in covered]
