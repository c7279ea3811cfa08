"""The explanation stage of a run: every method, planned under a time budget, saved as JSON.

After the search, ``autoxai run`` explains the chosen model with all methods and the
search itself with a surrogate of the trial history. Methods run cheapest and most
informative first; before each, its cost is estimated from the model's measured predict
time per row (and, for drop-column, from the refit times the search recorded), and the
rows it uses are cut so that it fits what is left of the budget; a method that cannot
fit even on its smallest sample is skipped, and the report says so; one that overruns
its hard limit (:meth:`TimePlan.limit <autoxai.runs.TimePlan.limit>`) is stopped at its
next model call and recorded as skipped, out of time. A method that fails is recorded
with its error, never fatal to the run. The stage is a
:class:`~autoxai.explain.GlobalExplainer`: the global methods, their settings, the
recording and the consensus are the orchestrator's, shared with
:func:`~autoxai.explain.explain_model`; the stage adds the planning, the held-out refit
(which cannot be stopped once started), the effects, local explanations, deletion curves
and the files.

What is sampled, how long each method took and what was skipped go to
``explanations/manifest.json``; each result to ``explanations/<name>.json``
(:meth:`~autoxai.explain.Explanation.to_json`). The report only reads these files.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from autoxai._json import write_json
from autoxai.explain import Explanation
from autoxai.explain._orchestrate import GLOBAL_METHODS, GlobalExplainer
from autoxai.runs._files import file_name
from autoxai.runs._plan import TimePlan

share = TimePlan.share

__all__ = ["ExplanationStage", "result_name", "split_name"]


#: Rows used by the perturbation methods (permutation, PDP/ICE, ALE, surrogate) at most.
MAX_ROWS = 2000
#: Rows whose SHAP values are computed (the beeswarm), at most.
MAX_SHAP_ROWS = 300
#: Background rows of SHAP in the stage: Kernel SHAP costs coalitions x background rows
#: per explained row, so the stage uses fewer than the 100 ``shap_values`` keeps by
#: default (the base value is then a mean over 30 rows; the report says so).
SHAP_BACKGROUND = 30
#: LIME's perturbed samples per explained row in the stage.
LIME_SAMPLES = 2000
#: Features whose PDP/ICE and ALE are drawn.
N_EFFECT_FEATURES = 4
#: Share of the rows held out from a refit of the chosen model and explained (at most
#: MAX_ROWS rows, at least MIN_HELD_OUT); the refit's time share is in the plan.
HOLDOUT_SHARE = 0.3
MIN_HELD_OUT = 30
#: Trials needed before the search is explained by a surrogate of its history.
MIN_TRIALS_FOR_HPI = 10
#: Results made per feature (the effects) and per explained row (the local explanations)
#: are named ``"<kind>:<key>"`` (:func:`result_name`): ``"pdp:age"``, ``"local_lime:0"``.
EFFECT_KINDS = ("pdp", "ale")
LOCAL_KINDS = ("local_shap", "local_lime", "local")


def result_name(kind: str, key: Any) -> str:
    """The name of a per-feature or per-row result: its manifest entry and results key."""
    return f"{kind}:{key}"


def split_name(name: str) -> tuple[str, str]:
    """``"pdp:age"`` -> ``("pdp", "age")``; a name without a key -> ``(name, "")``."""
    kind, _, key = name.partition(":")
    return kind, key


@dataclass
class _Budget:
    seconds: float
    start: float = field(default_factory=time.perf_counter)

    @property
    def left(self) -> float:
        return self.seconds - (time.perf_counter() - self.start)


class ExplanationStage(GlobalExplainer):
    """Run every explanation method on a fitted AutoML within ``budget`` seconds.

    Parameters
    ----------
    automl : AutoML
        Fitted.
    X, y : DataFrame, Series
        The rows the model was fitted on, in the user's columns (``automl.dataset_``):
        part of them is held out from a refit and explained (:meth:`_hold_out`). With
        ``hold_out=False``, rows explained as they are (rows the model did not learn
        from, for :meth:`AutoML.explain <autoxai.AutoML.explain>`).
    budget : float
        Seconds for the whole stage.
    random_state : int
    progress : callable, optional
        Called with one line of text as each method finishes.
    """

    def __init__(self, automl: Any, X: pd.DataFrame, y: pd.Series, *, budget: float,
                 random_state: int = 0, hold_out: bool = True,
                 progress: Callable[[str], None] | None = None) -> None:  # fmt: skip
        super().__init__(automl, strict=False, progress=progress)  # the model: see _hold_out
        self.automl = automl
        self.hold_out = hold_out
        self.X = X.reset_index(drop=True)
        self.y = pd.Series(np.asarray(y)).reset_index(drop=True)
        self.rows: dict[str, Any] = {}  # which rows are explained, for the manifest
        self.budget = _Budget(float(budget))
        self.random_state = int(random_state)
        # the order in which every method samples rows: the same rows for all of them
        self._order = np.random.default_rng(self.random_state).permutation(len(self.X))
        self.shap_seconds_per_row: float | None = None  # measured by the SHAP probe
        self._local_positions: dict[int, int] = {}  # local explanation k: its row in X
        # the explained rows, for the manifest: key, row, why it is telling, its class
        self.local_plan: list[dict[str, Any]] = []

    # -- planning helpers -----------------------------------------------------------
    def _calibrate(self) -> None:
        """Measure the model: seconds per call (overhead) and per row (marginal).

        The methods stack many rows into few calls, so both matter: a Pipeline or an
        ensemble may spend milliseconds per call on validation whatever the rows.
        """
        from autoxai.explain._model import as_predictor
        from autoxai.explain._perturb import replicate

        predictor, _ = as_predictor(self.model, self.X.iloc[:5])
        small = self.X.iloc[:5]
        large = replicate(self.X.iloc[:500], max(1, 5000 // min(len(self.X), 500)))
        predictor(small)  # warm up
        calls = []  # the least of three: one preemption must not make a method skip
        for _ in range(3):
            before = predictor.model_seconds
            predictor(small)
            calls.append(predictor.model_seconds - before)
        self.per_call = min(calls)
        before = predictor.model_seconds
        predictor(large)
        elapsed = predictor.model_seconds - before
        self.per_row = max((elapsed - self.per_call) / len(large), 1e-8)

    def _hold_out(self) -> None:
        """Explain rows the model never saw: refit it on the rest of the rows.

        The saved model learnt every row, so on those rows it shows what it memorised (a
        forest gives pure-noise columns real importance there). The chosen
        configuration — every member of an ensemble, with its weights; a bagged
        configuration once, not once per fold model — is refitted on
        ``1 - HOLDOUT_SHARE`` of the rows (stratified for classes), and every method
        explains that refit on the held-out rows: one model, unseen rows. When the
        refit does not fit in ``REFIT_SHARE`` of the budget (estimated from the run's
        own refit time) or the rows cannot be split, the saved model is explained on its
        training rows, and the manifest and the report say so.
        """
        import copy
        import dataclasses

        from sklearn.base import clone
        from sklearn.model_selection import train_test_split

        n = len(self.X)
        n_held = min(MAX_ROWS, round(HOLDOUT_SHARE * n))
        refit = float(getattr(self.automl, "timings_", {}).get("refit", 0.0))
        final = getattr(self.automl, "final_decisions_", None) or {}
        if final.get("final_model") == "bagged":  # no refit timed: the estimate instead
            refit = max(refit, float(final.get("refit_estimate", 0.0)))
        estimate = refit * (n - n_held) / max(n, 1)
        classes = self.automl.classes_
        reason = None
        if n_held < MIN_HELD_OUT:
            reason = f"{n} rows: too few to hold {MIN_HELD_OUT} out"
        elif estimate > share("held-out refit") * self.budget.left:
            reason = (f"the refit would take about {estimate:.0f} s of the "
                      f"{self.budget.left:.0f} s left")  # fmt: skip
        if reason is None:
            try:
                train, held = train_test_split(
                    np.arange(n), test_size=n_held, random_state=self.random_state,
                    stratify=None if classes is None else self.y)  # fmt: skip
                start = time.perf_counter()
                fitted = clone(self.automl.best_model_).fit(
                    self.X.iloc[train], self.y.iloc[train])  # fmt: skip
            except Exception as exc:  # a split or refit that fails: say so, go on
                reason = f"the refit on part of the rows failed: {type(exc).__name__}: {exc}"
        if reason is not None:
            self.rows = {"kind": "training", "n_rows": n, "reason": reason}
            self.progress(f"explaining the saved model on its training rows ({reason})")
            return
        model = copy.copy(self.automl)
        model.best_model_ = fitted
        model.best_pipeline_ = getattr(fitted, "members", [fitted])[0]
        if hasattr(self.automl, "dataset_"):
            model.dataset_ = dataclasses.replace(
                self.automl.dataset_, X=self.X.iloc[train], y=self.y.iloc[train])  # fmt: skip
        self.model = model
        self.X = self.X.iloc[held].reset_index(drop=True)
        self.y = self.y.iloc[held].reset_index(drop=True)
        self._order = np.random.default_rng(self.random_state).permutation(len(self.X))
        self.rows = {"kind": "held-out", "n_rows": len(held), "n_train": len(train),
                     "refit_seconds": round(time.perf_counter() - start, 3)}  # fmt: skip
        self.progress(f"refitted on {len(train)} rows; explaining {len(held)} held-out rows")

    def _cost(self, calls: float, rows: float) -> float:
        """Estimated seconds for ``calls`` model calls on ``rows`` rows in all."""
        return calls * self.per_call + rows * self.per_row

    def _rows(self, n: int) -> pd.DataFrame:
        """A fixed random sample of ``n`` rows (the same rows for every method)."""
        return self._rows_y(n)[0]

    def _rows_y(self, n: int) -> tuple[pd.DataFrame, pd.Series]:
        """:meth:`_rows` with their targets."""
        index = np.sort(self._order[: min(n, len(self.X))])
        return (self.X.iloc[index].reset_index(drop=True),
                self.y.iloc[index].reset_index(drop=True))  # fmt: skip

    def _fit_rows(self, calls: float, rows_per_row: float, share: float, *, minimum: int,
                  maximum: int) -> int:  # fmt: skip
        """Rows ``n`` such that ``calls`` calls on ``n * rows_per_row`` rows use ``share``.

        ``share`` is of the budget left; 0 when not even ``minimum`` rows fit.
        """
        room = self.budget.left * share - calls * self.per_call
        affordable = int(room / (rows_per_row * self.per_row)) if room > 0 else 0
        return max(0, min(maximum, len(self.X), affordable)) if affordable >= minimum else 0

    def limit(self, name: str) -> float:
        """A method's hard limit: :meth:`TimePlan.limit` of the budget left now."""
        return TimePlan.limit(split_name(name)[0], self.budget.left)

    # -- the stage --------------------------------------------------------------------
    def run(self) -> dict[str, Explanation]:
        """Compute every method that fits the budget; return the results by name.

        Never raises: a method that fails is recorded (:attr:`failures`), and an error
        outside any one method (measuring the model) ends the stage, recorded as a
        failure of ``"explanation stage"``, keeping what finished before it.
        """
        try:
            self._all_methods()
        except Exception as exc:  # the stage must not lose the run, nor what it made
            self.fail("explanation stage", f"stopped: {type(exc).__name__}: {exc}")
        return self.results

    def _all_methods(self) -> None:
        if self.hold_out:
            self._hold_out()
        else:
            self.rows = {"kind": "given", "n_rows": len(self.X)}
        self._calibrate()
        seed = self.random_state
        n_features = self.X.shape[1]

        # 1. permutation importance: one call of 5 copies per feature, and the direction
        # (a 10-point PDP on at most 500 rows per numeric feature)
        n = self._fit_rows(2 * n_features, 5 * n_features + 10 * n_features,
                           share("permutation_importance"), minimum=50,
                           maximum=MAX_ROWS)  # fmt: skip
        if n:
            X, y = self._rows_y(n)
            self.permutation_importance(X, y, seed)
        else:
            self.skip("permutation_importance", "budget too small for 50 rows")

        # 2. global surrogate: one predict and a shallow tree
        n = self._fit_rows(2, 2, share("surrogate"), minimum=50, maximum=MAX_ROWS)
        if n:
            X = self._rows(n)
            self.surrogate(X, seed)
        else:
            self.skip("surrogate", "budget too small for 50 rows")

        # 3. the search explained: which hyperparameters mattered (cheap)
        self._search_importance()

        # 4. PDP/ICE and ALE for the most important features
        self._effects()

        # 5. SHAP on a sample of rows (exact tree/linear when possible, else kernel)
        self._shap()

        # 6. local explanations of a few telling rows: SHAP waterfall and LIME
        self._local()

        # 7. drop-column importance: refits, the most expensive method
        self._drop_column()

        # 8. the consensus of the global methods, each labelled with the rows it measured:
        # drop-column scores its refits on their own held-out folds
        kind = self.rows["kind"]  # held-out, training, or given by the caller
        globals_ = self.consensus({name: "held-out" if name == "drop_column_importance"
                                   or kind == "held-out" else kind
                                   for name in GLOBAL_METHODS})  # fmt: skip

        # 9. faithfulness: whose ranking predicts what the model loses (deletion curves)
        self._faithfulness(globals_)

    def _shap(self) -> None:
        """SHAP values on a sample: timed on one row first, then as many rows as fit."""
        from autoxai import explain

        if self.budget.left < 1:
            self.skip("shap", "budget exhausted")
            return
        background = self._rows(SHAP_BACKGROUND)
        probe = self._rows(1)
        start = time.perf_counter()
        first = self.run_method("shap (one-row probe)", 1, lambda: explain.shap_values(
            self.model, probe, background=background, random_state=self.random_state))  # fmt: skip
        if first is None:
            return
        self.shap_seconds_per_row = time.perf_counter() - start
        affordable = self.budget.left * share("shap") / max(self.shap_seconds_per_row, 1e-9)
        n = min(MAX_SHAP_ROWS, len(self.X), int(affordable))
        if n < 2:
            self.skip("shap", f"one row takes {self.shap_seconds_per_row:.1f} s "
                       f"({first.settings['method']}); {self.budget.left:.0f} s left")  # fmt: skip
            return
        X = self._rows(n)
        self.shap(X, self.random_state, background=background,
                  note=f"background: {len(background)} rows")  # fmt: skip

    def _top_features(self) -> list[str]:
        for name in ("permutation_importance", "shap_importance", "surrogate"):
            if name in self.results:
                table = self.results[name].to_frame()
                return [f for f in table["feature"] if f in self.X.columns][:N_EFFECT_FEATURES]
        return list(self.X.columns[:N_EFFECT_FEATURES])

    def _effects(self) -> None:
        from autoxai import explain
        from autoxai.explain._perturb import is_numeric

        for feature in self._top_features():
            n = self._fit_rows(2, 22, share("pdp"), minimum=30, maximum=500)
            if not n:
                self.skip(result_name("pdp", feature), "budget exhausted")
                continue
            X = self._rows(n)
            self.keep(result_name("pdp", feature), n, lambda X=X, f=feature:
                       explain.partial_dependence(self.model, X, f, kind="both",
                                                  centered=True))  # fmt: skip
            if is_numeric(self.X[feature]) and self.X[feature].nunique() > 2:
                n = self._fit_rows(1, 2, share("ale"), minimum=30, maximum=MAX_ROWS)
                if n:
                    X = self._rows(n)
                    self.keep(result_name("ale", feature), n, lambda X=X, f=feature: explain.ale(
                        self.model, X, f))  # fmt: skip

    def local_rows(self) -> dict[str, int]:
        """Telling rows to explain, by position in ``X``: what makes each one telling.

        Classification: the most and least confident correct predictions and the most
        confident mistake; regression: the largest over- and under-prediction and a
        typical row.
        """
        X, y = self._rows_y(MAX_ROWS)
        rows: dict[str, int] = {}
        if self.model.classes_ is not None:
            proba = self.model.predict_proba(X)
            predicted = np.asarray(self.model.classes_)[proba.argmax(axis=1)]
            confidence = proba.max(axis=1)
            right = predicted == y.to_numpy()
            if right.any():
                idx = np.flatnonzero(right)
                rows["most confident correct prediction"] = int(idx[confidence[idx].argmax()])
                rows["least confident correct prediction"] = int(idx[confidence[idx].argmin()])
            if (~right).any():
                idx = np.flatnonzero(~right)
                rows["most confident mistake"] = int(idx[confidence[idx].argmax()])
        else:
            residual = np.asarray(self.model.predict(X), dtype=float) - y.to_numpy(float)
            rows["largest over-prediction"] = int(residual.argmax())
            rows["largest under-prediction"] = int(residual.argmin())
            rows["typical row (smallest error)"] = int(np.abs(residual).argmin())
        order = np.sort(self._order[: len(X)])
        return {why: int(order[i]) for why, i in rows.items()}

    def _local(self) -> None:
        from autoxai import explain

        reference = self._rows(MAX_ROWS)
        background = self._rows(SHAP_BACKGROUND)
        shap_cost = self.shap_seconds_per_row
        try:
            chosen = self.local_rows()
        except Exception as exc:
            self.skip("local", f"could not choose rows: {exc}")
            return
        for k, (why, position) in enumerate(chosen.items()):
            self._local_positions[k] = position
            row = self.X.iloc[[position]].reset_index(drop=True)
            note = f"row {position}: {why}"
            self.local_plan.append({"key": str(k), "row": position, "reason": why,
                                    "output": self._explained_output(row)})  # fmt: skip
            # LIME: one call on n_samples x 4 rows (3 stability seeds)
            if self.budget.left * share("local_lime") < self._cost(2, LIME_SAMPLES * 4):
                self.skip(result_name("local_lime", k), f"{note}; budget exhausted")
            else:
                self.keep(result_name("local_lime", k), 1, lambda row=row: explain.lime(
                    self.model, reference, row, num_samples=LIME_SAMPLES, stability_seeds=3,
                    random_state=self.random_state), note)  # fmt: skip
            if shap_cost is None or self.budget.left * share("local_shap") < shap_cost:
                self.skip(result_name("local_shap", k), f"{note}; budget exhausted")
            else:
                self.keep(result_name("local_shap", k), 1, lambda row=row: explain.shap_values(
                    self.model, row, background=background,
                    random_state=self.random_state), note)  # fmt: skip

    def _explained_output(self, row: pd.DataFrame) -> str | None:
        """The class a local row's explanations explain: the one the model predicts for it
        (what LIME explains; the report draws SHAP's waterfall for it); None for
        regression."""
        from autoxai.explain._model import as_predictor

        try:
            predictor, frame = as_predictor(self.model, row)
            if not predictor.is_classifier:
                return None
            return predictor.output_names[int(np.argmax(predictor(frame)[0]))]
        except Exception:  # the explanations themselves will say what fails
            return None

    def _faithfulness(self, globals_: dict[str, Explanation]) -> None:
        """Deletion curves of the global methods, and per row of SHAP against LIME."""
        from autoxai import explain
        from autoxai.explain._faithfulness import N_DRAWS

        if len(globals_) < 2:
            self.skip("faithfulness", "fewer than two global methods finished")
        else:
            n_sets = len(globals_) * self.X.shape[1]
            n = self._fit_rows(2, 1 + N_DRAWS * n_sets, share("faithfulness"), minimum=50,
                               maximum=MAX_ROWS)  # fmt: skip
            if n:
                X, y = self._rows_y(n)
                n_bootstrap = self._deletion_bootstrap(X, y, n_sets)
                self.keep("faithfulness", n, lambda: explain.deletion_curves(
                    self.model, X, y, globals_, n_bootstrap=n_bootstrap,
                    random_state=self.random_state), f"{n_bootstrap} resamples")  # fmt: skip
            else:
                self.skip("faithfulness", "budget too small for 50 rows")
        rows, shap, lime, outputs = self._local_attributions()
        if len(rows) == 0:
            self.skip("local_faithfulness", "no row has both a SHAP and a LIME explanation")
            return
        background = self._rows(SHAP_BACKGROUND)
        cost = self._cost(len(rows), 2 * rows.size * len(background))
        if self.budget.left * share("local_faithfulness") < cost:
            self.skip("local_faithfulness", "budget exhausted")
            return
        self.keep("local_faithfulness", len(rows), lambda: explain.local_deletion(
            self.model, rows, {"shap": shap, "lime": lime}, background=background,
            outputs=outputs), f"background: {len(background)} rows")  # fmt: skip

    def _deletion_reserve(self) -> float:
        """Seconds kept after drop-column for the deletion curves on their fewest rows."""
        from autoxai.explain._faithfulness import N_DRAWS

        per_row = 1 + N_DRAWS * len(GLOBAL_METHODS) * self.X.shape[1]
        return 2 * self._cost(2, 50 * per_row)  # they may use half of what is left

    def _deletion_bootstrap(self, X: pd.DataFrame, y: pd.Series, n_sets: int) -> int:
        """Bootstrap resamples of the deletion curves that fit a tenth of the budget left.

        Each rescores every removed set once (no model calls): timed on one score of
        the stacked draws.
        """
        from autoxai.explain._faithfulness import N_BOOTSTRAP, N_DRAWS
        from autoxai.explain._model import as_predictor, encode_target
        from autoxai.explain._scoring import get_scorer

        predictor, frame = as_predictor(self.model, X)
        outputs = np.tile(predictor(frame), (N_DRAWS, 1))
        target = np.tile(encode_target(y, predictor, len(frame)), N_DRAWS)
        scorer = get_scorer(None, predictor)
        start = time.perf_counter()
        scorer(target, outputs)
        per_resample = (time.perf_counter() - start) * (n_sets + 1)
        affordable = share("deletion bootstrap") * self.budget.left / max(per_resample, 1e-9)
        return int(min(N_BOOTSTRAP, affordable))

    def _local_attributions(self) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, list[int]]:
        """The rows explained by both SHAP and LIME, their attributions and outputs."""
        from autoxai.explain._model import as_predictor

        names = as_predictor(self.model, self.X.iloc[:1])[0].output_names
        rows, shap, lime, outputs = [], [], [], []
        for k, position in self._local_positions.items():
            s = self.results.get(result_name("local_shap", k))
            e = self.results.get(result_name("local_lime", k))
            if s is None or e is None or str(e.output_names[0]) not in names:
                continue
            output = names.index(str(e.output_names[0]))
            values = np.asarray(s.values, dtype=float)  # (K, 1, M); K = 1: one margin
            shap_outputs = [str(o) for o in s.output_names or []]
            k_shap = shap_outputs.index(names[output]) if names[output] in shap_outputs else 0
            rows.append(position)
            shap.append(values[k_shap, 0])
            lime.append(np.asarray(e.values, dtype=float).reshape(-1))
            outputs.append(output)
        frame = self.X.iloc[rows].reset_index(drop=True)
        return frame, np.array(shap), np.array(lime), outputs

    def _drop_column(self) -> None:
        """Drop-column importance when its refits fit: timed by one refit first.

        It needs ``3 x (features + 1)`` refits of the explained model (every member of
        an ensemble) on two thirds of the sampled rows; the cost of one is measured (a
        fit's cost hardly follows the rows: boosting rounds and trees cost the same on
        small samples), then the method runs only when all of them fit in what is left.
        """
        from sklearn.base import clone

        if self.budget.left < 1:
            self.skip("drop_column_importance", "budget exhausted")
            return
        n_features = self.X.shape[1]
        n = min(len(self.X), MAX_ROWS)
        X, y = self._rows_y(n)
        train = slice(0, max(2, (2 * n) // 3))
        start = time.perf_counter()
        try:
            clone(self.model.best_model_).fit(X.iloc[train], y.iloc[train])
        except Exception as exc:  # recorded like any failed method
            self.skip("drop_column_importance", f"a trial refit failed: {exc}")
            return
        one = time.perf_counter() - start
        cost = 3 * (n_features + 1) * one
        if cost > share("drop_column_importance") * (self.budget.left - self._deletion_reserve()):
            self.skip(
                "drop_column_importance",
                f"needs {3 * (n_features + 1)} refits of about {one:.2f} s each "
                f"({cost:.0f} s); {max(0.0, self.budget.left):.0f} s left",
            )
            return
        self.drop_column_importance(X, y, self.random_state)

    def _search_importance(self) -> None:
        """Hyperparameter importance: a random forest on (params -> score), explained."""
        from sklearn.compose import ColumnTransformer
        from sklearn.ensemble import RandomForestRegressor
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OrdinalEncoder

        from autoxai import explain

        history = search_history(self.automl)
        if len(history) < MIN_TRIALS_FOR_HPI:
            self.skip(
                "search_importance",
                f"{len(history)} finished trials; at least {MIN_TRIALS_FOR_HPI} needed",
            )
            return
        params = history.drop(columns=["number", "loss", "seconds"])
        params = params.loc[:, params.notna().any()]
        categorical = [c for c in params.columns
                       if not pd.api.types.is_numeric_dtype(params[c])]  # fmt: skip
        for c in categorical:
            params[c] = params[c].astype(str)
        encoder = ColumnTransformer(
            [("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
              categorical)], remainder="passthrough")  # fmt: skip
        forest = make_pipeline(encoder, RandomForestRegressor(
            n_estimators=100, min_samples_leaf=2, random_state=self.random_state))  # fmt: skip
        loss = history["loss"].to_numpy(float)

        def compute() -> Explanation:
            forest.fit(params, loss)
            # hyperparameters are drawn independently and inactive ones are missing
            # together, so their rank correlations are artefacts: no correlation warning
            return explain.permutation_importance(forest, params, loss, scoring="r2",
                                                  n_repeats=10, direction=False,
                                                  correlation_threshold=None,
                                                  random_state=self.random_state)  # fmt: skip

        self.keep(
            "search_importance",
            len(params),
            compute,
            "random forest on (hyperparameters -> CV loss) of the finished trials",
        )

    # -- saving -------------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Write every result and the manifest into ``directory`` (created)."""
        directory.mkdir(parents=True, exist_ok=True)
        for name, result in list(self.results.items()):
            try:
                text = result.to_json()
            except Exception as exc:  # recorded like a method that failed: the rest is kept
                self.fail(name, f"could not be written as JSON: {type(exc).__name__}: {exc}")
                del self.results[name]
                continue
            (directory / f"{file_name(name)}.json").write_text(text)
        manifest = {
            "budget_seconds": self.budget.seconds,
            "used_seconds": round(self.budget.seconds - self.budget.left, 3),
            "rows_available": len(self.X),
            "rows": self.rows,
            "random_state": self.random_state,
            "methods": self.log,
            "local_rows": self.local_plan,
            "files": {name: f"{file_name(name)}.json" for name in self.results},
        }
        write_json(directory / "manifest.json", manifest)


def search_history(automl: Any) -> pd.DataFrame:
    """Finished trials of the search: number, loss, seconds and one column per parameter.

    Under a multi-fidelity search only the evaluations on all training rows: a loss on
    a share of the rows is not comparable, and the forest would learn the budget.
    """
    from autoxai.automl._fidelity import full_budget

    rows = [{"number": t.number, "loss": float(t.value), "seconds": t.duration, **t.params}
            for t in full_budget(automl.study_.trials)]  # fmt: skip
    return pd.DataFrame(rows)
