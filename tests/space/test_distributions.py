import json

import numpy as np
import pytest

from autoxai.exceptions import AutoXAIError, SearchSpaceError
from autoxai.space import Categorical, Float, Int, distribution_from_dict


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Float(3.0, 1.0), r"low must be < high, got low=3.0, high=1.0"),
        (lambda: Float(1.0, 1.0), r"low must be < high"),
        (lambda: Float(0.0, 1.0, log=True), r"log=True needs low > 0, got low=0.0"),
        (lambda: Float(-1.0, 1.0, log=True), r"log=True needs low > 0"),
        (lambda: Float(0.0, float("inf")), r"high must be a finite number"),
        (lambda: Float(0.0, 1.0, step=0.0), r"step must be a number > 0"),
        (lambda: Float(0.0, 1.0, step=0.3), r"multiple of step"),
        (lambda: Float(1e-3, 1.0, log=True, step=0.1), r"step cannot be combined with log"),
        (lambda: Float("a", 1.0), r"low must be a finite number"),
        (lambda: Int(5, 1), r"low must be < high, got low=5, high=1"),
        (lambda: Int(0, 10, log=True), r"log=True needs low > 0"),
        (lambda: Int(1, 10, log=True, step=2), r"log=True needs step=1"),
        (lambda: Int(0.5, 3), r"low must be an integer"),
        (lambda: Int(0, 10, step=3), r"multiple of step"),
        (lambda: Categorical([]), r"choices must not be empty"),
        (lambda: Categorical("abc"), r"choices must be a list"),
        (lambda: Categorical(["a", "a"]), r"choices must be unique"),
        (lambda: Categorical([1, 1.0]), r"choices must be unique"),
        (lambda: Categorical([[1, 2]]), r"must be str, int, float, bool or None"),
        (lambda: Float(0.0, 1.0, when=["kind"]), r"when must be a dict"),
        (lambda: Float(0.0, 1.0, when={"kind": []}), r"lists no values"),
    ],
)
def test_invalid_arguments_raise_with_rule_and_value(make, match):
    with pytest.raises(SearchSpaceError, match=match) as info:
        make()
    assert isinstance(info.value, AutoXAIError)
    assert isinstance(info.value, ValueError)


def test_booleans_and_numbers_are_distinct_choices():
    dist = Categorical([True, 1, "1", None])
    assert [dist.index(v) for v in (True, 1, "1", None)] == [0, 1, 2, 3]
    assert dist.index(1.0) == 1  # numbers compare by value
    assert not dist.contains(False)
    assert not dist.contains([1])


@pytest.mark.parametrize(
    ("dist", "inside", "outside"),
    [
        (Float(-1.0, 2.0), [-1.0, 0.0, 2.0], [-1.01, 2.5, float("nan"), "x", True]),
        (Float(0.0, 1.0, step=0.25), [0.0, 0.25, 1.0], [0.3, 1.25]),
        (Int(2, 10, step=2), [2, 4, 10, 6.0], [3, 12, 4.5, False]),
        (Int(1, 1000, log=True), [1, 17, 1000], [0, 1001]),
        (Categorical(["a", 2, None]), ["a", 2, None, 2.0], ["b", 3]),
    ],
)
def test_contains(dist, inside, outside):
    assert all(dist.contains(v) for v in inside)
    assert not any(dist.contains(v) for v in outside)


@pytest.mark.parametrize(
    "dist",
    [
        Float(-3.0, 5.0),
        Float(1e-5, 10.0, log=True),
        Float(0.0, 2.0, step=0.5),
        Int(0, 20),
        Int(1, 4096, log=True),
        Int(-10, 10, step=5),
        Categorical(["a", "b", "c"]),
        Categorical([True, False, None, 0.5]),
    ],
)
@pytest.mark.parametrize("onehot", [True, False])
def test_decode_always_gives_a_valid_value_and_encode_inverts_it(dist, onehot):
    rng = np.random.default_rng(0)
    corners = [np.zeros(dist.n_dims(onehot=onehot)), np.ones(dist.n_dims(onehot=onehot))]
    for u in [*corners, *rng.random((200, dist.n_dims(onehot=onehot)))]:
        value = dist.decode(u, onehot=onehot)
        assert dist.contains(value), (dist, u, value)
        code = dist.encode(value, onehot=onehot)
        assert np.all((code >= 0) & (code <= 1))
        assert dist.decode(code, onehot=onehot) == value


def test_int_bins_are_uniform_in_linear_scale_and_logarithmic_in_log_scale():
    rng = np.random.default_rng(1)
    u = rng.random(40_000)
    lin = np.array([Int(1, 4).decode([x]) for x in u])
    counts = np.bincount(lin)[1:]
    assert np.allclose(counts / len(u), 0.25, atol=0.01)
    log = np.array([Int(1, 100, log=True).decode([x]) for x in u])
    # value v owns [v - 0.5, v + 0.5] in log space: P(v < 10) = log(9.5/0.5) / log(100.5/0.5)
    expected = np.log(9.5 / 0.5) / np.log(100.5 / 0.5)
    assert abs(np.mean(log < 10) - expected) < 0.01


def test_log_float_is_log_uniform():
    dist = Float(1e-4, 1.0, log=True)
    rng = np.random.default_rng(2)
    values = np.array([dist.decode([x]) for x in rng.random(20_000)])
    decades = np.histogram(np.log10(values), bins=[-4, -3, -2, -1, 0])[0] / len(values)
    assert np.allclose(decades, 0.25, atol=0.015)


def test_stepped_float_values_are_clean():
    dist = Float(0.0, 1.0, step=0.1)
    assert dist.grid(100) == [round(0.1 * k, 12) for k in range(11)]
    assert dist.decode([0.68]) == 0.7


@pytest.mark.parametrize(
    ("dist", "n_points", "expected"),
    [
        (Float(0.0, 1.0), 3, [0.0, 0.5, 1.0]),
        (Float(1e-3, 1e-1, log=True), 3, [1e-3, 1e-2, 1e-1]),
        (Int(1, 3), 5, [1, 2, 3]),
        (Int(0, 100), 3, [0, 50, 100]),
        (Categorical(["x", "y"]), 1, ["x", "y"]),
    ],
)
def test_grid(dist, n_points, expected):
    assert (
        np.allclose(dist.grid(n_points), expected)
        if not isinstance(dist, Categorical)
        else dist.grid(n_points) == expected
    )


@pytest.mark.parametrize(
    "dist",
    [
        Float(-1.0, 1.0),
        Float(1e-3, 1.0, log=True, when={"kind": ["a", "b"]}),
        Int(0, 10, step=2),
        Categorical(["a", 1, 2.5, True, None], when={"n": 3}),
    ],
)
def test_dict_and_json_round_trip(dist):
    data = json.loads(json.dumps(dist.to_dict()))
    assert distribution_from_dict(data) == dist
    assert repr(distribution_from_dict(data)) == repr(dist)


def test_from_dict_rejects_unknown_type():
    with pytest.raises(SearchSpaceError, match="unknown distribution type 'normal'"):
        distribution_from_dict({"type": "normal", "low": 0, "high": 1})
