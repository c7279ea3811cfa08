"""Rung arithmetic against hand-computed schedules."""

import math

import pytest

from autoxai import Float, tune
from autoxai.exceptions import InvalidParameterError
from autoxai.schedulers import ASHA, Hyperband, SuccessiveHalving


@pytest.mark.parametrize(
    ("low", "high", "eta", "budgets"),
    [
        (1, 81, 3, (1, 3, 9, 27, 81)),
        (1, 100, 3, (1, 4, 11, 33, 100)),  # from the top down, rounded; top is max_budget
        (10, 810, 3, (10, 30, 90, 270, 810)),
        (1, 16, 2, (1, 2, 4, 8, 16)),
        (5, 5, 3, (5,)),
        (1, 8, 3, (3, 8)),  # 8/9 < min_budget: the rungs stop at 8/3, rounded
    ],
)
def test_budgets_of_the_rungs(low, high, eta, budgets):
    scheduler = SuccessiveHalving(low, high, eta=eta)
    assert scheduler.budgets == budgets
    assert all(isinstance(b, int) for b in scheduler.budgets)


def test_float_budgets_stay_floats():
    scheduler = ASHA(1 / 27, 1.0)
    assert scheduler.budgets == pytest.approx((1 / 27, 1 / 9, 1 / 3, 1.0))
    assert not scheduler.integer


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_budget": 0, "max_budget": 9},
        {"min_budget": 10, "max_budget": 9},
        {"min_budget": 1, "max_budget": 9, "eta": 1},
        {"min_budget": True, "max_budget": 9},
        {"min_budget": 1, "max_budget": "9"},
    ],
)
def test_bad_budgets_are_refused(kwargs):
    with pytest.raises(InvalidParameterError):
        SuccessiveHalving(**kwargs)


def _loss(params, budget):
    return (params["x"] - 0.3) ** 2 + 1.0 / budget


def test_one_sha_bracket_by_default_and_its_hand_computed_shape():
    study = tune(_loss, {"x": Float(-1, 1)}, method="sha", min_budget=1, max_budget=81,
                 eta=3, random_state=0)  # fmt: skip
    df = study.trials_dataframe()
    per_rung = df.groupby("rung").agg(n=("number", "size"), budget=("budget", "first"))
    assert per_rung["n"].tolist() == [81, 27, 9, 3, 1]
    assert per_rung["budget"].tolist() == [1, 3, 9, 27, 81]
    assert df["budget"].sum() == 81 * 1 + 27 * 3 + 9 * 9 + 3 * 27 + 81  # 405 units
    assert set(df["bracket"]) == {0}
    assert study.best_trial.budget == 81


def test_hyperband_round_matches_li_et_al_table():
    """Li et al. (2018), Table 1 (R = 81, eta = 3): brackets of 81, 34, 15, 8, 5."""
    study = tune(_loss, {"x": Float(-1, 1)}, method="hyperband", min_budget=1,
                 max_budget=81, random_state=0)  # fmt: skip
    df = study.trials_dataframe()
    counts = df.groupby(["bracket", "rung"]).size().to_dict()
    expected = {
        (0, 0): 81, (0, 1): 27, (0, 2): 9, (0, 3): 3, (0, 4): 1,
        (1, 1): 34, (1, 2): 11, (1, 3): 3, (1, 4): 1,
        (2, 2): 15, (2, 3): 5, (2, 4): 1,
        (3, 3): 8, (3, 4): 2,
        (4, 4): 5,
    }  # fmt: skip
    assert counts == expected
    scheduler = Hyperband(1, 81)
    for bracket, (first, n0) in enumerate([(0, 81), (1, 34), (2, 15), (3, 8), (4, 5)]):
        assert scheduler.bracket_shape(bracket)[0] == first
        assert scheduler.bracket_shape(bracket)[1][0] == n0
    # the next round starts over with the most aggressive bracket
    assert scheduler.bracket_shape(5) == scheduler.bracket_shape(0)


def test_sha_with_fewer_configurations_keeps_one_at_the_top():
    scheduler = SuccessiveHalving(1, 81, n_configs=10)
    assert scheduler.bracket_shape(0) == (0, (10, 3, 1, 1, 1))


def test_asha_natural_end_starts_eta_to_the_s_max_configurations():
    study = tune(_loss, {"x": Float(-1, 1)}, method="asha", min_budget=1, max_budget=27,
                 random_state=0)  # fmt: skip
    df = study.trials_dataframe()
    assert (df["rung"] == 0).sum() == 27
    # every promotion was earned when it was made (one worker: all earlier trials had
    # finished): its parent was in the top floor(n / eta) of the n evaluations then
    # finished at its rung. Later arrivals may push it out, so a rung can hold more
    # than 1/eta of the one below: ASHA's known price for never waiting.
    for _, t in df[df["parent"].notna()].iterrows():
        below = df[(df["rung"] == t["rung"] - 1) & (df["number"] < t["number"])]
        top = below.sort_values(["value", "number"]).head(math.floor(len(below) / 3))
        assert int(t["parent"]) in set(top["number"])
    assert df.groupby("rung").size().tolist()[-1] >= 1


def test_n_trials_counts_evaluations_and_brackets_repeat():
    study = tune(_loss, {"x": Float(-1, 1)}, method="sha", min_budget=1, max_budget=9,
                 n_trials=30, random_state=0)  # fmt: skip
    df = study.trials_dataframe()
    assert len(df) == 30
    assert df.groupby("bracket").size().tolist() == [13, 13, 4]  # 9 + 3 + 1 per bracket
