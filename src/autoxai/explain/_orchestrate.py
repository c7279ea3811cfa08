"""One orchestrator of the global methods: :class:`GlobalExplainer`, and :func:`explain_model`.

Both ways of explaining a model with several methods go through :class:`GlobalExplainer`:
:func:`explain_model` (every method on the given rows, no time limit, an error raised)
and a run's :class:`~autoxai.runs.ExplanationStage` (a subclass: rows and a time limit
per method planned from the run's time plan, an error recorded and the run goes on).
The orchestrator owns what they share:

* the global methods and their settings (:data:`METHODS`, the ``*_importance`` calls:
  5 permutation repeats, a depth-3 surrogate tree, 3-fold drop-column refits);
* running one method: timed, under its time limit (:meth:`GlobalExplainer.limit`,
  enforced before every model call, :mod:`autoxai.explain._deadline`), recorded in
  :attr:`GlobalExplainer.log` as done, failed, or skipped ("out of time" when the limit
  stopped it);
* the consensus of the global methods that finished (:func:`~autoxai.explain.compare`).
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from autoxai._utils import RandomState, check_int, did_you_mean, seed_from
from autoxai.exceptions import DataError, InvalidParameterError, ParameterTypeError
from autoxai.explain import _ablation, _permutation, _surrogate
from autoxai.explain import shap as _shap
from autoxai.explain._base import Explanation
from autoxai.explain._common import check_n_jobs, subsample
from autoxai.explain._compare import compare
from autoxai.explain._deadline import OutOfTime, time_limit
from autoxai.explain._model import as_frame, target_array

__all__ = ["GLOBAL_METHODS", "METHODS", "GlobalExplainer", "explain_model"]

#: The global methods: the name :func:`explain_model` takes -> the result's key.
METHODS = {
    "permutation": "permutation_importance",
    "surrogate": "surrogate",
    "shap": "shap_importance",
    "drop_column": "drop_column_importance",
}
#: The results the consensus compares.
GLOBAL_METHODS = tuple(METHODS.values())
#: Rows explained by SHAP in :func:`explain_model` (SHAP's cost grows with each row).
SHAP_ROWS = 500
#: Folds of the drop-column refits.
DROP_COLUMN_CV = 3
#: Permutation repeats.
PERMUTATION_REPEATS = 5


class GlobalExplainer:
    """Run explanation methods on one model, each timed, limited and recorded.

    Parameters
    ----------
    model : estimator, Pipeline, AutoML or callable
        The fitted model every method explains (a subclass may replace it before the
        methods run, as the stage does with its held-out refit).
    n_jobs : int
        Processes for permutation and drop-column importance.
    strict : bool
        Raise a method's error (:func:`explain_model`); else record it in :attr:`log`
        and go on (a run must not be lost to one method).
    progress : callable, optional
        Called with one line of text as each method finishes.

    Attributes
    ----------
    results : dict of str to Explanation
        What finished, by name.
    log : list of dict
        One entry per method, in order: ``method``, ``status`` (done, failed, skipped),
        ``rows``, ``note``, ``seconds`` and, for a failure, ``error`` and ``traceback``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> X = pd.DataFrame(np.random.default_rng(0).normal(size=(80, 2)), columns=["a", "b"])
    >>> y = 2 * X["a"]
    >>> explainer = GlobalExplainer(LinearRegression().fit(X, y))
    >>> _ = explainer.permutation_importance(X, y, 0), explainer.surrogate(X, 0)
    >>> _ = explainer.consensus()
    >>> [(e["method"], e["status"]) for e in explainer.log]
    [('permutation_importance', 'done'), ('surrogate', 'done'), ('consensus', 'done')]
    """

    def __init__(self, model: Any, *, n_jobs: int = 1, strict: bool = True,
                 progress: Callable[[str], None] | None = None) -> None:  # fmt: skip
        self.model = model
        self.n_jobs = n_jobs
        self.strict = strict
        self.progress = progress or (lambda line: None)
        self.results: dict[str, Explanation] = {}
        self.log: list[dict[str, Any]] = []

    # -- running and recording one method -------------------------------------------------
    def limit(self, name: str) -> float | None:
        """Seconds method ``name`` may run from now; None: no limit (this class)."""
        return None

    def run_method(self, name: str, n_rows: int | None, compute: Callable[[], Any],
                   note: str = "") -> Any:  # fmt: skip
        """Run one method under its :meth:`limit`; record its time and rows.

        Returns its result, or None when it failed (not ``strict``) or ran out of time
        (recorded as skipped: "out of time").
        """
        start = time.perf_counter()
        limit = self.limit(name)
        entry: dict[str, Any] = {"method": name, "rows": n_rows, "note": note}
        result = None
        try:
            with time_limit(limit):
                result = compute()
        except OutOfTime:
            entry.update(status="skipped", note=f"out of time: stopped at its limit of "
                         f"{limit:.1f} s" + (f" ({note})" if note else ""))  # fmt: skip
        except Exception as exc:  # one method failing must not lose a run
            if self.strict:
                raise
            entry.update(status="failed", error=f"{type(exc).__name__}: {exc}",
                         traceback=traceback.format_exc()[-2000:])  # fmt: skip
        else:
            entry["status"] = "done"
        entry["seconds"] = round(time.perf_counter() - start, 3)
        self.log.append(entry)
        self.progress(_progress_line(entry))
        return result

    def keep(self, name: str, n_rows: int | None, compute: Callable[[], Any],
             note: str = "") -> Any:  # fmt: skip
        """:meth:`run_method`, and keep the result in :attr:`results` under ``name``."""
        result = self.run_method(name, n_rows, compute, note)
        if result is not None:
            self.results[name] = result
        return result

    def skip(self, name: str, reason: str) -> None:
        """Record that method ``name`` did not run, and why."""
        self.log.append({"method": name, "status": "skipped", "note": reason, "seconds": 0.0})
        self.progress(f"{name}: skipped ({reason})")

    def fail(self, name: str, error: str) -> None:
        """Record a failure outside any one method's call."""
        self.log.append({"method": name, "status": "failed", "error": error, "seconds": 0.0})
        self.progress(f"{name}: failed: {error}")

    @property
    def failures(self) -> list[tuple[str, str]]:
        """``(method, error)`` of every method that failed, in the order they ran."""
        return [(e["method"], e["error"]) for e in self.log if e["status"] == "failed"]

    # -- the global methods -----------------------------------------------------------
    def permutation_importance(self, X: Any, y: Any, random_state: int) -> Explanation | None:
        method = _permutation.permutation_importance  # looked up now: a patched one runs
        return self.keep("permutation_importance", len(X), lambda: method(
            self.model, X, y, n_repeats=PERMUTATION_REPEATS, n_jobs=self.n_jobs,
            random_state=random_state))  # fmt: skip

    def surrogate(self, X: Any, random_state: int) -> Explanation | None:
        return self.keep("surrogate", len(X), lambda: _surrogate.surrogate(
            self.model, X, random_state=random_state))  # fmt: skip

    def shap(self, X: Any, random_state: int, *, background: Any = None,
             note: str = "") -> Explanation | None:  # fmt: skip
        """SHAP values of the rows of ``X`` (kept as ``"shap"``) and their mean ``|value|``
        (``"shap_importance"``, returned)."""
        values = self.keep("shap", len(X), lambda: _shap.shap_values(
            self.model, X, background=background, random_state=random_state), note)  # fmt: skip
        if values is None:
            return None
        return self.keep("shap_importance", len(X), lambda: _shap.shap_importance(values))

    def drop_column_importance(self, X: Any, y: Any, random_state: int) -> Explanation | None:
        return self.keep("drop_column_importance", len(X), lambda: _ablation.drop_column_importance(
            self.model, X, y, cv=DROP_COLUMN_CV, n_jobs=self.n_jobs,
            random_state=random_state))  # fmt: skip

    def consensus(self, rows: Mapping[str, str] | None = None,
                  minimum: int = 2) -> dict[str, Explanation]:  # fmt: skip
        """Compare the global methods that finished (kept as ``"consensus"``).

        ``rows``: which rows each method measured, recorded in its settings (a run
        says "held-out" or "training"). Skipped when fewer than ``minimum`` finished.
        Returns the global results compared.
        """
        globals_ = {k: v for k, v in self.results.items() if k in GLOBAL_METHODS}
        for name, result in globals_.items():
            if rows is not None:
                result.settings["rows"] = rows[name]
        if len(globals_) >= minimum:
            self.keep("consensus", None, lambda: compare(globals_))
        else:
            few = "fewer than two" if minimum > 1 else "no"
            self.skip("consensus", f"{few} global methods finished")
        return globals_


def explain_model(
    model: Any,
    X: Any,
    y: Any,
    *,
    methods: Iterable[str] = ("permutation", "surrogate", "shap", "drop_column"),
    max_rows: int | None = 2000,
    random_state: RandomState = None,
    n_jobs: int | None = 1,
) -> dict[str, Explanation]:
    """Run the standard global methods on one model and compare them.

    A one-call overview: each method runs with small defaults chosen so the whole set
    stays affordable, then :func:`compare` ranks the features by each and flags where
    they disagree. It is :class:`GlobalExplainer` with no time limit, raising a method's
    error: the same methods and settings a run's explanation stage uses.

    ============== ========================== ===========================================
    method         result key                 settings
    ============== ========================== ===========================================
    "permutation"  ``permutation_importance`` 5 repeats, the task's default metric
    "surrogate"    ``surrogate``              a depth-3 tree, 30 % of the rows held out
    "shap"         ``shap_importance``        mean |SHAP| of at most 500 rows
    "drop_column"  ``drop_column_importance`` 3-fold refits (``n_features + 1`` per fold)
    ============== ========================== ===========================================

    Parameters
    ----------
    model : estimator, Pipeline or AutoML
        The fitted model. Drop-column importance refits it, so it needs an estimator
        :func:`sklearn.base.clone` can copy (a fitted :class:`~autoxai.AutoML` refits its
        chosen model, every member of an ensemble; see
        :func:`~autoxai.explain.drop_column_importance`).
    X : DataFrame or 2-D array
        Rows to explain, in the model's original columns.
    y : array-like
        Their targets (permutation and drop-column importance score against them).
    methods : iterable of str
        Which of ``"permutation"``, ``"surrogate"``, ``"shap"``, ``"drop_column"`` to run
        (the consensus needs none of them in particular).
    max_rows : int or None
        When ``X`` has more rows, every method works on the same seeded random subset
        of this many rows (drop-column refits on it too, keeping its cost bounded);
        SHAP explains at most 500 of them. None: all rows.
    random_state : int, numpy.random.Generator or None
        One seed from which the subset and each method's seed are drawn (each method's
        seed does not depend on which other methods run).
    n_jobs : int or None
        Processes for permutation and drop-column importance.

    Returns
    -------
    dict of str to Explanation
        One entry per method run, keyed as in the table above, and ``"consensus"``: the
        :func:`compare` of them.

    Raises
    ------
    InvalidParameterError
        An unknown method name (with a suggestion), no methods, a bad ``max_rows``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.uniform(-1, 1, (120, 3)), columns=["a", "b", "c"])
    >>> y = 3 * X["a"] + X["b"]
    >>> model = RandomForestRegressor(n_estimators=10, random_state=0).fit(X, y)
    >>> result = explain_model(model, X, y, methods=["permutation", "surrogate"],
    ...                        random_state=0)
    >>> sorted(result), result["consensus"].feature_names
    (['consensus', 'permutation_importance', 'surrogate'], ['a', 'b', 'c'])
    """
    chosen = _check_methods(methods)
    if max_rows is not None:
        max_rows = check_int("max_rows", max_rows, minimum=10)
    explainer = GlobalExplainer(model, n_jobs=check_n_jobs(n_jobs))
    rng = np.random.default_rng(seed_from(random_state))
    # Every seed is drawn up front in a fixed order, whichever methods run.
    subset_seed, *method_seeds = (int(s) for s in rng.integers(2**31 - 1, size=5))
    seeds = dict(zip(METHODS, method_seeds))

    frame = as_frame(X, feature_names=_model_columns(model))
    target = target_array(y, len(frame))
    frame, rows, _ = subsample(frame, max_rows, subset_seed)
    if rows is not None:
        target = target[rows]

    calls = {
        "permutation": lambda seed: explainer.permutation_importance(frame, target, seed),
        "surrogate": lambda seed: explainer.surrogate(frame, seed),
        "shap": lambda seed: explainer.shap(subsample(frame, SHAP_ROWS, seed)[0], seed),
        "drop_column": lambda seed: explainer.drop_column_importance(frame, target, seed),
    }
    results: dict[str, Explanation] = {}
    for method in chosen:
        start = time.perf_counter()
        result = calls[method](seeds[method])
        result.diagnostics.setdefault("wall_seconds", time.perf_counter() - start)
        results[METHODS[method]] = result
    explainer.consensus(minimum=1)
    results["consensus"] = explainer.results["consensus"]
    return results


def _check_methods(methods: Iterable[str]) -> list[str]:
    if isinstance(methods, str):
        methods = [methods]
    try:
        methods = list(methods)
    except TypeError as exc:
        raise ParameterTypeError(
            f"methods must be a list of method names, got {type(methods).__name__}"
        ) from exc
    if not methods:
        raise InvalidParameterError(
            f"methods must name at least one of {', '.join(map(repr, METHODS))}"
        )
    chosen: list[str] = []
    for method in methods:
        if method not in METHODS:
            raise InvalidParameterError(
                f"unknown method {method!r}; choose from {', '.join(map(repr, METHODS))}."
                + did_you_mean(str(method), list(METHODS))
            )
        if method not in chosen:
            chosen.append(method)
    return chosen


def _model_columns(model: Any) -> list[str] | None:
    from autoxai.explain._model import _expected_columns, _unwrap

    try:
        return _expected_columns(_unwrap(model))
    except DataError:
        return None


def _progress_line(entry: dict[str, Any]) -> str:
    """One line for a method that ran: its status, rows, seconds, error or skip reason."""
    rows = "" if entry["rows"] is None else f" on {entry['rows']} rows"
    if entry["status"] == "skipped":
        return f"{entry['method']}: skipped ({entry['note']})"
    failed = f": {entry['error']}" if entry["status"] == "failed" else ""
    return f"{entry['method']}: {entry['status']}{rows} in {entry['seconds']:.1f} s{failed}"
