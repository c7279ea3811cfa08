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
