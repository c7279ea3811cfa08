"""Model-based samplers learn from PRUNED trials, ranked after the COMPLETE ones."""

import numpy as np
import pytest

from autoxai import Float, TrialState, create_study
from autoxai.samplers import GPSampler, RandomSampler, TPESampler
from autoxai.samplers._base import ranked_history
from autoxai.schedulers import ASHA, BOHB
from autoxai.trial import Trial


def _t(number, state, value=None, intermediate=None):
    return Trial(number, state, {"x": 0.1 * number}, value, intermediate=intermediate or {})


def test_pruned_trials_rank_after_complete_ones_deepest_first_then_by_value():
    trials = [
        _t(0, TrialState.COMPLETE, 3.0),
        _t(1, TrialState.PRUNED, 0.5, {1: 0.9, 3: 0.5}),  # went to step 3
        _t(2, TrialState.PRUNED, 0.1, {1: 0.1}),  # best value, but stopped at step 1
        _t(3, TrialState.COMPLETE, 1.0),
        _t(4, TrialState.PRUNED, 7.0, {1: 2.0, 3: 7.0}),
        _t(5, TrialState.PRUNED),  # pruned before reporting anything
        _t(6, TrialState.FAILED),
        _t(7, TrialState.RUNNING),
    ]
    ranked, losses = ranked_history(trials, "minimize")
    assert [t.number for t in ranked] == [3, 0, 1, 4, 2, 5]
    # A pruned trial's loss is never better than the worst complete one (3.0).
    np.testing.assert_allclose(losses, [1.0, 3.0, 3.0, 7.0, 3.0, 3.0])


def test_maximize_ranks_by_the_largest_values_and_negates_the_losses():
    trials = [
        _t(0, TrialState.COMPLETE, 1.0),
        _t(1, TrialState.COMPLETE, 2.0),
        _t(2, TrialState.PRUNED, 5.0, {2: 5.0}),
        _t(3, TrialState.PRUNED, 0.5, {2: 0.5}),
    ]
    ranked, losses = ranked_history(trials, "maximize")
    assert [t.number for t in ranked] == [1, 0, 2, 3]
    np.testing.assert_allclose(losses, [-2.0, -1.0, -1.0, -0.5])


def test_without_complete_trials_pruned_ones_keep_their_values_and_silent_ones_drop():
    trials = [_t(0, TrialState.PRUNED, 2.0, {1: 2.0}), _t(1, TrialState.PRUNED)]
    ranked, losses = ranked_history(trials, "minimize")
    assert [t.number for t in ranked] == [0]
    np.testing.assert_allclose(losses, [2.0])


@pytest.mark.parametrize("sampler_cls", [TPESampler, GPSampler])
def test_the_model_starts_after_n_startup_pruned_trials(sampler_cls):
    # Every trial is pruned after one report: before, the model waited for COMPLETE
    # trials forever and every proposal was random.
    space = {"x": Float(-1, 1), "y": Float(-1, 1)}
    study = create_study(space, sampler=sampler_cls(n_startup_trials=5, random_state=3))
    reference = create_study(space, sampler=RandomSampler(random_state=3))
    same = []
    for _ in range(12):
        trial, ref = study.ask(), reference.ask()
        same.append(trial.params == ref.params)
        trial.report(trial.params["x"] ** 2 + trial.params["y"] ** 2, 1)
        study.tell(trial, state="PRUNED")
        reference.tell(ref, 0.0)
    assert all(same[:5])  # the warm-up is random search
    assert not any(same[5:])  # then the model proposes


def _quadratic_under_asha(sampler, n_trials=150):
    study = create_study(
        {"x": Float(-5, 5), "y": Float(-5, 5)}, sampler=sampler, pruner=ASHA(1, 27)
    )

    def objective(params, trial):
        dist = params["x"] ** 2 + params["y"] ** 2
        for step in range(1, 28):
            trial.report(dist + 1.0 / step, step)
            if trial.should_prune():
                from autoxai import TrialPruned

                raise TrialPruned()
        return dist

    study.optimize(objective, n_trials=n_trials)
    late = [t for t in study.trials if t.number >= 100]
    return float(np.median([np.hypot(t.params["x"], t.params["y"]) for t in late]))


def test_under_asha_pruning_tpe_proposes_near_the_optimum_where_random_search_does_not():
    tpe = np.median([_quadratic_under_asha(TPESampler(random_state=s)) for s in range(3)])
    rand = np.median([_quadratic_under_asha(RandomSampler(random_state=s)) for s in range(3)])
    # Random proposals sit about 3.8 from the optimum on [-5, 5]^2 whatever the history.
    assert rand > 3.0
    assert tpe < 0.3 * rand


def test_bohb_draws_a_third_of_its_model_proposals_at_random():
    # Once the model has the optimum at 0.3, its proposals stay near it; a uniform draw
    # on [-1, 1] falls more than 0.5 away from it half the time.
    far = {}
    for fraction in (1 / 3, 0.0):
        sampler = BOHB(1, 9, random_fraction=fraction).default_sampler(random_state=0)
        assert sampler.random_fraction == fraction
        study = create_study({"x": Float(-1, 1)}, sampler=sampler)
        study.optimize(lambda p: (p["x"] - 0.3) ** 2, n_trials=250)
        late = [t.params["x"] for t in study.trials[50:]]
        far[fraction] = np.mean([abs(x - 0.3) > 0.5 for x in late])
    assert 0.1 < far[1 / 3] < 0.25  # about 1/3 * 1/2
    assert far[0.0] < 0.03


def test_bohb_rejects_a_bad_random_fraction():
    from autoxai.exceptions import InvalidParameterError

    with pytest.raises(InvalidParameterError, match=r"random_fraction must be in \[0, 1\)"):
        BOHB(1, 9, random_fraction=1.0)
