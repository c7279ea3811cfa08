"""Fixtures shared by the AutoML tests."""

import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def tiny_binary():
    """300 rows x 5 normal features, a binary target linear in two of them."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(300, 5)), columns=[f"x{i}" for i in range(5)])
    y = pd.Series((X.x0 + 0.5 * X.x1 > 0).astype(int), name="y")
    return X, y
