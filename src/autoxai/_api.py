"""``autoxai.run`` and :class:`Run`: the Python face of ``autoxai run``.

One call tunes, refits, explains with every method and writes the offline report; the
:class:`Run` it returns holds all of it, and :meth:`Run.load` reads a finished run
directory back. The CLI's ``run`` and ``demo`` are argument parsing and printing around
:func:`run`.
"""

from __future__ import annotations

import html
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from autoxai.exceptions import AutoXAIError, InvalidParameterError
from autoxai.runs import ExplanationFiles, RunLayout
from autoxai.runs._files import read_manifest
from autoxai.runs._plan import TimePlan

__all__ = ["Run", "run"]

#: AutoML's options that :func:`run` passes on (everything else is an error).
AUTOML_OPTIONS = ("task", "metric", "search", "n_trials", "cv", "models", "ensemble",
                  "random_state", "n_jobs", "executor", "show_progress",
                  "trial_timeout", "hard_deadline", "final_model", "stack",
                  "portfolio")  # fmt: skip


def run(
    data: str | Path | pd.DataFrame,
    target: str,
    *,
    time_budget: float | None = 60,
    explain_budget: float | None = None,
    out: str | Path | None = None,
    explain: bool = True,
    resume: bool = False,
    progress: Callable[[str], None] | None = None,
    **options: Any,
) -> Run:
    """Tune a model for ``target``, explain it with every method and write the report.

    What ``autoxai run`` does, from Python: read and check the table, search the model
    zoo under ``time_budget`` (search and refit), save the model, leaderboard, trials and
    run.json, then (``explain=True``) run every explanation method under
    ``explain_budget`` and write ``report.html``.

    Parameters
    ----------
    data : path or DataFrame
        A CSV or Parquet file, or a table.
    target : str
        The column to predict.
    time_budget, explain_budget : float or None
        Seconds for search and refit, and for the explanations and the report (default
        half the time budget, at least 15 s); see :class:`~autoxai.runs.TimePlan`.
    out : path, optional
        The run directory (created private, mode 700); it must be empty unless
        ``resume``. Default: a new temporary directory, see :attr:`Run.directory`.
    explain : bool
        Run the explanation stage and write the report.
    resume : bool
        Continue a killed run from the study database in ``out``.
    progress : callable, optional
        Called with one line of text at each step.
    **options
        Passed to :class:`~autoxai.AutoML`: ``task``, ``metric``, ``search``,
        ``n_trials``, ``cv``, ``models``, ``ensemble``, ``random_state``, ``n_jobs``,
        ``executor``, ``show_progress``, ``trial_timeout``, ``hard_deadline``,
        ``final_model``, ``stack``, ``portfolio``.

    Returns
    -------
    Run

    Raises
    ------
    AutoXAIError
        Bad input (a missing file, an unknown target, a target with one class, ...),
        with nothing written. Failures of explanation methods or of the report do not
        raise: they are in :attr:`Run.failures` (and run.json), the model is saved.

    Examples
    --------
    >>> import autoxai
    >>> from autoxai.datasets import load_penguins
    >>> result = autoxai.run(load_penguins(), "species", time_budget=None, n_trials=2,
    ...                      models=["linear"], explain_budget=20)  # doctest: +SKIP
    >>> result.report_path.name  # doctest: +SKIP
    'report.html'
    """
    from autoxai.automl import AutoML, prepare, read_table
    from autoxai.automl._params import check_params
    from autoxai.runs._writer import write_search

    unknown = sorted(set(options) - set(AUTOML_OPTIONS))
    if unknown:
        raise InvalidParameterError(
            f"unknown option(s) {unknown}; run() passes these to AutoML: {list(AUTOML_OPTIONS)}"
        )
    say = progress or (lambda line: None)
    plan = TimePlan(time_budget, explain_budget)
    check_params({**_automl_defaults(), **options, "time_budget": time_budget})  # before reading
    table, notes = read_table(data)
    layout = _directory(out, resume)
    # Check the data before anything is written: bad input leaves no directory behind.
    prepare(table, target, task=options.get("task", "auto"), n_folds=options.get("cv", 5))
    created = not layout.directory.exists()
    layout.directory.mkdir(parents=True, exist_ok=True, mode=0o700)  # a model, rows of data
    try:
        automl = AutoML(time_budget=time_budget, storage=layout.storage_url,
                        workdir=layout.work, **options)  # fmt: skip
        started = time.time()
        automl.fit(table, target=target)
        write_search(layout, automl, data=data, table=table, notes=notes,
                     settings=_settings(automl), plan=plan, wall=time.time() - started)  # fmt: skip
    except AutoXAIError:
        if created and not resume:
            shutil.rmtree(layout.directory, ignore_errors=True)  # no half-written directory
        raise
    say(f"model, leaderboard and run.json saved in {str(layout.directory)!r}")
    result = Run(layout.directory, automl=automl)
    if explain:
        result.explain(explain_budget=explain_budget, progress=say)
    return result


def _automl_defaults() -> dict[str, Any]:
    """AutoML's options at their defaults (read from its signature, building nothing)."""
    import inspect

    from autoxai.automl import AutoML

    return {k: p.default for k, p in inspect.signature(AutoML).parameters.items()}


def _settings(automl: Any) -> dict[str, Any]:
    """The search's settings as run.json records them."""
    p = automl.get_params()
    models = None if p["models"] is None else ",".join(p["models"])
    return {"search": p["search"], "time_budget": p["time_budget"], "n_trials": p["n_trials"],
            "cv": p["cv"], "models": models, "seed": p["random_state"],
            "n_jobs": p["n_jobs"], "final_model": p["final_model"],
            "stack": p["stack"], "portfolio": p["portfolio"]}  # fmt: skip


def _directory(out: str | Path | None, resume: bool) -> RunLayout:
    """The run's directory, checked: empty unless resuming, a study there if resuming."""
    if out is None:
        if resume:
            raise InvalidParameterError("resume=True needs the run directory: give out=")
        return RunLayout(Path(tempfile.mkdtemp(prefix="autoxai-run-")))
    layout = RunLayout(Path(out))
    directory = layout.directory
    if directory.exists() and any(directory.iterdir()) and not resume:
        raise AutoXAIError(
            f"output directory {str(directory)!r} is not empty; use --resume to continue its "
            "run or choose another --out"
        )
    if resume and not layout.study_db.exists():
        raise AutoXAIError(f"--resume: no study database in {str(directory)!r} to resume")
    return layout


class Run:
    """One run: the fitted model, its explanations, the report and what it cost.

    Made by :func:`autoxai.run`, or read back from a run directory by :meth:`load`.

    Attributes
    ----------
    directory : Path
        The run directory (:class:`~autoxai.runs.RunLayout` names its files).
    info : dict
        run.json: data, column decisions, settings, the time plan, timings, status.
    explanations : mapping of str to Explanation
        Every method's result, by name (``permutation_importance``, ``shap``,
        ``consensus``, ``pdp:<feature>``, ``local_shap:<k>``, ...); each file is read
        when its result is first used (:class:`~autoxai.runs.ExplanationFiles`).
    failures : list of (str, str)
        The parts that failed, and why (empty for a complete run).
    """

    def __init__(self, directory: str | Path, *, automl: Any = None, trust: bool = False):
        self.layout = RunLayout(Path(directory))
        if not self.layout.is_run():
            raise AutoXAIError(f"{str(self.layout.directory)!r} is not a run directory "
                               "(no run.json)")  # fmt: skip
        self._automl = automl
        self._trust = trust
        self._read()

    @classmethod
    def load(cls, path: str | Path, *, trust: bool = False) -> Run:
        """Read a finished run directory. The model is loaded (and its signature checked,
        see :func:`autoxai.load`) when :attr:`automl` is first used."""
        return cls(path, trust=trust)

    def _read(self) -> None:
        """Read run.json and the manifest; each explanation file is read on first use."""
        try:
            self.info: dict[str, Any] = json.loads(self.layout.run_json.read_text())
        except (OSError, ValueError):  # as the report: an unreadable run.json reads as empty
            self.info = {}
        self.manifest = read_manifest(self.layout.explanations)
        self.explanations = ExplanationFiles(self.layout.explanations, self.manifest)
        self.failures = [(f["part"], f["error"]) for f in self.info.get("failures", [])]

    # -- what the run holds -----------------------------------------------------------
    @property
    def directory(self) -> Path:
        return self.layout.directory

    @property
    def automl(self) -> Any:
        """The fitted :class:`~autoxai.AutoML` (loaded from ``model/`` on first use)."""
        if self._automl is None:
            from autoxai.automl._artifacts import load

            self._automl = load(self.layout.model, trust=self._trust)
        return self._automl

    @property
    def leaderboard(self) -> pd.DataFrame:
        """Every configuration evaluated on all rows, best first (leaderboard.csv)."""
        return pd.read_csv(self.layout.leaderboard)

    @property
    def report_path(self) -> Path | None:
        """``report.html``, or None when it was not written."""
        return self.layout.report if self.layout.report.exists() else None

    @property
    def timings(self) -> dict[str, float]:
        """Seconds spent: prepare, search, ensemble, refit, explanations, report."""
        return dict(self.info.get("timings", {}))

    @property
    def complete(self) -> bool:
        """Whether every part was made (else see :attr:`failures`)."""
        return self.info.get("status", "complete") == "complete"

    @property
    def warnings(self) -> list[str]:
        """Every warning of the run: data notes, skipped methods, the methods' own."""
        out = [f"note: {n}" for n in self.info.get("notes", [])]
        for entry in self.manifest.get("methods", []):
            if entry.get("status") == "skipped":
                out.append(f"{entry['method']} skipped: {entry.get('note', '')}")
        for name, result in self.explanations.items():
            out += [f"{name}: {w}" for w in result.warnings]
        return out

    # -- actions ----------------------------------------------------------------------
    def report(self) -> Path:
        """Write ``report.html`` again from what the run saved; return its path."""
        from autoxai.report import build_report

        return build_report(self.layout.directory)

    def explain(
        self,
        *,
        explain_budget: float | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> Mapping[str, Any]:
        """Explain the model with every method, write the report; return the results.

        ``explain_budget`` seconds (default: the run's plan) cover the methods and the
        page. Failures are recorded in :attr:`failures` and run.json, never raised.
        """
        from autoxai.runs import ExplanationStage
        from autoxai.runs._writer import record_explanations

        progress = progress or (lambda line: None)
        settings = self.info.get("settings", {})
        plan = TimePlan(settings.get("time_budget"), explain_budget)
        random_state = settings.get("seed", 0)
        automl = self.automl
        progress(f"explaining the model with every method (budget {plan.explain_seconds:.0f} s)")
        ds = automl.dataset_
        stage = ExplanationStage(automl, ds.X, ds.y, budget=plan.stage_seconds,
                                 random_state=random_state, progress=progress)  # fmt: skip
        started = time.time()
        stage.run()
        stage.save(self.layout.explanations)
        failures = list(stage.failures)
        explained = time.time()
        try:
            self.report()
        except Exception as exc:  # the page is the last part: the rest is on disk already
            failures.append(("report", f"{type(exc).__name__}: {exc}"))
        timings = {"explanations": explained - started, "report": time.time() - explained}
        record_explanations(self.layout, explain_budget=plan.explain_seconds,
                            timings=timings, failures=failures)  # fmt: skip
        self._read()
        return self.explanations

    # -- notebooks --------------------------------------------------------------------
    def __repr__(self) -> str:
        status = "complete" if self.complete else f"incomplete ({len(self.failures)} failed)"
        return f"Run({str(self.directory)!r}, {status})"

    def _repr_html_(self) -> str:
        info = self.info
        best = info.get("best", {})
        score = next((f"{v:.4g}" for k, v in best.items() if k.startswith("cv_")), "")
        rows = [
            ("task", f"{info.get('task', '')} on {info.get('data', {}).get('rows', '?')} rows, "
                     f"target {info.get('target', '')!r}"),
            ("best model", f"{best.get('model', '')} (trial {best.get('trial', '')})"),
            (f"cross-validated {info.get('metric', '')}", score),
            ("configurations", str(info.get("n_trials", ""))),
            ("explanations", ", ".join(sorted(self.explanations)) or "none"),
            ("seconds", ", ".join(f"{k} {v:.1f}" for k, v in self.timings.items())),
            ("report", str(self.report_path or "not written")),
        ]  # fmt: skip
        rows += [(f"failed: {part}", error.splitlines()[0]) for part, error in self.failures]
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
            for k, v in rows
        )
        return f"<table><caption>{html.escape(repr(self))}</caption>{body}</table>"
