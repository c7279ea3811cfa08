import pytest

from autoxai import create_study
from autoxai.datasets import branin
from autoxai.exceptions import InvalidParameterError
from autoxai.samplers import SAMPLERS, BayesSampler, GPSampler, RandomSampler, TPESampler


def _history(n_trials):
    study = create_study(branin.space, sampler=RandomSampler(random_state=1))
    study.optimize(branin, n_trials=n_trials)
    return study


def test_bayes_is_the_registered_default():
    assert SAMPLERS["bayes"] is BayesSampler


@pytest.mark.parametrize(("switch_after", "expert"), [(100, GPSampler), (12, TPESampler)])
def test_gp_proposes_until_switch_after_then_tpe(switch_after, expert):
    study = _history(15)
    trials = study.trials
    ours = BayesSampler(switch_after=switch_after, random_state=7).sample(study, trials)
    theirs = expert(random_state=7).sample(study, trials)
    assert ours == theirs


def test_wide_spaces_go_to_tpe_from_the_start():
    study = _history(15)
    trials = study.trials
    ours = BayesSampler(max_gp_params=1, random_state=7).sample(study, trials)  # branin: 2
    assert ours == TPESampler(random_state=7).sample(study, trials)


def test_switch_after_is_checked():
    with pytest.raises(InvalidParameterError, match="switch_after must be an int >= 0"):
        BayesSampler(switch_after=-1)
