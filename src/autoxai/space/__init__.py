"""Search spaces: ``Float``, ``Int``, ``Categorical``, conditions, JSON and encodings.

Examples
--------
>>> from autoxai.space import Categorical, Float, Int, SearchSpace
>>> space = SearchSpace({
...     "model": Categorical(["forest", "linear"]),
...     "n_trees": Int(10, 500, log=True, when={"model": "forest"}),
...     "alpha": Float(1e-6, 1.0, log=True, when={"model": "linear"}),
... })
>>> space.validate({"model": "linear", "alpha": 0.01})
{'model': 'linear', 'alpha': 0.01}
"""

from autoxai.space._distributions import (
    BaseDistribution,
    Categorical,
    Float,
    Int,
    distribution_from_dict,
)
from autoxai.space._grid import iter_grid, params_key
from autoxai.space._search_space import SearchSpace

__all__ = [
    "BaseDistribution",
    "Categorical",
    "Float",
    "Int",
    "SearchSpace",
    "distribution_from_dict",
    "iter_grid",
    "params_key",
]
