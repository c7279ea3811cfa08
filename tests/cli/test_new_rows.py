"""``autoxai predict`` / ``explain`` on awkward tables, and the same failures in Python.

Every case ends in predictions, or in exit status 2 with one line on stderr; the Python
API raises autoxai's own exceptions with the same messages.
"""

import pandas as pd
import pytest
from _kinds import every_kind_table

from autoxai import explain, load
from autoxai.cli import main
from autoxai.exceptions import AutoXAIError, DataError, ParameterTypeError


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("model")
    every_kind_table().to_csv(root / "train.csv", index=False)
    status = main(["run", str(root / "train.csv"), "--target", "target", "--out",
                   str(root / "run"), "--n-trials", "2", "--time-budget", "20", "--cv", "2",
                   "--models", "linear", "--no-explain", "--no-progress"])  # fmt: skip
    assert status == 0
    return root / "run"


def rows(n=6):
    return every_kind_table(40, seed=1).head(n).drop(columns="target")


def write(path, table):
    table.to_csv(path, index=False)
    return path


def write_bytes(path, data):
    path.write_bytes(data)
    return path


CASES = {
    "missing columns": (lambda p: write(p, rows().drop(columns=["share", "city"])), 2,
                        "lacks column(s) the model was fitted on: 'share', 'city'."),
    "extra columns": (lambda p: write(p, rows().assign(extra=1, more="x")), 0,
                      "ignored 2 column(s) the model does not use: 'extra', 'more'"),
    "unseen categories": (lambda p: write(p, rows().assign(city="nowhere", level="new")), 0, ""),
    "text in numbers": (lambda p: write(p, rows().assign(amount=["a", "1,000", "", "b", "2",
                                                                  "x"])), 0,
                        "column 'amount': 3 of 6 values are not numbers (e.g. 'a', 'b')"),
    "unparseable dates": (lambda p: write(p, rows().assign(date="someday")), 0,
                          "column 'date': 6 of 6 values are not dates (e.g. 'someday')"),
    "empty file": (lambda p: write_bytes(p, b""), 2, "is empty"),
    "header only": (lambda p: write(p, rows().iloc[:0]), 2, "has a header but no rows"),
    "binary file": (lambda p: write_bytes(p, bytes(range(256)) * 4), 2,
                    "holds binary data"),
    "the target is there": (lambda p: write(p, every_kind_table(6, seed=2)), 0,
                            "column 'target' is the model's target: ignored"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("command", ["predict", "explain"])
def test_odd_tables_end_in_predictions_or_one_line(model_dir, tmp_path, capsys, case, command):
    make, expected_status, text = CASES[case]
    data = make(tmp_path / "rows.csv")
    extra = ["--row", "0", "--method", "shap", "--png", str(tmp_path / "x.png")]
    status = main([command, str(model_dir), str(data), *(extra if command == "explain" else [])])
    captured = capsys.readouterr()
    assert status == expected_status, captured.err
    assert "Traceback" not in captured.err
    if status == 2:
        assert captured.err.startswith("autoxai: error: ") and captured.err.count("\n") == 1
    else:
        notes = [line for line in captured.err.splitlines() if text and text in line]
        assert len(notes) == (1 if text else 0), captured.err  # said once
        if command == "predict":
            assert captured.out.count("\n") == 1 + 6  # header and one line per row


def test_the_python_api_raises_the_same_errors(model_dir, tmp_path, capsys):
    model = load(model_dir)
    table = rows().drop(columns=["share", "city"])
    assert main(["predict", str(model_dir), str(write(tmp_path / "r.csv", table))]) == 2
    line = capsys.readouterr().err.removeprefix("autoxai: error: ").strip()
    for call in (model.predict, model.predict_proba,
                 lambda X: explain.shap_values(model, X, background=rows())):  # fmt: skip
        with pytest.raises(DataError) as raised:
            call(table)
        assert str(raised.value) == line
    with pytest.raises(DataError, match="the table has no rows to predict"):
        model.predict(rows().iloc[:0])
    with pytest.raises(ParameterTypeError, match="must be a pandas DataFrame"):
        model.predict(rows().to_numpy())
    assert issubclass(DataError, AutoXAIError)
    predicted = model.predict(rows().assign(amount="oops", extra=1, city="nowhere"))
    assert len(predicted) == 6 and set(predicted) <= {"p", "q"}


def test_every_kind_from_parquet_and_csv_predicts_the_same(model_dir, tmp_path, capsys):
    table = rows()
    table.to_parquet(tmp_path / "rows.parquet")
    outputs = []
    for data in (tmp_path / "rows.parquet", write(tmp_path / "rows.csv", table)):
        assert main(["predict", str(model_dir), str(data)]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    # one row alone reads as it does among the others
    single = pd.read_csv(write(tmp_path / "one.csv", table.iloc[[3]]))
    model = load(model_dir)
    assert model.predict_proba(single)[0] == pytest.approx(model.predict_proba(table)[3])
