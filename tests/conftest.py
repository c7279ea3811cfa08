import pytest

from autoxai import Categorical, Float, Int, SearchSpace


@pytest.fixture
def mixed_space():
    """A space with every kind of parameter, log scales, steps and a two-level condition."""
    return SearchSpace(
        {
            "model": Categorical(["svm", "forest", "knn"]),
            "kernel": Categorical(["linear", "rbf"], when={"model": "svm"}),
            "gamma": Float(1e-4, 1e2, log=True, when={"kernel": "rbf"}),
            "c": Float(1e-3, 1e3, log=True, when={"model": "svm"}),
            "n_trees": Int(10, 1000, log=True, when={"model": "forest"}),
            "depth": Int(2, 12, step=2, when={"model": "forest"}),
            "k": Int(1, 50, when={"model": "knn"}),
            "frac": Float(0.1, 1.0, step=0.1),
            "x": Float(-5.0, 5.0),
        }
    )
