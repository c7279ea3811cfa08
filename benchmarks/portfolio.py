"""The learned portfolio: build it, and check it against the hand-picked defaults.

Build (``--build``)
-------------------
For each task, the candidates are the hand-picked defaults of every default model family
plus random draws from the families' spaces (:data:`DRAWS`, seed 0). Each candidate is
cross-validated (3 folds) on every table of ``_tables.py`` of that task, on a random
sample of at most :data:`BUILD_ROWS` rows (seed 0), so the build takes minutes. The loss
matrix (candidates x tables) goes to ``src/autoxai/automl/portfolio.json``; the order
is computed from it when loaded (``autoxai.automl._portfolio``), so that a table can be
left out. Run ``python benchmarks/portfolio.py --build`` after changing the zoo.

Evaluation (default)
--------------------
Leave-one-dataset-out: on every table of ``_tables.py`` and seed, one 75/25 split
(``_tables.split``); ``AutoML(n_trials=N, time_budget=None, ensemble=False, cv=3,
n_jobs=1)`` with the hand-picked defaults queued (``portfolio=False``) against the
portfolio queued (``portfolio=True``) whose order is learned without that table. With
a fixed number of trials and no time budget, the results do not depend on the
machine's load. Held-out error: 1 - ROC AUC (binary), log-loss (multiclass), RMSE
(regression). A cell is a win for the portfolio when its error is lower by more than
0.1 % (relative), a loss when higher by more, else a tie. The mean relative error of
an arm is the mean over cells of its error over the better arm's, minus 1. The
portfolio becomes ``AutoML``'s default only if it has more wins than losses and the
lower mean relative error. Each cell is cached in ``benchmarks/results/.cache_portfolio``
and written to ``portfolio_cells.json``; ``--report-only`` reports the cells cached so
far (a run cut short); ``--quick`` runs two small tables, seed 0,
3 trials, into /tmp.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

import _common as common
import _tables as tables

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results" / "portfolio.md"
CACHE = HERE / "results" / ".cache_portfolio"
PORTFOLIO_JSON = HERE.parent / "src" / "autoxai" / "automl" / "portfolio.json"
BUILD_ROWS = 800
BUILD_FOLDS = 3
#: Random draws per family, added to the families' hand-picked defaults.
DRAWS = {"lgbm": 6, "hgb": 3, "rf": 2, "et": 2, "linear": 1}
SEEDS = (0, 1, 2)
TRIALS = (5, 10)
TIE = 1e-3
QUICK_TABLES = ("breast_cancer", "diabetes")
ERROR = {"binary": "roc_auc", "multiclass": "log_loss", "regression": "rmse"}


# -- the build -------------------------------------------------------------------------
def candidates(task: str) -> list[dict]:
    """The hand-picked defaults of the default families, then seeded random draws."""
    from autoxai.automl._zoo import DEFAULT_FAMILIES, FAMILIES
    from autoxai.space import SearchSpace

    out = [
        {"model": name, "params": params}
        for name in DEFAULT_FAMILIES
        if task in FAMILIES[name].tasks
        for params in FAMILIES[name].defaults(task, BUILD_ROWS)
    ]
    rng = np.random.default_rng(0)
    for name, n in DRAWS.items():
        space = SearchSpace(FAMILIES[name].space(task, BUILD_ROWS))
        for _ in range(n):
            params = space.decode(rng.random(space.n_dims()))
            plain = {k: v.item() if hasattr(v, "item") else v for k, v in params.items()}
            out.append({"model": name, "params": plain})
    return out


def _losses(table: str) -> dict:
    """Each candidate's cross-validated loss on a row sample of ``table`` (a build job)."""
    from autoxai import AutoML
    from autoxai.automl._portfolio import fit_to_space
    from autoxai.automl._portfolio import flat as as_flat

    spec = tables.TABLES[table]
    X, y = tables.load_table(table)
    rows = np.random.default_rng(0).permutation(len(y))[:BUILD_ROWS]
    X, y = X.iloc[rows].reset_index(drop=True), y.iloc[rows].reset_index(drop=True)
    flat = [fit_to_space(as_flat(c), spec.task, len(y)) for c in candidates(spec.task)]

    class _AllCandidates(AutoML):
        def _queued(self, names, task, n_rows, **_):
            return [c for c in flat if c is not None]

    models = sorted({c["model"] for c in flat if c is not None})
    automl = _AllCandidates(
        n_trials=sum(c is not None for c in flat), time_budget=None, cv=BUILD_FOLDS,
        ensemble=False, n_jobs=1, random_state=0, search="random", models=models,
        task=spec.task,
    )  # fmt: skip
    automl.fit(X, y)
    board = automl.leaderboard_
    loss = {json.dumps(p, sort_keys=True): v for p, v in zip(board["_params"], board["_loss"])}
    keys = [None if c is None else json.dumps(c, sort_keys=True) for c in flat]
    return {"losses": [loss.get(k) for k in keys]}


def build(workers: int) -> None:
    """Measure the loss matrices and write the package's portfolio.json."""
    fingerprint = common.code_fingerprint(["automl"], [candidates, _losses], [BUILD_ROWS, DRAWS])
    cache = common.ResultCache(CACHE, "build-" + fingerprint)
    names = list(tables.TABLES)
    results = common.run_cached(names, cache, _losses, key=lambda t: t, workers=workers)
    out = {"rows": BUILD_ROWS, "folds": BUILD_FOLDS, "commit": common.git_commit(), "tasks": {}}
    for task in tables.TASKS:
        done = [t for t in names if tables.TABLES[t].task == task]
        out["tasks"][task] = {
            "tables": done,
            "candidates": candidates(task),
            "losses": np.array([results[t]["losses"] for t in done], dtype=float).T.tolist(),
        }
    PORTFOLIO_JSON.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"written to {PORTFOLIO_JSON}", file=sys.stderr)


# -- the evaluation --------------------------------------------------------------------
def _cell(job: tuple) -> dict:
    """One (table, seed, n_trials, arm) fit: its held-out error and what it tried."""
    from _automl_systems import _predict, score
    from autoxai import AutoML

    table, seed, n_trials, arm = job
    spec = tables.TABLES[table]
    X, y = tables.load_table(table)
    X_train, X_test, y_train, y_test = tables.split(X, y, spec.task, seed)
    automl = AutoML(
        n_trials=n_trials, time_budget=None, cv=3, ensemble=False, n_jobs=1,
        random_state=seed, portfolio=arm == "portfolio", task=spec.task,
    )  # fmt: skip
    automl._portfolio_exclude = (table,)
    automl.fit(X_train, y_train)
    classes = None if spec.task == "regression" else np.unique(np.asarray(y_train))
    metrics = score(spec.task, y_test, _predict(automl, spec.task, X_test, classes), classes)
    value = metrics[ERROR[spec.task]]
    error = 1.0 - value if spec.task == "binary" else value
    tried = [str(m) for m in automl.leaderboard_.sort_values("trial")["model"]]
    return {"table": table, "task": spec.task, "seed": seed, "n_trials": n_trials,
            "arm": arm, "error": error, "tried": tried}  # fmt: skip


def summary(cells: list[dict], n_trials: int) -> dict:
    """Wins/ties/losses of the portfolio and each arm's mean relative error."""
    pairs: dict[tuple, dict] = {}
    for c in cells:
        if c["n_trials"] == n_trials:
            pairs.setdefault((c["table"], c["seed"]), {})[c["arm"]] = c["error"]
    wins = ties = losses = 0
    rel = {"defaults": [], "portfolio": []}
    for errors in pairs.values():
        if len(errors) < 2:
            continue
        d, p = errors["defaults"], errors["portfolio"]
        best = min(d, p)
        for arm in rel:
            rel[arm].append(errors[arm] / best - 1.0 if best > 0 else 0.0)
        if p < d * (1 - TIE):
            wins += 1
        elif p > d * (1 + TIE):
            losses += 1
        else:
            ties += 1
    mean = {arm: float(np.mean(v)) if v else float("nan") for arm, v in rel.items()}
    return {"wins": wins, "ties": ties, "losses": losses, "mean_rel": mean,
            "portfolio_wins": wins > losses and mean["portfolio"] < mean["defaults"]}  # fmt: skip


def report(cells: list[dict], trials: tuple, planned: int, command: str, load) -> str:
    """The markdown report: per n_trials (and task) the verdict, then per table the errors."""
    lines = ["# Learned portfolio vs hand-picked defaults (leave-one-dataset-out)", ""]
    lines += common.provenance_lines(command, load, ["lightgbm", "scikit-learn"])
    lines += ["", __doc__.split("Evaluation (default)\n--------------------\n")[1]]
    lines += [f"Cells completed: {len(cells)} of {planned} planned.", ""]
    lines += [
        "| n_trials | tables | pairs | wins | ties | losses | mean rel. error defaults | "
        "mean rel. error portfolio | portfolio wins |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for n in trials:
        for scope in ("all", *tables.TASKS):
            chosen = [c for c in cells if scope in ("all", c["task"])]
            s = summary(chosen, n)
            lines.append(
                f"| {n} | {scope} | {s['wins'] + s['ties'] + s['losses']} | {s['wins']} | "
                f"{s['ties']} | {s['losses']} | {s['mean_rel']['defaults']:.4f} | "
                f"{s['mean_rel']['portfolio']:.4f} | {common.verdict(s['portfolio_wins'])} |"
            )
    lines += ["", "Held-out error per table (mean over seeds):", ""]
    lines += ["| table | task | n_trials | defaults | portfolio |", "|---|---|---|---|---|"]
    by: dict[tuple, dict] = {}
    for c in cells:
        by.setdefault((c["table"], c["task"], c["n_trials"]), {}).setdefault(c["arm"], []).append(
            c["error"]
        )
    for (table, task, n), arms in sorted(by.items()):
        cols = [f"{np.mean(arms[a]):.4f}" if a in arms else "-" for a in ("defaults", "portfolio")]
        lines.append(f"| {table} | {task} | {n} | {cols[0]} | {cols[1]} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = common.argument_parser(__doc__.splitlines()[0], DEFAULT_OUTPUT,
                                    "two small tables, seed 0, 3 trials, into /tmp")  # fmt: skip
    parser.add_argument("--build", action="store_true", help="rebuild portfolio.json")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--report-only", action="store_true", help="report the cached cells")
    parser.add_argument("--trials", type=int, nargs="+", default=list(TRIALS))
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    args = parser.parse_args(argv)
    if args.build:
        build(args.workers)
        return
    names, seeds, trials = list(tables.TABLES), args.seeds, tuple(args.trials)
    output, cache_dir = args.output, CACHE
    if args.quick:
        names, seeds, trials = list(QUICK_TABLES), [0], (3,)
        output = Path(tempfile.gettempdir()) / "portfolio_quick.md"
        cache_dir = Path(tempfile.gettempdir()) / "cache_portfolio_quick"
    jobs = [(t, s, n, arm) for n in trials for s in seeds for t in names
            for arm in ("defaults", "portfolio")]  # fmt: skip
    fingerprint = common.code_fingerprint(None, [_cell], [PORTFOLIO_JSON.read_text()])
    meter = common.LoadMeter()
    cache = common.ResultCache(cache_dir, fingerprint)
    key = lambda job: "_".join(map(str, job))  # noqa: E731
    if args.report_only:  # what a cut run left in the cache
        cells = [c for c in (cache.get(key(j)) for j in jobs) if c is not None]
    else:
        results = common.run_cached(
            jobs, cache, _cell, key=key, workers=args.workers,
            describe=lambda job, r: f"{job} error {r['error']:.4f} tried {r['tried']}",
        )  # fmt: skip
        cells = [results[j] for j in jobs]
    command = common.command_line("portfolio.py", argv)
    text = report(cells, trials, len(jobs), command, meter.stop())
    common.write_report(output, text)
    common.write_raw(common.raw_path(output, "_cells.json"), {"command": command}, cells)


if __name__ == "__main__":
    main()
