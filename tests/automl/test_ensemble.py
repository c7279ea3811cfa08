import numpy as np
import pytest

from autoxai.automl import METRICS, WeightedEnsemble, get_metric, greedy_selection
from autoxai.exceptions import AutoXAIError


def test_greedy_selection_finds_the_complementary_pair():
    # Two models each right on half the rows; their average is right everywhere.
    y = np.array([0.0, 0.0, 1.0, 1.0])
    a = np.array([0.0, 0.0, 0.0, 2.0])  # errors of 1 on rows 2, 3 (one up, one down)
    b = np.array([0.0, 0.0, 2.0, 0.0])
    bad = np.array([5.0, 5.0, 5.0, 5.0])

    def mse(y_true, pred):
        return float(np.mean((y_true - pred) ** 2))

    weights, loss = greedy_selection([a, b, bad], y, mse)
    assert loss == pytest.approx(0.0)
    assert weights[2] == 0
    assert weights[0] == pytest.approx(0.5)
    assert weights[1] == pytest.approx(0.5)


def test_greedy_selection_keeps_a_single_dominant_model():
    y = np.arange(10.0)
    weights, loss = greedy_selection(
        [y + 0.01, y + 3.0], y, lambda t, p: float(np.mean((t - p) ** 2))
    )
    assert weights.tolist() == [1.0, 0.0]
    assert loss == pytest.approx(1e-4)


def test_weighted_ensemble_averages_probabilities():
    class Const:
        def __init__(self, p):
            self.p = np.asarray(p)

        def predict_proba(self, X):
            return np.tile(self.p, (len(X), 1))

    ens = WeightedEnsemble([Const([0.8, 0.2]), Const([0.2, 0.8])], [0.25, 0.75], classes=["a", "b"])
    assert np.allclose(ens.predict_proba([[0], [1]]), [[0.35, 0.65]] * 2)
    assert ens.predict([[0]]).tolist() == ["b"]


def test_metrics_are_losses_with_the_right_sign():
    y = np.array([0, 1, 1, 0])
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.6, 0.4]])
    auc = METRICS["roc_auc"]
    assert auc.loss(y, proba) == pytest.approx(-1.0)
    assert auc.from_loss(auc.loss(y, proba)) == pytest.approx(1.0)
    assert METRICS["accuracy"].score(y, proba) == 1.0
    assert get_metric(None, "multiclass").name == "log_loss"
    assert get_metric(None, "regression").name == "rmse"
    with pytest.raises(AutoXAIError, match="does not apply to a regression task"):
        get_metric("roc_auc", "regression")
    with pytest.raises(AutoXAIError, match="Did you mean 'rmse'"):
        get_metric("rmsе", "regression")


def _write_evaluation(workdir, params, oof, loss):
    """What CVObjective leaves for a configuration: its OOF predictions and statistics."""
    import json

    from autoxai.automl._objective import config_key

    key = config_key(params)
    np.save(workdir / f"{key}.npy", oof)
    stats = {"loss_mean": loss, "loss_std": 0.0, "fit_time": 1.0, "fit_time_mean": 0.25,
             "budget": None}  # fmt: skip
    (workdir / f"{key}.json").write_text(json.dumps(stats))


def test_ensemble_is_accepted_on_the_same_loss_as_the_leaderboard(tmp_path):
    # Four validation folds of two rows. A is exact except on fold 0, so its mean of
    # fold RMSEs (0.25, what the leaderboard ranks by) is half its pooled RMSE (0.5).
    # B cancels A's errors on fold 0 but errs on fold 1. Their average is better than A
    # on the fold mean (0.1875) and pooled (0.3 < 0.5); the old rule compared the
    # ensemble's *pooled* loss (0.3) with A's *fold mean* (0.25) and rejected it.
    import pandas as pd

    from autoxai import AutoML

    rmse = METRICS["rmse"]
    y = np.zeros(8)
    folds = [np.arange(2 * i, 2 * i + 2) for i in range(4)]
    a = np.array([1.0, -1.0, 0, 0, 0, 0, 0, 0])
    b = np.array([-1.0, 1.0, 1.5, -1.5, 0, 0, 0, 0])
    loss_a = float(np.mean([rmse.loss(y[f], a[f]) for f in folds]))
    loss_b = float(np.mean([rmse.loss(y[f], b[f]) for f in folds]))
    assert (loss_a, loss_b) == (pytest.approx(0.25), pytest.approx(0.625))
    pa, pb = {"model": "linear", "linear.alpha": 1.0}, {"model": "linear", "linear.alpha": 2.0}
    _write_evaluation(tmp_path, pa, a, loss_a)
    _write_evaluation(tmp_path, pb, b, loss_b)
    board = pd.DataFrame(
        [{"trial": 0, "_loss": loss_a, "_params": pa}, {"trial": 1, "_loss": loss_b, "_params": pb}]
    )
    chosen = AutoML()._choose(board, tmp_path, y, rmse, folds=folds)
    assert [c["trial"] for c, _, _ in chosen] == [0, 1]
    assert [c["_params"]["linear.alpha"] for c, _, _ in chosen] == [1.0, 2.0]
    assert [w for _, w, _ in chosen] == pytest.approx([0.5, 0.5])
    # the quantity the old rule used: pooled ensemble loss, not below A's fold mean
    _, pooled = greedy_selection([a, b], y, rmse.loss)
    assert pooled > loss_a


def test_greedy_selection_over_folds_starts_from_the_cv_loss():
    # Round one on fold means is the best model's own cross-validation loss, exactly.
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 60)
    folds = np.array_split(rng.permutation(60), 3)
    auc = METRICS["roc_auc"]
    preds = []
    for noise in (0.3, 0.6):
        p1 = np.clip(y + rng.normal(0, noise, 60), 0.01, 0.99)
        preds.append(np.column_stack([1 - p1, p1]))
    cv = [float(np.mean([auc.loss(y[f], p[f]) for f in folds])) for p in preds]
    _, loss = greedy_selection(preds, y, auc.loss, folds=folds, n_rounds=1)
    assert loss == min(cv)
