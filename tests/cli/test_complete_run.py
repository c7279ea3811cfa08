"""A run on every column kind, end to end, and a run that never loses what it made."""

import json

import pytest
from _kinds import every_kind_table

from autoxai import explain
from autoxai.cli import main
from autoxai.explain import Explanation

FAST = ["--n-trials", "3", "--time-budget", "20", "--cv", "3", "--models", "linear,rf",
        "--no-progress"]  # fmt: skip


def strict_loads(text):
    def refuse(name):
        raise ValueError(f"not strict JSON: {name}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.slow
@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_every_column_kind_end_to_end(tmp_path, capsys, suffix):
    data = tmp_path / f"kinds.{suffix}"
    table = every_kind_table(120)
    if suffix == "csv":
        table.to_csv(data, index=False)
    else:
        table.to_parquet(data)
    out = tmp_path / "run"
    assert main(["run", str(data), "--target", "target", "--out", str(out), *FAST,
                 "--explain-budget", "20"]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "read 'amount': numbers written as text with thousands separators" in printed
    run = strict_loads((out / "run.json").read_text())
    kinds = {d["column"]: d["kind"] for d in run["decisions"]}
    assert kinds == {
        "id": "id", "date": "datetime", "stamp": "datetime", "zoned": "datetime",
        "clock": "numeric", "time": "numeric", "wait": "numeric", "yes_no": "boolean",
        "y_n": "boolean", "true_false": "boolean", "amount": "numeric", "share": "numeric",
        "city": "categorical", "count": "numeric", "flag": "boolean", "word": "categorical",
        "level": "categorical", "target": "target",
    }  # fmt: skip
    assert run["status"] == "complete"
    strict_loads((out / "model" / "manifest.json").read_text())
    manifest = strict_loads((out / "explanations" / "manifest.json").read_text())
    assert not [m for m in manifest["methods"] if m["status"] == "failed"]
    assert {"permutation_importance", "surrogate", "shap"} <= set(manifest["files"])
    for name, file in manifest["files"].items():
        text = (out / "explanations" / file).read_text()
        again = Explanation.from_json(text)
        assert again.to_json() == text, name  # the round trip is exact
        strict_loads(text)
    assert (out / "report.html").stat().st_size > 10_000
    # the same file predicts and explains
    assert main(["predict", str(out), str(data)]) == 0
    assert capsys.readouterr().out.count("\n") == 1 + 120
    assert main(["explain", str(out), str(data), "--row", "5", "--png",
                 str(tmp_path / "row.png")]) == 0  # fmt: skip


def test_a_failed_method_keeps_the_run_and_exits_3(tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the method broke")

    monkeypatch.setattr(explain._permutation, "permutation_importance", broken)
    data = tmp_path / "kinds.csv"
    every_kind_table(60).to_csv(data, index=False)
    out = tmp_path / "run"
    status = main(["run", str(data), "--target", "target", "--out", str(out), *FAST,
                   "--explain-budget", "15"])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 3
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("autoxai: incomplete: the model is saved")
    assert "permutation_importance (RuntimeError: the method broke)" in lines[0]
    run = strict_loads((out / "run.json").read_text())
    assert run["status"] == "incomplete"
    assert run["failures"] == [
        {"part": "permutation_importance", "error": "RuntimeError: the method broke"}
    ]
    assert (out / "model" / "model.joblib").exists() and (out / "leaderboard.csv").exists()
    page = (out / "report.html").read_text()
    assert "the method broke" in page  # the page says what failed and why


def test_a_failed_report_keeps_the_explanations_and_exits_3(tmp_path, capsys, monkeypatch):
    import autoxai.report

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(autoxai.report, "build_report", broken)
    data = tmp_path / "kinds.csv"
    every_kind_table(60).to_csv(data, index=False)
    out = tmp_path / "run"
    status = main(["run", str(data), "--target", "target", "--out", str(out), *FAST,
                   "--explain-budget", "5"])  # fmt: skip
    assert status == 3
    assert "report (OSError: disk full)" in capsys.readouterr().err
    assert (out / "explanations" / "manifest.json").exists()
    assert strict_loads((out / "run.json").read_text())["failures"][-1]["part"] == "report"
