import json
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pandas as pd
import pytest

from autoxai.cli import main
from autoxai.datasets import load_penguins

FAST = ["--n-trials", "4", "--time-budget", "60", "--cv", "3", "--models", "linear,rf",
        "--explain-budget", "5", "--no-progress"]  # fmt: skip


@pytest.fixture
def penguins_csv(tmp_path):
    path = tmp_path / "penguins.csv"
    load_penguins().to_csv(path, index=False)
    return path


def test_run_then_predict(penguins_csv, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(penguins_csv), "--target", "species", "--out", str(out), *FAST]) == 0
    printed = capsys.readouterr().out
    assert "Leaderboard" in printed
    assert "outputs in" in printed
    for name in ("model/model.joblib", "model/manifest.json", "leaderboard.csv", "run.json",
                 "study.db"):  # fmt: skip
        assert (out / name).exists(), name
    run = json.loads((out / "run.json").read_text())
    assert run["task"] == "multiclass"
    assert run["metric"] == "log_loss"
    assert run["data"]["fingerprint"].startswith("sha256:")
    assert {d["column"] for d in run["decisions"]} == set(load_penguins().columns)
    board = pd.read_csv(out / "leaderboard.csv")
    assert len(board) == 4

    new = tmp_path / "new.csv"
    load_penguins().drop(columns="species").head(7).to_csv(new, index=False)
    preds = tmp_path / "preds.csv"
    assert main(["predict", str(out), str(new), "--out", str(preds)]) == 0
    table = pd.read_csv(preds)
    assert list(table.columns) == ["prediction", "proba_Adelie", "proba_Chinstrap", "proba_Gentoo"]
    assert len(table) == 7

    # one row explained in the terminal and as pictures; the report rebuilt from disk
    capsys.readouterr()
    assert main(["explain", str(out), str(penguins_csv), "--row", "3"]) == 0
    printed = capsys.readouterr().out
    assert "SHAP" in printed and "LIME" in printed and "additivity error" in printed
    assert (out / "explain-row-3-shap.png").stat().st_size > 5_000
    assert (out / "explain-row-3-lime.png").stat().st_size > 5_000
    assert main(["explain", str(out), str(penguins_csv), "--row", "999"]) == 2
    assert "--row must be between 0 and 343" in capsys.readouterr().err
    assert main(["explain", str(out), str(new), "--row", "0", "--method", "shap"]) == 0
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").exists()
    assert main(["report", str(tmp_path)]) == 2


def test_output_directory_is_not_overwritten(penguins_csv, tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["run", str(penguins_csv), "--target", "species", "--out", str(out), *FAST]) == 2
    assert "--resume" in capsys.readouterr().err
    assert (out / "keep.txt").read_text() == "mine"


def _text(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    return path


def _write(tmp_path, name, frame):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("make", "target", "message"),
    [
        (lambda p: p / "nope.csv", "y", "nope.csv"),
        (lambda p: _text(p, "empty.csv", ""), "y", "empty"),
        (lambda p: _write(p, "t.csv", pd.DataFrame({"a": range(30), "speciez": [0, 1] * 15})),
         "species", "Did you mean 'speciez'"),
        (lambda p: _write(p, "t.csv", pd.DataFrame({"a": range(30), "y": ["x"] * 30})),
         "y", "single class"),
        (lambda p: _write(p, "t.csv", pd.DataFrame({"a": [1.0, 2.0], "y": [0.1, 0.7]})),
         "y", "at least as many rows as cross-validation folds"),
        (lambda p: _write(p, "t.csv", pd.DataFrame({"a": range(30), "y": ["u"] * 28 + ["v"] * 2})),
         "y", "'v'"),
        (lambda p: _write(p, "t.csv", pd.DataFrame({"c": [7] * 30, "y": [0, 1] * 15})),
         "y", "no column can be used as a feature"),
        (lambda p: _text(p, "dup.csv", "a,a,y\n1,2,0\n3,4,1\n"), "y", "duplicate"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_exit_2_and_no_directory(tmp_path, capsys, make, target, message):
    data = make(tmp_path)
    out = tmp_path / "out"
    code = main(["run", str(data), "--target", target, "--out", str(out), *FAST])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("autoxai: error:")
    assert err.count("\n") == 1
    assert message in err
    assert not out.exists()


def test_demo_runs_on_shipped_data(tmp_path, capsys):
    out = tmp_path / "demo"
    assert (
        main(["demo", "--out", str(out), "--time-budget", "10", "--cv", "3", "--no-progress"]) == 0
    )
    assert (out / "run.json").exists()
    assert "penguins" in json.loads((out / "run.json").read_text())["data"]["source"]
    # the whole job: explanations planned within their budget, then the report
    manifest = json.loads((out / "explanations" / "manifest.json").read_text())
    # the demo's explanation budget is 30 s; 15 % of it (at most 5 s) is kept for the report
    assert manifest["budget_seconds"] == pytest.approx(30.0 - 4.5)
    assert manifest["used_seconds"] <= 30.0 * 1.2 + 2
    assert "shap" in manifest["files"]  # SHAP of the ensemble fits the demo's budget
    assert {"permutation_importance", "surrogate", "consensus"} <= set(manifest["files"])
    assert (out / "report.html").stat().st_size > 10_000


@pytest.mark.slow
def test_killed_run_resumes(penguins_csv, tmp_path):
    out = tmp_path / "run"
    args = ["run", str(penguins_csv), "--target", "species", "--out", str(out),
            "--n-trials", "12", "--time-budget", "300", "--cv", "3", "--no-progress",
            "--no-explain"]  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-c", "from autoxai.cli import run; run()", *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.time() + 120
    db = out / "study.db"
    while time.time() < deadline:
        if db.exists():
            with sqlite3.connect(db) as conn:
                try:
                    n = conn.execute(
                        "select count(*) from autoxai_trials where state='COMPLETE'"
                    ).fetchone()[0]
                except sqlite3.OperationalError:
                    n = 0
            if n >= 3:
                break
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert not (out / "run.json").exists()
    assert main(["run", *args[1:], "--resume"]) == 0
    run = json.loads((out / "run.json").read_text())
    assert run["n_trials"] == 12


def test_a_bad_search_name_is_one_line_exit_2_and_no_directory(penguins_csv, tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["run", str(penguins_csv), "--target", "species", "--out", str(out),
                 "--search", "ashaa"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("autoxai: error:") and err.count("\n") == 1
    assert "Did you mean 'asha'" in err and "'hyperband'" in err
    assert not out.exists()


def test_help_names_the_multi_fidelity_searches(capsys):
    assert main(["run", "--help"]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "sha, hyperband, asha, bohb" in printed


def test_a_multi_fidelity_run_records_budgets_and_rungs(tmp_path, capsys, monkeypatch):
    from sklearn.datasets import make_classification

    import autoxai.automl._automl as automl_module

    # 600 rows, 3 folds: 400 training rows per fold give rungs of 1/9, 1/3 and all rows
    monkeypatch.setattr(automl_module, "MIN_RUNG_ROWS", 40)
    X, y = make_classification(n_samples=600, n_features=5, random_state=0)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)]).assign(y=y)
    data = _write(tmp_path, "t.csv", frame)
    out = tmp_path / "run"
    args = ["run", str(data), "--target", "y", "--out", str(out), "--search", "asha",
            "--n-trials", "16", "--cv", "3", "--models", "linear,knn", "--no-progress",
            "--no-explain"]  # fmt: skip
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "Search by budget (asha, eta=3)" in printed
    assert "rung history" in printed and "1/9" in printed

    trials = pd.read_csv(out / "trials.csv")
    assert {"number", "state", "loss", "cv_roc_auc", "budget", "bracket", "rung",
            "parent"} <= set(trials.columns)  # fmt: skip
    assert len(trials) == 16
    assert sorted(trials["budget"].round(4).unique()) == [0.1111, 0.3333, 1.0]
    promoted = trials.dropna(subset=["parent"])
    assert len(promoted) >= 1
    parents = trials.set_index("number").loc[promoted["parent"].astype(int)]
    assert (parents["budget"].to_numpy() < promoted["budget"].to_numpy()).all()

    run = json.loads((out / "run.json").read_text())
    assert run["settings"]["search"] == "asha"
    assert run["n_evaluations"] == 16
    schedule = run["schedule"]
    assert schedule["budgets"] == pytest.approx([1 / 9, 1 / 3, 1.0])
    assert schedule["training_rows"] == [44, 133, 400]
    assert sum(r["evaluations"] for r in schedule["rungs"]) == 16
    board = pd.read_csv(out / "leaderboard.csv")
    assert run["n_trials"] == len(board) == int((trials["budget"] == 1.0).sum())
    assert set(board["budget"]) == {1.0}


@pytest.mark.slow
def test_progress_lines_arrive_while_a_run_writes_to_a_pipe(tmp_path):
    """Neither stdout nor stderr is a terminal (as under nohup or in CI): a progress line
    comes every few seconds, and each line is readable as soon as it is printed."""
    command = [sys.executable, "-c", "from autoxai.cli import run; run()", "demo",
               "--out", str(tmp_path / "run"), "--time-budget", "14", "--cv", "3",
               "--no-explain"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)  # fmt: skip
    try:
        lines = [(line, process.poll() is None) for line in process.stdout]
    finally:
        process.kill()
        process.wait()
    progress = [(line, running) for line, running in lines if " trials, best " in line]
    assert len(progress) >= 2, lines
    assert all(running for _, running in progress)  # read while the run still ran
    n_done = [int(re.search(r": (\d+) trials, best ", line)[1]) for line, _ in progress]
    assert n_done == sorted(n_done) and n_done[-1] > 0
    assert any(line.startswith("final model:") for line, _ in lines)
