"""The data layer of AutoML: read a table, type its columns, infer the task, cast features.

Reading (:func:`read_table`)
----------------------------
* A pandas DataFrame is copied, never modified.
* ``.parquet`` / ``.pq`` files are read with pandas (pyarrow needed); so is a file of
  any name whose content starts with the Parquet magic bytes.
* Anything else is read as CSV (``.csv``, ``.tsv``, ``.txt``; for other extensions the
  content must look like a table of at least two columns). gzip, bz2 and xz compressed
  files are decompressed first.

  - Encoding: UTF-8, with or without byte-order mark; UTF-16 with a byte-order mark;
    otherwise Windows-1252, the superset of latin-1 that Excel writes (latin-1 itself
    when even that fails). A fallback is recorded in the notes.
  - Delimiter: each of ``,`` ``;`` TAB ``|`` splits the first 64 kB with the ``csv``
    module; the winner gives more than one column, the same number of fields in the
    header as in most rows, and the largest share of rows with that number. A delimiter
    other than the comma is recorded in the notes.
  - Duplicate column names are read from the header itself (pandas would rename the
    second ``a`` to ``a.1``) and refused.

Column typing (:func:`prepare`)
-------------------------------
Each column gets a kind and a reason in plain words (:class:`ColumnDecision`); only
numeric, boolean, categorical and datetime columns are model features. The rules, tried
in this order (missing means NaN/None/NA/NaT or a blank string):

1. Every value missing: **empty**, dropped. A single distinct value among the others:
   **constant**, dropped.
2. datetime dtype: **datetime** (with a time zone: converted to UTC, as text is);
   timedelta dtype: **numeric**, in seconds.
3. bool dtype (also pandas' nullable ``boolean``): **boolean** (cast to 1.0/0.0,
   missing stays NaN).
4. numeric dtype (also the nullable ``Int64``, ``Float64``): **numeric**, except whole
   numbers that are different in every row (20 rows or more) *and* look like an
   identifier: named like one (``id``, ``CustomerID``, ``row_number``, ``key``, ...),
   consecutive (spanning at most 1.1
   times the number of rows) or increasing from row to row: **id**, dropped. Unique
   whole numbers with none of these signs (a measured quantity on a small table) stay
   numeric. 0/1 numbers stay numeric.
5. ``category`` dtype: the user said categorical, so **categorical** (or **id** when
   different in every row of 20 or more); unused levels are ignored.
6. Text (``object``, ``str`` or ``string`` dtype):

   a. values within one of {true, false}, {yes, no}, {y, n}, {t, f} (stripped,
      any case): **boolean**;
   b. at least 95 % of the cells parse as numbers: **numeric**, then rule 4 on the
      numbers; the other cells become NaN and the reason counts them. How the numbers
      are written is found from the cells and kept for predict time
      (:class:`~autoxai.automl._columns.NumberFormat`): percent signs (``12.5%`` is
      12.5), thousands separators (``1,234.5``; ``1.234,5``), a decimal comma (only if
      no cell has a dot);
   c. else at least 95 % are times of day (``08:15``, ``8:15 PM``, ``datetime.time``):
      **numeric**, hours since midnight; or durations (``1 days 02:00:00``,
      ``30:15:00``, ``P1DT2H``): **numeric**, seconds;
   d. at least 90 % of the cells parse as dates with one format guessed from the values
      (month first or day first, whichever parses more; ISO 8601 in all its variants);
      plain numbers are never dates: **datetime**. Times written with a UTC offset
      (``+01:00``, ``Z``; mixed offsets in one column too) are converted to UTC, so a
      row reads the same alone as among others; the reason says so;
   e. mostly distinct (over 50 %) and long (over 50 characters on average) or wordy
      (6 words or more on average): **text**, dropped ("free text is not used yet");
   f. different in every row (20 rows or more): **id**, dropped;
   g. otherwise **categorical**; over 20 levels is "high cardinality" and the reason
      gives the count (the preprocessing groups rare levels).

7. The target column: **target**, not a feature.

A datetime column is used as year, month, day and day of week, plus hour and minute
when some value has a time of day (:attr:`FeatureSchema.datetime_parts`).

Task inference (``task="auto"``)
--------------------------------
A boolean or non-numeric target is classification: "binary" with two classes,
"multiclass" with more. A numeric target whose values are all whole numbers with at
most 10 distinct values is classification too; any other numeric target is
"regression". ``task`` may also be "binary", "multiclass", "classification" (binary
or multiclass by the number of classes) or "regression" (the target must be numeric).

Rows whose target is missing are dropped (with a note); rows with missing features are
kept (the pipelines impute). :func:`prepare` refuses a table it cannot learn from,
saying which rule failed and with what value.

Casting (:func:`cast_features`, :class:`FeatureCaster`)
-------------------------------------------------------
The same function casts at fit and at predict time, from the :class:`FeatureSchema`
alone: numeric to ``float64`` (text parsed with the column's number format, as at fit;
unparseable and infinite values NaN), boolean to ``float64`` 1/0/NaN, categorical to
``object`` strings (stripped, whole numbers without ``.0``, missing as ``np.nan``;
unseen categories pass through), datetime to ``datetime64[ns]`` (unparseable NaT).
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import lzma
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from autoxai._utils import check_columns, check_int, did_you_mean, suggest
from autoxai.automl._columns import (
    BOOLEAN_PAIRS,
    DATE_PARTS,
    FEATURE_KINDS,
    ColumnDecision,
    NumberFormat,
    category_strings,
    missing_mask,
    parse_booleans,
    parse_datetimes,
    parse_numbers,
    type_column,
)
from autoxai.exceptions import DataError, ParameterTypeError

__all__ = [
    "TASKS",
    "ColumnDecision",
    "Dataset",
    "FeatureCaster",
    "FeatureSchema",
    "cast_features",
    "prepare",
    "read_table",
]

#: Accepted values of ``task``.
TASKS = ("auto", "binary", "multiclass", "classification", "regression")
#: A whole-number target with at most this many distinct values is classification.
MAX_INTEGER_CLASSES = 10

_DELIMITERS = (",", ";", "\t", "|")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_CSV_SUFFIXES = (".csv", ".tsv", ".tab", ".txt", ".dat")
_SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
_SNIFF_CHARS = 65536
_CONTROL_BYTES = [b for b in range(32) if b not in (9, 10, 12, 13)]  # absent from text
_COMPRESSIONS = (  # magic bytes, name, decompress
    (b"\x1f\x8b", "gzip", gzip.decompress),
    (b"BZh", "bz2", bz2.decompress),
    (b"\xfd7zXZ\x00", "xz", lzma.decompress),
)


# -- reading -----------------------------------------------------------------------------------


def read_table(source: str | os.PathLike | pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Read a CSV or Parquet file (or copy a DataFrame) and say how it was read.

    Parameters
    ----------
    source : str, os.PathLike or pandas.DataFrame
        Path of a CSV file (delimiter and encoding detected, see the module notes),
        of a Parquet file (``.parquet``/``.pq``, needs pyarrow), or a DataFrame, which
        is copied.

    Returns
    -------
    table : pandas.DataFrame
        The table, at least one row and one column, column names unique.
    notes : list of str
        How the file was read when it was not the default, e.g. ``"delimiter ';'"``
        or ``"not valid UTF-8: read as Windows-1252 (latin-1)"``.

    Raises
    ------
    DataError
        Missing file, a directory, an unreadable, corrupt or empty file, a table
        without rows, duplicate column names, a file that is not a table.

    Examples
    --------
    >>> import pandas as pd
    >>> table, notes = read_table(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
    >>> table.shape, notes
    ((2, 2), [])
    """
    if isinstance(source, pd.DataFrame):
        return _check_frame(source.copy(), "the DataFrame"), []
    if not isinstance(source, (str, os.PathLike)):
        raise ParameterTypeError(
            f"source must be a file path or a pandas DataFrame, got {type(source).__name__}"
        )
    path = Path(source).expanduser()
    name = repr(str(path))
    if not path.exists():
        hint = ""
        if path.parent.is_dir():
            hint = did_you_mean(path.name, (p.name for p in path.parent.iterdir()))
        raise DataError(f"no such file: {name}.{hint}".rstrip("."))
    if path.is_dir():
        raise DataError(f"{name} is a directory, not a table file (CSV or Parquet)")
    suffix = path.suffix.lower()
    if suffix in _SPREADSHEET_SUFFIXES:
        raise DataError(
            f"{name} is a spreadsheet ({suffix}); autoxai reads CSV and Parquet: "
            "save the sheet as CSV"
        )
    if suffix in _PARQUET_SUFFIXES:
        return _check_frame(_read_parquet(path, name), name), []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {name}: {exc.strerror or exc}") from None
    if raw.startswith(b"PAR1"):
        table = _read_parquet(path, name)
        return _check_frame(table, name), ["read as Parquet (the content is Parquet)"]
    raw, notes = _decompress(raw, name)
    if notes:  # "data.csv.gz": judge by the extension under the compression's
        suffix = Path(path.stem).suffix.lower()
    table, more = _read_csv(raw, name, strict=suffix not in _CSV_SUFFIXES, suffix=suffix)
    return _check_frame(table, name), notes + more


def _check_frame(table: pd.DataFrame, name: str) -> pd.DataFrame:
    duplicates = _duplicates(table.columns)
    if duplicates:
        raise DataError(f"{name} has duplicate column names: {duplicates}; rename them")
    if table.shape[1] == 0:
        raise DataError(f"{name} has no columns")
    if table.shape[0] == 0:
        raise DataError(f"{name} has a header but no rows")
    return table


def _duplicates(names: Iterable[object]) -> str:
    counts = Counter(str(n) for n in names)
    return ", ".join(f"{n!r} ({k} times)" for n, k in counts.items() if k > 1)


def _read_parquet(path: Path, name: str) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except ImportError:
        raise DataError(
            f"reading the Parquet file {name} needs pyarrow: pip install pyarrow"
        ) from None
    except (ValueError, OSError, TypeError, KeyError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"cannot read {name} as Parquet (corrupt file?): {detail}") from None


def _decompress(raw: bytes, name: str) -> tuple[bytes, list[str]]:
    if raw.startswith(b"PK\x03\x04"):
        raise DataError(
            f"{name} is a zip archive (an Excel .xlsx workbook is one); "
            "unzip it, or save the sheet as CSV"
        )
    for magic, kind, decompress in _COMPRESSIONS:
        if raw.startswith(magic):
            try:
                return decompress(raw), [f"decompressed ({kind})"]
            except (OSError, EOFError, ValueError) as exc:
                raise DataError(f"cannot decompress {name} ({kind}): {exc}") from None
    return raw, []


def _decode(raw: bytes, name: str) -> tuple[str, str, list[str]]:
    """The text, the encoding that read it, and a note when that was not UTF-8."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16", ["read as UTF-16"]
        except UnicodeDecodeError:
            raise DataError(f"cannot read {name}: it starts as UTF-16 but is not") from None
    sample = raw[:_SNIFF_CHARS]
    controls = sum(sample.count(bytes([b])) for b in _CONTROL_BYTES)
    if b"\x00" in raw or controls > 0.01 * len(sample):
        raise DataError(f"{name} is not a CSV file: it holds binary data")
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig", []
    except UnicodeDecodeError as exc:
        where = f"at byte {exc.start}"
    try:
        text = raw.decode("cp1252")
        return text, "cp1252", [f"not valid UTF-8 ({where}): read as Windows-1252 (latin-1)"]
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1", [f"not valid UTF-8 ({where}): read as latin-1"]


def _lines(text: str) -> Iterable[str]:
    """The lines of ``text``, ends kept, one at a time (``io.StringIO(text)`` would copy
    all of it, at up to 4 bytes a character, to read the header)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _sniff(text: str) -> tuple[str, int]:
    """The delimiter among , ; TAB | giving the most consistent columns, and their number."""
    lines = text[:_SNIFF_CHARS].splitlines()
    if len(text) > _SNIFF_CHARS and len(lines) > 1:
        lines = lines[:-1]  # probably cut in the middle
    best, best_score = ",", None
    for delimiter in _DELIMITERS:
        try:
            counts = [
                len(r) for r in csv.reader(lines, delimiter=delimiter, skipinitialspace=True) if r
            ]
        except csv.Error:
            continue
        if not counts:
            continue
        n_columns, n_rows = Counter(counts).most_common(1)[0]
        score = (n_columns > 1, counts[0] == n_columns, n_rows / len(counts), n_columns)
        if best_score is None or score > best_score:
            best, best_score = delimiter, score
    if best_score is None or not best_score[0]:
        return ",", 1
    return best, best_score[3]


def _read_csv(raw: bytes, name: str, *, strict: bool, suffix: str) -> tuple[pd.DataFrame, list]:
    """The table in ``raw`` and notes on how it was read.

    The text is decoded whole (to check the encoding, sniff the delimiter and read the
    header) and then dropped: pandas parses the bytes themselves, so a large file is
    held at most twice (bytes and text) and never as a 4-byte-per-character buffer.
    """
    if not raw or raw.isspace():  # not raw.strip(): that copies the whole file
        raise DataError(f"{name} is empty")
    text, encoding, notes = _decode(raw, name)
    if not text or text.isspace():
        raise DataError(f"{name} is empty")
    delimiter, n_columns = _sniff(text)
    if strict and n_columns < 2:
        raise DataError(
            f"{name} has the unknown extension {suffix or '(none)'!r} and its content is not "
            "a CSV table either (no delimiter among , ; TAB | splits it into columns); "
            f"autoxai reads {', '.join(_CSV_SUFFIXES + _PARQUET_SUFFIXES)} files"
        )
    rows = csv.reader(_lines(text), delimiter=delimiter, skipinitialspace=True)
    try:
        header = next(row for row in rows if row)  # pandas skips blank lines too
    except (csv.Error, StopIteration):
        header = []
    del rows, text  # the text's last reference: pandas reads the bytes
    duplicates = _duplicates(h for h in header if h.strip())
    if duplicates:
        raise DataError(f"{name} has duplicate column names: {duplicates}; rename them")
    try:
        table = pd.read_csv(
            io.BytesIO(raw), sep=delimiter, skipinitialspace=True, low_memory=False,
            encoding=encoding,
        )  # fmt: skip
    except pd.errors.EmptyDataError:
        raise DataError(f"{name} is empty") from None
    except (pd.errors.ParserError, ValueError) as exc:
        detail = str(exc).strip().splitlines()[-1]
        hint = ""
        if "Expected" in detail:
            hint = f" (is a {_delimiter_name(delimiter)} inside a value that is not quoted?)"
        raise DataError(f"cannot read {name} as CSV: {detail}{hint}") from None
    if delimiter != ",":
        notes.append(f"delimiter {_delimiter_name(delimiter)}")
    return table, notes


def _delimiter_name(delimiter: str) -> str:
    return "TAB" if delimiter == "\t" else repr(delimiter)


# -- the schema --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureSchema:
    """Everything needed to turn raw columns into model input, at fit and predict time.

    Parameters
    ----------
    columns : tuple of str
        The feature columns, in the table's order.
    kinds : dict
        Column -> ``"numeric"``, ``"boolean"``, ``"categorical"`` or ``"datetime"``.
    datetime_parts : dict
        Datetime column -> the parts it is expanded into, from ``("year", "month",
        "day", "dayofweek", "hour", "minute")``.
    datetime_formats : dict
        Datetime column -> the format its text was parsed with (a ``strftime`` format
        or ``"ISO8601"``); absent when the column was a datetime dtype already.
    number_formats : dict
        Numeric column -> :class:`NumberFormat` (a decimal comma, thousands separators,
        percent signs, times of day, durations), for columns that are not plain numbers.
        A dict of dicts (:meth:`NumberFormat.to_dict`) is accepted.

    Examples
    --------
    >>> schema = FeatureSchema(("age", "city"), {"age": "numeric", "city": "categorical"})
    >>> FeatureSchema.from_dict(schema.to_dict()) == schema
    True
    """

    columns: tuple[str, ...]
    kinds: dict[str, str]
    datetime_parts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    datetime_formats: dict[str, str] = field(default_factory=dict)
    number_formats: dict[str, NumberFormat] = field(default_factory=dict)

    def __post_init__(self) -> None:
        columns = tuple(str(c) for c in self.columns)
        kinds = {str(c): str(k) for c, k in dict(self.kinds).items()}
        parts = {str(c): tuple(p) for c, p in dict(self.datetime_parts).items()}
        formats = {str(c): str(f) for c, f in dict(self.datetime_formats).items()}
        number_formats = {
            str(c): f if isinstance(f, NumberFormat) else NumberFormat(**f)
            for c, f in dict(self.number_formats).items()
        }
        if len(set(columns)) != len(columns):
            raise DataError(f"schema columns must be unique, got {_duplicates(columns)}")
        if set(kinds) != set(columns):
            raise DataError(
                "schema kinds must name exactly the columns; "
                f"without a kind: {sorted(set(columns) - set(kinds))}, "
                f"not a column: {sorted(set(kinds) - set(columns))}"
            )
        for column, kind in kinds.items():
            if kind not in FEATURE_KINDS:
                raise DataError(
                    f"kind of column {column!r} must be one of {', '.join(FEATURE_KINDS)}; "
                    f"got {kind!r}." + did_you_mean(kind, FEATURE_KINDS)
                )
        for column, column_parts in parts.items():
            if kinds.get(column) != "datetime":
                raise DataError(f"datetime_parts names {column!r}, which is not a datetime column")
            unknown = [p for p in column_parts if p not in DATE_PARTS]
            if unknown:
                raise DataError(
                    f"datetime parts must be among {', '.join(DATE_PARTS)}; got {unknown[0]!r}."
                    + did_you_mean(unknown[0], DATE_PARTS)
                )
        for column in formats:
            if kinds.get(column) != "datetime":
                raise DataError(
                    f"datetime_formats names {column!r}, which is not a datetime column"
                )
        for column in number_formats:
            if kinds.get(column) != "numeric":
                raise DataError(f"number_formats names {column!r}, which is not a numeric column")
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "kinds", kinds)
        object.__setattr__(self, "datetime_parts", parts)
        object.__setattr__(self, "datetime_formats", formats)
        object.__setattr__(self, "number_formats", number_formats)

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickle, also a schema saved before number formats (``decimal_comma``)."""
        state = dict(state)
        comma = state.pop("decimal_comma", ())
        state.setdefault("number_formats", {c: NumberFormat(decimal=",") for c in comma})
        self.__dict__.update(state)

    def to_dict(self) -> dict[str, Any]:
        """Plain lists and dicts, ready for :func:`json.dumps`."""
        return {
            "columns": list(self.columns),
            "kinds": dict(self.kinds),
            "datetime_parts": {c: list(p) for c, p in self.datetime_parts.items()},
            "datetime_formats": dict(self.datetime_formats),
            "number_formats": {c: f.to_dict() for c, f in self.number_formats.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureSchema:
        """The inverse of :meth:`to_dict` (also accepts a :class:`FeatureSchema`)."""
        if isinstance(data, FeatureSchema):
            return data
        if not isinstance(data, Mapping):
            raise ParameterTypeError(
                f"a feature schema must be a dict or a FeatureSchema, got {type(data).__name__}"
            )
        known = (
            "columns",
            "kinds",
            "datetime_parts",
            "datetime_formats",
            "number_formats",
            "decimal_comma",
        )  # fmt: skip (decimal_comma: written before number formats)
        for key in data:
            if key not in known:
                raise DataError(f"unknown feature schema key {key!r}." + did_you_mean(key, known))
        for key in ("columns", "kinds"):
            if key not in data:
                raise DataError(f"a feature schema needs {key!r}")
        return cls(
            columns=tuple(data["columns"]),
            kinds=dict(data["kinds"]),
            datetime_parts=dict(data.get("datetime_parts", {})),
            datetime_formats=dict(data.get("datetime_formats", {})),
            number_formats={
                **{c: {"decimal": ","} for c in data.get("decimal_comma", ())},
                **dict(data.get("number_formats", {})),
            },
        )


# -- casting -----------------------------------------------------------------------------------


def cast_features(df: pd.DataFrame, schema: FeatureSchema | Mapping[str, Any]) -> pd.DataFrame:
    """The schema's columns of ``df``, in the schema's order, cast to their kinds.

    Extra columns are ignored; a missing one is an error. Works the same on the training
    table, on new rows, on a single row and on values missing only at predict time.

    Parameters
    ----------
    df : pandas.DataFrame
        Raw columns, as read by :func:`read_table`.
    schema : FeatureSchema or dict
        From :attr:`Dataset.schema` (or its :meth:`FeatureSchema.to_dict`).

    Returns
    -------
    pandas.DataFrame
        numeric and boolean columns as ``float64``, categorical as ``object`` strings
        (missing: ``np.nan``), datetime as ``datetime64[ns]``; same index as ``df``.

    Examples
    --------
    >>> import pandas as pd
    >>> schema = FeatureSchema(("n", "ok"), {"n": "numeric", "ok": "boolean"})
    >>> cast_features(pd.DataFrame({"ok": ["yes"], "n": ["1.5"], "extra": [0]}), schema)
         n   ok
    0  1.5  1.0
    """
    schema = FeatureSchema.from_dict(schema)
    if not isinstance(df, pd.DataFrame):
        raise ParameterTypeError(
            f"features must be a pandas DataFrame with named columns, got {type(df).__name__}"
        )
    names = [str(c) for c in df.columns]
    check_columns(schema.columns, names)
    duplicates = _duplicates(n for n in names if n in schema.kinds)
    if duplicates:
        raise DataError(f"duplicate feature columns: {duplicates}")
    position = {n: i for i, n in enumerate(names)}
    out = {}
    for column in schema.columns:
        values = df.iloc[:, position[column]]
        kind = schema.kinds[column]
        if kind == "numeric":
            out[column] = parse_numbers(values, number_format=schema.number_formats.get(column))
        elif kind == "boolean":
            out[column] = parse_booleans(values)
        elif kind == "categorical":
            out[column] = category_strings(values)
        else:
            out[column] = parse_datetimes(values, date_format=schema.datetime_formats.get(column))
    # copy=False: each column is new, or (numbers cast already, as in a search's folds)
    # the input's own, shared copy-on-write; consolidating them would copy the table
    return pd.DataFrame(out, index=df.index, columns=list(schema.columns), copy=False)


class FeatureCaster(TransformerMixin, BaseEstimator):
    """First step of every pipeline: select the feature columns and cast them.

    A scikit-learn transformer around :func:`cast_features`, so a fitted pipeline takes
    the user's raw table (extra columns, text numbers, new categories and all).

    Parameters
    ----------
    schema : dict
        :meth:`FeatureSchema.to_dict` output, stored as given (so ``clone`` and
        ``get_params`` work); a :class:`FeatureSchema` is accepted too.

    Attributes
    ----------
    schema_ : FeatureSchema
        The schema, checked.
    feature_names_in_ : numpy.ndarray
        The schema's columns (other columns of ``X`` are ignored).
    n_features_in_ : int

    Examples
    --------
    >>> import pandas as pd
    >>> caster = FeatureCaster({"columns": ["x"], "kinds": {"x": "numeric"}})
    >>> caster.fit_transform(pd.DataFrame({"x": ["1", "a"]}))["x"].tolist()
    [1.0, nan]
    """

    def __init__(self, schema: Mapping[str, Any] | FeatureSchema) -> None:
        self.schema = schema

    def fit(self, X: pd.DataFrame, y: object = None) -> FeatureCaster:
        """Check the schema and that ``X`` has its columns; nothing is learnt."""
        schema = FeatureSchema.from_dict(self.schema)
        cast_features(X.iloc[:0] if isinstance(X, pd.DataFrame) else X, schema)
        self.schema_ = schema
        self.feature_names_in_ = np.asarray(schema.columns, dtype=object)
        self.n_features_in_ = len(schema.columns)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """:func:`cast_features` with the fitted schema."""
        check_is_fitted(self, "schema_")
        return cast_features(X, self.schema_)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """The schema's columns (the caster neither adds nor renames columns)."""
        check_is_fitted(self, "schema_")
        return np.asarray(self.schema_.columns, dtype=object)


# -- the dataset -------------------------------------------------------------------------------


@dataclass(repr=False)
class Dataset:
    """A table ready for AutoML: features cast, target checked, every decision explained.

    Attributes
    ----------
    X : pandas.DataFrame
        The feature columns only, cast by :func:`cast_features` (original index kept).
    y : pandas.Series
        The target, rows with a missing target removed. Class labels as they were
        (strings stay strings; whole numbers read as floats because of missing targets
        become integers again); ``float64`` for regression.
    task : str
        ``"binary"``, ``"multiclass"`` or ``"regression"``.
    target : str
    schema : FeatureSchema
    decisions : list of ColumnDecision
        One per input column, target included, in the table's order.
    notes : list of str
        File- and row-level notes (how the file was read, dropped rows, ...).
    n_rows_in : int
        Rows before any was dropped.
    """

    X: pd.DataFrame
    y: pd.Series
    task: str
    target: str
    schema: FeatureSchema
    decisions: list[ColumnDecision]
    notes: list[str]
    n_rows_in: int

    def __repr__(self) -> str:
        return (
            f"Dataset(task={self.task!r}, target={self.target!r}, rows={len(self.X)}, "
            f"features={len(self.schema.columns)} of {len(self.decisions) - 1} columns)"
        )


def _check_task(task: object) -> str:
    if not isinstance(task, str) or task not in TASKS:
        raise DataError(
            f"task must be one of {', '.join(map(repr, TASKS))}; got {task!r}."
            + did_you_mean(str(task), TASKS)
        )
    return task


def _string_columns(df: pd.DataFrame) -> pd.DataFrame:
    duplicates = _duplicates(df.columns)
    if duplicates:
        raise DataError(f"the table has duplicate column names: {duplicates}; rename them")
    if all(isinstance(c, str) for c in df.columns):
        return df
    return df.set_axis([str(c) for c in df.columns], axis=1)


def _target_values(y: pd.Series) -> tuple[str, pd.Series | None]:
    """``("boolean" | "labels" | "numbers", numbers or None)`` for a non-missing target."""
    if ptypes.is_bool_dtype(y.dtype) and not ptypes.is_object_dtype(y.dtype):
        return "boolean", None
    if isinstance(y.dtype, pd.CategoricalDtype):
        return "labels", None
    if ptypes.is_numeric_dtype(y.dtype):
        return "numbers", parse_numbers(y)
    words = {str(v).strip().lower() for v in y.unique()}
    if any(words <= pair for pair in BOOLEAN_PAIRS):
        return "boolean", None
    numbers = parse_numbers(y)
    if numbers.notna().all():
        return "numbers", numbers
    return "labels", None


def _plain(value):
    """A NumPy scalar as the Python value it holds, so messages show 3, not np.int64(3)."""
    return value.item() if isinstance(value, np.generic) else value


def _classes_text(counts: pd.Series) -> str:
    shown = ", ".join(f"{_plain(c)!r}: {k}" for c, k in list(counts.items())[:5])
    return shown + (", …" if len(counts) > 5 else "")


def _infer_task(
    y: pd.Series, target: str, task: str, n_folds: int
) -> tuple[str, pd.Series, ColumnDecision]:
    kind, numbers = _target_values(y)
    if task == "regression":
        if kind != "numbers":
            raise DataError(
                f"task='regression' needs a numeric target; {target!r} holds "
                f"{'true/false values' if kind == 'boolean' else 'labels'} such as "
                f"{y.iloc[0]!r}: use task='classification'"
            )
        classification = False
    elif task == "auto" and kind == "numbers":
        whole = bool((numbers % 1 == 0).all())
        classification = whole and numbers.nunique() <= MAX_INTEGER_CLASSES
    else:
        classification = True

    if not classification:
        if not np.isfinite(numbers.to_numpy()).all():
            raise DataError(f"target {target!r} has infinite values; regression needs finite ones")
        reason = f"the target: regression on numbers from {numbers.min():g} to {numbers.max():g}"
        return "regression", numbers.rename(target), ColumnDecision(target, "target", False, reason)

    labels = y
    if isinstance(y.dtype, pd.CategoricalDtype):
        labels = y.cat.remove_unused_categories()  # else they count as classes of 0 rows
    if kind == "numbers" and ptypes.is_float_dtype(y.dtype) and bool((numbers % 1 == 0).all()):
        labels = y.astype("int64")  # 0.0/1.0 only because missing targets made it float
    counts = labels.value_counts()
    if len(counts) < 2:
        raise DataError(
            f"target {target!r} has a single class ({_plain(counts.index[0])!r}) in every row: "
            "a classifier needs at least 2 classes"
        )
    if task == "binary" and len(counts) != 2:
        raise DataError(
            f"task='binary' needs exactly 2 classes; target {target!r} has {len(counts)} "
            f"({_classes_text(counts)}): use task='multiclass' or 'classification'"
        )
    if task == "multiclass" and len(counts) < 3:
        raise DataError(
            f"task='multiclass' needs at least 3 classes; target {target!r} has 2 "
            f"({_classes_text(counts)}): use task='binary' or 'classification'"
        )
    rare = counts[counts < n_folds]
    if len(rare):
        sizes = [(c, f"{k} row{'s' * (k != 1)}") for c, k in list(rare.items())[:5]]
        if len(rare) == 1:
            listed = f"class {sizes[0][0]!r} has {sizes[0][1]}"
        else:
            listed = "classes " + ", ".join(f"{c!r} ({k})" for c, k in sizes)
            listed += f" and {len(rare) - 5} more" if len(rare) > 5 else ""
        hint = ""
        if task == "auto" and kind == "numbers":
            hint = "; if the target is a quantity, use task='regression'"
        raise DataError(
            f"every class needs at least as many rows as cross-validation folds "
            f"({n_folds}): in target {target!r}, {listed}; lower the number "
            f"of folds (--cv) or merge rare classes{hint}"
        )
    final = "binary" if len(counts) == 2 else "multiclass"
    reason = (
        f"the target: {final} classification, {len(counts)} classes (rows per class: "
        f"{_classes_text(counts)})"
    )
    return final, labels.rename(target), ColumnDecision(target, "target", False, reason)


def prepare(
    df: pd.DataFrame,
    target: str,
    *,
    task: str = "auto",
    n_folds: int = 5,
    notes: Iterable[str] = (),
) -> Dataset:
    """Check a table, type its columns, infer the task and cast the features.

    Parameters
    ----------
    df : pandas.DataFrame
        The whole table, target included (not modified).
    target : str
        Name of the column to predict.
    task : {"auto", "binary", "multiclass", "classification", "regression"}
        ``"auto"`` infers it from the target (see the module notes).
    n_folds : int, default 5
        Cross-validation folds the search will use: every class needs that many rows.
    notes : iterable of str
        Notes to keep with the dataset, e.g. those :func:`read_table` returned.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        The target is not a column or is missing in every row, too few rows or too few
        members in a class for ``n_folds``, a single class, no usable feature,
        duplicate column names, an unknown ``task``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({
    ...     "id": range(40),
    ...     "size": [1.5, 2.0, 3.5, None] * 10,
    ...     "colour": ["red", "blue"] * 20,
    ...     "sold": ["yes", "no", "no", "yes", None] * 8,
    ... })
    >>> data = prepare(table, "sold")
    >>> data.task, list(data.X.columns), data.notes[0]
    ('binary', ['size', 'colour'], 'dropped 8 rows whose target is missing')
    >>> [(d.column, d.kind) for d in data.decisions]
    [('id', 'id'), ('size', 'numeric'), ('colour', 'categorical'), ('sold', 'target')]
    """
    if not isinstance(df, pd.DataFrame):
        raise ParameterTypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    task = _check_task(task)
    n_folds = check_int("n_folds", n_folds, minimum=2)
    df = _string_columns(df)
    target = str(target)
    if target not in df.columns:
        shown = ", ".join(map(repr, list(df.columns)[:20])) + (", …" if df.shape[1] > 20 else "")
        raise DataError(
            f"target {target!r} is not a column of the table (columns: {shown})."
            + suggest(target, df.columns)
        )
    notes = list(notes)
    n_rows_in = len(df)
    if n_rows_in == 0:
        raise DataError("the table has no rows")
    missing = missing_mask(df[target])
    if missing.all():
        raise DataError(f"target {target!r} is missing in every one of the {n_rows_in} rows")
    if missing.any():
        df = df.loc[~missing]
        k = int(missing.sum())
        notes.append(f"dropped {k} row{'s' * (k != 1)} whose target is missing")
    if len(df) < n_folds:
        raise DataError(
            f"the table needs at least as many rows as cross-validation folds ({n_folds}); "
            f"it has {len(df)} with a target: lower the number of folds (--cv) or add rows"
        )
    task, y, target_decision = _infer_task(df[target], target, task, n_folds)

    decisions: list[ColumnDecision] = []
    typings = {}
    for column in df.columns:
        if column == target:
            decisions.append(target_decision)
            continue
        typing = type_column(df[column], column)
        typings[column] = typing
        decisions.append(typing.decision)
    used = [c for c, t in typings.items() if t.decision.used]
    if not used:
        why = "; ".join(f"{d.column!r}: {d.reason}" for d in decisions if d.kind != "target")
        raise DataError(
            "no column can be used as a feature" + (f" ({why})" if why else " (only the target)")
        )
    schema = FeatureSchema(
        columns=tuple(used),
        kinds={c: typings[c].decision.kind for c in used},
        datetime_parts={c: typings[c].date_parts for c in used if typings[c].date_parts},
        datetime_formats={c: typings[c].date_format for c in used if typings[c].date_format},
        number_formats={c: typings[c].number_format for c in used if typings[c].number_format},
    )
    X = cast_features(df, schema)
    incomplete = int(X.isna().any(axis=1).sum())
    if incomplete:
        notes.append(
            f"{incomplete} of {len(X)} rows have missing feature values; they are kept "
            "(the pipelines impute missing values)"
        )
    return Dataset(
        X=X,
        y=y,
        task=task,
        target=target,
        schema=schema,
        decisions=decisions,
        notes=notes,
        n_rows_in=n_rows_in,
    )
