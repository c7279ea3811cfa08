import numpy as np
import pytest

from autoxai import Categorical, Float, Int, SearchSpace, create_study
from autoxai.datasets import branin, mixed_conditional
from autoxai.exceptions import InvalidParameterError
from autoxai.samplers import RandomSampler, TPESampler
from autoxai.samplers._tpe._parzen import ParzenEstimator


def _median_gap(sampler_cls, n_trials, seeds=range(5)):
    gaps = []
    for seed in seeds:
        study = create_study(branin.space, sampler=sampler_cls(random_state=seed))
        study.optimize(branin, n_trials=n_trials)
        gaps.append(study.best_value - branin.optimum)
    return float(np.median(gaps))


def test_tpe_gets_close_to_the_branin_optimum_where_random_search_does_not():
    # Same seeds, same 60 trials: measured medians are about 0.04 (TPE) and 0.5 (random).
    assert _median_gap(TPESampler, 60) < 0.1
    assert _median_gap(RandomSampler, 60) > 0.15


def test_parallel_asks_do_not_propose_the_same_point():
    study = create_study(branin.space, sampler=TPESampler(random_state=0))
    study.optimize(branin, n_trials=15)
    pending = [study.ask() for _ in range(4)]
    points = {tuple(sorted(t.params.items())) for t in pending}
    assert len(points) == 4


def test_maximize_looks_for_large_values():
    space = {"x": Float(0.0, 1.0)}
    study = create_study(space, sampler=TPESampler(random_state=0), direction="maximize")
    study.optimize(lambda p: -((p["x"] - 0.8) ** 2), n_trials=40)
    assert abs(study.best_params["x"] - 0.8) < 0.05


def test_conditional_space_is_searched_on_the_better_branch():
    study = create_study(mixed_conditional.space, sampler=TPESampler(random_state=0))
    study.optimize(mixed_conditional, n_trials=60)
    late = [t.params["kind"] for t in study.trials[30:]]
    assert late.count("quadratic") > 0.7 * len(late)  # the branch that reaches 0
    assert study.best_value < 0.01


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"gamma": 1.5}, r"gamma must be in \(0, 1\)"),
        ({"n_ei_candidates": 0}, "n_ei_candidates must be an int >= 1"),
        ({"n_startup_trials": -1}, "n_startup_trials must be an int >= 0"),
        ({"bandwidth_factor": 0}, "bandwidth_factor must be > 0"),
    ],
)
def test_bad_settings(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        TPESampler(**kwargs)


@pytest.fixture
def estimator():
    space = SearchSpace(
        {
            "x": Float(0.0, 1.0),
            "k": Int(0, 4),
            "c": Categorical(["a", "b", "c"]),
            "z": Float(0.0, 1.0, when={"c": "a"}),
        }
    )
    obs = space.encode_many(
        [
            {"x": 0.1, "k": 1, "c": "b"},
            {"x": 0.8, "k": 4, "c": "a", "z": 0.3},
            {"x": 0.75, "k": 3, "c": "a", "z": 0.9},
        ],
        onehot=False,
    )
    return space, ParzenEstimator(
        space, obs, np.ones(3), prior_weight=1.0, bandwidth_factor=0.6, min_bandwidth=0.01
    )


def test_density_integrates_to_one_over_each_branch(estimator):
    # Monte Carlo over the unit cube, with discrete coordinates at their bin centres.
    _, pe = estimator
    rng = np.random.default_rng(0)
    u = rng.random((400_000, 4))
    u[:, 1] = (np.floor(u[:, 1] * 5) + 0.5) / 5
    u[:, 2] = (np.floor(u[:, 2] * 3) + 0.5) / 3
    on_a = np.floor(u[:, 2] * 3) == 0
    u[~on_a, 3] = np.nan  # z exists only under c == "a"
    density = np.exp(pe.log_pdf(u))
    # Each branch's configurations have total probability P(c), and they sum to 1.
    assert abs(density.mean() - 1.0) < 0.01


def test_samples_follow_the_density(estimator):
    space, pe = estimator
    rng = np.random.default_rng(1)
    draws = space.encode_many(space.decode_many(pe.sample(rng, 200_000), onehot=False),
                              onehot=False)  # fmt: skip
    # P(c = "a") from the samples against the density's own mixture weights:
    # components 2 and 3 keep "a" with prob (1/3 + 1) / 2, component 1 gives it 1/6,
    # the prior 1/3; all four weigh 1/4.
    expected = (1 / 6 + 2 * (2 / 3) + 1 / 3) / 4
    observed = np.mean(np.floor(draws[:, 2] * 3) == 0)
    assert abs(observed - expected) < 0.01
    assert np.isnan(draws[np.floor(draws[:, 2] * 3) != 0, 3]).all()


def _pmf(space, name, obs_values):
    """Probability of every value of the integer ``name`` under a Parzen estimator."""
    dist = space[name]
    obs = space.encode_many([{name: v} for v in obs_values], onehot=False)
    pe = ParzenEstimator(
        space, obs, np.ones(len(obs)), prior_weight=1.0, bandwidth_factor=0.6, min_bandwidth=0.01
    )
    values = list(range(dist.low, dist.high + 1))
    x = space.encode_many([{name: v} for v in values], onehot=False)
    edges = dist.unit_bin_edges()
    return dict(zip(values, np.exp(pe.log_pdf(x)) * np.diff(edges))), pe, x


@pytest.mark.parametrize("high", [4, 512])
@pytest.mark.parametrize("log", [True, False])
def test_integer_pmf_gives_every_value_its_own_mass_summing_to_one(high, log):
    space = SearchSpace({"k": Int(1, high, log=log)})
    pmf, _, _ = _pmf(space, "k", [1, 2, 2, high])
    assert sum(pmf.values()) == pytest.approx(1.0, abs=1e-9)
    assert all(p > 0 for p in pmf.values())


def test_log_integer_bins_tile_the_unit_interval_and_decode_to_their_value():
    dist = Int(1, 512, log=True)
    edges = dist.unit_bin_edges()
    assert edges[0] == 0.0 and edges[-1] == 1.0 and np.all(np.diff(edges) > 0)
    assert len(edges) == 513
    # A point inside each value's bin decodes to that value, and its encoding lies inside.
    inside = (edges[:-1] + edges[1:]) / 2
    assert dist.decode_many(inside, onehot=False) == list(range(1, 513))
    enc = dist.encode_many(list(range(1, 513)), onehot=False)[:, 0]
    assert np.all((edges[:-1] <= enc) & (enc <= edges[1:]))


def test_log_integer_good_value_is_told_apart_from_a_bad_neighbour():
    # Three good trials at 4 and twenty bad ones at 3 (Int(1, 4, log=True)): l/g must
    # prefer 4. With equal-width bins on the log encoding, 3 and 4 shared one bin and
    # scored the same.
    space = SearchSpace({"k": Int(1, 4, log=True)})
    l_pmf, l_pe, x = _pmf(space, "k", [4, 4, 4])
    g_pmf, g_pe, _ = _pmf(space, "k", [3] * 20)
    score = l_pe.log_pdf(x) - g_pe.log_pdf(x)
    assert score[3] > score[2] + 0.5  # value 4 against value 3 (equal before)
    # The good estimator gives 4 more mass than the bad one does, and 3 less.
    assert l_pmf[4] > g_pmf[4] and g_pmf[3] > l_pmf[3]


def test_tpe_finds_small_optima_of_log_integers():
    space = SearchSpace({f"k{i}": Int(1, 512, log=True) for i in range(3)})
    target = {"k0": 1, "k1": 2, "k2": 3}

    def objective(p):
        return sum((np.log2(p[k]) - np.log2(v)) ** 2 for k, v in target.items())

    hits = 0
    for seed in range(3):
        study = create_study(space, sampler=TPESampler(random_state=seed))
        study.optimize(objective, n_trials=80)
        hits += study.best_params == target
    assert hits >= 2
