"""GlobalExplainer: one orchestrator; a method stopped at its time limit is skipped."""

import time

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from autoxai.explain import GlobalExplainer, explain_model, permutation_importance
from autoxai.explain._deadline import OutOfTime, check_time, time_limit
from autoxai.runs._plan import HARD_LIMIT_SLACK, METHOD_SHARES, TimePlan


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    y = 2 * X["a"] - X["b"] + rng.normal(scale=0.1, size=200)
    return X, y, LinearRegression().fit(X, y)


class Slow:
    """A fitted regressor whose every predict call takes ``seconds`` (counted)."""

    def __init__(self, model, seconds):
        self.model, self.seconds, self.calls = model, seconds, 0
        self.feature_names_in_ = model.feature_names_in_

    def predict(self, X):
        self.calls += 1
        time.sleep(self.seconds)
        return self.model.predict(X)


class Limited(GlobalExplainer):
    def limit(self, name):
        return 0.25


def test_time_limit_raises_only_after_it_passes():
    check_time()  # no limit: never raises
    with time_limit(0.2):
        check_time()
        with time_limit(10):  # nested: the earlier end holds
            time.sleep(0.25)
            with pytest.raises(OutOfTime):
                check_time()
    check_time()  # the limit ended with its block


def test_a_method_out_of_time_is_skipped_and_stops(data):
    X, y, fitted = data
    slow = Slow(fitted, 0.1)
    lines = []
    explainer = Limited(slow, strict=True, progress=lines.append)
    start = time.perf_counter()
    assert explainer.permutation_importance(X, y, 0) is None
    elapsed = time.perf_counter() - start
    entry = explainer.log[-1]
    assert entry["status"] == "skipped" and entry["note"].startswith("out of time")
    assert "permutation_importance" not in explainer.results
    assert lines == ["permutation_importance: skipped (" + entry["note"] + ")"]
    # every call sleeps 0.1 s, so at most 3 start before the 0.25 s limit; unlimited,
    # the method makes more
    assert 1 <= slow.calls <= 3
    unlimited = Slow(fitted, 0.0)
    GlobalExplainer(unlimited).permutation_importance(X, y, 0)
    assert unlimited.calls > 3
    assert elapsed < 1.0  # under load this bound may be loose, never the call count


def test_without_a_limit_the_same_method_finishes(data):
    X, y, fitted = data
    explainer = GlobalExplainer(fitted)
    result = explainer.permutation_importance(X, y, 0)
    direct = permutation_importance(fitted, X, y, n_repeats=5, random_state=0)
    np.testing.assert_array_equal(result.values, direct.values)
    assert explainer.log[-1]["status"] == "done"


def test_strict_raises_and_lenient_records(data):
    X, y, fitted = data
    with pytest.raises(Exception, match="y must have one value per row"):
        GlobalExplainer(fitted).permutation_importance(X, y[:5], 0)
    lenient = GlobalExplainer(fitted, strict=False)
    assert lenient.permutation_importance(X, y[:5], 0) is None
    assert lenient.failures[0][0] == "permutation_importance"
    assert "y must have one value per row" in lenient.failures[0][1]


def test_explain_model_is_the_orchestrator_without_a_limit(data):
    X, y, fitted = data
    result = explain_model(fitted, X, y, methods=["permutation", "surrogate"], random_state=0)
    seeds = np.random.default_rng(0).integers(2**31 - 1, size=5)
    explainer = GlobalExplainer(fitted)
    explainer.permutation_importance(X, y.to_numpy(), int(seeds[1]))
    explainer.surrogate(X, int(seeds[2]))
    explainer.consensus()
    for name in ("permutation_importance", "surrogate", "consensus"):
        np.testing.assert_array_equal(result[name].values, explainer.results[name].values)


def test_plan_limit_is_slack_times_share_capped_by_what_is_left():
    for step, share in METHOD_SHARES.items():
        assert TimePlan.limit(step, 10.0) == min(10.0, HARD_LIMIT_SLACK * share * 10.0)
    assert TimePlan.limit("consensus", 7.0) == 7.0
    assert TimePlan.limit("pdp", 0.0) == 0.0
