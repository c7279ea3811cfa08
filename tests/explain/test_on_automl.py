"""Every global method explains a fitted AutoML on the user's original columns."""

import numpy as np
import pytest

from autoxai import AutoML, explain
from autoxai.datasets import load_penguins


@pytest.fixture(scope="module")
def penguins_model():
    df = load_penguins().dropna(subset=["sex"]).reset_index(drop=True)
    X, y = df.drop(columns="species"), df["species"]
    model = AutoML(n_trials=2, time_budget=None, cv=3, models=["linear", "lgbm"], ensemble=False)
    return model.fit(X, y), X, y


def test_global_methods_speak_of_original_columns(penguins_model):
    model, X, y = penguins_model
    columns = list(X.columns)
    perm = explain.permutation_importance(model, X, y, n_repeats=3, random_state=0)
    assert perm.feature_names == columns
    assert perm.to_frame()["feature"].iloc[0] in {"bill_length_mm", "flipper_length_mm",
                                                  "bill_depth_mm", "island"}  # fmt: skip
    surrogate = explain.surrogate(model, X, random_state=0)
    assert surrogate.feature_names == columns
    assert surrogate.diagnostics["fidelity"] > 0.8
    pdp = explain.partial_dependence(model, X, "island", kind="both")
    assert pdp.output_names == ["Adelie", "Chinstrap", "Gentoo"]
    np.testing.assert_allclose(pdp.average.sum(axis=0), 1.0)  # probabilities per grid point
    assert set(pdp.grid) == set(X["island"].dropna())
    ale = explain.ale(model, X, "bill_length_mm")
    assert ale.values.shape[0] == 3
    drop = explain.drop_column_importance(model, X, y, cv=3, random_state=0)
    assert drop.feature_names == columns
    assert np.isfinite(drop.values).all()
