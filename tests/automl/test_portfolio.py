"""The learned portfolio: its greedy order, leave-one-out, stopping rule and use by AutoML."""

import json

import numpy as np
import pytest

from autoxai.automl import AutoML
from autoxai.automl._portfolio import (
    fit_to_space,
    greedy_order,
    load_portfolio,
    n_portfolio,
    portfolio_entries,
    scale_losses,
)
from autoxai.automl._zoo import FAMILIES
from autoxai.datasets import load_penguins


def test_greedy_order_on_a_hand_made_matrix():
    # c0 first (lowest mean). Then c2, though its mean (0.5) is worse than c1's (0.475):
    # with c0 the best-so-far mean is 0.075 after c1 but 0.05 after c2.
    scaled = [[0.1, 0.1], [0.05, 0.9], [1.0, 0.0]]
    assert greedy_order(scaled) == [0, 2, 1]


def test_greedy_order_breaks_ties_by_mean_then_index():
    scaled = [[0, 1, 1], [0.2, 0.2, 0.2], [1, 0, 0.5], [1, 1, 0]]
    # c1 (mean 0.2); then c0, c2, c3 each give 0.1333: c2 has the lowest mean; then c0
    # and c3 each give 0.0667 with equal means: the lower index.
    assert greedy_order(scaled) == [1, 2, 0, 3]


def test_scale_losses_per_table_with_failures_worst():
    losses = np.array([[1.0, 10.0], [3.0, 10.0], [np.nan, 20.0]])
    np.testing.assert_array_equal(scale_losses(losses), [[0, 0], [1, 0], [1, 1]])


def _file(tmp_path):
    data = {
        "tasks": {
            "binary": {
                "tables": ["a", "b"],
                "candidates": [
                    {"model": "linear", "params": {"alpha": 1.0}},
                    {"model": "knn", "params": {"n_neighbors": 5, "weights": "distance"}},
                ],
                # linear is best on a, k-NN on b by more: b decides the order
                "losses": [[0.1, 0.9], [0.2, 0.1]],
            }
        }
    }
    path = tmp_path / "portfolio.json"
    path.write_text(json.dumps(data))
    return path


def test_load_portfolio_orders_and_exclude_drops_the_table(tmp_path):
    path = _file(tmp_path)
    linear = {"model": "linear", "linear.alpha": 1.0}
    knn = {"model": "knn", "knn.n_neighbors": 5, "knn.weights": "distance"}
    # both tables: scaled losses linear [0, 1], knn [1, 0]: a tie, broken by index
    assert load_portfolio("binary", path=path) == [linear, knn]
    assert load_portfolio("binary", exclude=["a"], path=path) == [knn, linear]
    assert load_portfolio("binary", exclude=["b"], path=path) == [linear, knn]
    assert load_portfolio("binary", models=["knn"], path=path) == [knn]
    assert load_portfolio("binary", models=["rf"], path=path) == []


@pytest.mark.parametrize(
    ("n_rows", "n_candidates", "expected"),
    [(100, 25, 25), (1_000, 25, 20), (10_000, 25, 6), (100_000, 25, 3), (1_000, 5, 5)],
)
def test_n_portfolio_tries_fewer_entries_on_bigger_tables(n_rows, n_candidates, expected):
    assert n_portfolio(n_rows, n_candidates) == expected


def test_fit_to_space_fills_drops_and_skips():
    big = fit_to_space({"model": "rf", "rf.n_estimators": 100, "rf.max_features": 0.5,
                        "rf.min_samples_leaf": 1}, "binary", 1_000_000)  # fmt: skip
    assert big["rf.max_samples"] == FAMILIES["rf"].defaults("binary", 1_000_000)[0]["max_samples"]
    small = fit_to_space({**big, "rf.n_estimators": 100}, "binary", 1_000)
    assert "rf.max_samples" not in small
    assert fit_to_space({"model": "knn", "knn.n_neighbors": 90, "knn.weights": "uniform"},
                        "binary", 40) is None  # fmt: skip


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_the_shipped_portfolio_loads_and_is_valid(task):
    entries = load_portfolio(task)
    assert len(entries) >= 20
    assert len({e["model"] for e in entries}) >= 5
    for entry in entries:
        assert fit_to_space(entry, task, 1_000) == entry


def test_automl_with_portfolio_queues_its_entries():
    df = load_penguins()
    X, y = df.drop(columns="species"), df["species"]
    models = ["linear", "rf", "knn"]
    automl = AutoML(n_trials=4, time_budget=None, cv=3, models=models, ensemble=False,
                    portfolio=True, n_jobs=1).fit(X, y)  # fmt: skip
    expected, uncovered = portfolio_entries(models, "multiclass", len(y))
    assert uncovered == []
    tried = automl.leaderboard_.sort_values("trial")["_params"].tolist()
    assert tried == expected[:4]
    defaults = AutoML(n_trials=4, time_budget=None, cv=3, models=models, ensemble=False,
                      portfolio=False, n_jobs=1).fit(X, y)  # fmt: skip
    assert (
        defaults.leaderboard_.sort_values("trial")["_params"].tolist()
        == (AutoML._defaults(models, "multiclass", len(y))[:4])
    )


def test_auto_uses_the_hand_picked_defaults_under_the_holdout_split(monkeypatch):
    # the portfolio is learned on small tables; on the large tables that use the holdout
    # split "auto" queues the hand-picked defaults, while True still means the portfolio
    from autoxai.automl import _automl

    monkeypatch.setattr(_automl, "HOLDOUT_ROWS", 10)
    df = load_penguins()
    X, y = df.drop(columns="species"), df["species"]
    models = ["linear", "rf", "knn"]

    def tried(portfolio):
        automl = AutoML(n_trials=3, time_budget=None, models=models, ensemble=False,
                        portfolio=portfolio, n_jobs=1).fit(X, y)  # fmt: skip
        return automl.leaderboard_.sort_values("trial")["_params"].tolist()

    assert tried("auto") == AutoML._defaults(models, "multiclass", len(y))[:3]
    assert tried(True) == portfolio_entries(models, "multiclass", len(y))[0][:3]
