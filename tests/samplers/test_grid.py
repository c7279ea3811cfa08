import pytest

from autoxai import Categorical, Float, Int, create_study, tune
from autoxai.exceptions import InvalidParameterError, StudyError
from autoxai.samplers import GridSampler


def test_grid_covers_the_cartesian_product_and_finds_the_grid_optimum():
    space = {"a": Int(0, 4), "b": Categorical(["x", "y"]), "c": Float(0.0, 1.0)}
    study = tune(
        lambda p: abs(p["a"] - 3) + (p["b"] == "x") + abs(p["c"] - 0.5),
        space,
        method="grid",
        sampler_options={"n_points": 5},
    )
    assert len(study.trials) == 5 * 2 * 5
    assert study.best_params == {"a": 3, "b": "y", "c": 0.5}
    assert study.best_value == 0.0


def test_grid_skips_points_already_in_the_study():
    space = {"a": Int(0, 3)}
    study = create_study(space, sampler=GridSampler())
    study.enqueue({"a": 2})
    study.optimize(lambda p: p["a"])
    assert sorted(t.params["a"] for t in study.trials) == [0, 1, 2, 3]
    with pytest.raises(StudyError, match="no configurations left"):
        study.ask()


def test_grid_n_points_is_validated():
    with pytest.raises(InvalidParameterError, match="n_points must be an int >= 1, got 0"):
        GridSampler(n_points=0)


def test_unshuffled_grid_order_is_fixed_and_shuffled_order_is_seeded():
    space = {"a": Int(0, 2), "b": Categorical(["x", "y"])}

    def order(random_state=None, **options):
        study = tune(
            lambda p: 0.0, space, method="grid", random_state=random_state, sampler_options=options
        )
        return [(t.params["a"], t.params["b"]) for t in study.trials]

    assert order(shuffle=False) == [(0, "x"), (0, "y"), (1, "x"), (1, "y"), (2, "x"), (2, "y")]
    assert sorted(order(random_state=0)) == order(shuffle=False)
    assert order(random_state=0) == order(random_state=0)
