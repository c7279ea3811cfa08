"""The search history: best score so far over time and over trials, every trial's score;
for a multi-fidelity search, the scores on each budget against the budget spent."""

from __future__ import annotations

import numpy as np
import pandas as pd

from autoxai.plots._svg import BLUE, GREY, PALETTE, figure, style, to_svg, truncate

__all__ = ["best_so_far", "rung_scores", "trial_scores"]


def _running_best(scores: np.ndarray, greater_is_better: bool) -> np.ndarray:
    return np.maximum.accumulate(scores) if greater_is_better else np.minimum.accumulate(scores)


def best_so_far(trials: pd.DataFrame, *, metric: str, greater_is_better: bool) -> str:
    """Two panels: the best score so far by wall time, and by trial number.

    Parameters
    ----------
    trials : DataFrame
        Finished trials with columns ``number``, ``elapsed`` (seconds from the start of
        the search to the trial's completion; NaN when unknown) and ``score``.
    metric : str
    greater_is_better : bool

    Examples
    --------
    >>> t = pd.DataFrame({"number": [0, 1, 2], "elapsed": [1.0, 2.0, 3.5],
    ...                   "score": [0.7, 0.8, 0.75]})
    >>> best_so_far(t, metric="roc_auc", greater_is_better=True).startswith("<svg")
    True
    """
    by_time = trials.dropna(subset=["elapsed"]).sort_values("elapsed", kind="stable")
    by_number = trials.sort_values("number", kind="stable")
    with style():
        fig, axes = figure(8, 2.6, ncols=2, sharey=True)
        for ax, table, x, label in (
            (axes[0], by_time, "elapsed", "seconds since the search began"),
            (axes[1], by_number, "number", "trial number"),
        ):
            if table.empty:
                ax.text(
                    0.5,
                    0.5,
                    "no completion times recorded",
                    ha="center",
                    transform=ax.transAxes,
                    color=GREY,
                )
                continue
            xs = table[x].to_numpy(float)
            ys = table["score"].to_numpy(float)
            ax.scatter(xs, ys, s=10, color=GREY, alpha=0.6, label="trial", linewidths=0)
            ax.step(
                xs,
                _running_best(ys, greater_is_better),
                where="post",
                color=BLUE,
                linewidth=1.8,
                label="best so far",
            )
            ax.set_xlabel(label)
        axes[0].set_ylabel(f"cross-validated {truncate(metric, 30)}")
        axes[1].legend(loc="best", frameon=False)
        better = "higher" if greater_is_better else "lower"
        fig.suptitle(f"best score so far ({better} is better)", x=0.01, ha="left", fontsize=10)
        return to_svg(fig, label="best score so far, by time and by trial")


def trial_scores(trials: pd.DataFrame, *, metric: str, greater_is_better: bool) -> str:
    """Every finished trial's score against its number, coloured by model family.

    Parameters
    ----------
    trials : DataFrame
        Columns ``number``, ``score`` and ``model`` (the family's name).

    Examples
    --------
    >>> t = pd.DataFrame({"number": [0, 1], "score": [0.7, 0.8], "model": ["rf", "lgbm"]})
    >>> trial_scores(t, metric="roc_auc", greater_is_better=True).startswith("<svg")
    True
    """
    families = list(dict.fromkeys(trials["model"].astype(str)))
    with style():
        fig, ax = figure(8, 2.6)
        for i, family in enumerate(families):
            part = trials[trials["model"].astype(str) == family]
            # a leading space: matplotlib hides legend labels starting with "_"
            ax.scatter(
                part["number"],
                part["score"],
                s=16,
                color=PALETTE[i % len(PALETTE)],
                label=" " + truncate(family, 20),
                alpha=0.85,
                linewidths=0,
            )
        if len(trials):
            best = trials["score"].idxmax() if greater_is_better else trials["score"].idxmin()
            ax.scatter(
                [trials.loc[best, "number"]],
                [trials.loc[best, "score"]],
                s=80,
                facecolors="none",
                edgecolors="black",
                linewidths=1,
                label=" best",
            )
        ax.set_xlabel("trial number")
        ax.set_ylabel(f"cross-validated {truncate(metric, 30)}")
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
        ax.set_title("every finished trial, by model family", loc="left")
        return to_svg(fig, label="score of every trial by model family")


def _budget_label(budget: float) -> str:
    from autoxai.automl._fidelity import budget_text, is_full

    return "all rows" if is_full(budget) else f"{budget_text(budget)} of the rows"


def rung_scores(trials: pd.DataFrame, *, metric: str, greater_is_better: bool) -> str:
    """A multi-fidelity search: every score by budget, against budget spent and trial.

    One colour per budget (rung): its evaluations as dots and its best score so far as
    a step line. The left panel's axis is the budget spent, in full evaluations (an
    evaluation on a third of the rows counts a third), summed over the finished
    evaluations in the order they finished; the right panel's is the trial number.
    Scores on small budgets are usually worse and noisier: compare lines, not dots
    across colours.

    Parameters
    ----------
    trials : DataFrame
        Columns ``number``, ``state``, ``score``, ``budget`` and, optionally,
        ``elapsed`` (the order of completion; trial number when missing). Trials
        without a budget count as full evaluations.
    metric : str
    greater_is_better : bool

    Examples
    --------
    >>> t = pd.DataFrame({"number": [0, 1, 2, 3], "state": ["COMPLETE"] * 4,
    ...                   "score": [0.7, 0.8, 0.75, 0.85], "budget": [1 / 3, 1 / 3, 1, 1],
    ...                   "elapsed": [1.0, 2.0, 3.5, 5.0]})
    >>> rung_scores(t, metric="roc_auc", greater_is_better=True).startswith("<svg")
    True
    """
    finished = trials[trials["state"].isin(["COMPLETE", "FAILED", "PRUNED"])].copy()
    finished["budget"] = pd.to_numeric(finished["budget"], errors="coerce").fillna(1.0)
    top = float(finished["budget"].max()) if len(finished) else 1.0
    order = ["number"]
    if "elapsed" in finished and finished["elapsed"].notna().all():
        order = ["elapsed", "number"]
    finished = finished.sort_values(order, kind="stable")
    finished["spent"] = (finished["budget"] / top).cumsum()
    done = finished[finished["state"] == "COMPLETE"].dropna(subset=["score"])
    budgets = sorted(done["budget"].unique())
    with style():
        fig, axes = figure(8, 2.8, ncols=2, sharey=True)
        for i, budget in enumerate(budgets):
            part = done[done["budget"] == budget]
            colour = PALETTE[i % len(PALETTE)]
            label = f" {_budget_label(budget)} ({len(part)})"
            for ax, x in ((axes[0], "spent"), (axes[1], "number")):
                ordered = part.sort_values(x, kind="stable")
                xs = ordered[x].to_numpy(float)
                ys = ordered["score"].to_numpy(float)
                ax.scatter(xs, ys, s=12, color=colour, alpha=0.55, linewidths=0)
                ax.step(xs, _running_best(ys, greater_is_better), where="post", color=colour,
                        linewidth=1.6, label=label)  # fmt: skip
        if not budgets:
            for ax in axes:
                ax.text(0.5, 0.5, "no finished evaluations", ha="center",
                        transform=ax.transAxes, color=GREY)  # fmt: skip
        axes[0].set_xlabel("budget spent (full evaluations)")
        axes[1].set_xlabel("trial number")
        axes[0].set_ylabel(f"cross-validated {truncate(metric, 30)}")
        if budgets:
            axes[1].legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False,
                           title="budget (evaluations)")  # fmt: skip
        better = "higher" if greater_is_better else "lower"
        fig.suptitle(
            f"score on each budget, best so far as a line ({better} is better)",
            x=0.01, ha="left", fontsize=10,
        )  # fmt: skip
        return to_svg(fig, label="score on each budget, by budget spent and by trial")
