"""Strict JSON for any value a table can hold (autoxai._json)."""

import datetime as dt
import decimal
import json

import numpy as np
import pandas as pd
import pytest

from autoxai._json import dumps, jsonable, write_json


def strict_loads(text):
    """json.loads that refuses NaN and Infinity, as JavaScript's JSON.parse does."""

    def refuse(name):
        raise ValueError(f"not strict JSON: {name}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (float("nan"), None),
        (float("inf"), None),
        (np.float32("-inf"), None),
        (np.float64(1.5), 1.5),
        (np.int64(3), 3),
        (np.uint8(7), 7),
        (np.bool_(True), True),
        (pd.NA, None),
        (pd.NaT, None),
        (np.datetime64("NaT"), None),
        (np.timedelta64("NaT"), None),
        (pd.Timestamp("2024-01-01"), "2024-01-01T00:00:00"),
        (pd.Timestamp("2024-01-01 10:00", tz="Europe/Paris"), "2024-01-01T10:00:00+01:00"),
        (dt.date(2024, 2, 29), "2024-02-29"),
        (dt.time(8, 15), "08:15:00"),
        (np.datetime64("2024-01-02T03:04:05", "ns"), "2024-01-02T03:04:05"),
        (pd.Timedelta("1 days 02:00:00"), "P1DT2H0M0S"),
        (dt.timedelta(seconds=90), "P0DT0H1M30S"),
        (np.timedelta64(5, "s"), "P0DT0H0M5S"),
        (b"ab\xff", "ab\ufffd"),
        (decimal.Decimal("2.5"), 2.5),
        (decimal.Decimal("NaN"), None),
        ({1: 2, pd.Timestamp("2024-01-01"): 3}, {"1": 2, "2024-01-01T00:00:00": 3}),
        ({3, 1}, [1, 3]),
        (np.array([[1.0, np.nan], [np.inf, 2.0]]), [[1.0, None], [None, 2.0]]),
        (np.array(["2024-01-01"], dtype="datetime64[ns]"), ["2024-01-01T00:00:00"]),
        (pd.Series([pd.Timedelta(1, "h"), pd.NaT]), ["P0DT1H0M0S", None]),
        (pd.array([1, None], dtype="Int64"), [1, None]),
        (np.array(7), 7),
    ],
)
def test_every_value_becomes_strict_json(value, expected):
    assert jsonable(value) == expected
    assert strict_loads(dumps({"v": value})) == {"v": expected}


def test_unknown_objects_are_written_as_text():
    class Thing:
        def __str__(self):
            return "a thing"

    assert strict_loads(dumps([Thing()])) == ["a thing"]


def test_write_json_replaces_the_file_whole(tmp_path):
    path = tmp_path / "run.json"
    path.write_text("old")
    write_json(path, {"x": float("nan"), "when": pd.Timestamp("2024-01-01")})
    assert strict_loads(path.read_text()) == {"x": None, "when": "2024-01-01T00:00:00"}
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]  # no temporary left
