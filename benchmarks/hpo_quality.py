"""Search quality of autoxai's samplers against Optuna's, same run, same budgets.

What is compared
----------------
Six samplers, each run with the same seeds (0 .. n-1) and the same trial budget on
every problem:

* autoxai ``RandomSampler``, ``TPESampler``, ``GPSampler`` (registry names "random",
  "tpe", "gp"), run as ``study = autoxai.create_study(space, sampler=get_sampler(name,
  random_state=seed), direction="minimize"); study.optimize(objective, n_trials=N)``.
  A sampler that is not registered (yet) is skipped with a printed note.
* Optuna ``RandomSampler(seed=seed)``, ``TPESampler(multivariate=True, seed=seed)``
  (plus ``group=True`` on conditional spaces) and ``GPSampler(seed=seed)`` (which needs
  PyTorch; skipped with a note when torch cannot be imported), run with
  ``optuna.create_study(direction="minimize").optimize(objective, n_trials=N)`` and an
  objective that translates the same space into ``trial.suggest_*`` calls, walking the
  space in its own order (parents first) and suggesting only the parameters that are
  active given the values suggested so far (``space.is_active``). All other options are
  each library's defaults (both use 10 random start-up trials).

Problems
--------
Synthetic functions with known minima, from :mod:`autoxai.datasets`: Branin (2-D),
Hartmann-6, Rosenbrock-10, Ackley-5 and a small mixed conditional space.

"Real" problems in the style of Bayesmark (re-implemented here, nothing downloaded):
tuning a scikit-learn model by 3-fold cross-validation on a dataset bundled with
scikit-learn, over a Bayesmark-like space with log scales where Bayesmark has them. The
split is fixed (``StratifiedKFold`` / ``KFold`` with ``shuffle=True, random_state=0``)
and every model that draws random numbers gets ``random_state=0``, so each objective is
a deterministic function of the configuration. The loss to minimise is the mean over the
folds of ``1 - accuracy`` for classification and of the mean squared error for
regression (Bayesmark's "acc" and "mse" metrics). Scale-sensitive models (k-NN, SVM,
MLP, lasso) run in a ``StandardScaler`` pipeline fitted inside each fold; trees are not
scaled. Models are kept small and single-threaded so an evaluation costs a few tens of
milliseconds. See ``REAL_PROBLEMS`` for the spaces.

Scoring (Bayesmark-style)
-------------------------
For every run the curve of the running minimum of the loss is kept; the best value at a
budget b (20, 50, 100 trials) is its b-th entry. The normalised regret of a run is::

    (best_b - opt) / (random_median_b - opt)

where ``random_median_b`` is the median over seeds of autoxai-random's best value at b
(Optuna-random's if autoxai-random is not in the run), and ``opt`` is the known minimum
for synthetic problems and, for real ones, the best value any sampler found on that
problem in this run (all seeds, all trials). 0 is the best any method found, 1 is as
good as a typical random search with the same budget. The normalisation is the same
increasing affine map for every sampler in a (problem, budget) cell, so comparing
medians of normalised regrets is the same as comparing medians of best values.

Comparisons, per (problem, budget) cell, with the seeds as samples:

* ours vs theirs: autoxai TPE vs Optuna TPE, autoxai GP vs Optuna GP;
* each Bayesian sampler vs its own library's random sampler, at 50 trials.

A cell is a win or a loss when the two-sided Mann-Whitney U test on the best values
rejects equality at alpha = 0.05 (the direction from the U statistic), otherwise a tie.
The test is unpaired on purpose: the same seed does not give the two libraries related
random streams, so there is nothing to pair. Alongside, the fraction of cells in which
ours' median normalised regret is <= theirs is reported: the targets are ours <= Optuna
on >= 70 % of problem x budget cells, and both Bayesian samplers of autoxai better than
random search at 50 trials (median best value strictly lower) on >= 80 % of problems.

Execution
---------
Runs of (problem, sampler, seed) are independent jobs, spread over ``--workers``
processes (default 2). Every process has single-threaded linear algebra:
``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` (and friends) are set
to 1 at the top of this script, before NumPy is imported, and ``torch.set_num_threads(1)``
is called in each worker. Each finished job's curve is written as JSON to a cache
directory (``benchmarks/results/.cache_hpo_quality/`` by default) under a key made of
the problem, sampler, seed, budget and a fingerprint of the code that ran it (the
sources of the parts of autoxai it uses, the library versions, the problem definitions
and the job code of this script), so a killed run resumes where it stopped and a code
change is never mixed with old results (``--fresh`` re-runs all).
The wall time of each run and the time spent inside the objective are recorded too, so
each job's sampler + driver time per trial is reported (noisy: measured while the other
worker runs).

Overhead
--------
After the quality runs, in a quiet phase in this process alone (no workers), the
sampler time per trial is measured on the 10-D Rosenbrock function (free objective)
for autoxai's and Optuna's TPE and GP samplers (and random, for reference) at 100, 300
and 1000 trials (GP samplers only up to 300). The clock runs around
``study.ask()`` for autoxai (it returns the trial with its configuration) and around
``study.ask()`` plus the ``suggest_*`` calls for Optuna (where part of the sampling
happens lazily in the suggests); ``tell`` and the objective are off the clock. One
repetition per size; linear algebra is single-threaded for both libraries (the
variables above and ``torch.set_num_threads(1)``).

Run ``python benchmarks/hpo_quality.py`` alone (about 40 minutes on an otherwise idle
2-core machine; ``--quick`` for a smoke run with 2 seeds, 20 trials, 3 problems and
50 overhead trials;
``--any-fingerprint`` to reuse cached runs made by other code versions, e.g. to redo
only the overhead phase). Optuna, PyTorch and scikit-learn must be installed
(``greenlet`` too, for Optuna's GP to batch its acquisition optimisation). The results
go to ``benchmarks/results/hpo_quality.md`` unless ``--output`` says otherwise.
"""

from __future__ import annotations

import os

import _common as common
from _common import THREAD_VARS

# Single-threaded linear algebra in this process and in every worker: set before NumPy,
# SciPy, scikit-learn or torch are imported (workers inherit the environment).
os.environ.update(dict.fromkeys(THREAD_VARS, "1"))

import argparse
import dataclasses
import datetime as dt
import functools
import gc
import math
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import optuna

import autoxai
from _common import QUIET_CORES, compare, verdict
from autoxai import Categorical, Float, Int, SearchSpace
from autoxai.datasets import Problem, ackley, branin, hartmann6, mixed_conditional, rosenbrock
from autoxai.samplers import SAMPLERS, get_sampler

DISTS = ("optuna", "torch", "scikit-learn", "numpy", "scipy")
HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results" / "hpo_quality.md"
DEFAULT_CACHE = HERE / "results" / ".cache_hpo_quality"

SAMPLER_LABELS = (
    "autoxai-random",
    "autoxai-tpe",
    "autoxai-gp",
    "optuna-random",
    "optuna-tpe",
    "optuna-gp",
)
PAIRS = (("autoxai-tpe", "optuna-tpe"), ("autoxai-gp", "optuna-gp"))
VS_RANDOM = (
    ("autoxai-tpe", "autoxai-random"),
    ("autoxai-gp", "autoxai-random"),
    ("optuna-tpe", "optuna-random"),
    ("optuna-gp", "optuna-random"),
)
BUDGETS = (20, 50, 100)
RANDOM_BUDGET = 50  # the budget of the "Bayesian beats random" target
TARGET_OURS_LE_THEIRS = 0.70
TARGET_BEATS_RANDOM = 0.80
OVERHEAD_SIZES = (100, 300, 1000)
OVERHEAD_GP_MAX = 300
# --quick: a plain and a conditional synthetic space, and one real problem
QUICK_PROBLEMS = ("branin", "mixed_conditional", "lasso-diabetes")


# -- real problems: scikit-learn models tuned by 3-fold CV ------------------------------
@dataclass(frozen=True)
class RealSpec:
    """A (model, dataset) pair: its search space and how to build the estimator."""

    model: str
    dataset: str
    space: dict[str, Any]
    description: str


DATASET_TASK = {
    "breast_cancer": "classification",
    "digits": "classification",
    "wine": "classification",
    "diabetes": "regression",
}

# Tree parameters after Bayesmark's, narrowed: Bayesmark's ranges (min_samples_split
# 0.01-0.99, min_samples_leaf and min_weight_fraction_leaf 0.01-0.49, max_features
# 0.01-0.99, min_impurity_decrease 0-0.5) make almost every tree a stump or a few
# leaves, so that on digits the best of 100 random configurations still misclassifies
# 63 % of the images; with these, 27 % (the default tree: 16 %).
_TREE_SPACE = {
    "max_depth": Int(1, 15),
    "min_samples_split": Float(0.01, 0.5, log=True),
    "min_samples_leaf": Float(0.001, 0.2, log=True),
    "min_weight_fraction_leaf": Float(0.0, 0.2),
    "max_features": Float(0.1, 1.0),
    "min_impurity_decrease": Float(0.0, 0.05),
}

REAL_PROBLEMS: dict[str, RealSpec] = {
    "knn-digits": RealSpec(
        "knn",
        "digits",
        {
            "n_neighbors": Int(1, 25),
            "p": Int(1, 2),
            "weights": Categorical(["uniform", "distance"]),
        },
        "k-NN classifier (scaled)",
    ),
    "svm-breast": RealSpec(
        "svm",
        "breast_cancer",
        {
            "C": Float(1.0, 1e3, log=True),
            # Bayesmark: 1e-4..1e-3, nearly linear on 30 standardised features.
            "gamma": Float(1e-4, 1e-1, log=True),
            "tol": Float(1e-5, 1e-1, log=True),
        },
        "RBF SVC (scaled)",
    ),
    "dt-digits": RealSpec("dt", "digits", dict(_TREE_SPACE), "decision tree"),
    "rf-breast": RealSpec(
        "rf",
        "breast_cancer",
        {"n_estimators": Int(10, 20), **_TREE_SPACE},
        "random forest, 10-20 trees",
    ),
    "mlp-wine": RealSpec(
        "mlp",
        "wine",
        {
            "hidden_layer_sizes": Int(16, 128, log=True),
            "alpha": Float(1e-5, 1e1, log=True),
            "batch_size": Int(16, 128, log=True),
            "learning_rate_init": Float(1e-5, 1e-1, log=True),
            "tol": Float(1e-5, 1e-1, log=True),
        },
        "MLP (adam, 1 hidden layer, max_iter=50, scaled)",
    ),
    "ada-wine": RealSpec(
        "ada",
        "wine",
        {"n_estimators": Int(5, 25), "learning_rate": Float(1e-4, 1e1, log=True)},
        "AdaBoost (depth-1 trees), 5-25 estimators",
    ),
    "lasso-diabetes": RealSpec(
        "lasso",
        "diabetes",
        {
            "alpha": Float(1e-2, 1e2, log=True),
            "fit_intercept": Categorical([True, False]),
            "max_iter": Int(10, 5000, log=True),
            "tol": Float(1e-5, 1e-1, log=True),
            "selection": Categorical(["cyclic", "random"]),
        },
        "lasso (scaled)",
    ),
    "rf-diabetes": RealSpec(
        "rf",
        "diabetes",
        {"n_estimators": Int(10, 20), **_TREE_SPACE},
        "random forest regressor, 10-20 trees",
    ),
}

# A model choice shaped like AutoML's own zoo space: a categorical picks the family,
# each family has its own log-integers and log-floats (conditional on the choice).
REAL_PROBLEMS["zoo-digits"] = RealSpec(
    "zoo",
    "digits",
    {
        "model": Categorical(["knn", "svm", "rf", "dt"]),
        "knn__n_neighbors": Int(1, 64, log=True, when={"model": "knn"}),
        "knn__weights": Categorical(["uniform", "distance"], when={"model": "knn"}),
        "svm__C": Float(1e-2, 1e3, log=True, when={"model": "svm"}),
        "svm__gamma": Float(1e-5, 1e-1, log=True, when={"model": "svm"}),
        "rf__n_estimators": Int(4, 32, log=True, when={"model": "rf"}),
        "rf__max_depth": Int(2, 32, log=True, when={"model": "rf"}),
        "rf__min_samples_leaf": Int(1, 32, log=True, when={"model": "rf"}),
        "rf__max_features": Float(0.05, 1.0, when={"model": "rf"}),
        "dt__max_depth": Int(1, 32, log=True, when={"model": "dt"}),
        "dt__min_samples_leaf": Int(1, 64, log=True, when={"model": "dt"}),
    },
    "model choice: k-NN, RBF SVM, random forest (4-32 trees) or tree, each with its own space",
)


def _zoo_synthetic(p: dict[str, Any]) -> float:
    """Three families with their own log-integers and log-floats; the best family's
    optimum (0) sits at a small integer and a mid-range learning rate."""
    if p["model"] == "gbm":
        return (
            0.1 * (math.log2(p["gbm_leaves"]) - 3) ** 2
            + (math.log10(p["gbm_lr"]) + 1.3) ** 2
            + 0.2 * (math.log2(p["gbm_min_leaf"]) - 1) ** 2
        )
    if p["model"] == "rf":
        return 0.05 + 0.1 * (math.log2(p["rf_depth"]) - 4) ** 2 + (p["rf_features"] - 0.4) ** 2
    return 0.2 + 0.05 * (math.log2(p["knn_k"]) - 2) ** 2


ZOO_SYNTHETIC = Problem(
    "zoo_synthetic",
    SearchSpace(
        {
            "model": Categorical(["gbm", "rf", "knn"]),
            "gbm_leaves": Int(2, 256, log=True, when={"model": "gbm"}),
            "gbm_lr": Float(1e-3, 1.0, log=True, when={"model": "gbm"}),
            "gbm_min_leaf": Int(1, 128, log=True, when={"model": "gbm"}),
            "rf_depth": Int(2, 64, log=True, when={"model": "rf"}),
            "rf_features": Float(0.05, 1.0, when={"model": "rf"}),
            "knn_k": Int(1, 128, log=True, when={"model": "knn"}),
        }
    ),
    _zoo_synthetic,
    optimum=0.0,
)

_SMALL_OPTIMA = (1, 2, 3, 5, 8)


def _log_integers(p: dict[str, Any]) -> float:
    """Squared log2 distance of five log-integers in 1..512 from small optima."""
    return sum((math.log2(p[f"k{i}"]) - math.log2(o)) ** 2 for i, o in enumerate(_SMALL_OPTIMA))


LOG_INTEGERS = Problem(
    "log_integers",
    SearchSpace({f"k{i}": Int(1, 512, log=True) for i in range(len(_SMALL_OPTIMA))}),
    _log_integers,
    optimum=0.0,
)


def _branch_trap(steepness: float, log10_lr: float, p: dict[str, Any]) -> float:
    """Branches a and b are flat and easy (0.3, 0.6 plus the shared terms); only c,
    with its conditional z tuned, reaches 0, and a random z on c is worse than a."""
    shared = (math.log10(p["lr"]) - log10_lr) ** 2 / 4 + (p["n"] - 7) ** 2 / 100
    if p["kind"] == "c":
        return shared + steepness * (p["z"] - 0.8) ** 2
    return shared + (0.3 if p["kind"] == "a" else 0.6)


_BRANCH_SPACE = SearchSpace(
    {
        "lr": Float(1e-4, 1.0, log=True),
        "n": Int(1, 20),
        "kind": Categorical(["a", "b", "c"]),
        "z": Float(0.0, 1.0, when={"kind": "c"}),
    }
)
BRANCH_TRAP = Problem(
    "branch_trap", _BRANCH_SPACE, functools.partial(_branch_trap, 8.0, -2.5), optimum=0.0
)
# Steeper: a random z on c is far worse than branch a, so c is rarely in the good group.
BRANCH_TRAP_STEEP = Problem(
    "branch_trap_steep", _BRANCH_SPACE, functools.partial(_branch_trap, 32.0, -0.5), optimum=0.0
)

SYNTHETIC_PROBLEMS: dict[str, Callable[[], Problem]] = {
    "branin": lambda: branin,
    "hartmann6": lambda: hartmann6,
    "rosenbrock10": lambda: rosenbrock(10),
    "ackley5": lambda: ackley(5),
    "mixed_conditional": lambda: mixed_conditional,
    "zoo_synthetic": lambda: ZOO_SYNTHETIC,
    "log_integers": lambda: LOG_INTEGERS,
    "branch_trap": lambda: BRANCH_TRAP,
    "branch_trap_steep": lambda: BRANCH_TRAP_STEEP,
}
PROBLEMS = (*SYNTHETIC_PROBLEMS, *REAL_PROBLEMS)


@functools.cache
def load_data(dataset: str) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, ...]]]:
    """The dataset's features, target and its fixed 3-fold split."""
    from sklearn import datasets
    from sklearn.model_selection import KFold, StratifiedKFold

    x, y = getattr(datasets, f"load_{dataset}")(return_X_y=True)
    if DATASET_TASK[dataset] == "classification":
        folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    else:
        folds = KFold(n_splits=3, shuffle=True, random_state=0)
    return x, y, list(folds.split(x, y))


def build_estimator(model: str, task: str, params: dict[str, Any]) -> Any:
    from sklearn.ensemble import AdaBoostClassifier, RandomForestClassifier, RandomForestRegressor
    from sklearn.linear_model import Lasso
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    p = dict(params)
    if model == "zoo":  # "family__param" names, the family's own active
        family = p.pop("model")
        own = {k.split("__", 1)[1]: v for k, v in p.items() if k.startswith(f"{family}__")}
        return build_estimator(family, task, own)
    if model == "knn":
        return make_pipeline(StandardScaler(), KNeighborsClassifier(**p))
    if model == "svm":
        return make_pipeline(StandardScaler(), SVC(kernel="rbf", **p))
    if model == "dt":
        return DecisionTreeClassifier(random_state=0, **p)
    if model == "rf":
        cls = RandomForestClassifier if task == "classification" else RandomForestRegressor
        return cls(random_state=0, n_jobs=1, **p)
    if model == "mlp":
        p["hidden_layer_sizes"] = (p["hidden_layer_sizes"],)
        return make_pipeline(
            StandardScaler(), MLPClassifier(solver="adam", max_iter=50, random_state=0, **p)
        )
    if model == "ada":
        return AdaBoostClassifier(random_state=0, **p)
    if model == "lasso":
        return make_pipeline(StandardScaler(), Lasso(random_state=0, **p))
    raise ValueError(f"unknown model {model!r}")


def cv_loss(key: str, params: dict[str, Any]) -> float:
    """Mean over the fixed 3 folds of 1 - accuracy (classification) or the MSE."""
    spec = REAL_PROBLEMS[key]
    task = DATASET_TASK[spec.dataset]
    x, y, folds = load_data(spec.dataset)
    losses = []
    for train, test in folds:
        est = build_estimator(spec.model, task, params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence warnings (MLP, lasso)
            est.fit(x[train], y[train])
            pred = est.predict(x[test])
        if task == "classification":
            losses.append(float(np.mean(pred != y[test])))
        else:
            losses.append(float(np.mean((pred - y[test]) ** 2)))
    return float(np.mean(losses))


def get_problem(name: str) -> Problem:
    if name in SYNTHETIC_PROBLEMS:
        return SYNTHETIC_PROBLEMS[name]()
    spec = REAL_PROBLEMS[name]
    return Problem(name, SearchSpace(spec.space), functools.partial(cv_loss, name), math.nan)


def is_real(name: str) -> bool:
    return name in REAL_PROBLEMS


# -- the two libraries ------------------------------------------------------------------
def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def unavailable_reason(label: str) -> str | None:
    """Why a sampler cannot run here, or None."""
    library, name = label.split("-")
    if library == "autoxai" and name not in SAMPLERS:
        return f"autoxai has no sampler registered as {name!r} (registry: {sorted(SAMPLERS)})"
    if label == "optuna-gp" and not torch_available():
        return "Optuna's GPSampler needs PyTorch, which cannot be imported"
    return None


def optuna_sampler(name: str, seed: int, space: SearchSpace) -> optuna.samplers.BaseSampler:
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "tpe":
        return optuna.samplers.TPESampler(
            multivariate=True,
            group=space.is_conditional,
            seed=seed,
        )
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed, warn_independent_sampling=False)
    raise ValueError(name)


def suggest(trial: optuna.Trial, space: SearchSpace) -> dict[str, Any]:
    """The space as Optuna ``suggest_*`` calls; inactive parameters are not suggested."""
    params: dict[str, Any] = {}
    for name, dist in space.items():
        if not space.is_active(name, params):
            continue
        if isinstance(dist, Categorical):
            params[name] = trial.suggest_categorical(name, list(dist.choices))
        elif isinstance(dist, Int):
            params[name] = trial.suggest_int(
                name, dist.low, dist.high, step=dist.step, log=dist.log
            )
        else:
            params[name] = trial.suggest_float(
                name, dist.low, dist.high, step=dist.step, log=dist.log
            )
    return params


def run_one(problem: Problem, label: str, seed: int, n_trials: int) -> dict[str, Any]:
    """One optimisation run: the loss of every trial in order, wall and objective time."""
    library, name = label.split("-")
    objective_time = 0.0

    def timed_objective(params: dict[str, Any]) -> float:
        nonlocal objective_time
        start = time.perf_counter()
        value = problem.objective(params)
        objective_time += time.perf_counter() - start
        return value

    start = time.perf_counter()
    if library == "autoxai":
        study = autoxai.create_study(
            problem.space, sampler=get_sampler(name, random_state=seed), direction="minimize"
        )
        study.optimize(timed_objective, n_trials=n_trials)
        wall = time.perf_counter() - start
        trials = sorted(study.trials, key=lambda t: t.number)
        values = [t.value if t.state is autoxai.TrialState.COMPLETE else None for t in trials]
    else:
        study = optuna.create_study(
            direction="minimize", sampler=optuna_sampler(name, seed, problem.space)
        )
        study.optimize(lambda t: timed_objective(suggest(t, problem.space)), n_trials=n_trials)
        wall = time.perf_counter() - start
        ok = optuna.trial.TrialState.COMPLETE
        values = [t.value if t.state == ok else None for t in study.trials]
    if len(values) != n_trials or any(v is None for v in values):
        raise RuntimeError(f"{label} on {problem.name}: expected {n_trials} COMPLETE trials")
    return {"values": values, "wall": wall, "objective_time": objective_time}


# -- jobs, workers and the cache --------------------------------------------------------
@dataclass(frozen=True)
class Job:
    problem: str
    sampler: str
    seed: int
    n_trials: int

    def key(self) -> str:
        return f"{self.problem}__{self.sampler}__s{self.seed}__n{self.n_trials}"


def code_fingerprint() -> str:
    """Hash of what decides a run's results (not of the report's layout).

    The sources of the parts of autoxai a run uses (the package's top-level modules,
    spaces, samplers, studies, storage, datasets: other subpackages, e.g. AutoML, do
    not invalidate the cache), the library versions, the problems (spaces and code) and
    the code that runs a job in this script.
    """
    return common.code_fingerprint(
        ("space", "samplers", "study", "storage", "datasets"),
        (load_data, build_estimator, cv_loss, get_problem, optuna_sampler, suggest, run_one),
        (sorted(REAL_PROBLEMS.items()), sorted(DATASET_TASK.items())),
        DISTS,
    )


def init_worker() -> None:
    """Quiet, single-threaded worker (also used for the in-process phases)."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    if torch_available():
        import torch

        torch.set_num_threads(1)


def work(job: Job) -> dict[str, Any]:
    problem = get_problem(job.problem)
    result = run_one(problem, job.sampler, job.seed, job.n_trials)
    return {**result, "job": job.__dict__}


def expected_cost(job: Job) -> float:
    """A rough relative cost, to start the longest jobs first."""
    sampler_cost = {"gp": 10.0, "tpe": 2.0, "random": 0.2}[job.sampler.split("-")[1]]
    return sampler_cost + (3.0 if is_real(job.problem) else 0.0)


def describe(job: Job, result: dict[str, Any]) -> str:
    """A finished job's progress line."""
    return (
        f"{job.problem:<18} {job.sampler:<15} seed {job.seed:<3} best "
        f"{min(result['values']):.6g}  wall {result['wall']:.1f} s"
    )


# -- scoring ----------------------------------------------------------------------------
@dataclass
class Cell:
    """One (problem, budget): every sampler's best value per seed, and the normalisation."""

    problem: str
    budget: int
    best: dict[str, list[float]]  # sampler -> best value at the budget, per seed
    opt: float
    random_median: float | None

    def regret(self, value: float) -> float:
        if self.random_median is None:
            return math.nan
        denom = self.random_median - self.opt
        if denom <= 0:  # random search's median already reaches the best value found
            return 0.0 if value <= self.opt else math.inf
        return (value - self.opt) / denom

    @property
    def well_defined(self) -> bool:
        """Whether the normalisation has a positive denominator."""
        return self.random_median is not None and self.random_median > self.opt

    def median_best(self, sampler: str) -> float:
        return statistics.median(self.best[sampler])

    def median_regret(self, sampler: str) -> float:
        return statistics.median(self.regret(v) for v in self.best[sampler])


def make_cells(
    results: dict[Job, dict[str, Any]],
    problems: Sequence[str],
    samplers: Sequence[str],
    seeds: Sequence[int],
    budgets: Sequence[int],
) -> list[Cell]:
    baseline = next((s for s in ("autoxai-random", "optuna-random") if s in samplers), None)
    curves: dict[tuple[str, str, int], np.ndarray] = {}
    for job, result in results.items():
        curves[(job.problem, job.sampler, job.seed)] = np.minimum.accumulate(result["values"])
    cells = []
    for problem in problems:
        if is_real(problem):
            opt = min(float(curves[(problem, s, seed)][-1]) for s in samplers for seed in seeds)
        else:
            opt = get_problem(problem).optimum
        for b in budgets:
            best = {
                s: [float(curves[(problem, s, seed)][b - 1]) for seed in seeds] for s in samplers
            }
            rmed = statistics.median(best[baseline]) if baseline else None
            cells.append(Cell(problem, b, best, opt, rmed))
    return cells


# -- overhead ---------------------------------------------------------------------------
def overhead_one(label: str, n_trials: int, seed: int = 0) -> dict[str, float]:
    """Sampler time per trial on Rosenbrock-10 (see the module docstring)."""
    problem = rosenbrock(10)
    library, name = label.split("-")
    ask_times = []
    gc.collect()
    start = time.perf_counter()
    if library == "autoxai":
        study = autoxai.create_study(
            problem.space, sampler=get_sampler(name, random_state=seed), direction="minimize"
        )
        for _ in range(n_trials):
            t0 = time.perf_counter()
            trial = study.ask()
            ask_times.append(time.perf_counter() - t0)
            study.tell(trial, problem.objective(trial.params))
    else:
        study = optuna.create_study(
            direction="minimize", sampler=optuna_sampler(name, seed, problem.space)
        )
        for _ in range(n_trials):
            t0 = time.perf_counter()
            trial = study.ask()
            params = suggest(trial, problem.space)
            ask_times.append(time.perf_counter() - t0)
            study.tell(trial, problem.objective(params))
    wall = time.perf_counter() - start
    tail = ask_times[-max(1, n_trials // 10) :]
    return {
        "ask_ms": sum(ask_times) / n_trials * 1e3,
        "tail_ms": sum(tail) / len(tail) * 1e3,
        "wall_ms": wall / n_trials * 1e3,
        "wall_s": wall,
    }


def run_overhead(
    samplers: Sequence[str], sizes: Sequence[int], gp_max: int, reps: int
) -> dict[tuple[str, int], dict[str, float]]:
    """Median over ``reps`` repetitions; the samplers take turns going first."""
    init_worker()
    for label in samplers:  # warm-up, untimed: imports and first-call caches
        overhead_one(label, 15)
    runs: dict[tuple[str, int], list[dict[str, float]]] = {}
    for rep in range(reps):
        order = [*samplers[rep % len(samplers) :], *samplers[: rep % len(samplers)]]
        for n in sizes:
            for label in order:
                if label.endswith("-gp") and n > gp_max:
                    continue
                r = overhead_one(label, n, seed=rep)
                runs.setdefault((label, n), []).append(r)
                print(
                    f"overhead rep {rep + 1}/{reps} n={n:<5} {label:<15} ask "
                    f"{r['ask_ms']:8.2f} ms/trial (last 10 %: {r['tail_ms']:.2f} ms)  "
                    f"wall {r['wall_s']:.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
    out = {}
    for key, rs in runs.items():
        out[key] = {k: statistics.median(r[k] for r in rs) for k in rs[0]}
        out[key]["ask_min"] = min(r["ask_ms"] for r in rs)
        out[key]["ask_max"] = max(r["ask_ms"] for r in rs)
        out[key]["reps"] = len(rs)
    return out


# -- the report -------------------------------------------------------------------------
def _fmt(x: float | None, digits: int = 4) -> str:
    if x is None or math.isnan(x):
        return "—"
    if math.isinf(x):
        return "inf"
    if x == 0:
        return "0"
    return f"{x:.{digits}g}" if abs(x) >= 1e-3 else f"{x:.{digits - 2}e}"


def _pct(k: int, n: int) -> str:
    return f"{k}/{n} ({100 * k / n:.0f} %)" if n else "0/0"


def space_text(space: dict[str, Any]) -> str:
    """The space in one line; x0, x1, ... with the same range are shown once."""
    runs: list[tuple[list[str], str]] = []

    def stem(name: str) -> str | None:
        return name.rstrip("0123456789") if name[-1:].isdigit() else None

    for name, d in space.items():
        if isinstance(d, Categorical):
            text = f"∈ {{{', '.join(map(str, d.choices))}}}"
        else:
            kind = "int" if isinstance(d, Int) else "float"
            text = f"{kind} [{d.low:g}, {d.high:g}]{' log' if d.log else ''}"
        if d.when:
            text += " if " + ", ".join(f"{k} = {'/'.join(map(str, v))}" for k, v in d.when.items())
        if runs and runs[-1][1] == text and stem(name) and stem(runs[-1][0][-1]) == stem(name):
            runs[-1][0].append(name)
        else:
            runs.append(([name], text))
    return "; ".join(
        f"{names[0]}{'…' + names[-1] if len(names) > 1 else ''} {text}" for names, text in runs
    )


@dataclass
class Summary:
    """Win/tie/loss and the <= fraction of one comparison over a set of cells."""

    ours: str
    theirs: str
    outcomes: list[tuple[Cell, str, float]]
    le: int  # cells where ours' median normalised regret <= theirs

    @property
    def n(self) -> int:
        return len(self.outcomes)

    def count(self, what: str) -> int:
        return sum(1 for _, o, _ in self.outcomes if o == what)


def summarise(cells: Sequence[Cell], ours: str, theirs: str) -> Summary:
    outcomes, le = [], 0
    for c in cells:
        outcome, p = compare(c.best[ours], c.best[theirs])
        outcomes.append((c, outcome, p))
        # Same affine normalisation for both: compare the median best values directly
        # (immune to a zero denominator).
        le += c.median_best(ours) <= c.median_best(theirs)
    return Summary(ours, theirs, outcomes, le)


def render(
    cells: list[Cell],
    samplers: list[str],
    skipped: dict[str, str],
    problems: list[str],
    seeds: list[int],
    n_trials: int,
    overhead: dict[tuple[str, int], dict[str, float]],
    results: dict[Job, dict[str, Any]],
    meta: dict[str, Any],
) -> str:
    lines = [
        "# HPO search quality: autoxai vs Optuna (random, TPE, GP)",
        "",
        f"- date: {meta['started'].isoformat(timespec='seconds')} (whole run "
        f"{meta['elapsed']:.0f} s: quality {meta['quality_s']:.0f} s, "
        f"overhead {meta['overhead_s']:.0f} s)",
        *common.provenance_lines(
            meta["command"], meta["load"], DISTS, ["torch.set_num_threads(1) in every process"]
        ),
        f"- {len(problems)} problems, {len(seeds)} seeds (0-{max(seeds)}), {n_trials} trials "
        f"per run, {meta['workers']} worker process(es); code fingerprint "
        f"`{meta['fingerprint']}` ({meta['cached']} of {len(results)} runs from the cache)",
    ]
    if results:
        worker_s = sum(r["wall"] for r in results.values())
        lines.append(
            f"- quality runs: sum of their wall times {worker_s:.0f}"
            " s (worker-seconds, as measured when each run was made; on an idle machine the "
            "quality phase takes about this divided by the workers)"
        )
    for label, why in skipped.items():
        lines.append(f"- **skipped {label}**: {why}")
    if cells:
        lines += render_quality(cells, samplers, problems)
    if overhead:
        lines += render_overhead(overhead, samplers, meta["others"])
    if results:
        lines += render_runs(results, samplers, problems, cells, n_trials, meta["workers"])
    return "\n".join(lines) + "\n"


def render_quality(cells: list[Cell], samplers: list[str], problems: list[str]) -> list[str]:
    budgets = sorted({c.budget for c in cells})
    rb = max((b for b in budgets if b <= RANDOM_BUDGET), default=budgets[0])
    baseline = next((s for s in ("autoxai-random", "optuna-random") if s in samplers), None)
    lines = ["", "## Headline", ""]

    headline_rows = []
    pair_summaries = []
    for ours, theirs in PAIRS:
        if ours in samplers and theirs in samplers:
            s = summarise(cells, ours, theirs)
            pair_summaries.append(s)
            ok = s.le / s.n >= TARGET_OURS_LE_THEIRS
            headline_rows.append(
                f"| {ours} median normalised regret ≤ {theirs}'s, all problem × budget "
                f"cells | {_pct(s.le, s.n)} | ≥ {TARGET_OURS_LE_THEIRS:.0%} | {verdict(ok)} "
                f"| {s.count('win')}/{s.count('tie')}/{s.count('loss')} |"
            )
    rcells = [c for c in cells if c.budget == rb]
    for ours, theirs in VS_RANDOM[:2]:
        if ours in samplers and theirs in samplers:
            s = summarise(rcells, ours, theirs)
            better = sum(1 for c in rcells if c.median_best(ours) < c.median_best(theirs))
            ok = better / s.n >= TARGET_BEATS_RANDOM
            headline_rows.append(
                f"| {ours} better than {theirs} at {rb} trials (median best strictly lower), "
                f"problems | {_pct(better, s.n)} | ≥ {TARGET_BEATS_RANDOM:.0%} | {verdict(ok)} "
                f"| {s.count('win')}/{s.count('tie')}/{s.count('loss')} |"
            )
    if headline_rows:
        lines += [
            "| target | achieved | needed | verdict | W/T/L (Mann-Whitney, α = 0.05) |",
            "|---|---:|---:|---|---:|",
            *headline_rows,
        ]
    else:
        lines.append("(no comparison possible with the samplers of this run)")
    lines += [
        "",
        "W/T/L counts, for the first sampler named, the cells where the two-sided "
        "Mann-Whitney U test over the seeds finds it significantly better (win) or worse "
        "(loss); not significant is a tie. Normalised regret = (best − opt) / "
        f"(median best of {baseline or '—'} − opt) at the same budget; opt = known "
        "minimum (synthetic) or the best value any sampler found in this run (real). "
        "Ties in median count as ≤.",
        "",
    ]

    # Win/tie/loss per cell for every comparison.
    lines += ["## Win / tie / loss per cell", ""]
    comparisons = [(o, t, cells, "all budgets") for o, t in PAIRS]
    comparisons += [(o, t, rcells, f"{rb} trials") for o, t in VS_RANDOM]
    header = "| comparison | cells | W/T/L | ours median ≤ theirs |"
    lines += [header, "|---|---|---:|---:|"]
    for ours, theirs, subset, where in comparisons:
        if ours in samplers and theirs in samplers:
            s = summarise(subset, ours, theirs)
            lines.append(
                f"| {ours} vs {theirs} | {where} | "
                f"{s.count('win')}/{s.count('tie')}/{s.count('loss')} | {_pct(s.le, s.n)} |"
            )
    for s in pair_summaries:
        lines += [
            "",
            f"{s.ours} vs {s.theirs}, per cell (p-value of the Mann-Whitney U test):",
            "",
            "| problem | " + " | ".join(f"{b} trials" for b in budgets) + " |",
            "|---|" + "---|" * len(budgets),
        ]
        by_cell = {(c.problem, c.budget): (o, p) for c, o, p in s.outcomes}
        for problem in problems:
            row = [
                f"{by_cell[(problem, b)][0]} (p={by_cell[(problem, b)][1]:.2g})" for b in budgets
            ]
            lines.append(f"| {problem} | " + " | ".join(row) + " |")
    vs_random = [(o, t) for o, t in VS_RANDOM if o in samplers and t in samplers]
    if vs_random:
        lines += [
            "",
            f"Bayesian vs its own library's random search at {rb} trials, per problem:",
            "",
            "| problem | " + " | ".join(f"{o} vs {t}" for o, t in vs_random) + " |",
            "|---|" + "---|" * len(vs_random),
        ]
        for c in rcells:
            row = []
            for o, t in vs_random:
                outcome, p = compare(c.best[o], c.best[t])
                row.append(f"{outcome} (p={p:.2g})")
            lines.append(f"| {c.problem} | " + " | ".join(row) + " |")

    # Aggregate: mean over problems of the median normalised regret.
    lines += [
        "",
        "## Mean over problems of the median normalised regret",
        "",
        "Problems where the random baseline's median already equals opt (normalisation "
        "undefined) are left out of the mean; the last column counts the problems used.",
        "",
        "| budget | " + " | ".join(samplers) + " | problems |",
        "|---:|" + "---:|" * (len(samplers) + 1),
    ]
    for b in budgets:
        bc = [c for c in cells if c.budget == b and c.well_defined]
        row = [
            _fmt(float(np.mean([c.median_regret(s) for c in bc]))) if bc else "—" for s in samplers
        ]
        n_all = sum(1 for c in cells if c.budget == b)
        lines.append(f"| {b} | " + " | ".join(row) + f" | {len(bc)}/{n_all} |")

    for b in budgets:
        bc = [c for c in cells if c.budget == b]
        lines += [
            "",
            f"## {b} trials",
            "",
            "Median over seeds of the best value found, and [median normalised regret]; "
            "the lowest median best per problem is in bold.",
            "",
            "| problem | opt | " + " | ".join(samplers) + " |",
            "|---|---:|" + "---:|" * len(samplers),
        ]
        for c in bc:
            low = min(c.median_best(s) for s in samplers)
            row = []
            for s in samplers:
                m = c.median_best(s)
                text = f"{_fmt(m, 6)} [{_fmt(c.median_regret(s), 3)}]"
                row.append(f"**{text}**" if m == low else text)
            lines.append(f"| {c.problem} | {_fmt(c.opt, 6)} | " + " | ".join(row) + " |")

    return lines


def render_overhead(
    overhead: dict[tuple[str, int], dict[str, float]], samplers: list[str], others: float | None
) -> list[str]:
    sizes = sorted({n for _, n in overhead})
    labels = [s for s in samplers if any((s, n) in overhead for n in sizes)]
    reps = max(int(r["reps"]) for r in overhead.values())
    gp_max = max((n for (s, n) in overhead if s.endswith("-gp")), default=0)
    lines = [
        "",
        "## Sampler overhead (ms per trial)",
        "",
        "Rosenbrock-10 (10 continuous parameters), objective ≈ free, run alone in the main "
        "process after the quality runs (no workers), single-threaded linear algebra for "
        "both libraries (`OMP_NUM_THREADS=1`, `OPENBLAS_NUM_THREADS=1`, "
        "`MKL_NUM_THREADS=1`, `torch.set_num_threads(1)`). *ask* = mean over the N trials "
        "of the time in `study.ask()` (Optuna: `ask()` plus the `suggest_*` calls, where "
        "part of its sampling happens); `tell` and the objective are off the clock. "
        f"Median of {reps} repetition(s) (seeds 0..{reps - 1}, samplers taking turns "
        "going first), min-max in brackets. "
        f"GP samplers only up to {gp_max} trials.",
        "",
        "Quietness: "
        + (
            "not measured (no /proc/stat)."
            if others is None
            else f"other processes used {others:.2f} CPU cores on average during this phase"
            + (
                " (quiet)."
                if others < QUIET_CORES
                else " — **not quiet: these timings are inflated; re-run the same command "
                "on an idle machine (the quality runs come from the cache)**."
            )
        ),
        "",
        "| sampler | " + " | ".join(f"N={n}: ask ms/trial" for n in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for s in labels:
        row = []
        for n in sizes:
            r = overhead.get((s, n))
            row.append(
                "—" if r is None else f"{r['ask_ms']:.2f} [{r['ask_min']:.2f}-{r['ask_max']:.2f}]"
            )
        lines.append(f"| {s} | " + " | ".join(row) + " |")
    for kind in ("tpe", "gp"):
        ours, theirs = f"autoxai-{kind}", f"optuna-{kind}"
        if ours in labels and theirs in labels:
            row = []
            for n in sizes:
                a, b = overhead.get((ours, n)), overhead.get((theirs, n))
                row.append("—" if a is None or b is None else f"{b['ask_ms'] / a['ask_ms']:.2f}")
            lines.append(f"| ratio {theirs}/{ours} | " + " | ".join(row) + " |")
    lines += [
        "",
        "Marginal cost: mean ask time over the last N/10 trials; and the whole ask/tell "
        "loop's wall time / N (medians).",
        "",
        "| sampler | " + " | ".join(f"N={n}: last 10 % / wall" for n in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for s in labels:
        row = []
        for n in sizes:
            r = overhead.get((s, n))
            row.append("—" if r is None else f"{r['tail_ms']:.2f} / {r['wall_ms']:.2f}")
        lines.append(f"| {s} | " + " | ".join(row) + " |")
    return lines


def render_runs(
    results: dict[Job, dict[str, Any]],
    samplers: list[str],
    problems: list[str],
    cells: list[Cell],
    n_trials: int,
    workers: int,
) -> list[str]:
    # Per-run time in the quality phase (parallel, so noisy).
    lines = [
        "",
        "## Time per run in the quality phase",
        "",
        f"Median over runs at {n_trials} trials of the wall time of `optimize` and of "
        "(wall − time in the objective) / trials, i.e. sampler + driver time per trial. "
        f"Measured with {workers} workers running at once (noisy).",
        "",
        "| sampler | synthetic: run s | synthetic: ms/trial | real: run s | real: ms/trial "
        "| real: objective ms/eval |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for s in samplers:
        row = []
        for real in (False, True):
            rs = [r for j, r in results.items() if j.sampler == s and is_real(j.problem) == real]
            if not rs:
                row += ["—", "—"]
                continue
            row.append(f"{statistics.median(r['wall'] for r in rs):.2f}")
            per = [(r["wall"] - r["objective_time"]) / len(r["values"]) * 1e3 for r in rs]
            row.append(f"{statistics.median(per):.2f}")
        rs = [r for j, r in results.items() if j.sampler == s and is_real(j.problem)]
        obj = [r["objective_time"] / len(r["values"]) * 1e3 for r in rs]
        row.append(f"{statistics.median(obj):.1f}" if obj else "—")
        lines.append(f"| {s} | " + " | ".join(row) + " |")

    lines += [
        "",
        "## Problems",
        "",
        "Real problems: loss = mean over a fixed 3-fold split (shuffled, random_state=0; "
        "stratified for classification) of 1 − accuracy (classification) or the mean "
        "squared error (regression); models single-threaded with random_state=0.",
        "",
        "| problem | kind | space | opt used |",
        "|---|---|---|---:|",
    ]
    opts = {c.problem: c.opt for c in cells}
    for problem in problems:
        if is_real(problem):
            spec = REAL_PROBLEMS[problem]
            kind = f"{spec.description}, {spec.dataset} ({DATASET_TASK[spec.dataset]})"
            space = space_text(spec.space)
            opt = f"{_fmt(opts[problem], 6)} (best found)"
        else:
            p = get_problem(problem)
            kind = "synthetic"
            space = space_text(dict(p.space.items()))
            opt = f"{_fmt(p.optimum, 6)} (known)"
        lines.append(f"| {problem} | {kind} | {space} | {opt} |")
    return lines


def raw_rows(results: dict[Job, dict[str, Any]]) -> list[dict[str, Any]]:
    """Every run's loss per trial, so each number of the report can be traced to its runs."""
    return [
        {
            "problem": job.problem,
            "sampler": job.sampler,
            "seed": job.seed,
            "values": r["values"],
            "wall": r["wall"],
            "objective_time": r["objective_time"],
        }
        for job, r in sorted(results.items(), key=lambda kv: dataclasses.astuple(kv[0]))
    ]


# -- command line -----------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = common.argument_parser(
        "Search quality and overhead of autoxai's samplers vs Optuna's.",
        DEFAULT_OUTPUT,
        f"smoke run: 2 seeds, 20 trials, problems {', '.join(QUICK_PROBLEMS)}, "
        "small overhead sizes",
    )
    parser.add_argument("--seeds", type=int, default=None, help="seeds per cell (default 10)")
    parser.add_argument(
        "--budget", type=int, default=None, help="trials per run, the largest budget (100)"
    )
    parser.add_argument(
        "--problems", nargs="+", choices=PROBLEMS, default=None, help="subset of problems"
    )
    parser.add_argument(
        "--samplers", nargs="+", choices=SAMPLER_LABELS, default=None, help="subset of samplers"
    )
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--no-overhead", action="store_true", help="skip the overhead phase")
    parser.add_argument("--no-quality", action="store_true", help="skip the quality phase")
    parser.add_argument(
        "--overhead-trials",
        type=int,
        nargs="+",
        default=None,
        help="trial counts of the overhead phase (default 100 300 1000; quick: 50)",
    )
    parser.add_argument(
        "--overhead-reps",
        type=int,
        default=None,
        help="repetitions per overhead size, median reported (default 3; quick: 1)",
    )
    parser.add_argument(
        "--gp-overhead-max",
        type=int,
        default=OVERHEAD_GP_MAX,
        help=f"largest overhead trial count for the GP samplers (default {OVERHEAD_GP_MAX})",
    )
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help="job cache")
    parser.add_argument("--fresh", action="store_true", help="ignore cached runs, re-run all")
    args = parser.parse_args(argv)
    args.seeds = args.seeds or (2 if args.quick else 10)
    args.budget = args.budget or (20 if args.quick else 100)
    args.problems = args.problems or list(QUICK_PROBLEMS if args.quick else PROBLEMS)
    args.samplers = args.samplers or list(SAMPLER_LABELS)
    args.overhead_trials = args.overhead_trials or ([50] if args.quick else OVERHEAD_SIZES)
    args.overhead_reps = args.overhead_reps or (1 if args.quick else 3)
    if args.seeds < 2 or args.budget < 1 or args.workers < 1:
        parser.error("--seeds must be >= 2, --budget and --workers >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = common.command_line("hpo_quality.py", argv)
    init_worker()

    skipped = {}
    samplers = []
    for label in args.samplers:
        why = unavailable_reason(label)
        if why:
            print(f"note: skipping {label}: {why}", file=sys.stderr, flush=True)
            skipped[label] = why
        else:
            samplers.append(label)
    seeds = list(range(args.seeds))
    budgets = sorted({b for b in BUDGETS if b <= args.budget} | {args.budget})
    fingerprint = code_fingerprint()

    started = dt.datetime.now().astimezone()
    meter = common.LoadMeter()
    clock = time.perf_counter()
    results: dict[Job, dict[str, Any]] = {}
    cached = 0
    if not args.no_quality:
        jobs = [
            Job(p, s, seed, args.budget) for p in args.problems for s in samplers for seed in seeds
        ]
        results = common.run_cached(
            jobs,
            common.ResultCache(args.cache_dir, fingerprint),
            work,
            key=Job.key,
            workers=args.workers,
            initializer=init_worker,
            fresh=args.fresh,
            cost=expected_cost,
            describe=describe,
        )
        cached = sum(r["cached"] for r in results.values())
    quality_s = time.perf_counter() - clock

    clock2 = time.perf_counter()
    overhead = {}
    others = None
    if not args.no_overhead:
        phase = common.LoadMeter()
        overhead = run_overhead(
            samplers, args.overhead_trials, args.gp_overhead_max, args.overhead_reps
        )
        others = phase.stop().others
    overhead_s = time.perf_counter() - clock2

    if not results:
        cells = []
        print("no quality runs: nothing to report but the overhead", file=sys.stderr)
    else:
        cells = make_cells(results, args.problems, samplers, seeds, budgets)
    meta = {
        "started": started,
        "load": meter.stop(),
        "elapsed": time.perf_counter() - clock,
        "quality_s": quality_s,
        "overhead_s": overhead_s,
        "others": others,
        "command": command,
        "workers": args.workers,
        "fingerprint": fingerprint,
        "cached": cached,
    }
    report = render(
        cells, samplers, skipped, args.problems, seeds, args.budget, overhead, results, meta
    )
    common.write_report(args.output, report)
    if results:
        head = {k: str(v) for k, v in meta.items()}
        common.write_raw(common.raw_path(args.output, "_runs.json.gz"), head, raw_rows(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
