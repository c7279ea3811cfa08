import numpy as np
import pytest

from autoxai import Categorical, Float, Int, SearchSpace
from autoxai.exceptions import SearchSpaceError
from autoxai.space import iter_grid


@pytest.fixture
def conditional_space():
    return SearchSpace(
        {
            "gamma": Float(1e-3, 1e1, log=True, when={"kernel": "rbf"}),
            "kernel": Categorical(["linear", "rbf", "poly"], when={"model": "svm"}),
            "degree": Int(2, 5, when={"kernel": "poly"}),
            "model": Categorical(["svm", "forest"]),
            "n_trees": Int(10, 100, when={"model": "forest"}),
            "both": Float(0.0, 1.0, when={"kernel": ["rbf", "poly"]}),
        }
    )


def test_parents_come_before_children(conditional_space):
    order = list(conditional_space)
    for name, dist in conditional_space.items():
        for parent in dist.when:
            assert order.index(parent) < order.index(name)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({}, "at least one parameter"),
        ({"x": 1.0}, "must be a Float, Int or Categorical"),
        ({"": Float(0, 1)}, "non-empty strings"),
        ({"x": Float(0, 1, when={"kind": "a"})}, r"conditioned on 'kind', which is not in"),
        (
            {"kind": Categorical(["a", "b"]), "x": Float(0, 1, when={"kinf": "a"})},
            r"Did you mean 'kind'\?",
        ),
        (
            {"kind": Categorical(["a", "b"]), "x": Float(0, 1, when={"kind": "c"})},
            r"conditioned on kind='c', a value 'kind' .* can never take",
        ),
        (
            {"n": Int(1, 3), "x": Float(0, 1, when={"n": 7})},
            r"conditioned on n=7",
        ),
        ({"x": Categorical(["a"], when={"x": "a"})}, "conditioned on itself"),
        (
            {
                "a": Categorical([1, 2], when={"b": 1}),
                "b": Categorical([1, 2], when={"c": 1}),
                "c": Categorical([1, 2], when={"a": 1}),
            },
            r"conditions form a cycle: a -> b -> c -> a",
        ),
    ],
)
def test_invalid_spaces(params, match):
    with pytest.raises(SearchSpaceError, match=match):
        SearchSpace(params)


def test_active_names_follow_the_conditions(conditional_space):
    s = conditional_space
    assert s.active_names({"model": "forest", "n_trees": 20}) == ["model", "n_trees"]
    assert s.active_names({"model": "svm", "kernel": "rbf"}) == [
        "model",
        "kernel",
        "gamma",
        "both",
    ]
    # a grandchild is inactive when its parent is inactive, whatever value it was given
    assert not s.is_active("gamma", {"model": "forest", "kernel": "rbf"})


def test_validate(conditional_space):
    good = {"model": "svm", "kernel": "poly", "degree": 3, "both": 0.5}
    assert conditional_space.validate(good) == good
    with pytest.raises(SearchSpaceError, match="'gamma' is inactive .* kernel='rbf'"):
        conditional_space.validate({"model": "svm", "kernel": "poly", "degree": 3, "both": 0.1,
                                    "gamma": 1.0})  # fmt: skip
    with pytest.raises(SearchSpaceError, match="lacks the active parameter 'degree'"):
        conditional_space.validate({"model": "svm", "kernel": "poly", "both": 0.1})
    with pytest.raises(SearchSpaceError, match="outside Int"):
        conditional_space.validate({"model": "forest", "n_trees": 1000})
    with pytest.raises(SearchSpaceError, match="Did you mean 'n_trees'"):
        conditional_space.validate({"model": "forest", "n_tree": 10})


def test_json_round_trip(conditional_space):
    text = conditional_space.to_json()
    again = SearchSpace.from_json(text)
    assert again == conditional_space
    assert list(again) == list(conditional_space)
    assert again.to_json() == text
    with pytest.raises(SearchSpaceError, match="not a valid search-space JSON"):
        SearchSpace.from_json("{nope")


def test_a_plain_dict_compares_equal():
    params = {"x": Float(0, 1), "k": Int(1, 3)}
    assert SearchSpace(params) == params
    assert SearchSpace(params) != {"x": Float(0, 2), "k": Int(1, 3)}


@pytest.mark.parametrize("onehot", [True, False])
def test_encode_decode(conditional_space, onehot):
    s = conditional_space
    rng = np.random.default_rng(0)
    seen_models = set()
    for _ in range(300):
        params = s.decode(rng.random(s.n_dims(onehot=onehot)), onehot=onehot)
        assert s.validate(params) == params
        seen_models.add(params["model"])
        code = s.encode(params, onehot=onehot)
        assert code.shape == (s.n_dims(onehot=onehot),)
        active = [n for n in s if n in params]
        for name, sl in s.slices(onehot=onehot).items():
            assert np.isnan(code[sl]).all() == (name not in active)
        assert s.decode(np.nan_to_num(code, nan=0.5), onehot=onehot) == params
    assert seen_models == {"svm", "forest"}


def test_onehot_layout():
    s = SearchSpace({"c": Categorical(["a", "b", "c"]), "x": Float(0, 10)})
    assert s.n_dims() == 4 and s.n_dims(onehot=False) == 2
    assert np.allclose(s.encode({"c": "b", "x": 5.0}), [0, 1, 0, 0.5])
    assert np.allclose(s.encode({"c": "b", "x": 5.0}, onehot=False), [0.5, 0.5])
    with pytest.raises(SearchSpaceError, match="expected a vector of length 4"):
        s.decode([0.1, 0.2])


def test_grid_respects_conditions_and_has_no_duplicates(conditional_space):
    points = list(iter_grid(conditional_space, n_points=2))
    keys = [tuple(sorted(p.items())) for p in points]
    assert len(keys) == len(set(keys))
    for p in points:
        assert conditional_space.validate(p) == p
    # forest: 2 n_trees values; svm: linear 1 + rbf 2*2 (gamma, both) + poly 2*2 (degree, both)
    assert len(points) == 2 + 1 + 4 + 4
    assert {p["gamma"] for p in points if "gamma" in p} == {1e-3, 1e1}  # exact end points
