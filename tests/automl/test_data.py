"""The data layer: reading tables, typing columns, inferring the task, casting features."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from autoxai.automl._columns import DATE_PARTS, NumberFormat, type_column
from autoxai.automl._data import (
    ColumnDecision,
    Dataset,
    FeatureCaster,
    FeatureSchema,
    cast_features,
    prepare,
    read_table,
)
from autoxai.exceptions import AutoXAIError, DataError


def write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def kind_of(values, name="col"):
    return type_column(pd.Series(values), name).decision


def decisions_by_column(dataset):
    return {d.column: d for d in dataset.decisions}


# -- reading -----------------------------------------------------------------------------------


def test_read_dataframe_is_copied_not_modified():
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    table, notes = read_table(df)
    table.loc[0, "a"] = 99
    assert df.loc[0, "a"] == 1
    assert notes == []


@pytest.mark.parametrize(
    ("content", "note"),
    [
        ("a,b,c\n1.5,x,3\n2.5,y,4\n", None),
        ("a;b;c\n1,5;x;3\n2,5;y;4\n", "delimiter ';'"),
        ("a\tb\tc\n1.5\tx, y\t3\n2.5\tz\t4\n", "delimiter TAB"),
        ("a|b|c\n1.5|x|3\n2.5|y|4\n", "delimiter '|'"),
        ('a,b,c\n1.5,"x; y",3\n2.5,"z; w",4\n', None),  # semicolons inside quotes
    ],
)
def test_csv_delimiter_is_sniffed(tmp_path, content, note):
    table, notes = read_table(write(tmp_path, "t.csv", content))
    assert list(table.columns) == ["a", "b", "c"]
    assert table.shape == (2, 3)
    assert notes == ([] if note is None else [note])


def test_semicolon_file_with_decimal_comma_becomes_numbers(tmp_path):
    rows = "".join(f"{i},5;{'ab'[i % 2]}\n" for i in range(10))
    table, notes = read_table(write(tmp_path, "t.csv", "x;label\n" + rows))
    assert notes == ["delimiter ';'"]
    data = prepare(table, "label", n_folds=2, notes=notes)
    assert data.X["x"].tolist() == [i + 0.5 for i in range(10)]
    assert "decimal comma" in decisions_by_column(data)["x"].reason
    assert data.schema.number_formats == {"x": NumberFormat(decimal=",")}
    assert data.notes == ["delimiter ';'"]


def test_utf8_bom_is_removed(tmp_path):
    path = write(tmp_path, "t.csv", "\ufeffname,city\nA,Zürich\nB,Köln\n")
    table, notes = read_table(path)
    assert list(table.columns) == ["name", "city"]
    assert table["city"].tolist() == ["Zürich", "Köln"]
    assert notes == []


def test_latin1_file_is_read_with_a_note(tmp_path):
    path = write(tmp_path, "t.csv", "name,city\nA,Zürich\nB,Köln\nC,Besançon\n".encode("latin-1"))
    table, notes = read_table(path)
    assert table["city"].tolist() == ["Zürich", "Köln", "Besançon"]
    assert len(notes) == 1 and "latin-1" in notes[0] and "UTF-8" in notes[0]


def test_utf16_and_gzip_files(tmp_path):
    text = "a\tb\n1\tx\n2\ty\n"
    table, notes = read_table(write(tmp_path, "t.txt", text.encode("utf-16")))
    assert table.shape == (2, 2) and "read as UTF-16" in notes
    table, notes = read_table(write(tmp_path, "t.csv.gz", gzip.compress(b"a,b\n1,2\n")))
    assert table.to_dict("list") == {"a": [1], "b": [2]}
    assert notes == ["decompressed (gzip)"]


def test_unknown_extension_is_tried_as_csv(tmp_path):
    table, notes = read_table(write(tmp_path, "export.data", "a;b\n1;2\n3;4\n"))
    assert table.shape == (2, 2)
    assert notes == ["delimiter ';'"]


def test_parquet_file(tmp_path):
    pytest.importorskip("pyarrow")
    df = pd.DataFrame({"x": [1.5, None], "s": ["a", "b"], "flag": [True, False]})
    for name in ("t.parquet", "t.pq"):
        df.to_parquet(tmp_path / name)
        table, notes = read_table(tmp_path / name)
        assert table["x"].tolist()[0] == 1.5 and table["s"].tolist() == ["a", "b"]
        assert notes == []
    # Parquet content under another extension is recognised by its magic bytes.
    os.replace(tmp_path / "t.pq", tmp_path / "t.bin")
    table, notes = read_table(str(tmp_path / "t.bin"))
    assert table.shape == (2, 3) and notes == ["read as Parquet (the content is Parquet)"]


def test_parquet_without_engine_says_what_to_install(tmp_path, monkeypatch):
    def no_engine(*args, **kwargs):
        raise ImportError("Unable to find a usable engine; tried using: 'pyarrow'")

    monkeypatch.setattr(pd, "read_parquet", no_engine)
    path = write(tmp_path, "t.parquet", b"PAR1....PAR1")
    with pytest.raises(DataError, match=r"t\.parquet.*pip install pyarrow"):
        read_table(path)


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("empty.csv", b"", r"'.*empty\.csv' is empty"),
        ("blank.csv", b"\n\n  \n", r"is empty"),
        ("header.csv", b"a,b\n", r"header\.csv' has a header but no rows"),
        ("dup.csv", b"a,b,a\n1,2,3\n", r"dup\.csv' has duplicate column names: 'a' \(2 times\)"),
        ("bin.csv", bytes(range(256)) * 4, r"bin\.csv' is not a CSV file: it holds binary data"),
        ("ragged.csv", b"a,b\n1,2\n3,4,5,6\n", r"cannot read .*ragged\.csv' as CSV: .*line 3"),
        ("prose.xyz", b"just some words\nand more words\n", r"unknown extension '\.xyz'.*not"),
        ("broken.parquet", b"PAR1 not really", r"cannot read .*broken\.parquet' as Parquet"),
        ("book.xlsx", b"PK\x03\x04", r"spreadsheet.*save the sheet as CSV"),
        ("book.csv", b"PK\x03\x04rest", r"zip archive"),
        ("bad.gz", b"\x1f\x8bnot gzip", r"cannot decompress .*bad\.gz"),
    ],
)
def test_unreadable_files(tmp_path, name, content, match):
    path = write(tmp_path, name, content)
    with pytest.raises(DataError, match=match):
        read_table(path)


def test_missing_file_and_directory(tmp_path):
    write(tmp_path, "sales.csv", "a,b\n1,2\n")
    with pytest.raises(
        DataError, match=r"no such file: .*sale\.csv'\. Did you mean 'sales\.csv'\?"
    ):
        read_table(tmp_path / "sale.csv")
    with pytest.raises(DataError, match=r"is a directory, not a table file"):
        read_table(tmp_path)


def test_file_without_permission(tmp_path, monkeypatch):
    path = write(tmp_path, "secret.csv", "a,b\n1,2\n")
    path.chmod(0)
    if os.name != "posix" or os.geteuid() == 0:  # root reads everything: refuse as the OS would

        def refuse(self):
            raise PermissionError(13, "Permission denied", str(self))

        monkeypatch.setattr(type(path), "read_bytes", refuse)
    try:
        with pytest.raises(DataError, match=r"cannot read .*secret\.csv': Permission denied"):
            read_table(path)
    finally:
        path.chmod(0o600)


def test_dataframe_errors():
    with pytest.raises(DataError, match=r"the DataFrame has duplicate column names: 'a'"):
        read_table(pd.DataFrame([[1, 2]], columns=["a", "a"]))
    with pytest.raises(DataError, match=r"the DataFrame has a header but no rows"):
        read_table(pd.DataFrame({"a": []}))
    with pytest.raises(TypeError, match=r"source must be a file path or a pandas DataFrame"):
        read_table(42)


def test_data_error_is_a_value_error():
    assert issubclass(DataError, AutoXAIError) and issubclass(DataError, ValueError)


# -- column typing -----------------------------------------------------------------------------

N = 40  # enough rows for the identifier rule (20 or more)


@pytest.mark.parametrize(
    ("values", "kind", "reason"),
    [
        ([None] * N, "empty", "every value is missing"),
        (["  ", None] * 20, "empty", "every value is missing"),
        (["a"] * (N - 1) + [None], "constant", r"the same value \('a'\) in every row that has"),
        ([3.0] * N, "constant", r"the same value \('3'\)"),
        ([True, False] * 20, "boolean", "true/false values, used as 1/0"),
        (pd.array([True, False, None] * 13 + [True], dtype="boolean"), "boolean", "missing"),
        (["Yes", "no", " YES ", None] * 10, "boolean", "yes/no values"),
        (["true", "False"] * 20, "boolean", "yes/no values"),
        (["y", "n"] * 20, "boolean", "yes/no values"),
        (["T", "f"] * 20, "boolean", "yes/no values"),
        (pd.Series([True, False, None] * 13 + [True], dtype=object), "boolean", "1/0"),
        ([0, 1] * 20, "numeric", "from 0 to 1, 2 distinct values"),
        (np.linspace(0, 1, N), "numeric", "from 0 to 1"),
        (pd.array([1, None, 3, 4] * 10, dtype="Int64"), "numeric", r"10 values missing \(25%\)"),
        ([1.0, np.inf, 2.0, 3.0] * 10, "numeric", "10 infinite values treated as missing"),
        ([str(i / 4) for i in range(N - 1)] + ["oops"], "numeric", r"1 cell .*'oops'"),
        ([" 1,5 ", "2,25", "3"] * 10, "numeric", "decimal comma"),
        (pd.Series([1, "2", 3.5, None] * 10, dtype=object), "numeric", "numbers written as text"),
        (["2020", "2021"] * 20, "numeric", "from 2020 to 2021"),  # plain numbers, not dates
        (["1.5", "x"] * 20, "categorical", "2 levels"),  # half numbers: not numeric
        (list("abc") * 13 + ["d"], "categorical", r"categories: 4 levels \('a', 'b', 'c', …\)"),
        ([f"c{i % 25}" for i in range(N)], "categorical", "high cardinality: 25 distinct values"),
        (pd.Series(list("ab") * 20, dtype="category"), "categorical", "2 levels"),
        (pd.Series([1, 2] * 20, dtype="category"), "categorical", "2 levels"),  # user said so
        ([f"person {i}" for i in range(N)], "id", "unique in every row"),
        ([" ".join(["word"] * 7 + [str(i)]) for i in range(N)], "text", "free text is not used"),
        (["x" * 60 + str(i % 30) for i in range(N)], "text", r"on average 6\d characters"),
    ],
)
def test_typing_rules(values, kind, reason):
    decision = kind_of(values)
    assert decision.kind == kind, decision.reason
    assert decision.used == (kind in ("numeric", "boolean", "categorical", "datetime"))
    assert re.search(reason, decision.reason), decision.reason


@pytest.mark.parametrize(
    ("name", "values", "kind"),
    [
        ("id", list(range(N)), "id"),  # name and consecutive
        ("x", list(np.random.default_rng(0).permutation(N)), "id"),  # consecutive, shuffled
        ("x", [float(i) for i in range(N)], "id"),  # whole floats count as whole numbers
        ("x", list(range(0, 10 * N, 10)), "id"),  # increasing row by row
        ("CustomerID", list(np.random.default_rng(1).choice(10**7, N, replace=False)), "id"),
        ("row_number", list(np.random.default_rng(2).choice(10**7, N, replace=False)), "id"),
        (
            "area",
            list(np.random.default_rng(3).choice(np.arange(500, 9000), N, replace=False)),
            "numeric",
        ),
        ("width", list(np.random.default_rng(4).choice(10**6, N, replace=False)), "numeric"),
        ("id", list(range(19)), "numeric"),  # fewer than 20 rows: no identifier rule
        ("x", [i + 0.5 for i in range(N)], "numeric"),  # not whole numbers
        ("x", [str(i) for i in range(N)], "id"),  # numbers written as text, then rule 4
        ("code", [f"A{i:04d}" for i in range(N)], "id"),  # unique strings
        ("code", [f"A{i:04d}" for i in range(19)], "categorical"),
        ("year", [2007, 2008, 2009] * 13 + [2007], "numeric"),
    ],
)
def test_identifier_rule(name, values, kind):
    decision = kind_of(values, name)
    assert decision.kind == kind, decision.reason
    if kind == "id":
        assert decision.reason.startswith("unique in every row")


def test_unique_numbers_kept_say_why():
    values = list(np.random.default_rng(3).choice(np.arange(500, 9000), N, replace=False))
    assert "unique in every row but neither consecutive" in kind_of(values, "area").reason


def test_datetime_columns():
    dates = pd.date_range("2021-01-01", periods=N, freq="D")
    typing = type_column(pd.Series(dates.astype(str)), "day")
    assert typing.decision.kind == "datetime"
    assert typing.date_parts == ("year", "month", "day", "dayofweek")
    assert typing.date_format == "ISO8601"

    stamps = pd.date_range("2021-01-01", periods=N, freq="7h")
    typing = type_column(pd.Series(stamps.astype(str)), "when")
    assert typing.date_parts == ("year", "month", "day", "dayofweek", "hour", "minute")
    assert "dates and times" in typing.decision.reason

    # Day first, found because 13/04 cannot be month first.
    text = [f"{d:02d}/03/2021" for d in range(1, 29)] + ["13/04/2021"] * 12
    typing = type_column(pd.Series(text), "d")
    assert typing.decision.kind == "datetime" and typing.date_format == "%d/%m/%Y"

    # The datetime dtype itself, with a time zone too.
    assert type_column(pd.Series(dates), "d").decision.kind == "datetime"
    zoned = pd.Series(pd.date_range("2021-01-01", periods=N, freq="h", tz="Europe/Paris"))
    assert type_column(zoned, "d").date_parts[-2:] == ("hour", "minute")

    # 90 % of the cells must be dates: 3 of 40 bad is fine, half is not.
    text = [*dates.astype(str)[:37], "never", "soon", "?"]
    decision = type_column(pd.Series(text), "d").decision
    assert decision.kind == "datetime" and "3 cells that are not dates" in decision.reason
    text = list(dates.astype(str)[:20]) + [f"w{i}" for i in range(20)]
    assert type_column(pd.Series(text), "d").decision.kind != "datetime"


# -- task inference ----------------------------------------------------------------------------


def frame_with_target(y):
    return pd.DataFrame({"x": np.linspace(0, 1, len(y)), "y": y})


@pytest.mark.parametrize(
    ("y", "task", "expected"),
    [
        (["a", "b"] * 20, "auto", "binary"),
        (list("abc") * 13 + ["a"], "auto", "multiclass"),
        ([True, False] * 20, "auto", "binary"),
        (["yes", "no"] * 20, "auto", "binary"),
        ([0, 1] * 20, "auto", "binary"),
        ([i % 10 for i in range(N * 2)], "auto", "multiclass"),  # 10 whole values
        ([i % 11 for i in range(N * 2)], "auto", "regression"),  # 11 whole values
        ([0.5, 1.5] * 20, "auto", "regression"),  # few values, but not whole numbers
        (np.linspace(0, 10, N), "auto", "regression"),
        ([0, 1] * 20, "regression", "regression"),
        (["a", "b"] * 20, "classification", "binary"),
        (list("abc") * 13 + ["a"], "classification", "multiclass"),
        ([i % 12 for i in range(N * 2)], "classification", "multiclass"),
        (["a", "b"] * 20, "binary", "binary"),
        (list("abc") * 13 + ["a"], "multiclass", "multiclass"),
        (pd.Series(["p", "q"] * 20, dtype="category"), "auto", "binary"),
    ],
)
def test_task_inference(y, task, expected):
    assert prepare(frame_with_target(y), "y", task=task).task == expected


def test_labels_stay_as_they_were():
    data = prepare(frame_with_target(["no", "yes"] * 20), "y")
    assert set(data.y) == {"no", "yes"}
    # Whole-number classes read as floats (missing targets) become integers again.
    data = prepare(frame_with_target([0.0, 1.0, np.nan, 2.0] * 10), "y")
    assert data.task == "multiclass" and data.y.dtype == np.int64
    assert data.notes[0] == "dropped 10 rows whose target is missing"
    data = prepare(frame_with_target(np.linspace(0, 10, N)), "y")
    assert data.y.dtype == np.float64


def test_unused_categories_of_a_category_target_are_not_classes():
    y = pd.Series(pd.Categorical(["a", "b"] * 20, categories=["a", "b", "c"]))
    data = prepare(frame_with_target(y), "y")
    assert data.task == "binary" and list(data.y.cat.categories) == ["a", "b"]


def test_regression_needs_a_numeric_target():
    with pytest.raises(DataError, match=r"task='regression' needs a numeric target; 'y' holds"):
        prepare(frame_with_target(["a", "b"] * 20), "y", task="regression")


# -- prepare: validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("df", "target", "kwargs", "match"),
    [
        (frame_with_target(["a", "b"] * 20), "Y", {}, r"target 'Y' is not a column.*'y'\?"),
        (frame_with_target(["a", "b"] * 20), "why", {}, r"target 'why' is not a column"),
        (frame_with_target([None] * N), "y", {}, r"target 'y' is missing in every one of the 40"),
        (frame_with_target(["a", "b", "a"]), "y", {}, r"at least as many rows as .* \(5\); .* 3"),
        (frame_with_target(["a"] * N), "y", {}, r"single class \('a'\)"),
        (
            frame_with_target(["a"] * 37 + ["b"] * 3),
            "y",
            {},
            r"class 'b' has 3 rows; lower the number of folds \(--cv\) or merge rare classes",
        ),
        (
            frame_with_target(["a"] * 30 + ["b"] * 5 + ["c"] * 5),
            "y",
            {"n_folds": 10},
            r"classes 'b' \(5 rows\), 'c' \(5 rows\)",
        ),
        (
            frame_with_target(list(range(1, 9)) * 5),
            "y",
            {"n_folds": 10},
            r"use task='regression'",
        ),
        (frame_with_target(list("abc") * 14), "y", {"task": "binary"}, r"exactly 2 classes.* 3"),
        (frame_with_target(["a", "b"] * 20), "y", {"task": "multiclass"}, r"at least 3 classes"),
        (
            frame_with_target(["a", "b"] * 20),
            "y",
            {"task": "clasification"},
            r"task must be one of .*got 'clasification'\. Did you mean 'classification'\?",
        ),
        (frame_with_target([np.inf, 1.5, 2.5] * 14), "y", {}, r"infinite values"),
        (
            pd.DataFrame({"id": range(N), "c": [1] * N, "e": [None] * N, "y": ["a", "b"] * 20}),
            "y",
            {},
            r"no column can be used as a feature \('id': unique in every row.*'c': the same "
            r"value.*'e': every value is missing\)",
        ),
        (pd.DataFrame({"y": ["a", "b"] * 20}), "y", {}, r"no column .*\(only the target\)"),
        (
            pd.DataFrame([[1.0, 2.0, "a"]] * N, columns=["x", "x", "y"]),
            "y",
            {},
            r"duplicate column names: 'x' \(2 times\)",
        ),
        (pd.DataFrame({"x": [], "y": []}), "y", {}, r"the table has no rows"),
    ],
)
def test_prepare_refuses_bad_tables(df, target, kwargs, match):
    with pytest.raises(DataError, match=match):
        prepare(df, target, **kwargs)


def test_prepare_keeps_the_input_unchanged_and_explains_every_column():
    df = pd.DataFrame(
        {
            "row_id": range(N),
            "size": ["n/a?"] + [" 1.5", "2", "3", "4"] * 9 + ["2", "3", "4"],
            "colour": ["red", "blue", None, "red"] * 10,
            "when": pd.date_range("2020-01-01", periods=N).astype(str),
            "note": [None] * N,
            "flag": ["yes", "no"] * 20,
            "sold": ["y1", "y2", "y1", None] * 10,
        }
    )
    before = df.copy()
    data = prepare(df, "sold", n_folds=3, notes=["read note"])
    pd.testing.assert_frame_equal(df, before)
    assert isinstance(data, Dataset)
    assert [d.column for d in data.decisions] == list(df.columns)
    kinds = {d.column: d.kind for d in data.decisions}
    assert kinds == {
        "row_id": "id",
        "size": "numeric",
        "colour": "categorical",
        "when": "datetime",
        "note": "empty",
        "flag": "boolean",
        "sold": "target",
    }
    assert all(isinstance(d, ColumnDecision) and d.reason for d in data.decisions)
    assert data.schema.columns == ("size", "colour", "when", "flag")
    assert list(data.X.columns) == ["size", "colour", "when", "flag"]
    assert data.n_rows_in == N and len(data.X) == len(data.y) == 30
    assert data.X.index.equals(data.y.index)
    assert data.notes[:2] == ["read note", "dropped 10 rows whose target is missing"]
    assert "rows have missing feature values; they are kept" in data.notes[2]
    assert data.y.name == "sold"
    assert "Dataset(task='binary', target='sold', rows=30" in repr(data)


def test_non_string_column_names_become_strings():
    df = pd.DataFrame({0: np.linspace(0, 1, N), 1: ["a", "b"] * 20})
    data = prepare(df, 1)
    assert data.target == "1" and data.schema.columns == ("0",)


def test_penguins():
    with resources.as_file(resources.files("autoxai.datasets") / "data" / "penguins.csv") as path:
        table, notes = read_table(path)
    data = prepare(table, "species", notes=notes)
    kinds = {d.column: d.kind for d in data.decisions}
    assert data.task == "multiclass"
    assert kinds["species"] == "target"
    assert kinds["island"] == kinds["sex"] == "categorical"
    assert kinds["year"] == "numeric"  # whole numbers, but 3 values: not an identifier
    assert all(kinds[c] == "numeric" for c in table.columns if c.endswith(("_mm", "_g")))
    assert len(data.X) == len(table) == 344  # rows with missing features are kept
    assert data.X.isna().any(axis=1).sum() == 11
    assert set(data.y) == {"Adelie", "Chinstrap", "Gentoo"}
    assert data.X["island"].dtype == object and data.X["year"].dtype == np.float64


# -- casting -----------------------------------------------------------------------------------


@pytest.fixture
def fitted():
    n = 30
    df = pd.DataFrame(
        {
            "num": np.arange(n) * 1.5,
            "ok": ["yes", "no"] * (n // 2),
            "cat": ["a", "b", "c"] * (n // 3),
            "when": pd.date_range("2021-01-01", periods=n, freq="5h").astype(str),
            "dc": ["1,5", "2,5", "3"] * (n // 3),
            "y": ["p", "q"] * (n // 2),
        }
    )
    return df, prepare(df, "y")


def test_cast_dtypes(fitted):
    _, data = fitted
    assert data.schema.kinds == {
        "num": "numeric",
        "ok": "boolean",
        "cat": "categorical",
        "when": "datetime",
        "dc": "numeric",
    }
    assert data.X.dtypes.astype(str).to_dict() == {
        "num": "float64",
        "ok": "float64",
        "cat": "object",
        "when": "datetime64[ns]",
        "dc": "float64",
    }
    assert data.X["ok"].tolist()[:2] == [1.0, 0.0]
    # Casting is idempotent: the pipeline recasts Dataset.X at fit time.
    pd.testing.assert_frame_equal(cast_features(data.X, data.schema), data.X)


def test_cast_new_rows(fitted):
    _, data = fitted
    new = pd.DataFrame(
        {
            "extra": [1, 2, 3],
            "cat": ["zzz", None, "  "],  # unseen category, missing, blank
            "ok": [None, " YES", "maybe"],
            "num": ["7", "x", None],
            "when": ["2021-05-01 10:00", "not a date", None],
            "dc": ["4,5", None, "oops"],
        },
        index=[10, 11, 12],
    )
    out = cast_features(new, data.schema)
    assert list(out.columns) == ["num", "ok", "cat", "when", "dc"]
    assert out.index.tolist() == [10, 11, 12]
    assert out["cat"].tolist()[0] == "zzz" and out["cat"].isna().tolist() == [False, True, True]
    assert out["ok"].isna().tolist() == [True, False, True] and out["ok"][11] == 1.0
    assert out["num"][10] == 7.0 and out["num"][11:].isna().all()
    assert out["when"][10] == pd.Timestamp("2021-05-01 10:00") and out["when"][11:].isna().all()
    assert out["dc"][10] == 4.5 and out["dc"][11:].isna().all()
    assert out.dtypes.astype(str).tolist() == [
        "float64",
        "float64",
        "object",
        "datetime64[ns]",
        "float64",
    ]


def test_cast_single_row_and_all_missing_row(fitted):
    df, data = fitted
    one = cast_features(df.iloc[[4]], data.schema)
    assert one.shape == (1, 5)
    pd.testing.assert_frame_equal(one, data.X.iloc[[4]])
    empty = pd.DataFrame({c: [None] for c in data.schema.columns})
    out = cast_features(empty, data.schema)
    assert out.isna().all(axis=None)
    assert out.dtypes.astype(str).tolist()[3] == "datetime64[ns]"


def test_cast_categories_are_the_same_from_any_source():
    schema = FeatureSchema(("c",), {"c": "categorical"})
    values = pd.Series([3, 3.0, " 3", "3", True, 2.5, None], dtype=object)
    assert cast_features(pd.DataFrame({"c": values}), schema)["c"].tolist()[:6] == [
        "3",
        "3",
        "3",
        "3",
        "True",
        "2.5",
    ]
    floats = pd.DataFrame({"c": [3.0, np.nan]})  # a CSV column with a missing value
    assert cast_features(floats, schema)["c"].tolist()[0] == "3"


def test_cast_booleans_from_any_source():
    schema = FeatureSchema(("b",), {"b": "boolean"})
    cases = [
        pd.Series([True, False]),
        pd.Series(["True", "false"]),
        pd.Series([1, 0]),
        pd.Series([1.0, 0.0]),
        pd.array([True, False], dtype="boolean"),
    ]
    for values in cases:
        assert cast_features(pd.DataFrame({"b": values}), schema)["b"].tolist() == [1.0, 0.0]


def test_cast_missing_columns(fitted):
    df, data = fitted
    with pytest.raises(DataError, match=r"lacks column\(s\) the model was fitted on: 'ok', 'cat'"):
        cast_features(df.drop(columns=["cat", "ok"]), data.schema)
    with pytest.raises(
        DataError,
        match=r"lacks column\(s\) the model was fitted on: 'cat'\. Did you mean",
    ):
        cast_features(df.rename(columns={"cat": "Cat"}), data.schema)
    with pytest.raises(TypeError, match=r"features must be a pandas DataFrame"):
        cast_features(df.to_numpy(), data.schema)


# -- schema and caster -------------------------------------------------------------------------


def test_schema_json_round_trip(fitted):
    _, data = fitted
    text = json.dumps(data.schema.to_dict())
    again = FeatureSchema.from_dict(json.loads(text))
    assert again == data.schema
    assert again.datetime_parts["when"][-1] == "minute"
    assert again.datetime_formats == {"when": "ISO8601"}
    assert again.number_formats == {"dc": NumberFormat(decimal=",")}
    # a schema written before number formats reads its decimal_comma list
    old = {**data.schema.to_dict(), "decimal_comma": ["dc"]}
    del old["number_formats"]
    assert FeatureSchema.from_dict(old) == data.schema


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"columns": ["a"], "kinds": {"a": "numerc"}}, r"numerc.*Did you mean 'numeric'\?"),
        ({"columns": ["a"], "kinds": {}}, r"without a kind: \['a'\]"),
        ({"columns": ["a"], "kinds": {"a": "numeric"}, "kind": {}}, r"Did you mean 'kinds'\?"),
        ({"kinds": {}}, r"needs 'columns'"),
        (
            {"columns": ["a"], "kinds": {"a": "datetime"}, "datetime_parts": {"a": ["yr"]}},
            r"datetime parts must be among",
        ),
    ],
)
def test_schema_validation(data, match):
    with pytest.raises(DataError, match=match):
        FeatureSchema.from_dict(data)


def test_feature_caster_in_a_pipeline(fitted):
    df, data = fitted
    numeric = [c for c in data.schema.columns if data.schema.kinds[c] in ("numeric", "boolean")]

    class Numeric(FeatureCaster):  # keep the test free of the preprocessing module
        def transform(self, X):
            return super().transform(X)[numeric].fillna(0.0)

    pipeline = Pipeline([("cast", Numeric(data.schema.to_dict())), ("model", LogisticRegression())])
    copy = clone(pipeline)
    assert copy.get_params()["cast__schema"] == data.schema.to_dict()
    copy.fit(df.drop(columns="y"), data.y.to_numpy())
    assert copy.predict(df.drop(columns="y").iloc[[0]]).shape == (1,)

    caster = FeatureCaster(data.schema.to_dict())
    assert clone(caster).get_params() == {"schema": data.schema.to_dict()}
    out = caster.fit_transform(df.assign(extra=1))
    pd.testing.assert_frame_equal(out, cast_features(df, data.schema))
    assert caster.get_feature_names_out().tolist() == list(data.schema.columns)
    assert caster.feature_names_in_.tolist() == list(data.schema.columns)


def test_feature_caster_checks():
    caster = FeatureCaster({"columns": ["a"], "kinds": {"a": "numeric"}})
    with pytest.raises(Exception, match="not fitted"):
        caster.transform(pd.DataFrame({"a": [1]}))
    with pytest.raises(DataError, match=r"lacks column\(s\) the model was fitted on: 'a'"):
        caster.fit(pd.DataFrame({"b": [1]}))
    with pytest.raises(DataError, match=r"Did you mean 'numeric'"):
        FeatureCaster({"columns": ["a"], "kinds": {"a": "numbers"}}).fit(pd.DataFrame({"a": [1]}))


def test_csv_round_trip_through_prepare_and_cast(tmp_path):
    """A model fitted on a CSV predicts on another CSV of the same kind, row by row."""
    rows = "".join(
        f"{i};{i % 3},5;{'ja' if i % 2 else 'nein'};{'ny'[i % 2]};2021-01-{i + 1:02d}\n"
        for i in range(25)
    )
    train = write(tmp_path, "train.csv", "id;x;word;flag;day\n" + rows)
    table, notes = read_table(train)
    data = prepare(table, "flag", notes=notes)
    assert decisions_by_column(data)["id"].kind == "id"
    assert data.schema.kinds == {"x": "numeric", "word": "categorical", "day": "datetime"}
    new, _ = read_table(write(tmp_path, "new.csv", "day;word;x\n2022-02-03;vielleicht;7,25\n"))
    out = cast_features(new, data.schema)
    assert out.to_dict("records") == [
        {"x": 7.25, "word": "vielleicht", "day": pd.Timestamp("2022-02-03")}
    ]


# -- every column kind: text read as numbers, clocks, time zones, nullable dtypes -------------


@pytest.mark.parametrize(
    ("cells", "number_format", "numbers", "words"),
    [
        (["1,234", "12,345,678.5", "-7", "999"], NumberFormat(thousands=","),
         [1234, 12345678.5, -7, 999], "thousands separators ('1,234')"),
        (["1.234,5", "2.000.000", "3,25", "7"], NumberFormat(decimal=",", thousands="."),
         [1234.5, 2000000, 3.25, 7], "thousands separators ('1.234,5')"),
        (["12.5%", "3%", "100 %", "0.5"], NumberFormat(percent=True),
         [12.5, 3, 100, 0.5], "percent signs (12% is read as 12)"),
        (["1,5%", "2%", "3,25%", "4%"], NumberFormat(decimal=",", percent=True),
         [1.5, 2, 3.25, 4], "a decimal comma and percent signs"),
        (["08:15", "8:15 PM", "23:59:59", "12:00 am"], NumberFormat(clock="time"),
         [8.25, 20.25, 23 + 59 / 60 + 59 / 3600, 0], "hours since midnight"),
        (["1 days 02:00:00", "30:15:00", "P1DT2H", "0 days 00:00:05.5"],
         NumberFormat(clock="duration"), [93600, 108900, 93600, 5.5], "used as seconds"),
    ],
)  # fmt: skip
def test_formatted_numbers_are_numbers_read_the_same_at_predict_time(
    cells, number_format, numbers, words
):
    values = pd.Series(cells * 6, name="v")
    typing = type_column(values)
    assert typing.decision.kind == "numeric", typing.decision.reason
    assert typing.number_format == number_format
    assert words in typing.decision.reason
    schema = FeatureSchema(("v",), {"v": "numeric"}, number_formats={"v": number_format})
    again = FeatureSchema.from_dict(json.loads(json.dumps(schema.to_dict())))
    # one row alone reads as it did among the others, and bad cells are missing
    for i, cell in enumerate(cells):
        frame = pd.DataFrame({"v": [cell, "not a number"]})
        assert cast_features(frame, again)["v"].tolist()[0] == pytest.approx(numbers[i])
        assert np.isnan(cast_features(frame, again)["v"].iloc[1])


def test_grouping_that_is_not_by_three_is_not_a_thousands_separator():
    assert type_column(pd.Series(["1,5", "2,25", "3"] * 10)).number_format == NumberFormat(
        decimal=","
    )
    assert type_column(pd.Series(["1.500", "2.5", "3"] * 10)).number_format is None  # 1.5
    schema = FeatureSchema(("v",), {"v": "numeric"}, number_formats={"v": {"thousands": ","}})
    assert np.isnan(cast_features(pd.DataFrame({"v": ["1,5"]}), schema)["v"].iloc[0])


def test_clock_columns_of_every_dtype():
    n = 30
    times = pd.Series([dt.time(h % 24, 30) for h in range(n)])
    durations = pd.Series(pd.to_timedelta(np.arange(n) * 90, unit="s"))
    for values, clock, first in ((times, "time", 0.5), (durations, "duration", 0.0)):
        typing = type_column(values, "c")
        assert typing.decision.kind == "numeric" and typing.number_format.clock == clock
        schema = FeatureSchema(("c",), {"c": "numeric"}, {}, {}, {"c": typing.number_format})
        assert cast_features(pd.DataFrame({"c": values}), schema)["c"].iloc[0] == first
    # durations increasing row by row are not taken for an identifier
    assert type_column(durations, "c").decision.used


def test_dates_with_utc_offsets_are_utc_whatever_the_other_rows():
    cells = [f"2024-03-{d:02d}T10:00:00{z}" for d in range(1, 21) for z in ("+01:00", "-05:00")]
    typing = type_column(pd.Series(cells), "when")
    assert typing.decision.kind == "datetime"
    assert "UTC offset converted to UTC" in typing.decision.reason
    schema = FeatureSchema(("when",), {"when": "datetime"}, {"when": DATE_PARTS},
                           {"when": typing.date_format})  # fmt: skip
    alone = cast_features(pd.DataFrame({"when": cells[:1]}), schema)["when"].iloc[0]
    together = cast_features(pd.DataFrame({"when": cells}), schema)["when"].iloc[0]
    assert alone == together == pd.Timestamp("2024-03-01 09:00")
    zoned = pd.Series(pd.date_range("2024-01-01", periods=30, freq="7h", tz="Europe/Paris"))
    assert "time zone Europe/Paris, converted to UTC" in type_column(zoned).decision.reason
    written = pd.DataFrame({"when": zoned.astype(str)})
    assert cast_features(written, schema)["when"].equals(
        cast_features(pd.DataFrame({"when": zoned}), schema)["when"]
    )  # the same from a CSV file as from a time-zone dtype


def test_nullable_dtypes_and_unused_levels():
    n = 30
    table = pd.DataFrame({
        "count": pd.array([*range(n - 2), None, None], dtype="Int64"),
        "flag": pd.array([True, False] * (n // 2 - 1) + [None, None], dtype="boolean"),
        "word": pd.array(["a", "b", "c"] * (n // 3 - 1) + ["a", None, None], dtype="string"),
        "level": pd.Categorical(["a", "b"] * (n // 2), categories=["a", "b", "unused"]),
        "y": ["p", "q", "r"] * (n // 3),
    })  # fmt: skip
    data = prepare(table, "y", n_folds=3)
    assert data.schema.kinds == {"count": "numeric", "flag": "boolean",
                                 "word": "categorical", "level": "categorical"}  # fmt: skip
    assert "2 levels" in decisions_by_column(data)["level"].reason
    assert data.X["count"].isna().sum() == 2 and data.X["flag"].isna().sum() == 2


def test_a_schema_pickled_before_number_formats_still_loads():
    schema = FeatureSchema(("x",), {"x": "numeric"})
    old = FeatureSchema.__new__(FeatureSchema)
    state = {k: v for k, v in schema.__dict__.items() if k != "number_formats"}
    old.__setstate__({**state, "decimal_comma": ("x",)})
    assert old.number_formats == {"x": NumberFormat(decimal=",")}
    assert cast_features(pd.DataFrame({"x": ["1,5"]}), old)["x"].iloc[0] == 1.5


def test_casting_a_cast_table_copies_no_numbers_and_edits_do_not_leak():
    # a search casts each fold again (FeatureCaster): already float64, nothing to copy
    from autoxai.automl._columns import _shared_safely

    schema = FeatureSchema(("a", "b"), {"a": "numeric", "b": "numeric"})
    frame = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [np.inf, 2.0, 0.5]})
    out = cast_features(frame, schema)
    assert out["b"].tolist()[0] != out["b"].tolist()[0]  # inf is still made missing
    if _shared_safely():
        assert np.shares_memory(out["a"].to_numpy(), frame["a"].to_numpy())
    frame.loc[0, "a"] = 99.0  # the caller's later edit
    assert out["a"].tolist()[0] == 1.0
