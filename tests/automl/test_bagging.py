"""Bagged final models, kept fold models, the refit-or-bag decision and stacking."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LinearRegression

from autoxai import AutoML
from autoxai.automl import METRICS, StackedEnsemble, WeightedEnsemble, _automl
from autoxai.automl._final import bag, bagged_ensemble, decide, keep_best_folds
from autoxai.automl._objective import config_key, read_evaluation, read_fold_models
from autoxai.automl._stack import fit_level2, stack_features, stacking_loss
from autoxai.exceptions import InvalidParameterError

FAST = {"time_budget": None, "cv": 3, "n_jobs": 1, "random_state": 0}


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(n_samples=240, n_features=6, n_informative=4, random_state=3)
    return pd.DataFrame(X, columns=[f"f{i}" for i in range(6)]), pd.Series(y, name="y")


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(n_samples=200, n_features=5, noise=5.0, random_state=4)
    return pd.DataFrame(X, columns=[f"f{i}" for i in range(5)]), pd.Series(y, name="y")


def _fit(X, y, tmp_path, **options):
    opts = {**FAST, "n_trials": 4, "models": ["linear", "rf"], "workdir": tmp_path, **options}
    return AutoML(**opts).fit(X, y)


def test_bagged_prediction_is_the_mean_of_the_fold_models(binary, tmp_path):
    X, y = binary
    automl = _fit(X, y, tmp_path, final_model="bagged", ensemble=False, stack=False)
    assert automl.final_decisions_["final_model"] == "bagged"
    params = automl.leaderboard_.iloc[0]["_params"]
    folds = read_fold_models(tmp_path, params)
    assert len(folds) == 3
    expected = np.mean([m.predict_proba(X) for m in folds], axis=0)
    np.testing.assert_allclose(automl.predict_proba(X), expected, rtol=0, atol=1e-15)
    # the kept models are the cross-validation's: each reproduces its fold's OOF rows
    oof, _ = read_evaluation(tmp_path, params)
    for model, (_, test) in zip(folds, _splits(automl, y)):
        np.testing.assert_array_equal(model.predict_proba(X.iloc[test]), oof[test])


def _splits(automl, y):
    return automl._splits(np.asarray(y), True, automl.n_features_in_)


def test_bagged_ensemble_is_the_blend_weights_over_bags(regression, tmp_path):
    X, y = regression
    automl = _fit(X, y, tmp_path, final_model="bagged", stack=False, models=["linear", "knn"])
    chosen = automl.ensemble_
    bags = [
        bag(tmp_path, automl.leaderboard_.set_index("trial").loc[m["trial"], "_params"], None)
        for m in chosen
    ]
    expected = sum(m["weight"] * b.predict(X) for m, b in zip(chosen, bags))
    np.testing.assert_allclose(automl.predict(X), expected, rtol=1e-12)


def test_same_seed_and_trials_give_the_same_board_and_predictions(binary, tmp_path):
    X, y = binary
    runs = [_fit(X, y, tmp_path / str(i), final_model="bagged", stack=True) for i in range(2)]
    a, b = (r.leaderboard_.drop(columns=["fit_time"]) for r in runs)
    pd.testing.assert_frame_equal(a, b)
    np.testing.assert_array_equal(runs[0].predict_proba(X), runs[1].predict_proba(X))
    assert runs[0].final_decisions_["stack"] == runs[1].final_decisions_["stack"]


def test_save_and_load_a_bagged_model(binary, tmp_path, monkeypatch):
    from autoxai import load

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("AUTOXAI_MODEL_KEY", raising=False)
    X, y = binary
    automl = _fit(X, y, tmp_path / "work", final_model="bagged")
    assert isinstance(automl.best_model_, WeightedEnsemble)
    loaded = load(automl.save(tmp_path / "model"))
    np.testing.assert_array_equal(loaded.predict_proba(X), automl.predict_proba(X))


def test_a_budget_that_cannot_afford_the_refit_gives_a_bagged_model(binary, tmp_path, monkeypatch):
    # a holdout split (auto would refit) and a refit estimated at a million times the
    # folds' fit time: the budget left cannot hold it
    monkeypatch.setattr(_automl, "HOLDOUT_ROWS", 10)
    monkeypatch.setattr(_automl._RefitReserve, "SAFETY", 1e6)
    X, y = binary
    automl = _fit(X, y, tmp_path, time_budget=60, n_trials=2)
    decision = automl.final_decisions_
    assert decision["final_model"] == "bagged"
    assert "would not end" in decision["reason"]
    assert decision["refit_estimate"] > 60
    assert automl.timings_["total"] < 60
    assert len(automl.best_model_.members) == 1  # the holdout's one fold model


def test_only_final_model_refit_cuts_the_search_short_for_a_refit(binary, tmp_path, monkeypatch):
    # a holdout split and a refit estimated far beyond the budget: "auto" keeps the
    # holdout model and searches on (all trials run); "refit" stops the search for it
    monkeypatch.setattr(_automl, "HOLDOUT_ROWS", 10)

    def cost(self, configs, *, bagged=None):  # a refit of 10^6 s, loading models free
        return 0.0 if (self.bagged if bagged is None else bagged) else 1e6

    monkeypatch.setattr(_automl._RefitReserve, "cost", cost)
    X, y = binary

    def finished(final_model):
        automl = _fit(X, y, tmp_path / final_model, time_budget=60, n_trials=4,
                      final_model=final_model)  # fmt: skip
        return sum(t.state.name == "COMPLETE" for t in automl.study_.trials)

    assert finished("auto") == 4
    assert finished("refit") < 4


def test_kept_fold_models_record_their_size_and_write_time(binary, tmp_path):
    X, y = binary
    automl = _fit(X, y, tmp_path, final_model="bagged", ensemble=False, n_trials=2)
    params = automl.leaderboard_.iloc[0]["_params"]
    _, stats = read_evaluation(tmp_path, params)
    path = tmp_path / "models" / f"{config_key(params)}.joblib"
    assert stats["fold_models_bytes"] == path.stat().st_size
    assert stats["fold_models_seconds"] > 0
    # the reserve for a bag is the time to load it, not to refit it
    reserve = _automl._RefitReserve(tmp_path, None)
    safety = _automl._RefitReserve.SAFETY
    assert reserve.cost([params], bagged=True) == pytest.approx(
        stats["fold_models_seconds"] * safety
    )
    assert reserve.cost([params], bagged=False) == pytest.approx(stats["fit_time_mean"] * safety)
    assert reserve.bag_bytes([params, params]) == 2 * path.stat().st_size


def test_bags_beyond_the_byte_cap_are_dropped_smallest_weight_first(
    regression, tmp_path, monkeypatch
):
    X, y = regression
    options = {"final_model": "bagged", "stack": False, "models": ["linear", "knn"]}
    free = _fit(X, y, tmp_path / "free", **options)
    assert len(free.ensemble_) >= 2  # the blend has several members without the cap
    assert free.final_decisions_["members_dropped"] == 0
    monkeypatch.setattr(_automl, "BAG_BYTES", 1)  # every bag is over the cap
    capped = _fit(X, y, tmp_path / "capped", **options)
    assert capped.final_decisions_["members_dropped"] == len(free.ensemble_) - 1
    first = free.ensemble_[0]["trial"]  # the best of the blend's members: never dropped
    assert capped.ensemble_ == [{"trial": first, "weight": 1.0}]
    params = capped.leaderboard_.set_index("trial").loc[first, "_params"]
    expected = bag(tmp_path / "capped", params, None).predict(X)
    np.testing.assert_allclose(capped.predict(X), expected, rtol=1e-12)


@pytest.mark.parametrize(
    ("final_model", "holdout", "refit_seconds", "left", "kind"),
    [("auto", False, 1.0, None, "bagged"), ("auto", True, 1.0, None, "refit"),
     ("auto", True, 1.0, 5.0, "refit"), ("auto", True, 6.0, 5.0, "bagged"),
     ("refit", False, 9.0, 1.0, "refit"), ("bagged", True, 0.0, 5.0, "bagged")],
)  # fmt: skip
def test_decide(final_model, holdout, refit_seconds, left, kind):
    got, reason = decide(final_model, holdout=holdout, refit_seconds=refit_seconds,
                         seconds_left=left)  # fmt: skip
    assert got == kind and reason


def test_refit_of_a_bag_refits_its_configuration_once(regression, tmp_path):
    # what the explanation stage does with the chosen model (clone, fit on 70 % of rows)
    X, y = regression
    automl = _fit(X, y, tmp_path, final_model="bagged", ensemble=False)
    bagged = automl.best_model_
    assert len(bagged.members) == 3
    part = X.index[:140]
    refit = clone(bagged).fit(X.loc[part], y.loc[part])
    assert len(refit.members) == 1 and refit.weights.tolist() == pytest.approx([1.0])
    single = clone(bagged.members[0]).fit(X.loc[part], y.loc[part])
    np.testing.assert_array_equal(refit.predict(X), single.predict(X))


def test_refit_of_a_bagged_ensemble_sums_each_configurations_weight():
    class Const(LinearRegression):
        pass

    X = np.arange(8.0)[:, None]
    y = 2 * X[:, 0]
    folds = [Const().fit(X, y) for _ in range(4)]
    bags = [WeightedEnsemble(folds[:2], [0.5, 0.5], groups=[0, 0]),
            WeightedEnsemble(folds[2:], [0.5, 0.5], groups=[0, 0])]  # fmt: skip
    ens = bagged_ensemble(bags, [0.25, 0.75], None)
    assert ens.groups == [0, 0, 1, 1]
    assert ens.weights.tolist() == pytest.approx([0.125, 0.125, 0.375, 0.375])
    ens.fit(X, y)
    assert len(ens.members) == 2 and ens.weights.tolist() == pytest.approx([0.25, 0.75])


def test_only_the_best_configurations_keep_their_fold_models(binary, tmp_path, monkeypatch):
    monkeypatch.setattr(_automl, "keep_best_folds", lambda w: keep_best_folds(w, n_keep=2))
    monkeypatch.setattr(_automl, "keep_folds", lambda w, configs: None)  # see the search's
    X, y = binary
    automl = _fit(X, y, tmp_path, n_trials=5, final_model="bagged", ensemble=False)
    kept = sorted(p.stem for p in (tmp_path / "models").glob("*.joblib"))
    best = automl.leaderboard_.head(2)["_params"]
    assert kept == sorted(config_key(p) for p in best)


def test_after_the_fit_only_the_final_models_folds_are_kept(binary, tmp_path):
    X, y = binary
    automl = _fit(X, y, tmp_path, n_trials=5, final_model="bagged", ensemble=False)
    kept = [p.stem for p in (tmp_path / "models").glob("*.joblib")]
    assert kept == [config_key(automl.leaderboard_.iloc[0]["_params"])]


def test_refit_keeps_no_fold_models(binary, tmp_path):
    X, y = binary
    automl = _fit(X, y, tmp_path, final_model="refit", n_trials=2)
    assert automl.final_decisions_["final_model"] == "refit"
    assert not list(tmp_path.glob("models/*"))


def test_stacking_wins_with_complementary_members():
    # member a carries x1, member b x2; y = x1 + x2. The blend of a and b can only
    # average them; non-negative least squares finds weights 1 and 1.
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=120), rng.normal(size=120)
    y = a + b
    folds = np.array_split(rng.permutation(120), 4)
    rmse = METRICS["rmse"]
    loss, level2 = stacking_loss([a, b], y, folds, rmse.loss, False, 0)
    blend = float(np.mean([rmse.loss(y[f], (a[f] + b[f]) / 2) for f in folds]))
    assert loss < 1e-9 < blend
    assert level2.coef_ == pytest.approx([1.0, 1.0])
    automl = AutoML(stack=True)
    automl.classes_ = None
    info, kept = automl._stacking([a, b], np.array([0.5, 0.5]), y, rmse, folds)
    assert info["kept"] and isinstance(kept, LinearRegression)
    assert info["stack_loss"] == pytest.approx(loss) and info["blend_loss"] == pytest.approx(blend)


def test_stacking_is_rejected_when_it_does_not_beat_the_blend():
    rng = np.random.default_rng(1)
    y = rng.normal(size=80)
    perfect, noise = y.copy(), rng.normal(size=80)
    folds = np.array_split(np.arange(80), 4)
    automl = AutoML(stack=True)
    automl.classes_ = None
    info, kept = automl._stacking([perfect, noise], np.array([1.0, 0.0]), y, METRICS["rmse"], folds)
    assert info["tried"] and not info["kept"] and kept is None
    assert info["blend_loss"] == 0.0


def test_stacking_is_scored_on_rows_it_was_not_fitted_on():
    # pure noise: in-sample NNLS fits some of it, the inner CV cannot
    rng = np.random.default_rng(2)
    preds = [rng.normal(size=60) for _ in range(8)]
    y = rng.normal(size=60)
    folds = np.array_split(np.arange(60), 3)
    rmse = METRICS["rmse"]
    loss, _ = stacking_loss(preds, y, folds, rmse.loss, False, 0)
    F = np.column_stack(preds)
    oof = np.zeros(60)
    for f in folds:
        rest = np.setdiff1d(np.arange(60), f)
        oof[f] = (
            LinearRegression(positive=True, fit_intercept=False).fit(F[rest], y[rest]).predict(F[f])
        )
    assert loss == pytest.approx(np.mean([rmse.loss(y[f], oof[f]) for f in folds]), abs=1e-12)
    in_sample = fit_level2(F, y, False, 0).predict(F)
    assert loss > np.mean([rmse.loss(y[f], in_sample[f]) for f in folds])


def test_stacked_ensemble_predicts_from_its_members_log_odds(binary, tmp_path):
    X, y = binary
    automl = _fit(X, y, tmp_path, final_model="refit", stack=False, models=["linear", "rf"],
                  n_trials=4)  # fmt: skip
    members = [automl.best_pipeline_]
    features = stack_features([m.predict_proba(X) for m in members], True)
    level2 = fit_level2(features, np.asarray(y), True, 0)
    stacked = StackedEnsemble(members, level2, classes=automl.classes_)
    np.testing.assert_array_equal(stacked.predict_proba(X), level2.predict_proba(features))
    assert set(stacked.predict(X)) <= set(automl.classes_)


def test_stack_auto_needs_120_seconds(regression, tmp_path):
    X, y = regression
    automl = _fit(X, y, tmp_path, time_budget=30, n_trials=3, stack="auto")
    assert automl.final_decisions_["stack"] == {
        "tried": False, "kept": False, "reason": "time_budget below 120 s"}  # fmt: skip


@pytest.mark.parametrize(("option", "value"), [("final_model", "bag"), ("stack", "yes")])
def test_bad_options_are_refused(option, value, binary):
    X, y = binary
    with pytest.raises(InvalidParameterError, match=option):
        AutoML(**{**FAST, "n_trials": 1, option: value}).fit(X, y)


def test_a_run_explains_a_bagged_model_on_held_out_rows(tmp_path, monkeypatch):
    # the explanation stage refits the bag (its configuration once) on 70 % of the rows
    import json

    from autoxai import run
    from autoxai.datasets import load_penguins

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("AUTOXAI_MODEL_KEY", raising=False)
    result = run(load_penguins(), "species", time_budget=None, n_trials=3, cv=3, n_jobs=1,
                 models=["linear", "rf"], explain_budget=30, out=tmp_path / "run")  # fmt: skip
    info = json.loads((tmp_path / "run" / "run.json").read_text())
    assert info["final"]["final_model"] == "bagged"
    assert info["settings"]["final_model"] == "auto"
    manifest = json.loads((tmp_path / "run" / "explanations" / "manifest.json").read_text())
    assert manifest["rows"]["kind"] == "held-out"
    assert "permutation_importance" in result.explanations
    assert (tmp_path / "run" / "report.html").exists()
