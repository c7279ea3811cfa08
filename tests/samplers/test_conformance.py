"""Checks every registered sampler must pass; a sampler added to SAMPLERS is covered here."""

import time

import numpy as np
import pytest

from autoxai import create_study
from autoxai.samplers import SAMPLERS, get_sampler
from autoxai.space import params_key


def _objective(p):
    return p["x"] ** 2 + (0.0 if p["model"] == "knn" else 1.0)


def _uneven_objective(p):
    # Trials of uneven length, so parallel workers finish out of order.
    time.sleep(0.04 if p["x"] > 0 else 0.0)
    return _objective(p)


def _proposals(name, space, seed, n, n_jobs=1, objective=_objective):
    study = create_study(space, sampler=get_sampler(name, random_state=seed))
    study.optimize(objective, n_trials=n, n_jobs=n_jobs)
    return [t.params for t in study.trials]


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_proposals_are_valid_configurations(name, mixed_space):
    proposals = _proposals(name, mixed_space, seed=0, n=60)
    assert len(proposals) == 60
    for params in proposals:
        # validate checks bounds, integrality, steps, log ranges and conditions
        assert mixed_space.validate(params) == params
        for key in ("n_trees", "depth", "k"):
            if key in params:
                assert isinstance(params[key], int)


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_same_seed_same_proposals(name, mixed_space):
    first = _proposals(name, mixed_space, seed=3, n=25)
    assert _proposals(name, mixed_space, seed=3, n=25) == first


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_same_seed_same_proposals_with_two_jobs(name, mixed_space):
    # Past the random start-up, so model-based samplers use the (parallel) history.
    runs = [
        _proposals(name, mixed_space, seed=5, n=16, n_jobs=2, objective=_uneven_objective)
        for _ in range(2)
    ]
    assert runs[0] == runs[1]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["random", "grid"])
def test_history_free_samplers_propose_the_same_with_one_or_two_jobs(name, mixed_space):
    assert _proposals(name, mixed_space, seed=5, n=12, n_jobs=2) == _proposals(
        name, mixed_space, seed=5, n=12, n_jobs=1
    )


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_every_branch_of_a_condition_is_reached(name, mixed_space):
    proposals = _proposals(name, mixed_space, seed=1, n=60)
    assert {p["model"] for p in proposals} == {"svm", "forest", "knn"}


def test_random_sampler_seeds_differ(mixed_space):
    assert _proposals("random", mixed_space, 1, 10) != _proposals("random", mixed_space, 2, 10)


def test_random_sampler_is_uniform_and_log_uniform(mixed_space):
    proposals = _proposals("random", mixed_space, seed=0, n=1500)
    x = np.array([p["x"] for p in proposals])
    assert abs(np.mean(x < 0) - 0.5) < 0.05
    gammas = np.log10([p["gamma"] for p in proposals if "gamma" in p])
    assert abs(np.mean(gammas < 0) - 4 / 6) < 0.08  # [1e-4, 1e2]: 4 of 6 decades below 1
    models = [p["model"] for p in proposals]
    assert all(abs(models.count(m) / len(models) - 1 / 3) < 0.05 for m in set(models))


def test_grid_never_repeats_and_ends(mixed_space):
    sampler = get_sampler("grid", n_points=2)
    study = create_study(mixed_space, sampler=sampler)
    study.optimize(_objective)  # no n_trials: a finite sampler runs to the end
    keys = [params_key(t.params) for t in study.trials]
    assert len(keys) == len(set(keys)) == sampler.grid_size(mixed_space)
