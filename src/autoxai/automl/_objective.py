"""The AutoML objective: cross-validated loss of one configuration of one model family.

``objective(params, budget=None) -> loss``. ``budget``, when given, is the fraction of
each training fold used (multi-fidelity schedulers pass it; 1 or None is the whole fold).
Besides the loss, each evaluation leaves its out-of-fold predictions and fold statistics
in ``workdir``, keyed by the configuration, for the leaderboard and the ensemble; files
rather than memory, so evaluations in worker processes count too, and a resumed run
keeps them. An evaluation on part of the rows is keyed by the configuration *and* its
budget, so it never overwrites the full evaluation of the same configuration, and
:func:`read_evaluation` returns the full one unless asked for another budget.

With ``keep_models=True`` a full evaluation also leaves its k fitted fold models
(``models/<key>.joblib``, read by :func:`read_fold_models`): averaged, they are the
configuration's *bagged* model, a final model that needs no refit on all rows.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from threadpoolctl import threadpool_limits

from autoxai.automl._cost import Shape, calibration, fold_seconds, too_late
from autoxai.automl._data import FeatureSchema
from autoxai.automl._preprocess import build_pipeline
from autoxai.automl._shared import fetch, mapped_state, restore_state
from autoxai.automl._shrink import as_shrunk, shrink
from autoxai.automl._zoo import FAMILIES
from autoxai.metrics import Metric

__all__ = [
    "CVObjective",
    "OutOfTime",
    "config_key",
    "family_params",
    "fold_models_path",
    "read_evaluation",
    "read_fold_models",
    "read_stats",
]


class OutOfTime(Exception):
    """The run's deadline came before the evaluation could finish."""


def config_key(params: dict[str, Any]) -> str:
    """A short, stable file name for a configuration."""
    text = json.dumps(params, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _file_key(params: dict[str, Any], budget: float | None) -> str:
    """The file name of an evaluation: the configuration's key, plus the budget if partial."""
    key = config_key(params)
    return key if budget is None else f"{key}-b{budget:.6g}"


def _fraction(budget: float | None) -> float | None:
    """The share of each training fold an evaluation uses; None for the whole fold."""
    if budget is None or budget >= 1.0:
        return None
    if not budget > 0:
        raise ValueError(f"budget must be a fraction of the training rows in (0, 1], got {budget}")
    return float(budget)


def family_params(params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Split ``{"model": "rf", "rf.n_estimators": 10}`` into ``("rf", {"n_estimators": 10})``."""
    name = params["model"]
    prefix = f"{name}."
    return name, {k[len(prefix) :]: v for k, v in params.items() if k.startswith(prefix)}


class CVObjective:
    """Cross-validate a configuration; see the module docstring.

    Parameters
    ----------
    X : DataFrame
        Feature columns as :func:`prepare` left them.
    y : ndarray
        Target; class indices ``0..k-1`` for classification.
    task, metric, schema
        The task, the :class:`Metric` to minimise, and the feature schema.
    splits : list of (train, test) index arrays
    n_classes : int or None
    random_state : int
    workdir : path
        Where out-of-fold predictions go.
    deadline : float or None
        Epoch time after which no new fold starts (the evaluation is abandoned).
    n_threads : int
        Threads each model (and native thread pool) may use during a trial.
    keep_models : bool
        Save the fold models of each evaluation on all rows to ``workdir`` (see
        :func:`read_fold_models`); evaluations on part of the rows keep none.
    """

    def __init__(
        self, X, y, *, task, metric: Metric, schema: FeatureSchema, splits, n_classes,
        random_state: int, workdir, deadline: float | None = None, n_threads: int = 1,
        keep_models: bool = False,
    ) -> None:  # fmt: skip
        self.X = X
        self.y = y
        self.task = task
        self.metric = metric
        self.schema = schema
        self.splits = splits
        self.n_classes = n_classes
        self.random_state = random_state
        self.workdir = Path(workdir)
        self.deadline = deadline
        self.n_threads = n_threads
        self.keep_models = keep_models

    #: What grows with the rows: sent to workers once, not with every trial (_shared).
    SHARED = ("X", "y", "splits")

    def __getstate__(self) -> dict[str, Any]:
        # pickled for a worker: the table as one memory-mapped file (see _shared)
        return mapped_state(self, self.SHARED, self.workdir)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(restore_state(state))

    def __getattr__(self, name: str) -> Any:  # only when unset: a Dask copy's table
        return fetch(self, name)

    def make_pipeline(self, params: dict[str, Any], n_threads: int | None = None):
        """An unfitted pipeline for a configuration (``n_threads``: default the trial's)."""
        name, hp = family_params(params)
        family = FAMILIES[name]
        threads = self.n_threads if n_threads is None else n_threads
        estimator = family.build(hp, self.task, self.random_state, threads)
        return build_pipeline(self.schema, family, estimator)

    def predict(self, pipeline, X) -> np.ndarray:
        """Probabilities in class-index order (classification) or values."""
        if self.n_classes is None:
            return np.asarray(pipeline.predict(X), dtype=float)
        proba = pipeline.predict_proba(X)
        out = np.zeros((len(X), self.n_classes))
        out[:, np.asarray(pipeline.classes_, dtype=int)] = proba
        # float32 probabilities (some libraries) can miss 1 by rounding: renormalise
        return out / out.sum(axis=1, keepdims=True)

    def __call__(self, params: dict[str, Any], budget: float | None = None) -> float:
        # Native thread pools (OpenMP, BLAS) limited to the trial's share of the
        # machine: oversubscribed pools make small fits many times slower.
        with threadpool_limits(limits=self.n_threads):
            return self._evaluate(params, budget)

    def fit(self, params: dict[str, Any], X, y, *, n_threads: int | None = None):
        """A pipeline for ``params`` fitted on ``X, y`` (the refit on all rows), on
        ``n_threads`` threads (default the trial's share; the refit runs alone, so
        AutoML gives it every core). A configuration the search shrank to meet its
        deadline is fitted as shrunk: the same rounds, the same share of the rows."""
        threads = self.n_threads if n_threads is None else n_threads
        _, stats = read_evaluation(self.workdir, params)
        params, X, y = as_shrunk(stats, params, X, y, self.random_state)
        with threadpool_limits(limits=threads):
            return self.make_pipeline(params, threads).fit(X, y)

    def _evaluate(self, params: dict[str, Any], budget: float | None) -> float:
        budget = _fraction(budget)
        n = len(self.y)
        shape = (n,) if self.n_classes is None else (n, self.n_classes)
        oof = np.full(shape, np.nan)
        losses, fit_times = [], []
        rng = np.random.default_rng(self.random_state)
        run_params, fraction, estimate, note = self._fit_in_time(params, budget)
        fold_times, models = [], []
        for train, test in self.splits:
            # Do not start a fold that, judged by the folds before it, would end past
            # the deadline.
            expected = float(np.mean(fit_times)) if fit_times else 0.0
            if self.deadline is not None and time.time() + expected > self.deadline:
                raise OutOfTime("the time budget ran out during cross-validation")
            if fraction is not None:
                keep = max(2, round(fraction * len(train)))
                train = np.sort(rng.choice(train, size=keep, replace=False))
            pipeline = self.make_pipeline(run_params)
            start = time.perf_counter()
            pipeline.fit(self.X.iloc[train], self.y[train])
            fit_times.append(time.perf_counter() - start)
            pred = self.predict(pipeline, self.X.iloc[test])
            fold_times.append(time.perf_counter() - start)
            oof[test] = pred
            losses.append(self.metric.loss(self.y[test], pred))
            models.append(pipeline)
        key = _file_key(params, budget)
        self.workdir.mkdir(parents=True, exist_ok=True)
        kept = {}
        if self.keep_models and budget is None:
            path = fold_models_path(self.workdir, params)
            path.parent.mkdir(exist_ok=True)
            start = time.perf_counter()
            joblib.dump(models, path)
            # what loading them back as a bag will cost (see _final.bag_fits)
            kept = {"fold_models_seconds": time.perf_counter() - start,
                    "fold_models_bytes": path.stat().st_size}  # fmt: skip
        np.save(self.workdir / f"{key}.npy", oof)
        stats = {
            "loss_mean": float(np.mean(losses)),
            "loss_std": float(np.std(losses)),
            "fit_time": float(np.sum(fit_times)),
            "fit_time_mean": float(np.mean(fit_times)),
            "budget": budget,  # None: the whole training folds
            # for the cost estimates of later evaluations (see _cost.calibration)
            "model": params["model"],
            "estimate": estimate,
            "seconds_per_fold": float(np.mean(fold_times)),
            # what _shrink changed, for the leaderboard, the decisions and the refit
            **({"shrunk": note, "run_params": run_params, "rows": fraction} if note else {}),
            **kept,
        }
        (self.workdir / f"{key}.json").write_text(json.dumps(stats))
        return stats["loss_mean"]

    def _fit_in_time(self, params: dict[str, Any], budget: float | None):
        """The configuration to run, its share of each training fold (None: all), its
        estimated seconds per fold before the run's correction, and how it was shrunk
        to finish before the deadline (None: as asked; see :mod:`._shrink`)."""
        train, test = self.splits[0]
        name, hp = family_params(params)
        n_train = len(train) if budget is None else max(2, round(budget * len(train)))
        shape = Shape(n_train, len(test), self.X.shape[1], self.n_classes)
        if self.deadline is None:  # no deadline, no shrinking: reproducible
            return params, budget, fold_seconds(name, hp, shape), None
        factor = calibration(self.workdir, name)
        now, k = time.time(), len(self.splits)
        left = (self.deadline - now) / k  # each fold's share of the time
        plan = shrink(name, hp, shape, left=left, factor=factor)
        if plan is None:  # not even the smallest version fits
            expected = factor * fold_seconds(name, hp, shape) * k
            what = f"one {name} fold" if k == 1 else f"{name} on {k} folds"
            raise OutOfTime(too_late(expected, now, self.deadline, what=what))
        run_params = {**params, **{f"{name}.{k}": v for k, v in plan.hp.items()}}
        fraction = budget if plan.n_train == n_train else plan.n_train / len(train)
        return run_params, fraction, plan.seconds / factor, plan.note


def read_evaluation(
    workdir, params, budget: float | None = None
) -> tuple[np.ndarray | None, dict | None]:
    """The out-of-fold predictions and statistics a configuration left, if any.

    By default those of its full evaluation (every training row); ``budget`` < 1 reads
    the evaluation on that fraction of the rows instead.
    """
    key = _file_key(params, _fraction(budget))
    workdir = Path(workdir)
    try:
        return np.load(workdir / f"{key}.npy"), json.loads((workdir / f"{key}.json").read_text())
    except (OSError, ValueError):
        return None, None


def read_stats(workdir, params) -> dict | None:
    """The statistics of a configuration's full evaluation, without its out-of-fold
    predictions (what the time and size estimates need), or None."""
    try:
        return json.loads((Path(workdir) / f"{_file_key(params, None)}.json").read_text())
    except (OSError, ValueError):
        return None


def fold_models_path(workdir, params) -> Path:
    """Where a configuration's fold models are kept (``keep_models``)."""
    return Path(workdir) / "models" / f"{config_key(params)}.joblib"


def read_fold_models(workdir, params) -> list | None:
    """The fitted fold models of a configuration's full evaluation, in split order;
    None if they were not kept (or were pruned, see ``_bag.keep_best_folds``)."""
    try:
        return joblib.load(fold_models_path(workdir, params))
    except (OSError, EOFError, ValueError):
        return None
