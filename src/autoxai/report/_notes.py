"""How to read this: what each part of the report measures, and what it cannot tell.

One :class:`Note` per method (by the method name an :class:`~autoxai.explain.Explanation`
carries, or a report section's key). The texts are the report's; they are plain strings
and escaped like everything else when the page is written.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NOTES", "Note", "note_for"]


@dataclass(frozen=True)
class Note:
    """What a method measures, how to read its figure, and its blind spots."""

    measures: str
    read: str
    cannot: str


NOTES: dict[str, Note] = {
    "leaderboard": Note(
        measures="Every configuration the search finished, best first, with its "
        "cross-validated score, the spread of that score across folds and its fit time.",
        read="Differences smaller than the ± std column are within the noise of the "
        "folds: the top few rows are often equally good.",
        cannot="A cross-validated score is an estimate on the data you gave; it says "
        "nothing about data that differs from it (other periods, other sources).",
    ),
    "search": Note(
        measures="The best score found so far, after each finished trial, by wall time "
        "and by trial number; and every trial's score by model family.",
        read="A curve still falling (or rising) at the end means more budget would "
        "probably help; a long flat tail means the search had converged.",
        cannot="The search only saw the model families and ranges of its space; a flat "
        "curve is no proof that no better model exists.",
    ),
    "search_rungs": Note(
        measures="A multi-fidelity search (successive halving, Hyperband, ASHA, BOHB): "
        "configurations are first cross-validated on a share of each training fold (the "
        "budget), and only the best go up to the next, larger share; the table counts "
        "the evaluations on each budget, the figure shows their scores, one colour per "
        "budget. The known-good defaults are evaluated on all rows from the start.",
        read="Scores on small budgets are usually worse and noisier than on all rows: "
        "compare each colour's line with itself, not dots across colours. Only the "
        "evaluations on all rows enter the leaderboard, the ensemble and the refit; the "
        "history column shows the budgets a configuration climbed through.",
        cannot="A configuration dropped on a small budget was judged on little data; "
        "models that need many rows to shine (boosting with many leaves) can be dropped "
        "early although they would have won on all rows.",
    ),
    "search_importance": Note(
        measures="Which hyperparameters mattered for the score: a random forest is "
        "fitted to (hyperparameters → cross-validated loss) of the finished trials and "
        "its permutation importance is shown.",
        read="A long bar: changing that setting changed the score a lot over the trials "
        "the search ran. 'model' is the choice of model family.",
        cannot="It describes the trials the search chose to run, not the whole space: "
        "with few trials, or a sampler that concentrated on one region, it is rough.",
    ),
    "permutation_importance": Note(
        measures="How much the model's score drops when one column's values are shuffled "
        "across the rows, breaking its link to the target (whiskers: a confidence "
        "interval over the data, from a bootstrap of the rows; the spread of single "
        "shuffles is the smaller Monte-Carlo noise, shown apart).",
        read="Longer bar: the fitted model relies more on the column. Colour gives the "
        "direction, read separately from the slope of the column's partial dependence "
        "(+ raises the prediction, − lowers it, grey: not monotone or not numeric).",
        cannot="The importance itself has no direction. With correlated columns, "
        "shuffling one creates rows that never occur and the model can read the "
        "information from its partner, so each of the pair looks less important than "
        "the pair is. It explains this model, not the data.",
    ),
    "drop_column_importance": Note(
        measures="How much the cross-validated score drops when the model is refitted "
        "without the column (whiskers: the spread over folds; dots: each fold).",
        read="It measures the information a column adds to what the other columns "
        "already carry. A small value for a column that permutation importance ranks "
        "high means another column duplicates it.",
        cannot="It speaks about the data and the model family, not about the fitted "
        "model. Redundant columns each score near zero; it has no direction.",
    ),
    "shap_importance": Note(
        measures="The average size of each column's SHAP value (mean |SHAP|) over the "
        "explained rows.",
        read="Longer bar: the column moves individual predictions more, in either "
        "direction; the beeswarm shows which direction for which values.",
        cannot="Like every SHAP summary it is relative to the background rows: a column "
        "that is the same in every background row gets little credit.",
    ),
    "shap": Note(
        measures="SHAP values: each column's share of the difference between a row's "
        "prediction and the base value (the average prediction over the background "
        "rows). For each row the shares add up exactly to that difference.",
        read="Beeswarm: one dot per row and column, placed at its SHAP value and "
        "coloured by the column's value (red high, blue low). Dots right of zero raise "
        "the prediction. A red cloud on the right: high values raise it.",
        cannot="The values are defined relative to the background distribution; with "
        "correlated columns the credit can be split between them in ways that do not "
        "match any causal story. They describe the model, not the world.",
    ),
    "surrogate": Note(
        measures="A shallow decision tree trained to imitate the model's predictions; "
        "its fidelity is how often (or how closely) it agrees with the model on rows it "
        "was not fitted on.",
        read="Follow a row from the top: each box asks a question, the answer picks the "
        "branch; leaves give what the model predicts for such rows and how many rows "
        "reach them.",
        cannot="A surrogate is only as good as its fidelity: below about 0.8 it is a "
        "caricature of the model. A shallow tree cannot show smooth effects or "
        "interactions beyond its depth.",
    ),
    "partial_dependence": Note(
        measures="Partial dependence (thick line): the average prediction when the "
        "column is set to each grid value in every row. ICE (thin lines): the same for "
        "single rows. ALE (lower panel): the accumulated local effect of the column.",
        read="The slope is the column's average effect. ICE lines that run parallel "
        "mean the effect is the same for every row; lines that spread or cross mean the "
        "column interacts with others (the heterogeneity number measures that spread).",
        cannot="PDP averages over all rows and, under correlated columns, evaluates "
        "rows that never occur (it extrapolates); ALE uses only nearby, real rows and "
        "stays valid there. Neither says anything causal.",
    ),
    "ale": Note(
        measures="Accumulated local effects: how the prediction changes as the column "
        "moves between neighbouring values, for the rows that actually have such values, "
        "accumulated and centred on zero.",
        read="Above zero: rows with such a value get a higher prediction than average "
        "because of this column. Where PDP and ALE disagree, trust ALE.",
        cannot="ALE is an average, so it hides interactions (see the ICE lines), and "
        "it needs enough rows in each bin: a sparse range is noisy.",
    ),
    "consensus": Note(
        measures="Each global method's ranking of the columns side by side, the mean "
        "rank, and how well the methods agree: rank correlation and the agreement "
        "metrics of Krishna et al. (share of the top k in common, in the same place, "
        "with the same sign; share of pairs in the same order).",
        read="Columns every method ranks near the top are safe conclusions. A flagged "
        "disagreement tells you the methods answer different questions (reliance vs. "
        "added information vs. contribution) — look at why before trusting one.",
        cannot="Agreement between methods is not proof: they share the same model and "
        "data, and all of them are affected by correlated columns. The deletion curves "
        "test the rankings against the model itself, but removing columns creates rows "
        "that mix values of different rows; a model that extrapolates badly there "
        "favours whichever ranking removes such columns first.",
    ),
    "local_shap": Note(
        measures="A SHAP waterfall for one row: from the base value (the average "
        "prediction over the background rows), each column's SHAP value moves the "
        "prediction up (red) or down (blue) until it reaches this row's prediction.",
        read="The largest steps are the columns that drove this prediction; small "
        "columns are grouped as 'other'.",
        cannot="The steps are relative to the background rows: change the background "
        "and the steps change. They explain the model's output, not the true outcome.",
    ),
    "lime": Note(
        measures="LIME: a weighted linear model fitted to the model's predictions on "
        "samples around this row; each bar is the weight of a statement about the row "
        "(such as '32 < age <= 50').",
        read="Positive weights push the prediction up near this row. Fidelity is how "
        "well the linear model matches the model locally; stability is how much the top "
        "features agree across random seeds (1 = always the same).",
        cannot="LIME is local and can be unstable: another seed or kernel width can "
        "give other weights. With low fidelity, the weights describe a poor fit.",
    ),
    "warnings": Note(
        measures="Everything a method reported about its own trustworthiness, and the "
        "methods that failed or were skipped.",
        read="Read these before drawing conclusions from the figures above.",
        cannot="A method without warnings is not necessarily right: the checks cover "
        "known failure modes only.",
    ),
    "timings": Note(
        measures="Seconds and rows each explanation method used, within the explanation budget.",
        read="Methods run on a random sample of the rows when the budget is tight; the "
        "rows column shows how many.",
        cannot="Timings depend on the machine and on what else ran at the same time.",
    ),
}


def note_for(key: str) -> Note | None:
    """The note of a method or section (``"pdp:age"`` reads the PDP note)."""
    base = key.split(":", 1)[0]
    aliases = {"pdp": "partial_dependence", "local_lime": "lime"}
    return NOTES.get(aliases.get(base, base))
