"""Multi-fidelity search: autoxai's SHA, Hyperband, ASHA and BOHB against random search,
scikit-learn's HalvingRandomSearchCV and Optuna's TPE + HyperbandPruner, same run, same
task, same compute.

The task
--------
A LightGBM classifier (``lightgbm.LGBMClassifier``, ``n_jobs=1``, ``verbose=-1``,
``random_state=0``, ``subsample_freq=1`` so that ``subsample`` bags) on a fixed binary
``sklearn.datasets.make_classification`` table (7,000 rows, 20 features of which 8
informative and 4 redundant, 5 % flipped labels, ``class_sep=0.7``,
``random_state=0``), split once into 3,000 training, 2,000 validation and 2,000 test
rows. The *budget* is the number of boosting rounds, from 3 to 243 with ``eta=3``
(rungs 3, 9, 27, 81, 243). An evaluation fits a fresh model with that many rounds on
the training rows (nothing is warm-started: a promotion retrains from scratch) and
returns the validation log-loss (``sklearn.metrics.log_loss`` of ``predict_proba``),
which every method minimises. The seven-parameter space (``SPACE``) is a usual one for
LightGBM: learning rate 0.005-0.5 (log), leaves 4-128 (log), minimum leaf size 2-128
(log), row and column subsampling, and L2/L1 penalties (log). A full-budget fit takes
~0.05-0.6 s (0.2 s on average over the space); a 3-round fit ~0.015 s, most of it
building LightGBM's binned dataset. The budget matters: after a few rounds the fast
learning rates lead, after 243 slow ones have caught up and fast ones with many
leaves overfit, so rankings at 3 or 9 rounds only loosely predict those at 243 (a
Spearman correlation of 0.23 after 3 rounds and 0.34 after 27 over random
configurations, in the committed run), which is what a multi-fidelity method has to
live with here.

The methods (each run until it has spent the common compute budget C)
----------------------------------------------------------------------
* ``random``: ``autoxai.tune(objective, SPACE, method="random", n_trials=81)`` at full
  budget. Its 81 configurations are as many as one SHA bracket starts, and its compute,
  81 x 243 = 19,683 boosting rounds, *is* the common budget C.
* ``sha``, ``hyperband``, ``asha``, ``bohb``: ``autoxai.tune(objective, SPACE,
  method=..., min_budget=3, max_budget=243, eta=3, n_jobs=1, random_state=seed,
  n_trials=<large>)`` with a callback that calls ``study.stop()`` once the budgets of
  the finished evaluations sum to C: SHA runs bracket after bracket (1,215 rounds
  each), Hyperband round after round (5,706 rounds each), ASHA starts new
  configurations for ever, BOHB is Hyperband with autoxai's TPE sampler.
* ``sklearn-halving``: ``HalvingRandomSearchCV(LGBMClassifier(...), distributions,
  resource="n_estimators", min_resources=3, max_resources=243, factor=3,
  n_candidates="exhaust", cv=PredefinedSplit(...), scoring="neg_log_loss",
  refit=False, n_jobs=1)`` on the training and validation rows stacked, the split
  fitting on exactly our training rows and scoring on our validation rows. One fit is
  one SHA bracket (81, 27, 9, 3, 1 candidates): it is repeated with random_state
  ``seed * 1000 + k`` until it has spent C. The distributions are the same space
  (``scipy.stats.loguniform``/``uniform``/``randint``, and log-scaled integers drawn
  the way autoxai draws them). Wall times inside a fit are apportioned from
  ``cv_results_``'s fit and score times.
* ``optuna-tpe-hb``: ``optuna.create_study(sampler=TPESampler(multivariate=True,
  seed=seed), pruner=HyperbandPruner(min_resource=3, max_resource=243,
  reduction_factor=3))``. Each trial trains LightGBM once towards 243 rounds with the
  validation set as ``eval_set``; a callback reports the validation log-loss after
  every boosting round and raises ``TrialPruned`` when ``trial.should_prune()``. Its
  compute is the rounds actually trained; a completed trial's value is the validation
  log-loss at 243 rounds, computed like everyone else's. It stops (``study.stop()``)
  once its trials have trained C rounds. The study has a fixed name per seed, since
  the pruner puts trials in brackets by a hash of the study name.

Compute and scoring
-------------------
Compute is counted in boosting rounds trained, summed over evaluations, and in wall
time. The *best score reached* after compute x is the lowest validation log-loss among
the evaluations **at the full budget (243 rounds)** that finished within x: a value
after 9 rounds is not a candidate answer (it is also what ``study.best_trial`` does,
judging at the largest budget reached). Each run stops at the first evaluation that
takes it to C or past it; an evaluation that ends past C is not counted in the final
score (it is counted in the compute spent, reported apart). The report gives the median
over seeds (5 by default) of the best score at 10 %, 25 %, 33 %, 50 % and 100 % of C,
the final score with its ratio to random search's, the compute and wall time spent,
the compute each method needed to reach random search's final median, a two-sided
Mann-Whitney U test of each method against random search and of ours against the
peers, and the test log-loss and accuracy of each run's chosen configuration (refitted
at 243 rounds on the training rows, evaluated once on the test rows; not counted in
the compute). A plot of the median best-so-far against compute and against wall time
goes next to the report.

Targets (each stated as met or missed in the report)
----------------------------------------------------
1. SHA and Hyperband reach the median final score of full-budget random search (81
   configurations) using at most a third of its compute (C / 3 = 6,561 rounds): their
   median best score at C / 3 is at or below random search's median final score.
2. ASHA with 2 workers (``n_jobs=2``, autoxai's process pool) finishes the same work at
   least 1.7x faster in wall time than with 1 worker: the same ASHA run (natural end,
   81 configurations, seed 0) timed with ``n_jobs=1`` and ``n_jobs=2``, median over 3
   repetitions taking turns going first, after an untimed warm-up of the pool. It runs
   on a larger table of the same kind (20,000 training rows, ``TIMING``) so that even a
   3-round evaluation costs ~0.07 s and the pool's per-task overhead does not dominate.
   Which configurations go up depends on the order in which evaluations finish, so the
   two runs need not do exactly the same evaluations: the report gives the compute of
   each and the speedup per unit of work (boosting rounds per second, objective-seconds
   per wall second) beside the wall-time one. It runs
   alone after the quality runs; first the script waits (up to 10 minutes) while other
   heavy Python processes (pytest, other benchmarks) run, and the report says whether
   the machine was quiet (and how much CPU other processes used during the timing).
3. At equal compute (C), in median final score: BOHB at least as good as Hyperband, and
   Hyperband at least as good as random search; ours at least as good as
   HalvingRandomSearchCV and as Optuna TPE + HyperbandPruner (like for like: SHA vs
   HalvingRandomSearchCV, both random successive halving; BOHB vs Optuna, both
   model-based with Hyperband; every pair is shown too).

Execution
---------
The (method, seed) runs are independent jobs on ``--workers`` processes (default 2),
every one single-threaded (``OMP_NUM_THREADS=1`` and friends, LightGBM ``n_jobs=1``), so
their wall times are measured while another job runs beside them. Each finished job is
cached as JSON in ``benchmarks/results/.cache_hpo_multifidelity/`` (ignored by git)
under a key holding a fingerprint of the code it depends on (autoxai's spaces,
samplers, schedulers, studies and storage, the library versions, the task and this
script's job code), so a killed run resumes where it stopped and a code change never
mixes with old results (``--fresh`` re-runs all; ``--any-fingerprint`` reuses runs made
by other code). The workers import every module of those parts of autoxai when they
start, so that a source tree edited during a long run cannot slip newer (or
half-edited) code into a lazily imported module. A last, cached job scores random
search's seed-0 configurations at every rung, to show how well small budgets rank
configurations here. The timing phase is re-measured on every run (``--no-timing``
skips it).

Run ``python benchmarks/hpo_multifidelity.py`` alone (about 20 minutes on a 2-core
machine: ~2,250 worker-seconds of quality runs, then ~70 s of timing); ``--quick`` is a
smoke run (2 seeds, 3-27 rounds on a smaller table, well under a minute). Needs
LightGBM, scikit-learn, Optuna and matplotlib. The report goes to
``benchmarks/results/hpo_multifidelity.md`` and the plot to
``benchmarks/results/hpo_multifidelity.png`` unless ``--output`` says otherwise.
"""

from __future__ import annotations

import os

import _common as common
from _common import THREAD_VARS

# Single-threaded linear algebra and LightGBM in this process and in every worker: set
# before NumPy, scikit-learn or LightGBM are imported (workers inherit the environment).
os.environ.update(dict.fromkeys(THREAD_VARS, "1"))

import argparse
import collections
import contextlib
import datetime as dt
import functools
import importlib
import math
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

import autoxai
from _common import ALPHA, QUIET_CORES, compare, median, verdict
from autoxai import Float, Int

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results" / "hpo_multifidelity.md"
DEFAULT_CACHE = HERE / "results" / ".cache_hpo_multifidelity"

OURS = ("sha", "hyperband", "asha", "bohb")
PEERS = ("sklearn-halving", "optuna-tpe-hb")
METHODS = ("random", *OURS, *PEERS)
LABELS = {
    "random": "random (full budget)",
    "sha": "autoxai SHA",
    "hyperband": "autoxai Hyperband",
    "asha": "autoxai ASHA",
    "bohb": "autoxai BOHB",
    "sklearn-halving": "sklearn HalvingRandomSearchCV",
    "optuna-tpe-hb": "Optuna TPE + HyperbandPruner",
}
LIKE_FOR_LIKE = {"sklearn-halving": "sha", "optuna-tpe-hb": "bohb"}
FRACTIONS = (0.1, 0.25, 1 / 3, 0.5, 1.0)
TARGET_FRACTION = 1 / 3  # target 1: reach random search's final score within C / 3
TARGET_SPEEDUP = 1.7  # target 2
WAIT_FOR_QUIET_S = 600
DISTS = ("lightgbm", "optuna", "scikit-learn", "numpy", "scipy")


# -- the task ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Setup:
    """The table and the rungs; ``n_random`` configurations at full budget make C."""

    n_train: int
    n_val: int
    n_test: int
    min_budget: int
    max_budget: int
    eta: int

    @property
    def s_max(self) -> int:
        return round(math.log(self.max_budget / self.min_budget) / math.log(self.eta))

    @property
    def n_random(self) -> int:
        """Configurations of full-budget random search: as many as one SHA bracket."""
        return self.eta**self.s_max

    @property
    def compute(self) -> int:
        """The common compute budget C, in boosting rounds."""
        return self.n_random * self.max_budget

    def describe(self) -> str:
        rungs = ", ".join(str(self.max_budget // self.eta**k) for k in range(self.s_max, -1, -1))
        return (
            f"{self.n_train:,} training / {self.n_val:,} validation / {self.n_test:,} test "
            f"rows; boosting rounds {self.min_budget}-{self.max_budget}, eta={self.eta} "
            f"(rungs {rungs}); C = {self.n_random} x {self.max_budget} = "
            f"{self.compute:,} rounds"
        )


FULL = Setup(3000, 2000, 2000, 3, 243, 3)
QUICK = Setup(1000, 500, 500, 3, 27, 3)
# The ASHA timing runs on a larger table of the same kind, so that even a 3-round
# evaluation takes ~0.07 s and the process pool's overhead per task does not dominate.
TIMING = Setup(20000, 2000, 1000, 3, 243, 3)

SPACE = {
    "learning_rate": Float(0.005, 0.5, log=True),
    "num_leaves": Int(4, 128, log=True),
    "min_child_samples": Int(2, 128, log=True),
    "subsample": Float(0.4, 1.0),
    "colsample_bytree": Float(0.3, 1.0),
    "reg_lambda": Float(1e-3, 100.0, log=True),
    "reg_alpha": Float(1e-3, 10.0, log=True),
}
MODEL_FIXED = {"subsample_freq": 1, "n_jobs": 1, "verbose": -1, "random_state": 0}


@functools.cache
def load_data(setup: Setup) -> tuple[np.ndarray, ...]:
    """Train, validation and test arrays of the fixed table (see the docstring)."""
    from sklearn.datasets import make_classification

    n = setup.n_train + setup.n_val + setup.n_test
    x, y = make_classification(
        n_samples=n,
        n_features=20,
        n_informative=8,
        n_redundant=4,
        n_classes=2,
        flip_y=0.05,
        class_sep=0.7,
        random_state=0,
    )  # rows come out shuffled: slice them
    a, b = setup.n_train, setup.n_train + setup.n_val
    return x[:a], y[:a], x[a:b], y[a:b], x[b:], y[b:]


def make_model(params: dict[str, Any], n_rounds: int):
    import lightgbm

    return lightgbm.LGBMClassifier(n_estimators=int(n_rounds), **MODEL_FIXED, **params)


def val_loss(setup: Setup, params: dict[str, Any], n_rounds: int) -> float:
    """Validation log-loss of a fresh fit with ``n_rounds`` boosting rounds."""
    from sklearn.metrics import log_loss

    x_tr, y_tr, x_va, y_va, _, _ = load_data(setup)
    model = make_model(params, n_rounds)
    model.fit(x_tr, y_tr)
    return float(log_loss(y_va, model.predict_proba(x_va)))


def test_scores(setup: Setup, params: dict[str, Any]) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, log_loss

    x_tr, y_tr, _, _, x_te, y_te = load_data(setup)
    model = make_model(params, setup.max_budget)
    model.fit(x_tr, y_tr)
    proba = model.predict_proba(x_te)
    return {
        "test_logloss": float(log_loss(y_te, proba)),
        "test_accuracy": float(accuracy_score(y_te, proba.argmax(axis=1))),
    }


class BudgetObjective:
    """``objective(params, budget)``: a module-level class, so that a process pool can
    pickle it by reference and each worker loads the data once."""

    def __init__(self, setup: Setup) -> None:
        self.setup = setup

    def __call__(self, params: dict[str, Any], budget: float) -> float:
        return val_loss(self.setup, params, int(budget))


class FullObjective:
    """``objective(params)`` at the full budget (random search)."""

    def __init__(self, setup: Setup) -> None:
        self.setup = setup

    def __call__(self, params: dict[str, Any]) -> float:
        return val_loss(self.setup, params, self.setup.max_budget)


def task_module():
    """This file imported under its own name.

    When it runs as a script its classes live in ``__main__``, which cloudpickle would
    ship by value with every task sent to autoxai's process pool; the module imported
    by name (``benchmarks/`` is on ``sys.path``, which loky passes to its workers) is
    pickled by reference instead.
    """
    if __name__ != "__main__":
        return sys.modules[__name__]
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    return importlib.import_module(Path(__file__).stem)


# -- one run of one method ---------------------------------------------------------------
# Each run returns its evaluations in the order they finished, as
# [compute of this evaluation (rounds), value, seconds since the start when it finished,
#  whether it ran at the full budget], and the configurations of the full-budget ones.


def run_autoxai(method: str, seed: int, setup: Setup) -> dict[str, Any]:
    spent = 0
    ends: dict[int, float] = {}
    start = time.perf_counter()

    def stop_at_budget(study, trial) -> None:
        nonlocal spent
        spent += setup.max_budget if trial.budget is None else trial.budget
        ends[trial.number] = time.perf_counter() - start
        if spent >= setup.compute:
            study.stop()

    if method == "random":
        study = autoxai.tune(
            FullObjective(setup),
            SPACE,
            method="random",
            n_trials=setup.n_random,
            random_state=seed,
            callbacks=[stop_at_budget],
        )
    else:
        study = autoxai.tune(
            BudgetObjective(setup),
            SPACE,
            method=method,
            min_budget=setup.min_budget,
            max_budget=setup.max_budget,
            eta=setup.eta,
            n_trials=10**9,  # no natural end: the callback stops at C
            random_state=seed,
            callbacks=[stop_at_budget],
        )
    wall = time.perf_counter() - start
    evals, full_params, failed, objective_s = [], {}, 0, 0.0
    for t in sorted(study.trials, key=lambda t: ends.get(t.number, math.inf)):
        if t.number not in ends:
            continue
        objective_s += t.duration or 0.0
        budget = setup.max_budget if t.budget is None else int(t.budget)
        complete = t.state is autoxai.TrialState.COMPLETE
        failed += not complete
        full = budget == setup.max_budget and complete
        evals.append([budget, t.value if complete else None, ends[t.number], full])
        if full:
            full_params[len(evals) - 1] = dict(t.params)
    n_configs = sum(1 for t in study.trials if t.parent is None)
    return {
        "evals": evals,
        "full_params": full_params,
        "wall": wall,
        "n_configs": n_configs,
        "failed": failed,
        "objective_s": objective_s,
    }


def optuna_suggest(trial) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name, dist in SPACE.items():
        if isinstance(dist, Int):
            params[name] = trial.suggest_int(name, dist.low, dist.high, log=dist.log)
        else:
            params[name] = trial.suggest_float(name, dist.low, dist.high, log=dist.log)
    return params


def run_optuna(seed: int, setup: Setup) -> dict[str, Any]:
    import optuna
    from sklearn.metrics import log_loss

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    x_tr, y_tr, x_va, y_va, _, _ = load_data(setup)
    evals: list[list[Any]] = []
    full_params: dict[int, dict[str, Any]] = {}
    spent, objective_s = 0, 0.0
    start = time.perf_counter()

    def objective(trial) -> float:
        nonlocal spent, objective_s
        params = optuna_suggest(trial)
        rounds, last = 0, None

        def report(env) -> None:
            nonlocal rounds, last
            rounds, last = env.iteration + 1, env.evaluation_result_list[0][2]
            trial.report(last, rounds)
            if trial.should_prune():
                raise optuna.TrialPruned()

        model = make_model(params, setup.max_budget)
        t0 = time.perf_counter()
        try:
            model.fit(
                x_tr,
                y_tr,
                eval_set=[(x_va, y_va)],
                eval_metric="binary_logloss",
                callbacks=[report],
            )
        except optuna.TrialPruned:
            objective_s += time.perf_counter() - t0
            spent += rounds
            evals.append([rounds, last, time.perf_counter() - start, False])
            raise
        value = float(log_loss(y_va, model.predict_proba(x_va)))
        objective_s += time.perf_counter() - t0
        spent += rounds
        evals.append([rounds, value, time.perf_counter() - start, True])
        full_params[len(evals) - 1] = params
        return value

    def stop_at_budget(study, trial) -> None:
        if spent >= setup.compute:
            study.stop()

    study = optuna.create_study(
        # HyperbandPruner puts a trial in a bracket by a hash of the study name and the
        # trial number: a fixed name makes the run reproducible.
        study_name=f"optuna-tpe-hb-seed{seed}",
        direction="minimize",
        sampler=optuna.samplers.TPESampler(multivariate=True, seed=seed),
        pruner=optuna.pruners.HyperbandPruner(
            min_resource=setup.min_budget,
            max_resource=setup.max_budget,
            reduction_factor=setup.eta,
        ),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ExperimentalWarning for multivariate TPE
        study.optimize(objective, callbacks=[stop_at_budget])
    wall = time.perf_counter() - start
    failed = sum(
        1
        for t in study.trials
        if t.state not in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    )
    return {
        "evals": evals,
        "full_params": full_params,
        "wall": wall,
        "n_configs": len(study.trials),
        "failed": failed,
        "objective_s": objective_s,
    }


class LogUniformInt:
    """An integer log-uniform on [low - 0.5, high + 0.5], rounded: autoxai's ``Int(log=True)``."""

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def rvs(self, random_state=None):
        from sklearn.utils import check_random_state

        rng = check_random_state(random_state)
        x = math.exp(rng.uniform(math.log(self.low - 0.5), math.log(self.high + 0.5)))
        return int(min(max(round(x), self.low), self.high))


def sklearn_distributions() -> dict[str, Any]:
    from scipy import stats

    out: dict[str, Any] = {}
    for name, d in SPACE.items():
        if isinstance(d, Int):
            out[name] = LogUniformInt(d.low, d.high) if d.log else stats.randint(d.low, d.high + 1)
        elif d.log:
            out[name] = stats.loguniform(d.low, d.high)
        else:
            out[name] = stats.uniform(loc=d.low, scale=d.high - d.low)
    return out


def run_halving(seed: int, setup: Setup) -> dict[str, Any]:
    import lightgbm
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV, PredefinedSplit

    x_tr, y_tr, x_va, y_va, _, _ = load_data(setup)
    x = np.vstack([x_tr, x_va])
    y = np.concatenate([y_tr, y_va])
    split = PredefinedSplit(np.r_[np.full(len(y_tr), -1), np.zeros(len(y_va), dtype=int)])
    evals: list[list[Any]] = []
    full_params: dict[int, dict[str, Any]] = {}
    spent, repeats, n_configs, failed, objective_s = 0, 0, 0, 0, 0.0
    start = time.perf_counter()
    while spent < setup.compute:
        search = HalvingRandomSearchCV(
            lightgbm.LGBMClassifier(**MODEL_FIXED),
            sklearn_distributions(),
            n_candidates="exhaust",
            resource="n_estimators",
            min_resources=setup.min_budget,
            max_resources=setup.max_budget,
            factor=setup.eta,
            cv=split,
            scoring="neg_log_loss",
            refit=False,
            random_state=seed * 1000 + repeats,
            n_jobs=1,
        )
        t0 = time.perf_counter() - start
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            search.fit(x, y)
        elapsed = time.perf_counter() - start - t0
        res = search.cv_results_
        costs = np.asarray(res["mean_fit_time"]) + np.asarray(res["mean_score_time"])
        objective_s += float(costs.sum())
        scale = elapsed / costs.sum() if costs.sum() > 0 else 0.0
        ends = t0 + np.cumsum(costs) * scale
        for i, n_res in enumerate(res["n_resources"]):
            score = float(res["mean_test_score"][i])
            ok = math.isfinite(score)
            failed += not ok
            full = int(n_res) == setup.max_budget and ok
            evals.append([int(n_res), -score if ok else None, float(ends[i]), full])
            if full:
                full_params[len(evals) - 1] = {  # without the resource, n_estimators
                    k: (v.item() if hasattr(v, "item") else v)
                    for k, v in res["params"][i].items()
                    if k in SPACE
                }
            spent += int(n_res)
        n_configs += int(search.n_candidates_[0])
        repeats += 1
    return {
        "evals": evals,
        "full_params": full_params,
        "wall": time.perf_counter() - start,
        "n_configs": n_configs,
        "failed": failed,
        "repeats": repeats,
        "objective_s": objective_s,
    }


def run_fidelity(setup: Setup) -> dict[str, Any]:
    """How well the small budgets rank configurations: random search's seed-0
    configurations, each fitted once at the full budget and scored at every rung
    (``predict_proba(num_iteration=k)`` is the k-round model: LightGBM's rounds do not
    depend on how many follow), checked against a fresh fit on one configuration."""
    from sklearn.metrics import log_loss

    x_tr, y_tr, x_va, y_va, _, _ = load_data(setup)
    study = autoxai.tune(
        lambda p: 0.0, SPACE, method="random", n_trials=setup.n_random, random_state=0
    )
    rungs = [setup.max_budget // setup.eta**k for k in range(setup.s_max, -1, -1)]
    configs, losses = [], []
    for t in study.trials:
        model = make_model(t.params, setup.max_budget)
        model.fit(x_tr, y_tr)
        row = [float(log_loss(y_va, model.predict_proba(x_va, num_iteration=k))) for k in rungs]
        configs.append(dict(t.params))
        losses.append(row)
    check = abs(val_loss(setup, configs[0], rungs[1]) - losses[0][1])
    return {"rungs": rungs, "configs": configs, "losses": losses, "truncation_error": check}


def run_method(method: str, seed: int, setup: Setup) -> dict[str, Any]:
    """One run, the chosen configuration (best at full budget within C) and its test score."""
    if method == "optuna-tpe-hb":
        result = run_optuna(seed, setup)
    elif method == "sklearn-halving":
        result = run_halving(seed, setup)
    else:
        result = run_autoxai(method, seed, setup)
    evals = result["evals"]
    cum = np.cumsum([e[0] for e in evals])
    best_i = None
    for i, (_, value, _, full) in enumerate(evals):
        if full and cum[i] <= setup.compute and (best_i is None or value < evals[best_i][1]):
            best_i = i
    result["full_params"] = {str(k): v for k, v in result["full_params"].items()}
    result["chosen"] = None
    if best_i is not None:
        params = result["full_params"][str(best_i)]
        result["chosen"] = {"params": params, "val_logloss": evals[best_i][1]}
        result["chosen"].update(test_scores(setup, params))
    return result


# -- jobs, workers and the cache ---------------------------------------------------------
@dataclass(frozen=True)
class Job:
    method: str
    seed: int
    quick: bool

    def key(self) -> str:
        return f"{self.method}__s{self.seed}__{'quick' if self.quick else 'full'}"


def code_fingerprint() -> str:
    """Hash of what decides a run's results (not the report's layout)."""
    return common.code_fingerprint(
        ("space", "samplers", "schedulers", "study", "storage"),
        (
            load_data,
            make_model,
            val_loss,
            test_scores,
            run_autoxai,
            optuna_suggest,
            run_optuna,
            LogUniformInt,
            sklearn_distributions,
            run_halving,
            run_method,
            run_fidelity,
        ),
        (SPACE, MODEL_FIXED, (FULL, QUICK)),  # not TIMING: it is never cached
        DISTS,
    )


def import_eagerly() -> None:
    """Import every module of the parts of autoxai a run uses, now.

    Some are imported lazily (the driver loop on the first ``optimize``); with the
    source tree being edited while a long benchmark runs, a lazy import could load a
    newer module than the fingerprint saw, or a half-edited one.
    """
    import pkgutil

    for sub in ("space", "samplers", "schedulers", "study", "storage"):
        package = importlib.import_module(f"autoxai.{sub}")
        for info in pkgutil.walk_packages(package.__path__, f"autoxai.{sub}."):
            # An optional backend (e.g. PostgreSQL) may not be installed.
            with contextlib.suppress(ImportError):
                importlib.import_module(info.name)


def work(job: Job) -> dict[str, Any]:
    warnings.filterwarnings("ignore")
    setup = QUICK if job.quick else FULL
    if job.method == "fidelity":
        result = run_fidelity(setup)
    else:
        result = run_method(job.method, job.seed, setup)
    return {**result, "job": asdict(job), "loadavg_at_end": os.getloadavg()[0]}


def expected_cost(job: Job) -> float:
    """Rough relative cost (many small evaluations cost most), to start the longest first."""
    return {"sklearn-halving": 5, "sha": 4, "asha": 4, "bohb": 3, "hyperband": 3}.get(job.method, 2)


def describe(job: Job, result: dict[str, Any]) -> str:
    """A finished run's progress line."""
    what = "fidelity diagnostic"
    if job.method != "fidelity":
        chosen = result["chosen"]
        best = "—" if chosen is None else f"{chosen['val_logloss']:.4f}"
        what = f"best {best}  evals {len(result['evals']):<5} wall {result['wall']:.1f} s"
    return f"{job.method:<16} seed {job.seed}  {what}"


# -- ASHA with 1 and 2 workers -----------------------------------------------------------
def time_asha(setup: Setup, n_jobs: int, seed: int = 0) -> dict[str, Any]:
    objective = task_module().BudgetObjective(setup)
    start = time.perf_counter()
    study = autoxai.tune(
        objective,
        SPACE,
        method="asha",
        min_budget=setup.min_budget,
        max_budget=setup.max_budget,
        eta=setup.eta,
        n_jobs=n_jobs,
        random_state=seed,
    )
    wall = time.perf_counter() - start
    trials = study.trials
    durations = [t.duration for t in trials if t.duration is not None]
    return {
        "n_jobs": n_jobs,
        "wall": wall,
        "compute": int(sum(t.budget for t in trials)),
        "evals": len(trials),
        "configs": sum(1 for t in trials if t.parent is None),
        "busy": float(sum(durations)),
        "median_eval": float(np.median(durations)),
        "rung0_median_eval": float(
            np.median([t.duration for t in trials if t.rung == 0 and t.duration is not None])
        ),
        "best": study.best_value,
        "failed": sum(1 for t in trials if t.state is not autoxai.TrialState.COMPLETE),
    }


def run_timing(setup: Setup, reps: int, wait: float = WAIT_FOR_QUIET_S) -> dict[str, Any]:
    quiet = common.wait_for_quiet(wait)
    print("timing: warm-up of the 2-worker pool", file=sys.stderr, flush=True)
    objective = task_module().BudgetObjective(setup)
    autoxai.tune(
        objective,
        SPACE,
        method="asha",
        min_budget=setup.min_budget,
        max_budget=setup.max_budget,
        eta=setup.eta,
        n_jobs=2,
        n_trials=6,
        random_state=123,
    )
    task_module().val_loss(setup, {}, setup.min_budget)  # data and imports here, untimed
    meter = common.LoadMeter()
    runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    for rep in range(reps):
        for n_jobs in (1, 2) if rep % 2 == 0 else (2, 1):
            r = time_asha(setup, n_jobs)
            runs[n_jobs].append(r)
            print(
                f"timing rep {rep + 1}/{reps} n_jobs={n_jobs}: {r['wall']:.2f} s, "
                f"{r['evals']} evaluations, {r['compute']} rounds",
                file=sys.stderr,
                flush=True,
            )
    load = meter.stop()
    return {
        "runs": runs,
        "quiet": quiet,
        "others": load.others,
        "elapsed": load.seconds,
        "setup": setup,
    }


# -- scoring -----------------------------------------------------------------------------
def best_at(
    result: dict[str, Any], x: float, *, wall: bool = False, cap: float = math.inf
) -> float:
    """Best full-budget validation loss among evaluations finished within compute (or
    seconds) ``x`` and within compute ``cap``; inf if none."""
    best, spent = math.inf, 0
    for cost, value, end, full in result["evals"]:
        spent += cost
        if (end if wall else spent) > x or spent > cap:
            break
        if full:
            best = min(best, value)
    return best


def compute_to_reach(result: dict[str, Any], target: float, cap: float) -> float:
    """Compute spent when a full-budget evaluation first reaches ``target`` (inf if not
    within ``cap``)."""
    spent = 0
    for cost, value, _, full in result["evals"]:
        spent += cost
        if spent > cap:
            break
        if full and value <= target:
            return spent
    return math.inf


# -- the plot ----------------------------------------------------------------------------
def plot(
    by_method: dict[str, list[dict[str, Any]]], setup: Setup, random_final: float, path: Path
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    xs = np.geomspace(setup.min_budget * 10, setup.compute, 300)
    t_max = max(r["wall"] for rs in by_method.values() for r in rs)
    ts = np.geomspace(0.5, t_max, 300)
    styles = {"random": "k-", "sklearn-halving": "C7--", "optuna-tpe-hb": "C5--"}
    for method, runs in by_method.items():
        for ax, grid, wall in ((axes[0], xs, False), (axes[1], ts, True)):
            ys = [median(best_at(r, x, wall=wall, cap=setup.compute) for r in runs) for x in grid]
            ys = [y if math.isfinite(y) else np.nan for y in ys]
            ax.plot(grid, ys, styles.get(method, "-"), label=LABELS[method], lw=1.6)
    for ax in axes:
        ax.axhline(random_final, color="0.5", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_ylabel("median best validation log-loss (full-budget evaluations)")
        ax.grid(alpha=0.3, which="both")
    axes[0].axvline(setup.compute * TARGET_FRACTION, color="m", lw=0.8, ls=":")
    axes[0].set_xlabel(
        f"compute: boosting rounds trained (C = {setup.compute:,}; magenta: C/3; "
        "grey: random search's final median)"
    )
    axes[1].set_xlabel("wall time, s (runs measured two at a time on 2 cores)")
    lows = [median(best_at(r, setup.compute) for r in runs) for runs in by_method.values() if runs]
    finite = [v for v in lows if math.isfinite(v)]
    if finite:
        lo = min(finite)
        for ax in axes:
            ax.set_ylim(lo - 0.01, max(random_final + 0.06, lo + 0.08))
    axes[0].legend(fontsize=8)
    fig.suptitle(
        f"LightGBM, validation log-loss; median over {len(next(iter(by_method.values())))} seeds"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# -- the report --------------------------------------------------------------------------
def _fmt(x: float, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if math.isinf(x):
        return "never"
    return f"{x:.{digits}f}"


def space_text() -> str:
    parts = []
    for name, d in SPACE.items():
        kind = "int" if isinstance(d, Int) else "float"
        parts.append(f"`{name}` {kind} [{d.low:g}, {d.high:g}]{' log' if d.log else ''}")
    return "; ".join(parts)


def render(
    results: dict[Job, dict[str, Any]],
    methods: list[str],
    seeds: list[int],
    setup: Setup,
    timing: dict[str, Any] | None,
    meta: dict[str, Any],
    plot_name: str | None,
) -> str:
    C = setup.compute
    by_method = {m: [results[Job(m, s, meta["quick"])] for s in seeds] for m in methods}
    final = {m: [best_at(r, C) for r in rs] for m, rs in by_method.items()}
    med_final = {m: median(v) for m, v in final.items()}
    random_final = med_final.get("random", math.nan)

    lines = [
        "# Multi-fidelity HPO: autoxai SHA / Hyperband / ASHA / BOHB vs random search, "
        "HalvingRandomSearchCV and Optuna",
        "",
        f"- date: {meta['started'].isoformat(timespec='seconds')} (whole run "
        f"{meta['elapsed']:.0f} s: quality runs {meta['quality_s']:.0f} s, ASHA timing "
        f"{meta['timing_s']:.0f} s)",
        *common.provenance_lines(meta["command"], meta["load"], DISTS, ["LightGBM n_jobs=1"]),
        f"- task: LightGBM on a fixed binary `make_classification` table, {setup.describe()}; "
        f"score = validation log-loss (lower is better)",
        f"- space: {space_text()}; fixed: "
        + ", ".join(f"`{k}={v}`" for k, v in MODEL_FIXED.items()),
        f"- {len(methods)} methods x {len(seeds)} seeds ({seeds[0]}-{seeds[-1]}), "
        f"{meta['workers']} worker process(es); code fingerprint `{meta['fingerprint']}` "
        f"({meta['cached']} of {len(results)} runs from the cache)",
    ]
    worker_s = sum(r["wall"] for r in results.values() if "wall" in r)
    lines.append(
        f"- quality runs: sum of their wall times {worker_s:.0f} s (worker-seconds, as "
        "measured when each run was made; the quality phase takes about this divided by "
        "the workers)"
    )
    failed = sum(r.get("failed", 0) for r in results.values())
    if failed:
        lines.append(f"- **{failed} evaluations failed** (they never count as results)")

    # -- headline
    rows = []
    third = C * TARGET_FRACTION
    if "random" in methods:
        for m in ("sha", "hyperband"):
            if m not in methods:
                continue
            at = median(best_at(r, third) for r in by_method[m])
            reach = [compute_to_reach(r, random_final, C) for r in by_method[m]]
            ok = at <= random_final
            rows.append(
                f"| 1. {LABELS[m]} reaches random search's median final score "
                f"({_fmt(random_final)}) within C/3 = {third:,.0f} rounds | median best at "
                f"C/3: {_fmt(at)}; median compute to reach it: {_fmt_compute(median(reach), C)}"
                f" ({sum(math.isfinite(v) and v <= third for v in reach)}/{len(reach)} seeds "
                f"within C/3) | ≤ {_fmt(random_final)} at C/3 | {verdict(ok)} |"
            )
    if timing:
        w1 = median(r["wall"] for r in timing["runs"][1])
        w2 = median(r["wall"] for r in timing["runs"][2])
        speedup = w1 / w2
        c1 = median(r["compute"] for r in timing["runs"][1])
        c2 = median(r["compute"] for r in timing["runs"][2])
        rows.append(
            f"| 2. ASHA, 2 workers vs 1, same run (natural end, seed 0) | {w1:.2f} s / "
            f"{w2:.2f} s = **{speedup:.2f}x** (median compute {c1:,.0f} vs {c2:,.0f} "
            f"rounds; per unit of work, objective-seconds per wall second: "
            f"{work_speedup(timing):.2f}x; {_quiet_word(timing)}) | ≥ {TARGET_SPEEDUP}x | "
            f"{verdict(speedup >= TARGET_SPEEDUP)} |"
        )
    for a, b in (("bohb", "hyperband"), ("hyperband", "random")):
        if a in methods and b in methods:
            outcome, p = compare(final[a], final[b])
            rows.append(
                f"| 3. at C: {LABELS[a]} at least as good as {LABELS[b]} | "
                f"{_fmt(med_final[a])} vs {_fmt(med_final[b])} (U test: {outcome}, "
                f"p={p:.2g}) | ≤ | {verdict(med_final[a] <= med_final[b])} |"
            )
    for peer, ours in LIKE_FOR_LIKE.items():
        if peer in methods and ours in methods:
            outcome, p = compare(final[ours], final[peer])
            rows.append(
                f"| 3. at C: {LABELS[ours]} at least as good as {LABELS[peer]} (like for "
                f"like) | {_fmt(med_final[ours])} vs {_fmt(med_final[peer])} (U test: "
                f"{outcome}, p={p:.2g}) | ≤ | {verdict(med_final[ours] <= med_final[peer])} |"
            )
    pairs = [(o, p) for o in OURS for p in PEERS if o in methods and p in methods]
    if pairs:
        ok_pairs = [(o, p) for o, p in pairs if med_final[o] <= med_final[p]]
        best_ours = min((o for o in OURS if o in methods), key=lambda o: med_final[o])
        rows.append(
            f"| 3. at C: every one of ours at least as good as every peer | "
            f"{len(ok_pairs)}/{len(pairs)} pairs (best of ours: {LABELS[best_ours]}, "
            f"{_fmt(med_final[best_ours])}) | {len(pairs)}/{len(pairs)} | "
            f"{verdict(len(ok_pairs) == len(pairs))} |"
        )
    lines += [
        "",
        "## Headline",
        "",
        "| target | achieved | needed | verdict |",
        "|---|---|---|---|",
        *rows,
        "",
        "Scores are medians over the seeds of the best validation log-loss among "
        "full-budget evaluations; C is the compute of full-budget random search over "
        f"{setup.n_random} configurations. The U test (two-sided Mann-Whitney over the "
        f"seeds, α = {ALPHA}) says whether a difference is distinguishable from seed "
        f"noise: with {len(seeds)} seeds a 'tie' is common, so a met or missed median "
        "ordering inside a tie is not evidence either way.",
    ]
    fid = results.get(Job("fidelity", 0, meta["quick"]))
    if fid:
        lines += ["", why_text(fid, by_method, setup)]

    # -- best at fractions of C
    lines += [
        "",
        "## Best validation log-loss at fractions of the common compute budget",
        "",
        f"Median over seeds; C = {C:,} boosting rounds. '—' = fewer than half the seeds "
        "have a full-budget evaluation yet; [k/n] = seeds with one, when not all.",
        "",
        "| method | " + " | ".join(f"{f:.0%} C ({f * C:,.0f})" for f in FRACTIONS) + " |",
        "|---|" + "---:|" * len(FRACTIONS),
    ]
    for m, runs in by_method.items():
        cells = []
        for f in FRACTIONS:
            vals = [best_at(r, f * C) for r in runs]
            k = sum(math.isfinite(v) for v in vals)
            text = _fmt(median(vals)) if k * 2 > len(vals) else "—"
            cells.append(text + ("" if k == len(vals) else f" [{k}/{len(vals)}]"))
        lines.append(f"| {LABELS[m]} | " + " | ".join(cells) + " |")

    # -- final scores and compute
    lines += [
        "",
        "## Final score and compute spent",
        "",
        "Final = best at C (min-max over seeds in brackets); ratio = final / random "
        "search's final (medians; < 1 is better). Compute spent includes the last "
        "evaluation that crossed C (not counted in the score). Wall time was measured "
        f"with {meta['workers']} runs at once on the machine, each single-threaded. "
        "Test scores: each run's chosen configuration refitted at full budget on the "
        f"training rows, scored on the {setup.n_test:,} test rows. vs random: U test of the final "
        "scores. *Outside the model*: wall time minus the time spent fitting and scoring "
        "LightGBM (autoxai: the trials' `duration`; Optuna: around `fit` and "
        "`predict_proba`; scikit-learn: `cv_results_` fit + score times), i.e. the "
        "search's own sampler and driver time.",
        "",
        "Equal compute in boosting rounds is not equal wall time: every LightGBM fit first "
        "builds its binned dataset (~0.015 s here, the cost of a 3-round fit), so methods "
        "made of many small evaluations take several times longer than full-budget "
        "random search for the same rounds. The quality runs' wall times also depend on "
        "what else ran on the machine (load averages below).",
        "",
        "| method | final val log-loss | ratio | vs random | compute spent (x C) | wall s "
        "| outside the model s | evaluations | configurations | test log-loss | test accuracy "
        "| chosen learning rate |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m, runs in by_method.items():
        vals = final[m]
        spent = median(sum(e[0] for e in r["evals"]) for r in runs)
        vs = "—"
        if m != "random" and "random" in methods:
            outcome, p = compare(vals, final["random"])
            vs = f"{outcome} (p={p:.2g})"
        chosen = [r["chosen"] for r in runs if r["chosen"]]
        lines.append(
            f"| {LABELS[m]} | {_fmt(med_final[m])} [{_fmt(min(vals))}-{_fmt(max(vals))}] | "
            f"{med_final[m] / random_final:.3f} | {vs} | {spent:,.0f} ({spent / C:.2f}) | "
            f"{median(r['wall'] for r in runs):.1f} | "
            f"{median(r['wall'] - r['objective_s'] for r in runs):.1f} | "
            f"{median(len(r['evals']) for r in runs):.0f} | "
            f"{median(r['n_configs'] for r in runs):.0f} | "
            f"{_fmt(median(c['test_logloss'] for c in chosen))} | "
            f"{_fmt(median(c['test_accuracy'] for c in chosen), 3)} | "
            f"{median(c['params']['learning_rate'] for c in chosen):.3f} |"
        )

    # -- compute to reach random's final
    if "random" in methods:
        lines += [
            "",
            "## Compute to reach random search's final score",
            "",
            f"Rounds trained until the best full-budget evaluation is ≤ random search's "
            f"median final score ({_fmt(random_final)}); median over seeds ('never' when "
            "fewer than half the seeds get there within their run), as a fraction of C.",
            "",
            "| method | median compute to reach | x C | seeds that reach it |",
            "|---|---:|---:|---:|",
        ]
        for m, runs in by_method.items():
            reach = [compute_to_reach(r, random_final, C) for r in runs]
            med = median(reach)
            lines.append(
                f"| {LABELS[m]} | {_fmt_compute(med, C, frac=False)} | "
                f"{'never' if math.isinf(med) else f'{med / C:.2f}'} | "
                f"{sum(math.isfinite(v) for v in reach)}/{len(reach)} |"
            )

    # -- ours vs peers, every pair
    if pairs:
        lines += [
            "",
            "## Ours vs the peers at C, every pair",
            "",
            "Median final validation log-loss, ours vs theirs, and the U test outcome for ours.",
            "",
            "| ours | " + " | ".join(LABELS[p] for p in PEERS if p in methods) + " |",
            "|---|" + "---|" * sum(p in methods for p in PEERS),
        ]
        for o in OURS:
            if o not in methods:
                continue
            cells = []
            for p in PEERS:
                if p in methods:
                    outcome, pv = compare(final[o], final[p])
                    cells.append(
                        f"{_fmt(med_final[o])} vs {_fmt(med_final[p])}: {outcome} (p={pv:.2g})"
                    )
            lines.append(f"| {LABELS[o]} | " + " | ".join(cells) + " |")

    if plot_name:
        lines += ["", "## Best-so-far against compute and wall time", "", f"![]({plot_name})"]
    loads = [r["loadavg_at_end"] for r in results.values() if "loadavg_at_end" in r]
    if loads:
        lines += [
            "",
            f"1-minute load average when each quality run ended: median {median(loads):.2f}, "
            f"max {max(loads):.2f} ({meta['workers']} of it are this benchmark's own "
            "workers; more means other processes shared the machine and the wall times "
            "above are inflated, while scores and compute are not affected).",
        ]
    fid = results.get(Job("fidelity", 0, meta["quick"]))
    if fid:
        lines += render_fidelity(fid, setup)

    if timing:
        lines += render_timing(timing)

    lines += [
        "",
        "## How each method was run",
        "",
        "- random: `autoxai.tune(objective, space, method='random', "
        f"n_trials={setup.n_random}, random_state=seed)`, every evaluation at "
        f"{setup.max_budget} rounds.",
        "- SHA, Hyperband, ASHA, BOHB: `autoxai.tune(objective, space, method=..., "
        f"min_budget={setup.min_budget}, max_budget={setup.max_budget}, eta={setup.eta}, "
        "random_state=seed, n_trials=10**9)` with a callback calling `study.stop()` once "
        "the finished evaluations' budgets sum to C; each evaluation is a fresh fit "
        "(promotions retrain from scratch); n_jobs=1.",
        "- HalvingRandomSearchCV: `resource='n_estimators', min_resources="
        f"{setup.min_budget}, max_resources={setup.max_budget}, factor={setup.eta}, "
        "n_candidates='exhaust', cv=PredefinedSplit(train → validation), "
        "scoring='neg_log_loss', refit=False, n_jobs=1`, repeated with random_state "
        "seed·1000+k until C is spent; its wall times per evaluation are apportioned from "
        "`cv_results_` fit + score times.",
        "- Optuna: `TPESampler(multivariate=True, seed=seed)`, `HyperbandPruner("
        f"min_resource={setup.min_budget}, max_resource={setup.max_budget}, "
        f"reduction_factor={setup.eta})`; one LightGBM fit per trial towards "
        f"{setup.max_budget} rounds, validation log-loss reported after every round "
        "(LightGBM's `binary_logloss` on the eval set), pruned trials counted at the "
        "rounds they trained.",
    ]
    reps = collections.Counter(
        r.get("repeats", 0) for j, r in results.items() if j.method == "sklearn-halving"
    )
    if reps:
        lines.append(
            "- HalvingRandomSearchCV repeats per run: "
            + ", ".join(f"{k} × {n}" for k, n in sorted(reps.items()))
        )
    return "\n".join(lines) + "\n"


def work_speedup(timing: dict[str, Any]) -> float:
    """Objective-seconds done per wall second with 2 workers over that with 1 (medians):
    the speedup for the same amount of work, whatever each run chose to evaluate."""
    rate = {n: median(r["busy"] / r["wall"] for r in timing["runs"][n]) for n in (1, 2)}
    return rate[2] / rate[1]


def why_text(fid: dict[str, Any], by_method: dict[str, list[dict[str, Any]]], setup) -> str:
    """What the fidelity diagnostic says, in numbers (no verdict)."""
    from scipy.stats import spearmanr

    losses = np.asarray(fid["losses"])
    full = losses[:, -1]
    rho = spearmanr(losses[:, 0], full).statistic
    rank = int(np.where(np.argsort(losses[:, 0]) == int(np.argmin(full)))[0][0]) + 1
    lrs = np.array([c["learning_rate"] for c in fid["configs"]])
    k = max(1, len(full) // setup.eta)
    lr_low = float(np.median(lrs[np.argsort(losses[:, 0])[:k]]))
    lr_full = float(np.median(lrs[np.argsort(full)[:k]]))
    chosen = {
        m: median(r["chosen"]["params"]["learning_rate"] for r in runs if r["chosen"])
        for m, runs in by_method.items()
    }
    return (
        f"How informative the small budgets are here (section below): over random "
        f"search's {len(full)} seed-0 configurations, the Spearman correlation between "
        f"the validation loss after {fid['rungs'][0]} rounds and after "
        f"{fid['rungs'][-1]} is {rho:.2f}, and the configuration best at "
        f"{fid['rungs'][-1]} rounds ranks {rank}/{len(full)} after {fid['rungs'][0]}. The "
        f"top third after {fid['rungs'][0]} rounds has a median learning rate of "
        f"{lr_low:.3f}, the top third after {fid['rungs'][-1]} {lr_full:.3f}; the median "
        "learning rate of the configurations each method finally chose: "
        + ", ".join(f"{LABELS[m]} {v:.3f}" for m, v in chosen.items())
        + "."
    )


def render_fidelity(fid: dict[str, Any], setup: Setup) -> list[str]:
    """Rank agreement between each rung and the full budget, over random configurations."""
    from scipy.stats import spearmanr

    losses = np.asarray(fid["losses"])
    full = losses[:, -1]
    n = len(full)
    top = set(np.argsort(full)[: max(1, n // setup.eta)])
    best_full = int(np.argmin(full))
    lines = [
        "",
        "## How well do small budgets predict the full budget?",
        "",
        f"The {n} configurations of random search's seed 0, each scored at every rung "
        "(one fit to the full budget, `predict_proba(num_iteration=k)`; a fresh k-round "
        f"fit gives the same loss within {fid['truncation_error']:.1e}). Spearman "
        "correlation of each rung's loss with the full-budget loss; how many of the "
        f"top 1/{setup.eta} at full budget are in the top 1/{setup.eta} at that rung (what "
        "successive halving keeps); the rank, at that rung, of the configuration that "
        "is best at full budget; and the median learning rate of the rung's top "
        f"1/{setup.eta}.",
        "",
        f"| rung (rounds) | Spearman vs {setup.max_budget} | top-1/{setup.eta} overlap | "
        "rank of the full-budget best | median learning rate of the rung's top |",
        "|---:|---:|---:|---:|---:|",
    ]
    lrs = np.array([c["learning_rate"] for c in fid["configs"]])
    for j, rung in enumerate(fid["rungs"]):
        col = losses[:, j]
        order = np.argsort(col)
        kept = set(order[: max(1, n // setup.eta)])
        rho = spearmanr(col, full).statistic
        rank = int(np.where(order == best_full)[0][0]) + 1
        lines.append(
            f"| {rung} | {rho:.2f} | {len(kept & top)}/{len(top)} | {rank}/{n} | "
            f"{np.median(lrs[list(kept)]):.3f} |"
        )
    return lines


def _fmt_compute(x: float, C: int, *, frac: bool = True) -> str:
    if math.isinf(x) or math.isnan(x):
        return "never"
    return f"{x:,.0f}" + (f" ({x / C:.2f} C)" if frac else "")


def _quiet_word(timing: dict[str, Any]) -> str:
    others = timing["others"]
    if others is None:
        return "quietness not measured"
    return f"{'quiet' if others < QUIET_CORES else 'NOT quiet'}: others {others:.2f} cores"


def render_timing(timing: dict[str, Any]) -> list[str]:
    setup = timing["setup"]
    q = timing["quiet"]
    if not q["found_at_start"]:
        state = "no other heavy process was running when the timing started"
    elif not q["still"]:
        state = (
            f"other heavy processes were running ({'; '.join(q['found_at_start'][:3])}); "
            f"the script waited {q['waited_s']:.0f} s until they were gone"
        )
    else:
        state = (
            f"**other heavy processes were still running after waiting {q['waited_s']:.0f} s**"
            f" ({'; '.join(q['still'][:3])}): the timing ran anyway"
        )
    others = timing["others"]
    lines = [
        "",
        "## ASHA with 1 and 2 workers",
        "",
        f"The same ASHA run (its natural end: {setup.n_random} new configurations, "
        "promotions until none is possible; seed 0) on a larger table of the same kind "
        f"({setup.describe()}), "
        "so that every evaluation costs enough for the process pool's overhead not to "
        "dominate, with `n_jobs=1` (in this process) and `n_jobs=2` "
        "(autoxai's loky process pool, warmed up first), taking turns going first. "
        "Machine: "
        + state
        + "; "
        + (
            "CPU of other processes during the timing not measured."
            if others is None
            else f"other processes used {others:.2f} cores on average during the timing"
            + (" (quiet)." if others < QUIET_CORES else " — **not quiet**.")
        ),
        "",
        "| n_jobs | wall s (median) [min-max] | compute (rounds) | evaluations | "
        "worker-seconds in the objective | median evaluation s | median rung-0 "
        "evaluation s | best value |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in (1, 2):
        rs = timing["runs"][n]
        walls = [r["wall"] for r in rs]
        lines.append(
            f"| {n} | {median(walls):.2f} [{min(walls):.2f}-{max(walls):.2f}] | "
            f"{median(r['compute'] for r in rs):,.0f} | {median(r['evals'] for r in rs):.0f} | "
            f"{median(r['busy'] for r in rs):.2f} | {median(r['median_eval'] for r in rs):.3f} | "
            f"{median(r['rung0_median_eval'] for r in rs):.3f} | "
            f"{median(r['best'] for r in rs):.4f} |"
        )
    w1 = median(r["wall"] for r in timing["runs"][1])
    w2 = median(r["wall"] for r in timing["runs"][2])
    b1 = median(r["busy"] for r in timing["runs"][1])
    b2 = median(r["busy"] for r in timing["runs"][2])
    c1 = median(r["compute"] for r in timing["runs"][1])
    c2 = median(r["compute"] for r in timing["runs"][2])
    lines += [
        "",
        f"Speedup in wall time (medians): {w1 / w2:.2f}x. The runs differ in what they "
        "evaluate (with 2 workers, promotions depend on the order in which evaluations "
        "finish), so per unit of work: in boosting rounds per second "
        f"{(c2 / w2) / (c1 / w1):.2f}x, in objective-seconds per wall second "
        f"{work_speedup(timing):.2f}x. Worker utilisation with 2 workers: "
        f"{b2 / (2 * w2):.0%} (objective seconds / (2 x wall)); with 1: {b1 / w1:.0%}. "
        "Per repetition (n_jobs: wall s, rounds): "
        + "; ".join(
            f"{r['n_jobs']}: {r['wall']:.2f} s, {r['compute']:,}"
            for n in (1, 2)
            for r in timing["runs"][n]
        )
        + ".",
    ]
    return lines


# -- command line ------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = common.argument_parser(
        "Multi-fidelity HPO on LightGBM: autoxai's schedulers vs random search, "
        "HalvingRandomSearchCV and Optuna TPE + HyperbandPruner.",
        DEFAULT_OUTPUT,
        "smoke run: 2 seeds, rounds 3-81 on a 2,000-row training set, 1 timing repeat "
        "(no waiting for a quiet machine)",
    )
    parser.add_argument("--seeds", type=int, default=None, help="seeds per method (default 5)")
    parser.add_argument(
        "--methods", nargs="+", choices=METHODS, default=list(METHODS), help="subset of methods"
    )
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument(
        "--timing-reps", type=int, default=None, help="ASHA timing repetitions (default 3)"
    )
    parser.add_argument("--no-timing", action="store_true", help="skip the ASHA timing phase")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help="run cache")
    parser.add_argument("--fresh", action="store_true", help="ignore cached runs, re-run all")
    args = parser.parse_args(argv)
    args.seeds = args.seeds or (2 if args.quick else 5)
    args.timing_reps = args.timing_reps or (1 if args.quick else 3)
    if args.seeds < 1 or args.workers < 1 or args.timing_reps < 1:
        parser.error("--seeds, --workers and --timing-reps must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = common.command_line("hpo_multifidelity.py", argv)
    warnings.filterwarnings("ignore")
    setup = QUICK if args.quick else FULL
    seeds = list(range(args.seeds))
    methods = [m for m in METHODS if m in args.methods]
    import_eagerly()  # the code the fingerprint hashes, loaded now (the timing uses it)
    fingerprint = code_fingerprint()

    started = dt.datetime.now().astimezone()
    meter = common.LoadMeter()
    clock = time.perf_counter()
    jobs = [Job(m, s, args.quick) for m in methods for s in seeds]
    jobs.append(Job("fidelity", 0, args.quick))
    results = common.run_cached(
        jobs,
        common.ResultCache(args.cache_dir, fingerprint),
        work,
        key=Job.key,
        workers=args.workers,
        initializer=import_eagerly,
        fresh=args.fresh,
        cost=expected_cost,
        describe=describe,
    )
    quality_s = time.perf_counter() - clock

    clock2 = time.perf_counter()
    timing_setup = QUICK if args.quick else TIMING
    timing = (
        None
        if args.no_timing
        else run_timing(timing_setup, args.timing_reps, 0 if args.quick else WAIT_FOR_QUIET_S)
    )
    timing_s = time.perf_counter() - clock2

    args.output.parent.mkdir(parents=True, exist_ok=True)
    plot_path = args.output.with_suffix(".png")
    by_method = {m: [results[Job(m, s, args.quick)] for s in seeds] for m in methods}
    random_final = (
        median(best_at(r, setup.compute) for r in by_method["random"])
        if "random" in by_method
        else math.nan
    )
    plot(by_method, setup, random_final, plot_path)
    meta = {
        "started": started,
        "elapsed": time.perf_counter() - clock,
        "load": meter.stop(),
        "quality_s": quality_s,
        "timing_s": timing_s,
        "command": command,
        "workers": args.workers,
        "fingerprint": fingerprint,
        "cached": sum(r["cached"] for r in results.values()),
        "quick": args.quick,
    }
    report = render(results, methods, seeds, setup, timing, meta, plot_path.name)
    common.write_report(args.output, report)
    rows = [{**asdict(job), **r} for job, r in results.items()]
    head = {k: str(v) for k, v in meta.items()}
    common.write_raw(common.raw_path(args.output, "_runs.json.gz"), head, rows)
    print(f"plot written to {plot_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
