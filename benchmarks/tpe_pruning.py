"""TPE under an ASHA pruner: does the model learn from pruned trials?

Under ASHA pruning (eta 3, steps 1..27) about one trial in 27 runs to the end, so a
sampler that learns only from COMPLETE trials barely ever fits its model. This script
runs a learning-curve objective — the loss after ``step`` steps is
``||x - x*||^2 + 1 / step`` on ``[-5, 5]^d`` — under ``create_study(pruner=ASHA(1, 27))``
with autoxai's TPE (which ranks PRUNED trials after COMPLETE ones, by their last
report), autoxai's random search and Optuna's TPE with its own ``SuccessiveHalvingPruner``
(eta 3, min resource 1), same seeds, same number of trials. It reports, per sampler, the
median over seeds of: the median distance to the optimum of the configurations proposed
after trial 100, the share of trials that completed, and the best final loss.

Run ``python benchmarks/tpe_pruning.py`` (about a minute); ``--quick`` for a smoke run.
Results: ``benchmarks/results/tpe_pruning.md`` and the raw runs beside it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import _common as common
from autoxai import Float, TrialPruned, TrialState, create_study
from autoxai.samplers import RandomSampler, TPESampler
from autoxai.schedulers import ASHA

HERE = Path(__file__).resolve().parent
STEPS = 27
LATE = 100  # proposals after this trial number are judged


def _curve(x: np.ndarray, step: int) -> float:
    return float(np.sum(x**2) + 1.0 / step)


def run_autoxai(sampler, dims: int, n_trials: int) -> dict:
    space = {f"x{i}": Float(-5.0, 5.0) for i in range(dims)}
    study = create_study(space, sampler=sampler, pruner=ASHA(1, STEPS))

    def objective(params, trial):
        x = np.array([params[f"x{i}"] for i in range(dims)])
        for step in range(1, STEPS + 1):
            trial.report(_curve(x, step), step)
            if trial.should_prune():
                raise TrialPruned()
        return _curve(x, STEPS)

    study.optimize(objective, n_trials=n_trials)
    points = [np.array([t.params[f"x{i}"] for i in range(dims)]) for t in study.trials]
    complete = [t for t in study.trials if t.state is TrialState.COMPLETE]
    return _summary(points, len(complete), min((t.value for t in complete), default=None))


def run_optuna(seed: int, dims: int, n_trials: int) -> dict:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        sampler=optuna.samplers.TPESampler(seed=seed, multivariate=True),
        pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3),
    )

    def objective(trial):
        x = np.array([trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(dims)])
        for step in range(1, STEPS + 1):
            trial.report(_curve(x, step), step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return _curve(x, STEPS)

    study.optimize(objective, n_trials=n_trials)
    points = [np.array([t.params[f"x{i}"] for i in range(dims)]) for t in study.trials]
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    return _summary(points, len(complete), min((t.value for t in complete), default=None))


def _summary(points: list[np.ndarray], n_complete: int, best: float | None) -> dict:
    late = [float(np.linalg.norm(p)) for p in points[LATE:]]
    return {
        "late_distance": float(np.median(late)) if late else None,
        "complete_share": n_complete / len(points),
        "best": best,
    }


SAMPLERS = ("autoxai-tpe", "autoxai-random", "optuna-tpe+sha")


def run_one(label: str, seed: int, dims: int, n_trials: int) -> dict:
    if label == "autoxai-tpe":
        return run_autoxai(TPESampler(random_state=seed), dims, n_trials)
    if label == "autoxai-random":
        return run_autoxai(RandomSampler(random_state=seed), dims, n_trials)
    return run_optuna(seed, dims, n_trials)


def main(argv: list[str] | None = None) -> int:
    parser = common.argument_parser(
        __doc__.splitlines()[0], HERE / "results" / "tpe_pruning.md", "3 seeds, 120 trials"
    )
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--trials", type=int, default=None)
    parser.add_argument("--dims", type=int, nargs="+", default=[2, 4])
    args = parser.parse_args(argv)
    seeds = range(args.seeds or (3 if args.quick else 10))
    n_trials = args.trials or (120 if args.quick else 250)
    command = common.command_line("tpe_pruning.py", argv)
    meter = common.LoadMeter()
    runs = []
    for dims in args.dims:
        for seed in seeds:
            for label in SAMPLERS:
                runs.append({"dims": dims, "sampler": label, "seed": seed,
                             **run_one(label, seed, dims, n_trials)})  # fmt: skip
    lines = [
        "# TPE under ASHA pruning: learning from pruned trials",
        "",
        *common.provenance_lines(command, meter.stop(), dists=("optuna",)),
        f"- objective: loss after step s = ||x||^2 + 1/s on [-5, 5]^d, steps 1..{STEPS}; "
        f"{n_trials} trials, {len(seeds)} seeds; medians over seeds",
        "- autoxai: `create_study(space, sampler=..., pruner=ASHA(1, 27))`; Optuna: "
        "`TPESampler(multivariate=True)` with `SuccessiveHalvingPruner(min_resource=1, "
        "reduction_factor=3)`",
        "",
        f"| d | sampler | median distance to the optimum of proposals after trial {LATE} "
        "| trials complete | best final loss |",
        "|---:|---|---:|---:|---:|",
    ]
    for dims in args.dims:
        for label in SAMPLERS:
            cell = [r for r in runs if r["dims"] == dims and r["sampler"] == label]
            med = {k: common.median([r[k] for r in cell if r[k] is not None])
                   for k in ("late_distance", "complete_share", "best")}  # fmt: skip
            lines.append(f"| {dims} | {label} | {med['late_distance']:.3f} | "
                         f"{100 * med['complete_share']:.1f} % | {med['best']:.4g} |")  # fmt: skip
    common.write_report(args.output, "\n".join(lines) + "\n")
    common.write_raw(common.raw_path(args.output), {"command": command}, runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
