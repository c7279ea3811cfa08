"""The stage stops each method at the time plan's hard limit of the budget left."""

from types import SimpleNamespace

import pandas as pd
import pytest

from autoxai.runs import ExplanationStage
from autoxai.runs._plan import HARD_LIMIT_SLACK, METHOD_SHARES


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("permutation_importance", HARD_LIMIT_SLACK * METHOD_SHARES["permutation_importance"] * 10),
        ("pdp:age", HARD_LIMIT_SLACK * METHOD_SHARES["pdp"] * 10),  # per feature: its kind's
        ("local_lime:2", HARD_LIMIT_SLACK * METHOD_SHARES["local_lime"] * 10),
        ("drop_column_importance", 10.0),  # 1.5 x 0.8 of what is left: capped at all of it
        ("consensus", 10.0),  # no share: all that is left
    ],
)
def test_limit_of_each_method(name, expected):
    frame = pd.DataFrame({"age": [1.0, 2.0, 3.0]})
    stage = ExplanationStage(None, frame, pd.Series([0, 1, 0]), budget=10.0)
    stage.budget = SimpleNamespace(left=10.0, seconds=10.0)  # a budget that does not run
    assert stage.limit(name) == pytest.approx(expected)
