"""A study run on a Dask cluster through ``Client.get_executor()``."""

import distributed  # in the test extra, so this test always runs
import pytest

from autoxai import Float, Int, TrialState, tune


@pytest.mark.slow
def test_study_runs_on_a_local_dask_cluster():
    scale = 3.0  # a closure: Dask ships it with cloudpickle
    space = {"x": Float(-1.0, 1.0), "k": Int(1, 5)}
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        executor = client.get_executor()
        study = tune(
            lambda p: scale * p["x"] ** 2 + p["k"],
            space,
            n_trials=10,
            random_state=0,
            executor=executor,
        )
        worker_pids = set(client.run(lambda: __import__("os").getpid()).values())
    assert len(worker_pids) == 2
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 10
    local = tune(lambda p: scale * p["x"] ** 2 + p["k"], space, n_trials=10, random_state=0)
    assert [t.params for t in study.trials] == [t.params for t in local.trials]
    assert [t.value for t in study.trials] == [t.value for t in local.trials]


@pytest.mark.slow
def test_automl_runs_its_trials_on_dask():
    from autoxai import AutoML
    from autoxai.datasets import load_penguins

    df = load_penguins()
    train, test = df.iloc[::2], df.iloc[1::2]  # every other row held out
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        automl = AutoML(
            n_trials=4, time_budget=None, cv=3, models=["linear", "rf"],
            executor=client.get_executor(),
        )  # fmt: skip
        automl.fit(train.drop(columns="species"), train["species"])
    assert len(automl.leaderboard_) == 4
    assert automl.score(test.drop(columns="species"), test["species"]) > 0.9


@pytest.mark.slow
def test_asha_runs_on_a_local_dask_cluster():
    import time

    def objective(params, budget):  # a closure over nothing, shipped by cloudpickle
        time.sleep(0.01 * budget)
        return (params["x"] - 0.2) ** 2 + 1.0 / budget

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        study = tune(objective, {"x": Float(-1.0, 1.0)}, method="asha", min_budget=1,
                     max_budget=9, n_trials=30, executor=client.get_executor(),
                     random_state=0)  # fmt: skip
    trials = study.trials
    assert len(trials) == 30 and all(t.state is TrialState.COMPLETE for t in trials)
    assert {t.budget for t in trials} <= {1, 3, 9}
    assert any(t.budget == 9 for t in trials)
    promoted = [t for t in trials if t.parent is not None]
    assert promoted  # ASHA promoted some configurations to larger budgets
    assert all(trials[t.parent].params == t.params for t in promoted)
