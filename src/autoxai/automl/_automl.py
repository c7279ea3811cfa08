"""AutoML: from a table to a tuned, refitted, optionally ensembled model."""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import issparse
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError as _SklearnNotFittedError
from sklearn.model_selection import KFold, ShuffleSplit, StratifiedKFold, StratifiedShuffleSplit

from autoxai.automl import _cost
from autoxai.automl._constants import AUTOML_DEADLINE_SHARE, REFIT_SLACK_SHARE, STUDY_NAME
from autoxai.automl._cost import Shape, plan_models
from autoxai.automl._data import prepare
from autoxai.automl._ensemble import WeightedEnsemble, fold_loss, greedy_selection
from autoxai.automl._fidelity import budget_text, full_budget, rung_history
from autoxai.automl._final import (
    bag,
    bagged_ensemble,
    decide,
    keep_best_folds,
    keep_folds,
)
from autoxai.automl._objective import CVObjective, family_params, read_evaluation, read_stats
from autoxai.automl._params import check_params
from autoxai.automl._portfolio import portfolio_entries, use_portfolio
from autoxai.automl._shared import on_cluster
from autoxai.automl._shrink import trial_decisions
from autoxai.automl._stack import StackedEnsemble, stacking_loss
from autoxai.automl._warm import free_threads, warm_up
from autoxai.automl._zoo import FAMILIES
from autoxai.exceptions import (
    DataError,
    InvalidParameterError,
    NoCompletedTrialsError,
    ParameterTypeError,
    StudyError,
)
from autoxai.metrics import Metric, get_metric
from autoxai.samplers import get_sampler
from autoxai.schedulers import SCHEDULERS, BaseScheduler, get_scheduler
from autoxai.space import Categorical, SearchSpace, distribution_from_dict
from autoxai.study import Study, TrialState, create_study
from autoxai.study._executors import executor_width

__all__ = ["AutoML", "NotFittedError"]

logger = logging.getLogger(__name__)


#: Above this many rows, or this many cells (rows x features), a single 80/20 holdout
#: split replaces k-fold cross-validation, so a trial costs one fit, not k.
HOLDOUT_ROWS = 100_000
HOLDOUT_CELLS = 2_000_000

#: The most a bagged final model's fold models may weigh on disk (about as much in
#: memory): members beyond it are dropped, smallest weight first. Five fold models of
#: an extra-trees forest on 75,000 rows weigh gigabytes; the ensemble gave it 4 %.
BAG_BYTES = 1 << 30

#: Candidates the ensemble selection looks at: the best configurations by CV loss.
ENSEMBLE_CANDIDATES = 20

#: ``stack="auto"`` tries a stacking layer when the time budget is at least this many
#: seconds (or there is none).
STACK_MIN_BUDGET = 120

#: Multi-fidelity search: the budget is the fraction of each training fold a
#: configuration is trained on, growing ``ETA``-fold from rung to rung up to all rows;
#: the lowest rung trains on at least ``MIN_RUNG_ROWS`` rows, and there are at most
#: ``MAX_RUNGS`` rungs (1/27, 1/9, 1/3 and all of the rows).
ETA = 3
MIN_RUNG_ROWS = 200
MAX_RUNGS = 4


class NotFittedError(StudyError, _SklearnNotFittedError):
    """A model was used before ``fit`` (also scikit-learn's ``NotFittedError``)."""


#: How the search spends its cores: ``"trials"`` evaluates one configuration per core
#: at once, each model on one thread; ``"threads"`` evaluates one at a time with every
#: core in the model. ``"trials"`` was faster on this project's 2-core machine
#: (``benchmarks/cores.py``, results in ``benchmarks/results/cores.md``): a
#: cross-validated trial on a small table is too short to keep two threads busy. The
#: refit, which runs alone, always gets every core.
CORE_SPLIT = "trials"


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class AutoML(BaseEstimator):
    """Find, tune and refit the best model for a table, within a time budget.

    A scikit-learn estimator: ``get_params`` / ``set_params`` and ``sklearn.base.clone``
    work, and every fitted attribute ends in ``_``.

    Parameters
    ----------
    task : {"auto", "binary", "multiclass", "classification", "regression"}
        Inferred from the target by default.
    metric : str, optional
        What to optimise (see :data:`autoxai.automl.METRICS`); default ROC AUC (binary),
        log-loss (multiclass), RMSE (regression).
    search : str
        A sampler name from :data:`autoxai.samplers.SAMPLERS` (``"bayes"``, ``"tpe"``,
        ``"gp"``, ``"random"``, ``"grid"``), or a multi-fidelity scheduler from
        :data:`autoxai.schedulers.SCHEDULERS` (``"sha"``, ``"hyperband"``, ``"asha"``,
        ``"bohb"``). A scheduler evaluates configurations on a fraction of each training
        fold first (the *budget*: 1/27, 1/9, 1/3 of the rows, the smallest at least
        200 rows, at most four rungs with ``eta=3``) and moves the best up to all rows;
        see :attr:`schedule_`. New configurations come from the scheduler's own sampler
        (random; TPE for ``"bohb"``). Only evaluations on all rows reach the
        leaderboard, the ensemble and the refit; the known-good defaults always run on
        all rows. A table too small for two rungs is searched on all rows only (the
        scheduler's sampler alone), as :attr:`schedule_` says.
    time_budget : float or None
        Seconds for the whole fit: search *and* refit. The search stops early enough
        for the refit of the chosen model(s) to fit in, by an estimate from their
        cross-validation fit times. None: no time limit (give ``n_trials``).
    n_trials : int or None
        Configurations to evaluate (under a multi-fidelity search: evaluations, each
        rung of a configuration counting once). With ``n_trials`` and no
        ``time_budget`` the run is deterministic: same seed, same leaderboard.
    cv : int
        Folds (stratified for classification); above 100,000 rows or 2 million cells
        a single 80/20 holdout split is used instead.
    models : list of str, optional
        Model families to consider (default all built-in ones): ``"lgbm"``, ``"rf"``,
        ``"et"``, ``"linear"``, ``"hgb"``, ``"knn"``; ``"xgb"`` (XGBoost) and
        ``"catboost"`` (CatBoost, with its own handling of categorical columns) when the
        ``xgboost`` / ``catboost`` extra is installed and named here.
    ensemble : bool
        Try greedy ensemble selection over the evaluated models' out-of-fold
        predictions; kept only when it beats the best single model in CV.
    random_state : int
    n_jobs : int
        Cores to use; -1 (the default) means every core this process may run on. The
        search evaluates ``n_jobs`` configurations at once (worker processes), each
        model on one thread; the refit on all rows runs alone on all ``n_jobs`` cores.
        With ``n_trials`` and no ``time_budget`` the leaderboard is the same for any
        ``n_jobs``. On an ``executor`` the default evaluates as many configurations at
        once as it has workers. The worker processes start with ``fit`` and are kept
        for the next fits; under a ``time_budget``, while they are still starting,
        configurations are evaluated one at a time in this process (see
        ``automl/_warm.py``).
    executor : concurrent.futures.Executor, optional
        Where trials run, e.g. ``distributed.Client(address).get_executor()``.
    storage : str, optional
        Database URL for the study (e.g. ``"sqlite:///run/study.db"``): every trial is
        kept, and a killed run resumes where it stopped.
    workdir : path, optional
        Where out-of-fold predictions are kept (default: a temporary directory).
    show_progress : bool
    trial_timeout : float, optional
        Seconds one configuration's evaluation may take; it then runs in its own
        process, killed at the deadline (a hung or runaway fit fails its trial instead
        of the run). Starting that process and sending it the data cost about a second
        per trial, so use it for large tables or models that may hang.
    hard_deadline : {"auto", True, False}
        Under a time budget, run each trial in its own process, killed when the search
        must end, so no configuration (a k-NN predicting a million rows, a forest too
        big for its time) can run past the budget. ``"auto"`` (default) does so for
        tables of 2 million cells or more, where trials are long enough for the cost
        of starting a process per trial (0.3 to 3 s) not to matter; True always, False
        never (trials are then stopped only between cross-validation folds).
    final_model : {"auto", "refit", "bagged"}
        What the chosen configuration(s) become. ``"refit"``: refit on all rows.
        ``"bagged"``: the k models cross-validation fitted (each on k-1 folds), kept
        during the search and averaged (see :mod:`autoxai.automl._final`): no refit,
        so the search may use the whole budget. ``"auto"`` (default): bagged under
        k-fold cross-validation; under the holdout split of large tables the one model
        fitted on 80 % of the rows is refit on all rows when the refit is estimated
        to end within the time the search leaves, and kept otherwise (the search is
        not cut short for the refit).
        The choice and its reason are in :attr:`final_decisions_`. Measured
        (``benchmarks/results/bagging.md``, 8 tables x 3 seeds, held-out scores):
        bagged beat refit in 15 of 24 cells; refit won on the two tables where more
        rows help most (digits, diamonds). A bag predicts k times slower, and a bag of
        gradient-boosted trees is explained member by member, not by native TreeSHAP.
    stack : {"auto", True, False}
        Try one stacking layer over the ensemble's members: a logistic regression on
        their log-odds (classification) or non-negative least squares on their
        predictions (regression), fitted on their out-of-fold predictions and kept only
        when its inner cross-validation loss beats the blend's (see
        :mod:`autoxai.automl._stack`). ``"auto"``: when ``time_budget`` is at least
        120 s or None. In the benchmark above it was tried in 23 cells and kept in
        none: cheap to try, rarely better than the blend with 20 trials.
    portfolio : {"auto", True, False}
        What is tried before the search proposes its own configurations: True, the
        first entries of the learned portfolio (an order of zero-shot configurations
        learned offline on the benchmark tables; fewer entries on bigger tables, see
        ``autoxai.automl._portfolio``); False, each family's hand-picked defaults.
        ``"auto"`` (default) is whichever ``benchmarks/results/portfolio.md`` shows is
        better: today the portfolio, except on the large tables searched on a holdout
        split, where the hand-picked defaults did better.

    Attributes
    ----------
    best_model_ : estimator
        What :meth:`predict` uses: the best pipeline, a :class:`WeightedEnsemble` of
        pipelines (refit, or the fold models of bagged configurations), or a
        :class:`StackedEnsemble`; every pipeline takes the original columns.
    best_pipeline_ : estimator
        The best single configuration: refitted on all rows (a Pipeline), or its bag
        of fold models (a :class:`WeightedEnsemble`) when the final model is bagged.
    leaderboard_ : DataFrame
        One row per configuration evaluated on all training rows: model, params, CV mean
        and std, fit time, and ``shrunk`` (how the configuration was made smaller to
        finish before the deadline, else None; see ``model_decisions_``). Under a
        multi-fidelity search also ``budget`` (1: all rows), ``rung`` (None for the
        defaults, queued outside the schedule) and ``history`` (the trial numbers of the
        configuration's evaluations, lowest rung first).
    schedule_ : dict or None
        The multi-fidelity plan when ``search`` names a scheduler, else None:
        ``scheduler``, ``eta``, ``budgets`` (fractions of each training fold, lowest
        rung first), ``training_rows`` (rows per fold at each rung), ``fallback`` (True
        when the table was too small for two rungs) and ``note`` (the plan in words).
    classes_ : ndarray or None
        Class labels (classification); None for regression.
    target_name_ : str
        The target's column name (``y``'s name, or ``target=``).
    n_features_in_ : int
        Columns given to ``fit`` besides the target.
    feature_names_in_ : ndarray of str or None
        Their names; None when ``fit`` got an array (its columns are then called
        ``x0``, ``x1``, ... and ``predict`` takes arrays of the same width).
    metric_ : Metric
        The metric optimised.
    ensemble_ : list of dict
        The final model's configurations: ``trial`` number and blend ``weight``.
    final_decisions_ : dict
        ``final_model`` (``"refit"`` or ``"bagged"``) and its ``reason``,
        ``refit_estimate`` (seconds the refit was estimated to take), and ``stack``:
        ``tried``, ``kept``, ``reason`` and, when tried, ``stack_loss`` and
        ``blend_loss`` (means over the folds, like for like).
    dataset_ : Dataset
        The data as prepared: column decisions, notes, task.
    model_decisions_ : list of dict
        What the cost estimates decided, each with ``model``, ``action`` and ``reason``.
        ``"left out"``, before the search: k-NN beyond 100,000 training rows, and under
        a time budget a family whose cheapest default is estimated to take more than
        half of it. Under a time budget each configuration is also estimated before it
        starts (these entries carry its ``trial``): one that would not finish before the
        deadline is ``"shrunk"`` (fewer rounds or trees, then fewer rows; the leaderboard's
        ``shrunk`` column says how, and the refit fits it so), and one whose smallest
        version would not finish either is ``"skipped"``: its trial is FAILED with the
        reason ("skipped: ... estimated at ... s"). A run with ``n_trials`` and no time
        budget never shrinks. See ``autoxai.automl._cost`` and ``autoxai.automl._shrink``.
    study_ : Study
    timings_ : dict
        Seconds spent preparing, searching, ensembling and refitting.

    Examples
    --------
    >>> from autoxai import AutoML
    >>> from autoxai.datasets import load_penguins
    >>> df = load_penguins()
    >>> automl = AutoML(n_trials=3, time_budget=None, cv=3, models=["linear", "rf"])
    >>> automl = automl.fit(df.drop(columns="species"), df["species"])
    >>> automl.score(df.drop(columns="species"), df["species"]) > 0.9
    True
    """

    #: Benchmark tables the portfolio's order is learned without: the leave-one-dataset-out
    #: evaluation (``benchmarks/portfolio.py``) sets it to the table it evaluates on.
    _portfolio_exclude: tuple[str, ...] = ()

    def __init__(
        self,
        *,
        task: str = "auto",
        metric: str | None = None,
        search: str = "bayes",
        time_budget: float | None = 60,
        n_trials: int | None = None,
        cv: int = 5,
        models: Sequence[str] | None = None,
        ensemble: bool = True,
        random_state: int = 0,
        n_jobs: int = -1,
        executor=None,
        storage: str | None = None,
        workdir: str | Path | None = None,
        show_progress: bool = False,
        trial_timeout: float | None = None,
        hard_deadline: str | bool = "auto",
        final_model: str = "auto",
        stack: str | bool = "auto",
        portfolio: str | bool = "auto",
    ) -> None:
        self.task = task
        self.metric = metric
        self.search = search
        self.time_budget = time_budget
        self.n_trials = n_trials
        self.cv = cv
        self.models = models
        self.ensemble = ensemble
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.executor = executor
        self.storage = storage
        self.workdir = workdir
        self.show_progress = show_progress
        self.trial_timeout = trial_timeout
        self.hard_deadline = hard_deadline
        self.final_model = final_model
        self.stack = stack
        self.portfolio = portfolio

    # -- checks -----------------------------------------------------------------------
    def _check_params(self) -> list[str]:
        return check_params(self.get_params())

    # -- the search space -------------------------------------------------------------
    @staticmethod
    def _space(names: list[str], task: str, n_rows: int) -> SearchSpace:
        params: dict[str, Any] = {"model": Categorical(names)}
        for name in names:
            for hp, dist in FAMILIES[name].space(task, n_rows).items():
                data = {**dist.to_dict(), "when": {"model": [name]}}
                params[f"{name}.{hp}"] = distribution_from_dict(data)
        return SearchSpace(params)

    @staticmethod
    def _defaults(names: list[str], task: str, n_rows: int) -> list[dict[str, Any]]:
        """Known-good configurations, round-robin over the families."""
        per_family = [FAMILIES[n].defaults(task, n_rows) for n in names]
        out = []
        for i in range(max(len(d) for d in per_family)):
            for name, defaults in zip(names, per_family):
                if i < len(defaults):
                    out.append(
                        {"model": name, **{f"{name}.{k}": v for k, v in defaults[i].items()}}
                    )
        return out

    def _queued(
        self, names: list[str], task: str, n_rows: int, *, holdout: bool = False
    ) -> list[dict[str, Any]]:
        """What is tried first: the learned portfolio's entries or the hand-picked defaults
        (see :func:`~autoxai.automl._portfolio.use_portfolio`)."""
        if not use_portfolio(self.portfolio, holdout=holdout):
            return self._defaults(names, task, n_rows)
        entries, uncovered = portfolio_entries(names, task, n_rows, self._portfolio_exclude)
        return entries + (self._defaults(uncovered, task, n_rows) if uncovered else [])

    def _splits(self, y: np.ndarray, classification: bool, n_features: int):
        n = len(y)
        if n > HOLDOUT_ROWS or n * n_features > HOLDOUT_CELLS:
            cls = StratifiedShuffleSplit if classification else ShuffleSplit
            splitter = cls(n_splits=1, test_size=0.2, random_state=self.random_state)
        elif classification:
            splitter = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
        else:
            splitter = KFold(self.cv, shuffle=True, random_state=self.random_state)
        return list(splitter.split(np.zeros(n), y))

    def _schedule(self, splits) -> dict[str, Any] | None:
        """The rungs of a multi-fidelity search, from the size of the training folds.

        As many rungs as keep the smallest one at ``MIN_RUNG_ROWS`` rows or more, up to
        ``MAX_RUNGS``; with fewer than ``ETA * MIN_RUNG_ROWS`` rows per fold there is a
        single rung (all rows) and the scheduler only adds its sampler.
        """
        if self.search not in SCHEDULERS:
            return None
        rows = min(len(train) for train, _ in splits)
        n_rungs = 1
        while n_rungs < MAX_RUNGS and rows / ETA**n_rungs >= MIN_RUNG_ROWS:
            n_rungs += 1
        budgets = [float(ETA) ** (k - n_rungs + 1) for k in range(n_rungs)]
        training_rows = [max(2, round(b * rows)) for b in budgets]
        if n_rungs == 1:
            note = (
                f"search={self.search!r}: {rows} training rows per fold is too few for a "
                f"second rung of at least {MIN_RUNG_ROWS} rows (it needs "
                f"{ETA * MIN_RUNG_ROWS}); every configuration is evaluated on all rows, "
                "so the search is the scheduler's sampler alone"
            )
        else:
            shown = ", ".join(budget_text(b) for b in budgets)
            note = (
                f"search={self.search!r}: {n_rungs} rungs of {shown} of each training "
                f"fold ({', '.join(map(str, training_rows))} rows), eta={ETA}"
            )
        return {
            "scheduler": self.search,
            "eta": ETA,
            "budgets": budgets,
            "training_rows": training_rows,
            "fallback": n_rungs == 1,
            "note": note,
        }

    # -- fit --------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, y: pd.Series | Sequence | None = None, *, target=None):
        """Search, choose and refit. ``X`` holds the features, ``y`` the target.

        Alternatively pass the whole table as ``X`` and the target's column name as
        ``target=``.
        """
        start = time.time()
        end = None if self.time_budget is None else start + float(self.time_budget)
        names = self._check_params()
        width, trial_threads, refit_threads = self._cores()
        hard = end is not None and self._hard_deadline(int(np.prod(np.shape(X))))
        # trials isolated in processes of their own need no pool (see Study.optimize)
        pooled = not hard and self.trial_timeout is None
        warm_up(names, width if pooled else 1, self.executor)  # the pool, the libraries
        dataset, y_enc, splits = self._prepare(X, y, target)
        names = [n for n in names if dataset.task in FAMILIES[n].tasks]
        n_classes = None if self.classes_ is None else len(self.classes_)
        shape = Shape(len(splits[0][0]), len(splits[0][1]), dataset.X.shape[1], n_classes)
        seconds = None if end is None else end - time.time()
        names, self.model_decisions_ = plan_models(names, dataset.task, shape, seconds=seconds)
        metric = get_metric(self.metric, dataset.task)
        workdir = Path(self.workdir) if self.workdir else Path(tempfile.mkdtemp(prefix="autoxai-"))
        objective = CVObjective(
            dataset.X, y_enc, task=dataset.task, metric=metric, schema=dataset.schema,
            splits=splits, n_classes=n_classes,
            random_state=self.random_state, workdir=workdir,
            deadline=None if end is None else end - AUTOML_DEADLINE_SHARE * self.time_budget,
            n_threads=trial_threads, keep_models=self.final_model != "refit",
        )  # fmt: skip
        prepared = time.time()

        study = self._study(names, dataset.task, len(y_enc), splits)
        reserve = _RefitReserve(workdir, objective)
        # Only final_model="refit" stops the search early to make room for a refit. Under
        # "auto" the fold models may be the final model, so only the time to load them is
        # reserved; a holdout refit runs only if it fits in the time the search leaves.
        # At 1,000,000 rows and 60 s, reserving for the refit stopped the search after
        # 2 trials at 38 s, and then the refit did not fit anyway.
        reserve.bagged = self.final_model != "refit"
        self._search(study, objective, reserve, start, end, width, hard)
        self.model_decisions_ += trial_decisions(study.trials, workdir, read_evaluation)
        searched = time.time()

        board = self._leaderboard(study, workdir, metric)
        if board.empty:
            raise self._nothing_finished(study)
        labels = np.asarray(dataset.y) if self.classes_ is not None else y_enc
        # Refit on the original labels: the pipelines' classes_ are then the labels
        # themselves, in the same sorted order as self.classes_.
        refit_threads = free_threads(refit_threads)
        chosen = self._final(board, objective, labels, metric, end, reserve, refit_threads)
        finished = time.time()

        self.leaderboard_ = board
        self.dataset_ = dataset
        self.metric_ = metric
        self.study_ = study
        self.timings_ = {
            "prepare": prepared - start,
            "search": searched - prepared,
            "ensemble": chosen - searched,
            "refit": finished - chosen,
            "total": finished - start,
        }
        if self.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
        return self

    def _prepare(self, X, y, target):
        """The prepared dataset, the encoded target (sets ``classes_``) and the splits."""
        table = self._table(X, y, target)
        dataset = prepare(table, self.target_name_, task=self.task, n_folds=self.cv)
        classification = dataset.task != "regression"
        if classification:
            self.classes_, y_enc = np.unique(np.asarray(dataset.y), return_inverse=True)
        else:
            self.classes_, y_enc = None, np.asarray(dataset.y, dtype=float)
        return dataset, y_enc, self._splits(y_enc, classification, dataset.X.shape[1])

    def _study(self, names: list[str], task: str, n_rows: int, splits) -> Study:
        """The study over the zoo's space, its sampler or scheduler, the defaults queued."""
        space = self._space(names, task, n_rows)
        self.schedule_ = schedule = self._schedule(splits)
        scheduler: BaseScheduler | None = None
        if schedule is None:
            sampler = get_sampler(self.search, random_state=self.random_state)
        else:
            if schedule["fallback"]:
                logger.warning(schedule["note"])
            budgets = schedule["budgets"]
            # The search runs until n_trials or the time budget ends it, so the
            # schedule's own end (one bracket) never applies: brackets follow each other.
            scheduler = get_scheduler(self.search, budgets[0], budgets[-1], eta=ETA)
            sampler = scheduler.default_sampler(self.random_state)
        study = create_study(
            space,
            sampler=sampler,
            direction="minimize",
            storage=self.storage,
            study_name=STUDY_NAME if self.storage else None,
            load_if_exists=True,
            scheduler=scheduler,
        )
        if not study.trials:
            # the known-good defaults run on all rows, outside any schedule
            full = None if scheduler is None else scheduler.max_budget
            for params in self._queued(names, task, n_rows, holdout=len(splits) == 1):
                study.enqueue(params, budget=full)
        return study

    def _cores(self) -> tuple[int, int, int]:
        """Trials at once, threads per model in a trial, threads of the refit.

        See :data:`CORE_SPLIT`. On an executor each trial's model gets one thread (its
        workers' cores are the executor's business) and ``n_jobs=-1`` keeps as many
        trials in flight as the executor has workers.
        """
        cores = available_cores() if self.n_jobs == -1 else int(self.n_jobs)
        if self.executor is not None:
            width = executor_width(self.executor) if self.n_jobs == -1 else cores
            return width, 1, cores
        if CORE_SPLIT == "threads":
            return 1, cores, cores
        return cores, 1, cores

    def _search(
        self, study: Study, objective, reserve, start, end: float | None, width: int,
        hard: bool,
    ):  # fmt: skip
        """Run the trials still missing, ``width`` at once, stopping in time for the refit;
        ``hard``: each in a process of its own, killed when the search ends."""
        callbacks = [] if end is None else [reserve.stop_when_needed(start, end)]
        if objective.keep_models:
            callbacks.append(keep_best_folds(objective.workdir))
        remaining = None
        if self.n_trials is not None:
            remaining = max(0, self.n_trials - study.n_finished)
        timeout = None if end is None else max(0.01, end - time.time() - reserve.estimate())
        stop_at = None
        if timeout is not None and hard:
            stop_at = time.time() + timeout  # when the search ends, every trial ends
        if remaining != 0:
            study.optimize(
                objective,
                n_trials=remaining,
                timeout=timeout,
                n_jobs=width,
                executor=on_cluster(objective, objective.SHARED, self.executor),
                callbacks=callbacks,
                show_progress=self.show_progress,
                trial_timeout=self.trial_timeout,
                trial_deadline=stop_at,
            )

    def _hard_deadline(self, n_cells: int) -> bool:
        """Whether trials run in a process killed at the search's end (``hard_deadline``)."""
        if self.hard_deadline == "auto":
            return n_cells >= _cost.HARD_DEADLINE_CELLS
        return self.hard_deadline

    def _nothing_finished(self, study: Study) -> NoCompletedTrialsError:
        """The error for a search that left no configuration evaluated on all rows."""
        # queued configurations n_trials never reached do not count
        trials = [t for t in study.trials if t.state is not TrialState.WAITING]
        failed = [t for t in trials if t.state is TrialState.FAILED and not t.interrupted]
        if failed and len(failed) == len(trials):
            reason = (failed[0].error or "").splitlines()[0]
            return NoCompletedTrialsError(
                f"every configuration failed ({len(failed)} tried); the first: {reason}"
            )
        partial = study.scheduler is not None and any(
            t.state is TrialState.COMPLETE for t in trials
        )
        return NoCompletedTrialsError(
            "no configuration finished"
            + (" on all training rows (only on fractions of them)" if partial else "")
            + " within the budget; raise time_budget"
            + (f" (it is {self.time_budget} s)" if self.time_budget else "")
        )

    def _table(self, X, y, target) -> pd.DataFrame:
        """The table to prepare (features and target); sets the input's feature names."""
        if issparse(X):
            raise ParameterTypeError(
                "sparse input is not supported: pass a DataFrame or a dense 2-D array"
            )
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        else:
            X = np.asarray(X)
            if X.ndim != 2:
                raise DataError(f"X must be a 2-D table, got an array of shape {X.shape}")
            X = pd.DataFrame(X, columns=_array_names(X.shape[1]))
            self.feature_names_in_ = None  # fitted on an array: no names of its own
        if any(pd.api.types.is_complex_dtype(d) for d in X.dtypes) or (
            y is not None and np.iscomplexobj(np.asarray(y))
        ):
            raise DataError("Complex data not supported: give real-valued columns")
        if target is not None:
            if y is not None:
                raise InvalidParameterError("give either y or target=, not both")
            self.target_name_ = str(target)
            self.n_features_in_ = X.shape[1] - 1
            if self.feature_names_in_ is not None:
                names = self.feature_names_in_
                self.feature_names_in_ = names[names != self.target_name_]
            return X
        if y is None:
            raise InvalidParameterError("fit needs y, or the table with target='column'")
        name = getattr(y, "name", None) or "target"
        while name in X.columns:
            name = f"{name}_"
        self.target_name_ = str(name)
        self.n_features_in_ = X.shape[1]
        return X.assign(**{self.target_name_: np.asarray(y)})

    def _leaderboard(self, study: Study, workdir: Path, metric: Metric) -> pd.DataFrame:
        """Configurations evaluated on all training rows, best first.

        Under a multi-fidelity search the evaluations on fractions of the rows are left
        out: their losses are not comparable with full ones, and their out-of-fold
        predictions must not reach the ensemble.
        """
        trials = study.trials
        rows = []
        for t in full_budget(trials):
            name, hp = family_params(t.params)
            _, stats = read_evaluation(workdir, t.params)
            row = {
                "trial": t.number,
                "model": name,
                "params": hp,
                "cv_" + metric.name: metric.from_loss(t.value),
                "cv_std": None if stats is None else stats["loss_std"],
                "fit_time": None if stats is None else stats["fit_time"],
                "shrunk": None if stats is None else stats.get("shrunk"),
            }
            if study.scheduler is not None:
                row.update(budget=t.budget, rung=t.rung, history=rung_history(t, trials))
            rows.append({**row, "_loss": t.value, "_params": t.params})
        board = pd.DataFrame(rows)
        if board.empty:
            return board
        return board.sort_values(["_loss", "trial"], kind="stable").reset_index(drop=True)

    def _choose(self, board, workdir, y, metric: Metric, *, folds) -> list[tuple]:
        """The configurations to build the final model from, best first: ``(row, weight,
        out-of-fold predictions)`` each.

        The ensemble is kept only when its loss beats the best model's, both measured
        the same way: the mean over the validation ``folds`` of the loss on each fold
        (what the search minimised and the leaderboard shows), the ensemble's computed
        from the same out-of-fold predictions. Comparing the ensemble's loss on all rows
        pooled with the best model's fold mean rejected ensembles that were better.
        """
        best = board.iloc[0]
        single = [(best, 1.0, read_evaluation(workdir, best["_params"])[0])]
        if not self.ensemble or len(board) < 2:
            return single
        candidates, preds = [], []
        for _, row in board.head(ENSEMBLE_CANDIDATES).iterrows():
            oof, stats = read_evaluation(workdir, row["_params"])
            if oof is None or np.isnan(oof).any() or (stats and stats.get("budget") is not None):
                continue  # missing, holdout-only or low-fidelity predictions
            candidates.append(row)
            preds.append(oof)
        if len(candidates) < 2:
            return single
        weights, loss = greedy_selection(preds, y, metric.loss, folds=folds)
        if not loss < candidates[0]["_loss"] - 1e-9:
            return single
        chosen = [(c, w, p) for c, w, p in zip(candidates, weights, preds) if w > 0]
        return sorted(chosen, key=lambda cwp: cwp[0]["_loss"])

    @staticmethod
    def _trim(chosen: list[tuple], end: float | None, reserve, *, bagged: bool) -> list[tuple]:
        """Members dropped, smallest weight first (never the best), while building the
        final model from them would break the budget ``end`` (their refit, or loading
        their kept fold models) or, for bags, hold more than ``BAG_BYTES`` of models."""
        chosen = list(chosen)

        def too_much() -> bool:
            configs = [c["_params"] for c, *_ in chosen]
            late = end is not None and time.time() + reserve.cost(configs, bagged=bagged) > end
            return late or (bagged and reserve.bag_bytes(configs) > BAG_BYTES)

        while len(chosen) > 1 and too_much():
            del chosen[min(range(1, len(chosen)), key=lambda i: chosen[i][1])]
        return chosen

    def _final(self, board, objective, labels, metric: Metric, end, reserve, refit_threads):
        """Choose, decide refit or bags (``final_model``), stack or not (``stack``), and
        set ``best_model_``, ``best_pipeline_``, ``ensemble_`` and ``final_decisions_``.
        Returns when the choice was made (the rest is the refit)."""
        y, workdir = objective.y, objective.workdir
        folds = [test for _, test in objective.splits]
        chosen = full = self._choose(board, workdir, y, metric, folds=folds)
        seconds_left = None if end is None else end - time.time()
        refit_seconds = reserve.cost([c["_params"] for c, *_ in chosen], bagged=False)
        kind, reason = decide(self.final_model, holdout=len(folds) == 1,
                              refit_seconds=refit_seconds, seconds_left=seconds_left)  # fmt: skip
        n_chosen = len(chosen)
        bags = []
        if kind == "bagged":
            chosen = self._trim(chosen, end, reserve, bagged=True)
            bags = [bag(workdir, c["_params"], self.classes_) for c, *_ in chosen]
        if any(b is None for b in bags):
            kind, reason = "refit", "fold models missing (not kept, or lacking a class): refit"
            chosen = full
        if kind == "refit":
            chosen = self._trim(chosen, end, reserve, bagged=False)
        w = np.array([c[1] for c in chosen]) / sum(c[1] for c in chosen)
        stacking, level2 = self._stacking([c[2] for c in chosen], w, y, metric, folds)
        chosen_at = time.time()
        if kind == "bagged":
            members = bags
        else:
            members = [_predict_on_one_thread(objective.fit(c["_params"], objective.X, labels,
                                                            n_threads=refit_threads))
                       for c, *_ in chosen]  # fmt: skip
        self.best_pipeline_ = members[0]
        if level2 is not None:
            self.best_model_ = StackedEnsemble(members, level2, classes=self.classes_)
        elif len(members) == 1:
            self.best_model_ = members[0]
        elif kind == "bagged":
            self.best_model_ = bagged_ensemble(members, w, self.classes_)
        else:
            self.best_model_ = WeightedEnsemble(members, w, classes=self.classes_)
        self.ensemble_ = [
            {"trial": int(c["trial"]), "weight": float(x)} for (c, *_), x in zip(chosen, w)
        ]
        keep_folds(workdir, [c["_params"] for c, *_ in chosen] if kind == "bagged" else [])
        self.final_decisions_ = {"final_model": kind, "reason": reason,
                                 "refit_estimate": refit_seconds, "stack": stacking,
                                 "members_dropped": n_chosen - len(chosen)}  # fmt: skip
        return chosen_at

    def _stacking(self, oofs, weights, y, metric: Metric, folds) -> tuple[dict, Any]:
        """Whether to stack (``stack``), the two losses, and the level-2 model if kept.

        The level-2 model is kept only when its inner cross-validation loss (mean over
        the folds) beats the blend's on the same folds; see :mod:`._stack`.
        """
        tried = self.stack if self.stack != "auto" else (
            self.time_budget is None or self.time_budget >= STACK_MIN_BUDGET)  # fmt: skip
        if not tried or len(oofs) < 2:
            why = "one member: nothing to stack" if tried else f"stack={self.stack!r}"
            if self.stack == "auto" and not tried:
                why = f"time_budget below {STACK_MIN_BUDGET} s"
            return {"tried": False, "kept": False, "reason": why}, None
        blend = fold_loss(metric.loss, y, sum(w * p for w, p in zip(weights, oofs)), folds)
        classification = self.classes_ is not None
        loss, level2 = stacking_loss(oofs, y, folds, metric.loss, classification,
                                     self.random_state)  # fmt: skip
        kept = bool(loss < blend - 1e-9)
        info = {"tried": True, "kept": kept, "stack_loss": float(loss), "blend_loss": float(blend),
                "reason": "its inner-CV loss " + ("beats" if kept else "does not beat")
                + " the blend's"}  # fmt: skip
        return info, level2 if kept else None

    # -- explanations -----------------------------------------------------------------
    def explain(
        self,
        X: pd.DataFrame,
        y: pd.Series | Sequence,
        *,
        budget: float = 30.0,
        random_state: int | None = None,
        progress=None,
    ) -> dict[str, Any]:
        """Explain the fitted model with every method on ``X, y``, within ``budget`` s.

        The explanation stage of ``autoxai run`` without writing anything: permutation
        importance, surrogate, which hyperparameters mattered, PDP/ICE/ALE, SHAP, local
        SHAP and LIME of telling rows, drop-column importance and their consensus, each
        planned to fit what is left of the budget (see :class:`~autoxai.runs.TimePlan`).
        Pass rows the model did not learn from: on its training rows a model shows what
        it memorised (the permutation result warns when it detects them).

        Returns
        -------
        dict of str to Explanation
            By method name (``"permutation_importance"``, ``"consensus"``,
            ``"pdp:<feature>"``, ...); what was skipped or failed is not in it.
        """
        from autoxai.runs import ExplanationStage  # the run layer sits above AutoML

        self._check_fitted()
        stage = ExplanationStage(
            self, self._rows(X), pd.Series(np.asarray(y)), budget=budget,
            random_state=self.random_state if random_state is None else random_state,
            hold_out=False, progress=progress,
        )  # fmt: skip
        return stage.run()

    def _repr_html_(self) -> str:
        """A notebook's view: the leaderboard's top rows once fitted."""
        if not hasattr(self, "leaderboard_"):
            return super()._repr_html_()
        board = self.leaderboard_.drop(columns=["_loss", "_params"], errors="ignore").head(10)
        return (
            f"<p><b>AutoML</b>: {self.dataset_.task}, {self.metric_.name}; final model: "
            + ("ensemble" if len(self.ensemble_) > 1 else f"trial {self.ensemble_[0]['trial']}")
            + "</p>"
            + board.to_html(index=False, float_format="{:.4g}".format)
        )

    # -- persistence ------------------------------------------------------------------
    def save(self, path) -> Path:
        """Save the fitted model into the directory ``path``; :func:`autoxai.load` reads it."""
        from autoxai.automl._artifacts import save

        self._check_fitted()
        return save(self, path)

    def __getstate__(self) -> dict[str, Any]:
        # The study holds a database connection and the dataset the training rows: a
        # saved model keeps neither (the study stays in its own database).
        state = dict(super().__getstate__())  # a copy: the instance keeps its study
        state.pop("study_", None)
        state["executor"] = None
        if "dataset_" in state:
            ds = state["dataset_"]
            state["dataset_"] = dataclasses.replace(ds, X=ds.X.iloc[:0], y=ds.y.iloc[:0])
        return state

    # -- predict ----------------------------------------------------------------------
    def _check_fitted(self):
        if not hasattr(self, "best_model_"):
            raise NotFittedError("this AutoML is not fitted yet: call fit first")

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "best_model_")

    def _rows(self, X) -> pd.DataFrame:
        """``X`` checked against the table the model was fitted on: an array fitted as an
        array gets the same generated column names (``x0``, ``x1``, ...)."""
        from autoxai.automl._new_rows import check_rows

        self._check_fitted()
        if not isinstance(X, pd.DataFrame) and self.feature_names_in_ is None:
            X = np.asarray(X)
            if X.ndim != 2:
                raise DataError(f"Reshape your data: X must be a 2-D array, got shape {X.shape}")
            if X.shape[1] != self.n_features_in_:
                raise DataError(
                    f"X has {X.shape[1]} features, but AutoML is expecting "
                    f"{self.n_features_in_} features as input"
                )
            X = pd.DataFrame(X, columns=_array_names(X.shape[1]))
        check_rows(X, self.dataset_.schema)
        return X

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Predicted labels (classification) or values (regression).

        ``X`` holds the user's columns as they come (see :mod:`autoxai.automl._new_rows`):
        a table without rows or lacking a column raises :class:`DataError`.
        """
        X = self._rows(X)
        return self.best_model_.predict(X)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Class probabilities, columns in the order of :attr:`classes_`."""
        X = self._rows(X)
        if self.classes_ is None:
            raise InvalidParameterError("predict_proba is for classification tasks")
        return self.best_model_.predict_proba(X)

    def score(self, X: pd.DataFrame, y) -> float:
        """Accuracy (classification) or R² (regression) on ``X, y``."""
        from sklearn.metrics import accuracy_score, r2_score

        pred = self.predict(X)
        if self.classes_ is None:
            return float(r2_score(np.asarray(y, dtype=float), pred))
        return float(accuracy_score(np.asarray(y), pred))


class _RefitReserve:
    """Plans the end of a timed run: when to stop starting trials so the refit fits.

    The refit of the chosen configuration(s) on all rows is estimated from their
    cross-validation fit times (the mean fold fit, times ``SAFETY`` for the larger
    training set and noisy timings), summed over the best three configurations, which
    covers the usual ensemble (the best one only under a holdout split, where no
    ensemble is built). A new trial is started only if a typical trial (the median
    of the last five) plus that estimate plus a little for ensemble selection still ends
    before the deadline; under a holdout split, where a trial is one fit that shrinks
    to the time left (:mod:`autoxai.automl._shrink`), only the estimate and the slack.
    Under a multi-fidelity search the best configurations are
    those evaluated on all rows (what would be refit); the typical trial is any. When
    the final model will be the kept fold models (``bagged``) the time to load them is
    reserved instead.
    """

    #: full data is bigger than a training fold, and timings are noisy: be generous
    SAFETY = 1.5

    def __init__(self, workdir: Path, objective: CVObjective) -> None:
        self.workdir = workdir
        self.objective = objective
        self.best_params: list[dict] = []
        #: the final model will be the kept fold models: load them, nothing to refit
        self.bagged = False

    def cost(self, configs, *, bagged: bool | None = None) -> float:
        """Estimated seconds to build the final model from ``configs``: refit them on
        all rows or, ``bagged`` (default: what the run plans), load their kept fold
        models (as long as writing them took: a bag of large forests took 7.7 s to load
        at 75,000 rows, past a 30 s budget, before this was counted)."""
        bagged = self.bagged if bagged is None else bagged
        key = "fold_models_seconds" if bagged else "fit_time_mean"
        return self._total(configs, key) * self.SAFETY

    def bag_bytes(self, configs) -> int:
        """Bytes of the kept fold models of ``configs`` on disk (about their size loaded)."""
        return int(self._total(configs, "fold_models_bytes"))

    def _total(self, configs, key: str) -> float:
        """The sum of one recorded statistic over ``configs`` (0 where absent)."""
        stats = (read_stats(self.workdir, params) for params in configs)
        return float(sum(s.get(key, 0.0) for s in stats if s is not None))

    def estimate(self) -> float:
        """Estimated seconds to refit what would be chosen now.

        With a single holdout split (large tables) there are no out-of-fold predictions
        to ensemble, so only the best configuration is refit: reserving for three made a
        60 s run on 100,000 rows stop searching after 24 s.
        """
        return self.cost(self.best_params[: 1 if self.holdout else 3])

    @property
    def holdout(self) -> bool:
        """Whether the search uses a single holdout split (one fit per trial)."""
        return len(self.objective.splits) == 1

    def stop_when_needed(self, start: float, end: float):
        """A study callback that stops the search in time for the refit."""
        slack = REFIT_SLACK_SHARE * (end - start)

        def callback(study: Study, trial) -> None:
            trials = study.trials
            complete = [t for t in trials if t.state is TrialState.COMPLETE]
            recent = [t.duration for t in complete[-5:] if t.duration]
            # Under a holdout split a trial is one fit that shrinks to the time left
            # (_shrink): at 1M rows x 60 s waiting for a typical 20 s trial ended the
            # search at 37 s.
            typical = float(np.median(recent)) if recent and not self.holdout else 0.0
            best = sorted(full_budget(trials), key=lambda t: (t.value, t.number))
            self.best_params = [t.params for t in best[:3]]
            deadline = self.objective.deadline
            if (deadline is not None and time.time() >= deadline) or (
                time.time() + typical + self.estimate() + slack >= end
            ):
                study.stop()

        return callback


def _predict_on_one_thread(pipeline):
    """``pipeline`` with its model's ``n_jobs`` set back to 1 after the refit.

    The refit uses every core, but the fitted model is then called many times on small
    batches (the explainers, the report): a forest's joblib threads cost more to start
    than they give there, and made the CLI's explanation stage skip methods for lack of
    time. One thread is also what prediction used before the refit had more.
    """
    model = pipeline.steps[-1][1]
    if model.get_params(deep=False).get("n_jobs") not in (None, 1):
        model.set_params(n_jobs=1)
    return pipeline


def _array_names(n: int) -> list[str]:
    """Column names for a table given as an array."""
    return [f"x{i}" for i in range(n)]
