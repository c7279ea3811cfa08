"""autoxai.run and Run: the CLI's main job from Python."""

import pytest

import autoxai
from autoxai import Run
from autoxai.datasets import load_penguins
from autoxai.exceptions import AutoXAIError, InvalidParameterError

FAST = {"time_budget": None, "n_trials": 3, "models": ["linear", "rf"], "cv": 3}


@pytest.mark.slow
def test_run_tunes_explains_reports_and_loads_back(tmp_path):
    lines = []
    out = tmp_path / "penguins"
    result = autoxai.run(load_penguins(), "species", explain_budget=40, out=out,
                         progress=lines.append, **FAST)  # fmt: skip
    assert result.directory == out and result.complete, result.failures
    assert result.automl.best_model_ is not None
    assert result.automl.score(load_penguins().drop(columns="species"),
                               load_penguins()["species"]) > 0.9  # fmt: skip
    assert {"permutation_importance", "surrogate", "consensus"} <= set(result.explanations)
    assert result.report_path == out / "report.html" and result.report_path.stat().st_size > 0
    assert set(result.timings) >= {"search", "refit", "explanations", "report"}
    assert any("explaining the model" in line for line in lines)
    assert result.info["time_plan"]["explain_budget"] == 40
    html = result._repr_html_()
    assert "cross-validated log_loss" in html and "report.html" in html

    loaded = Run.load(out)
    assert set(loaded.explanations) == set(result.explanations)
    assert loaded.leaderboard["model"].iloc[0] == result.automl.leaderboard_["model"].iloc[0]
    before = loaded.report_path.stat().st_mtime_ns
    assert loaded.report() == out / "report.html"
    assert loaded.report_path.stat().st_mtime_ns >= before
    assert loaded.automl.predict(load_penguins().head(3)).shape == (3,)

    # explanation files are read when first used, not by load: a broken one breaks
    # only its own result
    (out / "explanations" / "surrogate.json").write_text("{not json")
    lazy = Run.load(out)
    assert "surrogate" in lazy.explanations
    expected = result.explanations["permutation_importance"].to_frame()
    assert lazy.explanations["permutation_importance"].to_frame().equals(expected)
    with pytest.raises(ValueError, match="Expecting property name"):
        lazy.explanations["surrogate"]


def test_run_without_explanations_writes_the_search_only(tmp_path):
    result = autoxai.run(load_penguins(), "species", explain=False, out=tmp_path / "r", **FAST)
    assert result.explanations == {} and result.report_path is None
    assert (tmp_path / "r" / "leaderboard.csv").exists()
    assert (tmp_path / "r" / "model").is_dir()


def test_bad_input_raises_and_writes_nothing(tmp_path):
    out = tmp_path / "nothing"
    with pytest.raises(AutoXAIError, match="target 'nope' is not a column of the table"):
        autoxai.run(load_penguins(), "nope", out=out, **FAST)
    assert not out.exists()
    with pytest.raises(InvalidParameterError, match=r"unknown option\(s\) \['budget'\]"):
        autoxai.run(load_penguins(), "species", out=out, budget=3)
    (out / "x").mkdir(parents=True)
    with pytest.raises(AutoXAIError, match="is not empty"):
        autoxai.run(load_penguins(), "species", out=out, **FAST)
    with pytest.raises(AutoXAIError, match="not a run directory"):
        Run.load(tmp_path)
