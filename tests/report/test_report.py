"""The HTML report: every section for each task, valid HTML, inline SVG, escaping, size."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import autoxai
from autoxai import Run
from autoxai.cli import main
from autoxai.datasets import load_penguins
from autoxai.exceptions import AutoXAIError
from autoxai.plots import UnsafeSVGError, importance_bars
from autoxai.plots._svg import check_safe, figure, style, to_svg
from autoxai.report import build_report
from autoxai.report._markup import Markup, h
from autoxai.runs import load_explanations

SECTIONS = [
    "data",
    "search",
    "global",
    "permutation",
    "drop-column",
    "shap",
    "surrogate",
    "effects",
    "consensus",
    "local",
    "warnings",
    "timings",
]
MAX_BYTES = 5_000_000
HOSTILE = "<script>alert(1)</script>"
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class Checker(HTMLParser):
    """Fails on a closing tag that does not match the open one; records every element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._record(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):  # <path ... /> in SVG
        self._record(tag, attrs)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'} at {self.getpos()}")
        else:
            self.stack.pop()

    def _record(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if "id" in attributes:
            self.ids.append(attributes["id"])


def check_html(text: str) -> Checker:
    checker = Checker()
    checker.feed(text)
    checker.close()
    assert not checker.errors, checker.errors[:5]
    assert checker.stack == [], f"unclosed tags: {checker.stack}"
    assert len(checker.ids) == len(set(checker.ids)), "duplicate ids"
    return checker


#: A small search: ten configurations, 3 folds, under the CLI's defaults otherwise.
SEARCH = {"time_budget": 60, "n_trials": 10, "cv": 3, "n_jobs": 1}


def make_run(directory, data, target: str, **options) -> Run:
    """:func:`autoxai.run` on a small table; it explains the model and writes the report."""
    return autoxai.run(data, target, out=directory, explain_budget=30, **{**SEARCH, **options})


def task_table(task: str) -> tuple[pd.DataFrame, str]:
    if task == "binary":
        from sklearn.datasets import load_breast_cancer

        data = load_breast_cancer(as_frame=True).frame
        return data.iloc[:300, [0, 1, 6, 7, -1]], "target"
    if task == "multiclass":
        return load_penguins(), "species"
    from sklearn.datasets import load_diabetes

    return load_diabetes(as_frame=True).frame.iloc[:, [0, 2, 3, 8, -1]], "target"


@pytest.fixture(scope="module")
def searched(tmp_path_factory) -> tuple[Run, Path]:
    """The penguins searched (not explained yet), and a copy of its directory as it is."""
    out = tmp_path_factory.mktemp("penguins") / "run"
    run = autoxai.run(load_penguins(), "species", out=out, explain=False,
                      models=["linear", "lgbm"], **SEARCH)  # fmt: skip
    bare = tmp_path_factory.mktemp("bare") / "run"
    shutil.copytree(out, bare)
    return run, bare


@pytest.fixture(scope="module")
def explained(searched) -> Run:
    """The same run, explained with every method and reported (the multiclass task)."""
    run, _ = searched
    run.explain(explain_budget=30)
    return run


@pytest.fixture(scope="module", params=["binary", "regression"])
def task_run(request, tmp_path_factory) -> tuple[str, Run]:
    frame, target = task_table(request.param)
    out = tmp_path_factory.mktemp(request.param) / "run"
    return request.param, make_run(out, frame, target, models=["linear", "lgbm"])


def check_report(run: Run, *, skipped: tuple[str, ...] = ()) -> str:
    """Rebuild the page from ``run`` and check it; every method must have run except
    those named in ``skipped``."""
    path = run.report()
    assert path == run.directory / "report.html" == run.report_path
    text = path.read_text(encoding="utf-8")
    assert path.stat().st_size < MAX_BYTES
    checker = check_html(text)
    for section in SECTIONS:
        assert f'id="{section}"' in text, section
    svgs = re.findall(r"<svg\b.*?</svg>", text, flags=re.DOTALL)
    assert len(svgs) >= 6  # target, search x2, permutation, surrogate, effects...
    for svg in svgs:
        assert "viewBox" in svg and ("<path" in svg or "<use" in svg) and "<text" in svg
    assert text.count("<svg") == len(svgs)
    # no script, nothing loaded from anywhere
    assert "<script" not in text.lower()
    for tag, attrs in checker.tags:
        assert tag not in {"script", "iframe", "object", "embed", "img", "link"}, tag
        assert not any(a.startswith("on") for a in attrs), (tag, attrs)
        assert not any(
            str(v).startswith(("http:", "https:", "//"))
            for a, v in attrs.items()
            if a in ("src", "href")
        ), (tag, attrs)
    # every method that finished is shown, not reported as missing
    results, manifest = run.explanations, run.manifest
    assert set(results) == set(load_explanations(run.layout.explanations)[0])
    for name in results:
        assert f'data-method="{h(name)}"' not in text, name
    # on these small tables every method runs: a skipped or failed one fails the test
    not_done = [(e["method"], e["status"], e.get("note"), e.get("error"))
                for e in manifest["methods"]
                if e["status"] != "done" and e["method"] not in skipped]  # fmt: skip
    assert not_done == [], not_done
    for name in ("permutation_importance", "surrogate", "shap_importance", "consensus",
                 "drop_column_importance", "search_importance"):  # fmt: skip
        assert name in results or name in skipped, name
    assert any(k.startswith("pdp:") for k in results)
    assert any(k.startswith("local_lime:") for k in results)
    assert any(k.startswith("local_shap:") for k in results)
    # the global methods measured rows the explained model never saw, and say so
    assert manifest["rows"]["kind"] == "held-out", manifest["rows"]
    assert f"{manifest['rows']['n_rows']} held-out rows" in text
    assert "Agreement between methods" in text
    assert "Which method to believe here" in text and 'class="faithfulness"' in text
    for name in ("faithfulness", "local_faithfulness"):
        assert name in results or name in skipped, name
    return text


def check_task(run: Run, task: str) -> None:
    text = check_report(run)
    assert run.info["task"] == task
    assert "Leaderboard" in text and "best score so far" in text
    assert text.count('class="note"') >= 8  # a "how to read this" beside each method
    assert "held-out fidelity" in text and 'class="rules"' in text
    assert "effect of" in text


@pytest.mark.slow
def test_report_of_a_binary_and_a_regression_run(task_run):
    task, run = task_run
    check_task(run, task)


@pytest.mark.slow
def test_report_of_a_multiclass_run(explained):
    check_task(explained, "multiclass")


def test_the_report_command_rebuilds_the_page(explained, tmp_path, capsys):
    """The one test through the CLI: ``autoxai report DIR``."""
    explained.report_path.unlink()
    assert main(["report", str(explained.directory)]) == 0
    text = explained.report_path.read_text(encoding="utf-8")
    check_html(text)
    for section in SECTIONS:
        assert f'id="{section}"' in text, section
    assert main(["report", str(tmp_path)]) == 2
    assert "not a run directory" in capsys.readouterr().err


def hostile_table(n: int = 160) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x = rng.normal(size=n)
    colour = rng.choice([HOSTILE, "a\"b'c", "</svg><svg onload=alert(2)>"], size=n)
    y = np.where(
        x + (colour == HOSTILE) + rng.normal(scale=0.5, size=n) > 0.5, "<b>yes</b>", "no & 'maybe'"
    )
    return pd.DataFrame(
        {
            HOSTILE: x,
            "price in $ and $": rng.normal(size=n),  # no mathtext
            'colour" onmouseover="alert(3)': colour,
            "label": y,
        }
    )


def test_hostile_names_and_values_are_escaped(tmp_path):
    csv = tmp_path / "<img src=x onerror=alert(4)>.csv"
    hostile_table().to_csv(csv, index=False)
    text = check_report(make_run(tmp_path / "run", csv, "label", models=["linear"]))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # shown, as text
    assert "&lt;img src=x onerror=alert(4)&gt;.csv" in text  # the file name too
    assert "price in $ and $" in text
    assert "&lt;/svg&gt;&lt;svg onload=alert(2)&gt;" in text
    assert "<svg onload" not in text.lower()
    lowered = text.lower()
    assert "<b>yes</b>" not in lowered and "&lt;b&gt;yes&lt;/b&gt;" in text
    # quotes escaped in HTML; in SVG text a quote is harmless text (no attribute was made:
    # check_report saw no on* attribute on any element)
    assert "colour&quot; onmouseover=&quot;alert(3)" in text


def test_report_without_explanations_says_why(searched):
    _, out = searched  # the search's directory before it was explained
    text = build_report(out).read_text()
    check_html(text)
    for section in SECTIONS:
        assert f'id="{section}"' in text
    assert "not computed" in text and "explanations/manifest.json is missing" in text
    assert "Leaderboard" in text and text.count("<svg") >= 3  # target and search figures


def test_a_minimal_run_directory(tmp_path):
    (tmp_path / "run.json").write_text(json.dumps({"target": HOSTILE, "task": "binary"}))
    text = build_report(tmp_path).read_text()
    check_html(text)
    assert "<script" not in text.lower() and "&lt;script&gt;" in text
    assert "leaderboard.csv is missing" in text


def test_not_a_run_directory(tmp_path):
    with pytest.raises(AutoXAIError, match="not a run directory"):
        build_report(tmp_path)


# -- the pieces ----------------------------------------------------------------------------


def test_escape_and_markup():
    assert h('<a href="x">&') == "&lt;a href=&quot;x&quot;&gt;&amp;"
    assert h(Markup("<b>")) == "<b>"
    assert Markup("<p>") + "<i>" == "<p>&lt;i&gt;"  # plain text added to markup is escaped
    assert "<i>" + Markup("<p>") == "&lt;i&gt;<p>"


def test_svg_is_inline_ready():
    from autoxai.explain import Explanation

    e = Explanation(
        "x", "global", [HOSTILE, "b$x$"], np.array([0.5, 0.1]), std=np.array([0.1, 0.0])
    )
    svg = importance_bars(e, title=HOSTILE)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<?xml" not in svg and "DOCTYPE" not in svg and "<metadata" not in svg
    assert 'width="100%"' in svg and "viewBox" in svg
    assert "<script" not in svg.lower() and "&lt;script&gt;" in svg
    assert "b$x$" in svg  # mathtext off: the dollars are text
    # ids are unique to the figure: two figures on one page do not clash
    ids = re.findall(r'id="([^"]+)"', svg)
    with style():
        fig, ax = figure(2, 1)
        ax.plot([0, 1], [0, 1])
        other = to_svg(fig)
    assert not set(ids) & set(re.findall(r'id="([^"]+)"', other))


@pytest.mark.parametrize(
    "bad",
    [
        "<svg><script>alert(1)</script></svg>",
        '<svg><g onload="alert(1)"></g></svg>',
        '<svg><a href="javascript:alert(1)"></a></svg>',
        "<svg><foreignObject></foreignObject></svg>",
    ],
)
def test_active_svg_is_refused(bad):
    with pytest.raises(UnsafeSVGError):
        check_safe(bad)
    check_safe("<svg><text>&lt;script&gt; onload=x javascript:</text></svg>")


def _save(directory, results: dict, methods: list[dict]) -> None:
    """Write explanations/ as ExplanationStage.save does."""
    from autoxai.runs._files import file_name as _file_name

    folder = directory / "explanations"
    folder.mkdir(parents=True)
    for name, result in results.items():
        (folder / f"{_file_name(name)}.json").write_text(result.to_json())
    manifest = {"budget_seconds": 10, "used_seconds": 1.0, "rows_available": 50,
                "random_state": 0, "methods": methods,
                "files": {name: f"{_file_name(name)}.json" for name in results}}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_partial_and_unusual_results(tmp_path):
    """Results the stage may leave: ALE without PDP, a linear surrogate, LIME without SHAP,
    a SHAP additivity error, hyperparameter importance; each shown, nothing crashes."""
    from autoxai.explain import Explanation

    names = ["a", HOSTILE]
    (tmp_path / "run.json").write_text(json.dumps({
        "target": "y", "task": "regression", "metric": "rmse",
        "target_summary": {"histogram": {"counts": [1, 3, 2], "edges": [0, 1, 2, 3]},
                           "quantiles": {"median": 1.5}},
    }))  # fmt: skip
    results = {
        "search_importance": Explanation("permutation_importance", "global", ["model", "lr"],
                                         np.array([0.3, 0.1]), std=np.array([0.05, 0.02])),
        "surrogate": Explanation("surrogate", "global", names, np.array([0.7, 0.3]),
                                 diagnostics={"fidelity": 0.5, "fidelity_metric": "r2"},
                                 settings={"kind": "linear", "fidelity_threshold": 0.8},
                                 arrays={"rules": np.array(f"y = 1 + 2 × {HOSTILE}",
                                                           dtype=object)}),
        f"ale:{HOSTILE}": Explanation("ale", "global", [HOSTILE], np.array([[-1.0, 0.0, 1.0]]),
                                      output_names=["prediction"],
                                      arrays={"grid": np.array([0.0, 1.0, 2.0]),
                                              "bin_counts": np.array([5, 5])}),
        "local_lime:0": Explanation("lime", "local", names, np.array([0.4, -0.2]),
                                    output_names=["prediction"],
                                    diagnostics={"fidelity": 0.9, "warnings": [HOSTILE]},
                                    arrays={"conditions": np.array(["a <= 1", f"{HOSTILE} = x"],
                                                                   dtype=object),
                                            "row": np.array([0.5, "x"], dtype=object)}),
        "shap": Explanation("shap", "local", names, np.ones((1, 4, 2)),
                            output_names=["prediction"],
                            diagnostics={"additivity_error": 0.01},
                            arrays={"base_value": np.array([1.0]),
                                    "data": np.array([[1, "x"]] * 4, dtype=object)}),
    }  # fmt: skip
    methods = [{"method": name, "status": "done", "seconds": 0.1, "rows": 50} for name in results]
    methods += [
        {"method": f"pdp:{HOSTILE}", "status": "failed", "error": f"Boom {HOSTILE}"},
        {"method": "local_shap:0", "status": "skipped", "note": "budget exhausted"},
    ]
    _save(tmp_path, results, methods)
    text = build_report(tmp_path).read_text()
    check_html(text)
    assert "<script" not in text.lower()
    # target, hyperparameter importance, beeswarm, ALE, LIME
    assert "hyperparameter importance" in text and text.count("<svg") == 5
    assert "below" in text and 'class="rules"' in text  # low fidelity said; rules shown
    assert "additivity error" in text and "miss the prediction by up to 0.01" in text
    assert "Boom &lt;script&gt;" in text  # the failure, escaped
    assert "budget exhausted" in text
    assert "mean |SHAP|: not computed" in text


def test_a_multi_fidelity_run_shows_its_rungs(tmp_path, monkeypatch):
    from sklearn.datasets import make_classification

    import autoxai.automl._automl as automl_module

    monkeypatch.setattr(automl_module, "MIN_RUNG_ROWS", 40)  # three rungs on 400 rows a fold
    X, y = make_classification(n_samples=600, n_features=4, random_state=1)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(y=y)
    run = autoxai.run(frame, "y", out=tmp_path / "run", search="asha", n_trials=16, cv=3,
                      models=["linear", "knn"], explain_budget=8, n_jobs=1)  # fmt: skip
    # three evaluations on all rows: too few to explain the search by a surrogate
    text = check_report(run, skipped=("search_importance",))
    search = text[text.index('id="search"') : text.index('id="global"')]
    assert 'aria-label="score on each budget, by budget spent and by trial"' in search
    assert "Search by budget" in search and "budget (share of rows)" in search
    assert "1/9" in search and "rung history (trial: budget)" in search
    assert "evaluations on all training rows only" in search
    # the hyperparameter importance counts the evaluations on all rows only
    board = run.leaderboard
    entry = next(e for e in run.manifest["methods"] if e["method"] == "search_importance")
    assert entry["note"].startswith(f"{len(board)} finished trials")


def test_rung_figure_and_table_from_trials():
    from autoxai.automl._fidelity import rung_summary
    from autoxai.plots import rung_scores

    trials = pd.DataFrame(
        {
            "number": range(6),
            "state": ["COMPLETE", "COMPLETE", "COMPLETE", "FAILED", "COMPLETE", "COMPLETE"],
            "score": [0.9, 0.7, 0.8, None, 0.85, 0.88],
            "loss": [-0.9, -0.7, -0.8, None, -0.85, -0.88],
            "budget": [1.0, 1 / 3, 1 / 3, 1 / 3, 1.0, 1 / 3],
            "rung": [None, 0, 0, 0, 1, 0],
            "parent": [None, None, None, None, 2, None],
            "elapsed": [1.0, 1.5, 2.0, 2.2, 3.0, 3.1],
        }
    )
    summary = rung_summary(trials)
    assert summary["budget"].tolist() == pytest.approx([1 / 3, 1.0])
    assert summary["evaluations"].tolist() == [4, 2]
    assert summary["complete"].tolist() == [3, 2]
    assert summary["queued"].tolist() == [0, 1]
    assert summary["promoted"].tolist() == [1, 0]
    assert summary["best_loss"].tolist() == pytest.approx([-0.88, -0.9])
    svg = rung_scores(trials, metric="roc_auc", greater_is_better=True)
    assert "1/3 of the rows (3)" in svg and "all rows (2)" in svg
    assert "budget spent (full evaluations)" in svg
    assert rung_summary(trials.assign(budget=None)).empty


def _local_results() -> dict:
    from autoxai.explain import Explanation

    names = ["a", "b"]
    values = np.zeros((3, 1, 2))
    values[2, 0] = [1.0, 1.0]  # the largest total: the predicted class when none is recorded
    shap = Explanation("shap", "local", names, values, output_names=["x", "y", "z"],
                       arrays={"base_value": np.zeros(3)})  # fmt: skip
    lime = Explanation("lime", "local", names, np.array([0.1, 0.2]), output_names=["y"])
    return {"pdp:a": Explanation("partial_dependence", "global", ["a"], np.zeros((1, 3))),
            "local_shap:0": shap, "local_lime:0": lime, "local_shap:1": shap}  # fmt: skip


def test_the_reader_types_what_the_stage_named(tmp_path):
    """Effects and local rows come typed from the manifest: the row, its reason and its
    class recorded by the stage; the page parses no name and no note."""
    from autoxai.runs import read_run

    (tmp_path / "run.json").write_text(json.dumps({"target": "y", "task": "multiclass"}))
    methods = [{"method": name, "status": "done"} for name in _local_results()]
    methods.append({"method": "ale:a", "status": "skipped", "note": "budget exhausted"})
    _save(tmp_path, _local_results(), methods)
    manifest_path = tmp_path / "explanations" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["local_rows"] = [
        {"key": "0", "row": 13, "reason": "most confident mistake", "output": "x"},
        {"key": "1", "row": 4, "reason": "typical", "output": None},
    ]
    manifest_path.write_text(json.dumps(manifest))
    data = read_run(tmp_path)
    [effect] = data.effects()
    assert (effect.feature, effect.pdp is not None, effect.ale, effect.ale_name) == (
        "a", True, None, "ale:a")  # fmt: skip
    first, second = data.local_rows()
    assert (first.key, first.row, first.reason, first.output) == (
        "0", 13, "most confident mistake", 0)  # fmt: skip
    assert first.lime is not None and first.shap_name == "local_shap:0"
    assert (second.row, second.lime, second.output) == (4, None, 2)  # no class: the largest
    text = build_report(tmp_path).read_text()
    assert "Row 13 — most confident mistake" in text and "Row 4 — typical" in text


def test_an_older_run_directory_still_reads(tmp_path):
    """Before the manifest recorded the explained rows, their notes said which they were."""
    from autoxai.runs import read_run

    (tmp_path / "run.json").write_text(json.dumps({"target": "y", "task": "multiclass"}))
    methods = [{"method": name, "status": "done", "note": "row 7: most confident mistake"}
               for name in _local_results()]  # fmt: skip
    methods[-1]["note"] = "row 9: typical; budget exhausted"
    _save(tmp_path, _local_results(), methods)
    data = read_run(tmp_path)
    first, second = data.local_rows()
    assert (first.row, first.reason, first.output) == (7, "most confident mistake", 1)  # LIME's
    assert (second.row, second.reason, second.output) == (9, "typical", 2)
    text = build_report(tmp_path).read_text()
    check_html(text)
    assert "Row 7 — most confident mistake" in text and "LIME" in text


def test_mean_shap_of_many_classes_is_summed_for_the_bars(tmp_path):
    from autoxai.explain import Explanation
    from autoxai.runs import read_run

    (tmp_path / "run.json").write_text(json.dumps({"target": "y"}))
    per_class = Explanation("shap_importance", "global", ["a", "b"],
                            np.array([[1.0, 0.0], [1.0, 2.0], [0.5, 0.5]]))  # fmt: skip
    _save(tmp_path, {"shap_importance": per_class}, [])
    shown, summed = read_run(tmp_path).overall_shap_importance()
    assert summed and np.allclose(shown.values, [2.5, 2.5])
    assert "mean |SHAP| (summed over classes)" in build_report(tmp_path).read_text()
