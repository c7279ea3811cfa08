"""Promotion rules on hand-made histories: ties, failures, out-of-order completions."""

from autoxai import Float, create_study
from autoxai.schedulers import ASHA, BOHB, WAIT, Hyperband, Job, SuccessiveHalving
from autoxai.study import INTERRUPTED, Trial, TrialState

C, F, R = TrialState.COMPLETE, TrialState.FAILED, TrialState.RUNNING


def _t(number, rung, value, state=C, parent=None, bracket=0, budget=None, **kw):
    return Trial(number=number, state=state, params={"x": float(number)}, value=value,
                 budget=budget, bracket=bracket, rung=rung, parent=parent, **kw)  # fmt: skip


def test_sha_promotes_the_top_third_with_ties_to_the_earlier_trial():
    sha = SuccessiveHalving(1, 9, n_configs=9, n_brackets=1)
    values = [5.0, 1.0, 3.0, 1.0, 9.0, 2.0, 1.0, 7.0, 8.0]  # three-way tie at 1.0
    trials = [_t(i, 0, v) for i, v in enumerate(values)]
    promoted = []
    for _ in range(3):
        job = sha.next_job(trials, "minimize")
        assert job.rung == 1 and job.budget == 3
        promoted.append(job.parent)
        trials.append(_t(len(trials), 1, None, state=R, parent=job.parent))
    assert promoted == [1, 3, 6]
    assert sha.next_job(trials, "minimize") is WAIT  # rung 1 still running


def test_sha_maximize_ranks_the_other_way():
    sha = SuccessiveHalving(1, 9, n_configs=9, n_brackets=1)
    trials = [_t(i, 0, float(i)) for i in range(9)]
    assert sha.next_job(trials, "maximize").parent == 8


def test_failed_evaluations_are_never_promoted():
    sha = SuccessiveHalving(1, 9, n_configs=9, n_brackets=1)
    trials = [_t(i, 0, None, state=F, error="boom") for i in range(8)]
    trials.append(_t(8, 0, 4.0))
    job = sha.next_job(trials, "minimize")
    assert job == Job(budget=3, bracket=0, rung=1, parent=8)
    trials.append(_t(9, 1, 2.0, parent=8))
    # only one survivor at rung 1: it goes on to the top, then the bracket ends
    job = sha.next_job(trials, "minimize")
    assert (job.rung, job.parent) == (2, 9)
    trials.append(_t(10, 2, 1.0, parent=9))
    assert sha.next_job(trials, "minimize") is None


def test_a_rung_is_judged_only_when_every_evaluation_has_finished():
    sha = SuccessiveHalving(1, 9, n_configs=9, n_brackets=1)
    trials = [_t(i, 0, float(i)) for i in range(8)] + [_t(8, 0, None, state=R)]
    assert sha.next_job(trials, "minimize") is WAIT
    # without a bracket limit the next bracket starts meanwhile, so no worker idles
    endless = SuccessiveHalving(1, 9, n_configs=9)
    assert endless.next_job(trials, "minimize") == Job(budget=1, bracket=1, rung=0)


def test_a_retried_interrupted_evaluation_takes_its_place():
    sha = SuccessiveHalving(1, 9, n_configs=3, n_brackets=1)
    trials = [
        _t(0, 0, 2.0),
        _t(1, 0, None, state=F, error=INTERRUPTED),
        _t(2, 0, 1.0),
        _t(3, 0, 0.5, retry_of=1),
    ]
    # three evaluations at rung 0, not four: the interrupted one is replaced
    job = sha.next_job(trials, "minimize")
    assert (job.rung, job.parent) == (1, 3)


def test_asha_promotes_without_waiting_for_the_rung():
    asha = ASHA(1, 9)
    # out of order: trials 0 and 1 still running, 2..4 finished
    trials = [_t(0, 0, None, state=R), _t(1, 0, None, state=R),
              _t(2, 0, 3.0), _t(3, 0, 1.0), _t(4, 0, 2.0)]  # fmt: skip
    assert asha.next_job(trials, "minimize") == Job(budget=3, bracket=0, rung=1, parent=3)
    trials.append(_t(5, 1, None, state=R, parent=3))
    # floor(3 / 3) = 1 promotion earned so far and it is taken: start a new configuration
    assert asha.next_job(trials, "minimize") == Job(budget=1, bracket=0, rung=0)
    # two more finish: floor(5 / 3) = 1 still; a sixth makes it 2 and the next best goes up
    trials[0] = _t(0, 0, 5.0)
    trials[1] = _t(1, 0, 6.0)
    assert asha.next_job(trials, "minimize").parent is None
    trials.append(_t(6, 0, 0.1))
    assert asha.next_job(trials, "minimize") == Job(budget=3, bracket=0, rung=1, parent=6)


def test_asha_promotes_from_the_highest_rung_first():
    asha = ASHA(1, 9)
    trials = [_t(i, 0, float(i)) for i in range(6)]  # earns 2 promotions at rung 0
    trials += [_t(6, 1, 0.5, parent=0), _t(7, 1, 0.7, parent=1), _t(8, 1, 0.9, parent=2)]
    assert asha.next_job(trials, "minimize") == Job(budget=9, bracket=0, rung=2, parent=6)


def test_asha_with_a_cap_waits_then_ends():
    asha = ASHA(1, 9, n_configs=2)
    trials = [_t(0, 0, 1.0), _t(1, 0, None, state=R)]
    assert asha.next_job(trials, "minimize") is WAIT
    trials[1] = _t(1, 0, 2.0)
    assert asha.next_job(trials, "minimize") is None


def test_hyperband_brackets_run_in_order():
    hb = Hyperband(1, 9, n_brackets=3)
    assert hb.next_job([], "minimize") == Job(budget=1, bracket=0, rung=0)
    bracket0 = [_t(i, 0, float(i)) for i in range(9)]
    bracket0 += [_t(9 + i, 1, float(i), parent=i) for i in range(3)]
    bracket0 += [_t(12, 2, 0.0, parent=9)]
    assert hb.next_job(bracket0, "minimize") == Job(budget=3, bracket=1, rung=1)


def test_bohb_draws_at_random_until_a_budget_has_enough_points():
    from autoxai.samplers import RandomSampler

    space = {"x": Float(-1, 1)}
    scheduler = BOHB(1, 9)
    sampler = scheduler.default_sampler(random_state=7)
    assert type(sampler).__name__ == "TPESampler"  # BOHB's sampler is TPE...
    bohb = create_study(space, scheduler=scheduler, sampler=sampler)
    reference = create_study(space, sampler=RandomSampler(random_state=7))
    # ...which, with fewer than n_startup_trials finished at any one budget, proposes
    # exactly what random search proposes for the same history length
    for _ in range(9):
        trial = bohb.ask()
        ref = reference.ask()
        assert trial.params == ref.params
        bohb.tell(trial, trial.params["x"] ** 2)
        reference.tell(ref, ref.params["x"] ** 2)


def test_bohb_models_the_largest_budget_with_enough_points():
    from autoxai.samplers._base import model_history

    low = [_t(i, 0, float(i), budget=1) for i in range(12)]
    high = [_t(12 + i, 1, float(i), budget=3, parent=i) for i in range(4)]
    running = [_t(16, 1, None, state=R, budget=3, parent=4)]
    assert model_history(low + high + running, 10) == low
    more = [_t(17 + i, 1, float(i), budget=3, parent=5 + i) for i in range(6)]
    assert model_history(low + high + running + more, 10) == high + running + more
    assert model_history(low[:5], 10) == []
