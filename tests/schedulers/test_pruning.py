"""report / should_prune: the schedulers' rungs stopping step-by-step training."""

import pytest

from autoxai import Float, TrialPruned, TrialState, create_study
from autoxai.exceptions import InvalidParameterError, StudyError
from autoxai.schedulers import ASHA, Hyperband, SuccessiveHalving


def _curve(x, step):
    """A learning curve: the loss falls with steps towards (x - 0.5)^2."""
    return (x - 0.5) ** 2 + 1.0 / step


def _train(trial, steps=27):
    """The user's own loop: report after every step, stop when told."""
    for step in range(1, steps + 1):
        loss = _curve(trial.params["x"], step)
        trial.report(loss, step)
        if trial.should_prune():
            return step
    return None


def test_a_hopeless_trial_is_pruned_at_the_first_rung_and_a_good_one_goes_on():
    study = create_study({"x": Float(0, 1)}, pruner=SuccessiveHalving(1, 27))
    for x in (0.2, 0.35, 0.5):  # each better than the ones before: all go on
        study.enqueue({"x": x})  # ask() runs queued configurations first
        trial = study.ask()
        assert _train(trial) is None
        study.tell(trial, _curve(x, 27))
    study.enqueue({"x": 0.0})  # far from the optimum
    hopeless = study.ask()
    assert _train(hopeless) == 1  # judged at the first rung (step 1) and stopped
    record = study.tell(hopeless, state="PRUNED")
    assert record.state is TrialState.PRUNED
    assert record.value == pytest.approx(_curve(0.0, 1))  # the last reported value
    study.enqueue({"x": 0.5})
    assert _train(study.ask()) is None


def test_each_rung_is_judged_once_when_it_is_crossed():
    pruner = ASHA(1, 27)
    study = create_study({"x": Float(0, 1)}, pruner=pruner)
    study.enqueue({"x": 0.5})
    first = study.ask()
    first.report(1.0, 1)
    assert not first.should_prune()  # alone at the rung: it goes on
    first.report(0.9, 2)  # no rung crossed by step 2: nothing to judge
    assert not study.should_prune(first)
    stored = study.trials[first.number]
    assert stored.intermediate == {1: 1.0, 2: 0.9}
    first.report(5.0, 2)  # a step reported twice keeps its first value
    assert study.trials[first.number].intermediate[2] == 0.9


def test_objective_raising_trial_pruned_is_recorded_pruned():
    study = create_study({"x": Float(0, 1)}, pruner=ASHA(1, 27))

    def objective(params, trial):
        step = _train(trial)
        if step is not None:
            raise TrialPruned()
        return _curve(params["x"], 27)

    study.optimize(objective, n_trials=30)
    states = [t.state for t in study.trials]
    assert states.count(TrialState.PRUNED) >= 10  # the pruner does cut
    assert states.count(TrialState.COMPLETE) >= 1
    for t in study.trials:
        if t.state is TrialState.PRUNED:
            assert max(t.intermediate) < 27
            assert t.value == t.intermediate[max(t.intermediate)]
    # pruning saves steps: far fewer than 30 full runs of 27
    assert sum(len(t.intermediate) for t in study.trials) < 0.6 * 30 * 27
    assert abs(study.best_params["x"] - 0.5) < 0.2


def test_hyperband_pruner_spreads_trials_over_brackets():
    hb = Hyperband(1, 27)
    groups = [hb.prune_group(n) for n in range(200)]
    sizes = [hb.bracket_shape(b)[1][0] for b in range(hb.s_max + 1)]
    cycle = sum(sizes)
    assert [groups[:cycle].count(b) for b in range(len(sizes))] == sizes
    # the last bracket starts at full budget: never judged, never pruned
    last = groups.index(len(sizes) - 1)
    assert hb.prune_rungs(last) == ()


def test_pruner_needs_one_process():
    study = create_study({"x": Float(0, 1)}, pruner=ASHA(1, 27))
    with pytest.raises(InvalidParameterError, match="n_jobs=1"):
        study.optimize(lambda p, t: 0.0, n_trials=2, n_jobs=2)


def test_stored_trials_are_not_live():
    study = create_study({"x": Float(0, 1)}, pruner=ASHA(1, 27))
    trial = study.ask()
    study.tell(trial, 1.0)
    with pytest.raises(StudyError, match="not a live trial"):
        study.trials[0].report(1.0, 1)
    live = study.ask()
    with pytest.raises(TypeError, match="step"):
        live.report(1.0, -1)
    with pytest.raises(StudyError, match="bad value"):
        live.report(float("nan"), 1)


def test_scheduler_and_pruner_together_are_refused():
    with pytest.raises(StudyError, match="not both"):
        create_study({"x": Float(0, 1)}, scheduler=ASHA(1, 9), pruner=ASHA(1, 9))
    with pytest.raises(TypeError, match="BaseScheduler"):
        create_study({"x": Float(0, 1)}, scheduler="asha")
