"""Every option of every command has its effect, and a guard keeps it so.

Each test names the options it covers with :func:`covers`; the last test reads the
CLI's own argparse definitions and fails for any option (or positional argument) that no
test covers, so a new option needs a test here. ``demo`` shares its options with
``run`` (the same :func:`autoxai.cli._run.add_arguments` and ``execute``): they are
tested once through ``run``, and ``demo``'s own tests check that it passes them on.

Small tables and few trials; one trial at a time (``--n-jobs 1``) unless the test is
about ``--n-jobs``.
"""

import argparse
import io
import json

import numpy as np
import pandas as pd
import pytest

import autoxai.automl._automl as automl_module
from autoxai.automl import AutoML
from autoxai.cli import _parser, main
from autoxai.datasets import load_penguins
from autoxai.study import Study

#: (command, option) -> names of the tests that check its effect.
COVERED: dict[tuple[str, str], list[str]] = {}

FAST = ["--n-trials", "2", "--cv", "2", "--models", "linear", "--n-jobs", "1",
        "--no-explain", "--no-progress"]  # fmt: skip
EXPLAINING = [o for o in FAST if o != "--no-explain"]


def covers(command: str, *options: str):
    """Record that the decorated test checks the effect of ``command``'s ``options``."""

    def mark(test):
        for option in options:
            COVERED.setdefault((command, option), []).append(test.__name__)
        return test

    return mark


@pytest.fixture(scope="module")
def penguins_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "penguins.csv"
    load_penguins().to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def run_dir(penguins_csv, tmp_path_factory):
    """A finished run (linear models) for predict, explain and report."""
    out = tmp_path_factory.mktemp("runs") / "run"
    assert main(["run", str(penguins_csv), "--target", "species", "--out", str(out), *FAST]) == 0
    return out


def _run(csv, out, *options, target="species") -> int:
    return main(["run", str(csv), "--target", target, "--out", str(out), *FAST, *options])


def _spy(monkeypatch, owner, name):
    """Wrap ``owner.name`` so each call's arguments and result are recorded."""
    calls = []
    real = getattr(owner, name)

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append((args, kwargs, result))
        return result

    monkeypatch.setattr(owner, name, spy)
    return calls


def _board(out) -> pd.DataFrame:
    return pd.read_csv(out / "leaderboard.csv")


def _run_json(out) -> dict:
    return json.loads((out / "run.json").read_text())


# -- run ------------------------------------------------------------------------------


@covers("run", "data", "--target", "--out")
def test_run_reads_data_predicts_target_and_writes_out(penguins_csv, tmp_path):
    out = tmp_path / "somewhere" / "else"
    assert _run(penguins_csv, out, target="island") == 0
    run = _run_json(out)
    assert run["data"]["source"] == str(penguins_csv)
    assert run["target"] == "island"
    assert set(run["target_summary"]["classes"]) == {"Biscoe", "Dream", "Torgersen"}
    assert (out / "model" / "manifest.json").exists()


@covers("run", "--task", "--metric")
def test_task_and_metric_override_what_is_inferred(tmp_path):
    from autoxai.automl import prepare

    table = load_penguins().dropna()
    table["code"] = table.pop("species").map({"Adelie": 0, "Chinstrap": 1, "Gentoo": 2})
    assert prepare(table, "code", task="auto", n_folds=2).task == "multiclass"  # the default
    csv = tmp_path / "t.csv"
    table.to_csv(csv, index=False)
    out = tmp_path / "run"
    assert _run(csv, out, "--task", "regression", "--metric", "mae", target="code") == 0
    run = _run_json(out)
    assert (run["task"], run["metric"]) == ("regression", "mae")
    assert "cv_mae" in _board(out).columns


@covers("run", "--models", "--n-trials", "--cv")
def test_models_trials_and_folds(penguins_csv, tmp_path, monkeypatch):
    splits = _spy(monkeypatch, AutoML, "_splits")
    out = tmp_path / "run"
    assert _run(penguins_csv, out, "--models", "rf,knn", "--n-trials", "3", "--cv", "4") == 0
    board = _board(out)
    assert len(board) == 3
    assert set(board["model"]) == {"knn", "rf"}
    [(_, _, folds)] = splits
    assert len(folds) == 4
    assert sorted(np.concatenate([test for _, test in folds])) == list(range(344))


@pytest.mark.parametrize(("search", "sampler"), [("random", "RandomSampler"),
                                                 ("tpe", "TPESampler")])  # fmt: skip
@covers("run", "--search")
def test_search_chooses_the_sampler(penguins_csv, tmp_path, monkeypatch, search, sampler):
    studies = _spy(monkeypatch, AutoML, "_study")
    assert _run(penguins_csv, tmp_path / "run", "--search", search) == 0
    [(_, _, study)] = studies
    assert type(study.sampler).__name__ == sampler
    assert _run_json(tmp_path / "run")["settings"]["search"] == search


@covers("run", "--seed")
def test_same_seed_same_leaderboard_other_seed_other_folds(penguins_csv, tmp_path):
    boards = []
    for i, seed in enumerate(["5", "5", "6"]):
        out = tmp_path / f"run{i}"
        assert _run(penguins_csv, out, "--seed", seed, "--models", "knn", "--n-trials",
                    "4", "--search", "random") == 0  # fmt: skip
        boards.append(_board(out).drop(columns="fit_time"))
    pd.testing.assert_frame_equal(boards[0], boards[1])
    assert not boards[0]["cv_log_loss"].equals(boards[2]["cv_log_loss"])


@covers("run", "--n-jobs")
def test_n_jobs_is_the_number_of_trials_at_once_and_keeps_the_leaderboard(
    penguins_csv, tmp_path, monkeypatch
):
    optimize = _spy(monkeypatch, Study, "optimize")
    boards = []
    for n_jobs in ("1", "2"):
        out = tmp_path / f"run{n_jobs}"
        assert _run(penguins_csv, out, "--n-jobs", n_jobs, "--n-trials", "4",
                    "--models", "linear,knn") == 0  # fmt: skip
        boards.append(_board(out)[["trial", "model", "params", "cv_log_loss"]])
    assert [kwargs["n_jobs"] for _, kwargs, _ in optimize] == [1, 2]
    pd.testing.assert_frame_equal(boards[0], boards[1])


@covers("run", "--trial-timeout")
def test_trial_timeout_stops_a_slow_trial(penguins_csv, tmp_path, capsys):
    out = tmp_path / "run"
    assert _run(penguins_csv, out, "--models", "rf", "--trial-timeout", "0.001") == 2
    err = capsys.readouterr().err
    assert err.startswith("autoxai: error: every configuration failed") and "timed out" in err
    assert _run(penguins_csv, out, "--models", "rf", "--trial-timeout", "120") == 0


@covers("run", "--time-budget", "--no-hard-deadline")
def test_time_budget_bounds_the_search_and_hard_deadline_can_be_turned_off(
    penguins_csv, tmp_path, monkeypatch
):
    # every table counts as large here, so each trial gets a hard deadline by default
    monkeypatch.setattr(automl_module._cost, "HARD_DEADLINE_CELLS", 1)
    optimize = _spy(monkeypatch, Study, "optimize")
    for i, extra in enumerate([[], ["--no-hard-deadline"]]):
        out = tmp_path / f"run{i}"
        assert _run(penguins_csv, out, "--time-budget", "30", *extra) == 0
        assert _run_json(out)["settings"]["time_budget"] == 30.0
    (_, hard, _), (_, soft, _) = optimize
    # the search gets what is left of the 30 s once the refit is reserved
    assert 0 < hard["timeout"] < 30 and 0 < soft["timeout"] < 30
    assert hard["trial_deadline"] is not None and soft["trial_deadline"] is None


@covers("run", "--dask")
def test_dask_runs_the_trials_on_the_scheduler(penguins_csv, tmp_path):
    import distributed

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:  # fmt: skip
        out = tmp_path / "run"
        assert _run(penguins_csv, out, "--dask", cluster.scheduler_address) == 0
        log = list(cluster.scheduler.transition_log)  # (key, start, finish, ...)
    computed = {entry[0] for entry in log if entry[2] == "memory"}
    assert len(computed) >= 2  # both trials ran as tasks on the cluster's worker
    assert len(_board(out)) == 2


@covers("run", "--resume")
def test_resume_continues_the_study_in_out(penguins_csv, tmp_path, capsys):
    out = tmp_path / "run"
    assert _run(penguins_csv, out) == 0
    first = _board(out)
    assert _run(penguins_csv, out) == 2  # not without --resume
    assert "--resume" in capsys.readouterr().err
    assert _run(penguins_csv, out, "--resume", "--n-trials", "4") == 0
    again = _board(out)
    assert len(again) == 4 and _run_json(out)["n_trials"] == 4
    kept = again.set_index("trial").loc[first["trial"]]
    assert kept["cv_log_loss"].tolist() == first["cv_log_loss"].tolist()  # not re-run


@covers("run", "--explain-budget", "--no-explain")
def test_explain_budget_and_no_explain(penguins_csv, tmp_path, capsys):
    quiet = tmp_path / "quiet"
    assert _run(penguins_csv, quiet) == 0
    assert not (quiet / "explanations").exists() and not (quiet / "report.html").exists()
    out = tmp_path / "run"
    assert main(["run", str(penguins_csv), "--target", "species", "--out", str(out),
                 *EXPLAINING, "--explain-budget", "8"]) == 0  # fmt: skip
    manifest = json.loads((out / "explanations" / "manifest.json").read_text())
    assert manifest["budget_seconds"] == pytest.approx(8 - 0.15 * 8)  # 15 % for the report
    assert (out / "report.html").exists()
    assert _run(penguins_csv, tmp_path / "bad", "--explain-budget", "0") == 2
    assert "--explain-budget must be > 0" in capsys.readouterr().err


@covers("run", "--no-progress")
def test_no_progress_silences_the_progress_lines(penguins_csv, tmp_path, monkeypatch, capsys):
    from autoxai.study import _progress

    monkeypatch.setattr(_progress, "LINE_EVERY", 0.02)  # a line as often as possible
    # capsys's stderr is no terminal: progress comes as lines, as in a log file
    talking = [o for o in FAST if o != "--no-progress"]
    assert main(["run", str(penguins_csv), "--target", "species", "--out",
                 str(tmp_path / "a"), *talking]) == 0  # fmt: skip
    assert "autoxai: " in capsys.readouterr().err
    assert _run(penguins_csv, tmp_path / "b") == 0
    assert capsys.readouterr().err == ""


# -- predict, explain, report ---------------------------------------------------------


@covers("predict", "model_dir", "data", "--out")
def test_predict_to_stdout_or_to_out(run_dir, penguins_csv, tmp_path, capsys):
    assert main(["predict", str(run_dir), str(penguins_csv)]) == 0
    printed = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert len(printed) == 344 and printed.columns[0] == "prediction"
    target = tmp_path / "p.csv"
    assert main(["predict", str(run_dir / "model"), str(penguins_csv), "--out", str(target)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote 344 predictions to {target}"
    pd.testing.assert_frame_equal(pd.read_csv(target), printed)


@covers("predict", "--trust")
@covers("explain", "--trust")
def test_trust_loads_a_model_signed_with_another_key(penguins_csv, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("AUTOXAI_MODEL_KEY", "someone else's key")
    out = tmp_path / "theirs"
    assert _run(penguins_csv, out) == 0
    monkeypatch.delenv("AUTOXAI_MODEL_KEY")
    for command in (["predict"], ["explain", "--row", "0", "--method", "lime"]):
        args = [command[0], str(out), str(penguins_csv), *command[1:]]
        assert main(args) == 2
        assert "another key" in capsys.readouterr().err
        assert main([*args, "--trust"]) == 0
        capsys.readouterr()


@covers("explain", "run_dir", "data", "--row", "--method", "--png")
def test_explain_row_method_and_png(run_dir, penguins_csv, tmp_path, capsys):
    png = tmp_path / "why.png"
    assert main(["explain", str(run_dir), str(penguins_csv), "--row", "200", "--method",
                 "lime", "--png", str(png)]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert f"row 200 of {penguins_csv}" in printed
    assert "LIME" in printed and "SHAP" not in printed
    assert png.stat().st_size > 5_000 and not (run_dir / "explain-row-200.png").exists()
    assert main(["explain", str(run_dir), str(penguins_csv), "--row", "200", "--method",
                 "shap"]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "SHAP" in printed and "LIME" not in printed
    assert (run_dir / "explain-row-200.png").exists()


@covers("explain", "--seed")
def test_explain_seed_repeats_or_changes_the_sampling(run_dir, penguins_csv, tmp_path, capsys):
    tables = []
    for seed in ("1", "1", "2"):
        assert main(["explain", str(run_dir), str(penguins_csv), "--row", "5", "--method",
                     "lime", "--seed", seed, "--png", str(tmp_path / "x.png")]) == 0  # fmt: skip
        tables.append(capsys.readouterr().out)
    assert tables[0] == tables[1]
    assert tables[0] != tables[2]


@covers("report", "run_dir")
def test_report_rebuilds_the_page_of_run_dir(penguins_csv, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(penguins_csv), "--target", "species", "--out", str(out),
                 *EXPLAINING, "--explain-budget", "6"]) == 0  # fmt: skip
    page = out / "report.html"
    page.unlink()
    capsys.readouterr()
    assert main(["report", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"report: {page}"
    assert page.stat().st_size > 10_000


# -- demo and the global options ------------------------------------------------------


@covers("demo", "--out")
def test_demo_writes_out_and_passes_the_run_options_on(tmp_path, monkeypatch):
    splits = _spy(monkeypatch, AutoML, "_splits")
    out = tmp_path / "my-demo"
    assert main(["demo", "--out", str(out), *FAST, "--cv", "3", "--models", "knn"]) == 0
    run = _run_json(out)
    assert "penguins" in run["data"]["source"] and run["target"] == "species"
    assert set(_board(out)["model"]) == {"knn"} and len(_board(out)) == 2
    assert len(splits[0][2]) == 3


@covers("run", "--final-model", "--stack")
def test_final_model_and_stack_options_reach_automl_and_run_json(penguins_csv, tmp_path):
    out = tmp_path / "run"
    args = ["run", str(penguins_csv), "--target", "species", "--out", str(out), "--n-trials",
            "2", "--cv", "3", "--models", "linear", "--no-explain", "--no-progress",
            "--final-model", "refit", "--stack", "on"]  # fmt: skip
    assert main(args) == 0
    run = json.loads((out / "run.json").read_text())
    assert (run["settings"]["final_model"], run["settings"]["stack"]) == ("refit", True)
    assert run["final"]["final_model"] == "refit"
    assert run["final"]["reason"] == "final_model='refit'"


@covers("run", "--portfolio")
def test_portfolio_chooses_what_is_tried_first(penguins_csv, tmp_path, monkeypatch):
    from autoxai.automl._portfolio import portfolio_entries

    seen = _spy(monkeypatch, AutoML, "fit")
    for choice, expected in [("on", True), ("off", False), ("auto", "auto")]:
        out = tmp_path / choice
        assert _run(penguins_csv, out, "--portfolio", choice, "--models", "knn,linear") == 0
        assert _run_json(out)["settings"]["portfolio"] == expected
    tried = [args[0].leaderboard_.sort_values("trial")["_params"].tolist() for args, _, _ in seen]
    n_rows = len(load_penguins())
    models = ["knn", "linear"]
    assert tried[0] == portfolio_entries(models, "multiclass", n_rows)[0][:2]
    assert tried[1] == AutoML._defaults(models, "multiclass", n_rows)[:2]
    assert tried[0] != tried[1]
    assert tried[2] == tried[0]  # auto: the portfolio, as benchmarks/results/portfolio.md shows


@covers("", "--version", "--debug")
def test_version_and_debug(capsys, tmp_path):
    from autoxai import __version__

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"autoxai {__version__}"
    missing = str(tmp_path / "nope.csv")
    assert main(["run", missing, "--target", "y", "--out", str(tmp_path / "o")]) == 2
    assert "Traceback" not in capsys.readouterr().err
    with pytest.raises(Exception, match="nope.csv"):
        main(["--debug", "run", missing, "--target", "y", "--out", str(tmp_path / "o")])


def _options(parser: argparse.ArgumentParser, command: str = ""):
    """(command, option) for every argument of ``parser`` and its sub-commands."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _options(sub, name)
        elif not isinstance(action, argparse._HelpAction):
            yield command, action.option_strings[0] if action.option_strings else action.dest


def test_every_option_of_every_command_has_a_test():
    from autoxai.cli._run import add_arguments

    shared = {o for _, o in _options(_demo_options(add_arguments))}
    missing = set()
    for command, option in _options(_parser()):
        if command == "demo" and option in shared:
            command = "run"  # the same definition and code path: tested through run
        if (command, option) not in COVERED:
            missing.add(f"{command} {option}".strip())
    assert not missing, f"options without a test in {__name__}: {sorted(missing)}"
    assert len(COVERED) >= 30


def _demo_options(add_arguments) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    add_arguments(parser, demo=True)
    return parser
