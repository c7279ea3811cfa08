"""Column typing: what each column of a table is, and how to turn its cells into numbers.

:func:`type_column` looks at the values of one column and decides its kind; the
``parse_*`` and :func:`category_strings` helpers cast a column of that kind, at fit time
and again at predict time (on new rows, one row, new missing values), always the same way.
The rules, in the order they are tried, are listed in :mod:`autoxai.automl._data`.

Missing values are ``NaN``/``None``/``NA`` and, in text columns, blank strings.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

try:  # public since pandas 2.2
    from pandas.tseries.api import guess_datetime_format
except ImportError:  # pragma: no cover - older pandas
    from pandas._libs.tslibs.parsing import guess_datetime_format

__all__ = [
    "DATE_PARTS",
    "FEATURE_KINDS",
    "KINDS",
    "ColumnDecision",
    "ColumnTyping",
    "category_strings",
    "missing_mask",
    "parse_booleans",
    "parse_datetimes",
    "parse_numbers",
    "type_column",
]

#: Every kind a column can get; the first four are model features.
KINDS = (
    "numeric",
    "boolean",
    "categorical",
    "datetime",
    "id",
    "constant",
    "empty",
    "text",
    "target",
)
FEATURE_KINDS = ("numeric", "boolean", "categorical", "datetime")
#: The parts a datetime column is expanded into (hour and minute only with times of day).
DATE_PARTS = ("year", "month", "day", "dayofweek", "hour", "minute")

#: Values read as booleans (after stripping, case-insensitive); a column is boolean when
#: its values fit within one of the pairs.
BOOLEAN_PAIRS = (
    frozenset({"true", "false"}),
    frozenset({"yes", "no"}),
    frozenset({"y", "n"}),
    frozenset({"t", "f"}),
)
_TRUE = {"true", "yes", "y", "t", "1", "1.0"}
_FALSE = {"false", "no", "n", "f", "0", "0.0"}

ID_MIN_ROWS = 20  # unique values in fewer rows than this are not taken for identifiers
ID_DENSITY = 1.1  # unique whole numbers spanning at most 1.1 x the rows are "consecutive"
NUMERIC_MIN_SHARE = 0.95  # text cells that must parse as numbers for a numeric column
DATETIME_MIN_SHARE = 0.90  # text cells that must parse as dates for a datetime column
MAX_LEVELS = 20  # more distinct values than this is "high cardinality"
TEXT_MIN_LENGTH = 50  # mean characters of free text
TEXT_MIN_WORDS = 6  # or mean words of free text
TEXT_MIN_DISTINCT = 0.5  # and at least this share of distinct values

_SAMPLE = 2000  # values looked at before parsing a whole column
_PART_WORDS = {"dayofweek": "day of week"}
_ID_WORDS = {"id", "ids", "uuid", "guid", "idx", "index", "key", "pk"}
_ID_LAST_WORDS = {"number", "no", "nr"}
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


@dataclass(frozen=True)
class ColumnDecision:
    """What was decided about one input column, and why, in words for a user.

    Parameters
    ----------
    column : str
        The column's name.
    kind : str
        One of ``"numeric"``, ``"boolean"``, ``"categorical"``, ``"datetime"`` (model
        features), ``"id"``, ``"constant"``, ``"empty"``, ``"text"`` (dropped) or
        ``"target"``.
    used : bool
        True when the column is a model feature.
    reason : str
        Plain words, e.g. ``"unique in every row: looks like an identifier"``.
    """

    column: str
    kind: str
    used: bool
    reason: str


@dataclass(frozen=True)
class ColumnTyping:
    """A decision plus what casting the column needs later (private to the automl package)."""

    decision: ColumnDecision
    date_parts: tuple[str, ...] = ()
    date_format: str | None = None
    decimal_comma: bool = False


# -- missing values and examples -------------------------------------------------------------


def _is_text_like(dtype) -> bool:
    return ptypes.is_object_dtype(dtype) or isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype))


def missing_mask(values: pd.Series) -> np.ndarray:
    """Boolean array: the cell is missing (NaN, None, NA, NaT, or a blank string)."""
    mask = values.isna().to_numpy(dtype=bool, copy=True)
    if _is_text_like(values.dtype) and not mask.all():
        present = values[~mask].astype(object)
        blank = [isinstance(v, str) and not v.strip() for v in present]
        mask[np.flatnonzero(~mask)[np.asarray(blank, dtype=bool)]] = True
    return mask


def _strings(values: pd.Series) -> pd.Series:
    """Cells as stripped Python strings (numbers as their usual text), missing as NaN."""
    return pd.Series(
        [v.strip() if isinstance(v, str) else _label(v) for v in values.astype(object)],
        index=values.index,
        dtype=object,
    )


def _short(value: object, width: int = 30) -> str:
    text = str(value)
    return repr(text if len(text) <= width else text[: width - 1] + "…")


def _examples(values: Iterable[object], n: int = 3) -> str:
    return ", ".join(_short(v) for v in list(values)[:n])


def _num(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e15 else f"{x:.3g}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _missing_note(n_missing: int, n_rows: int) -> str:
    if not n_missing:
        return ""
    return f"; {_plural(n_missing, 'value')} missing ({100 * n_missing / n_rows:.0f}%)"


# -- casting (shared by typing at fit time and by cast_features at predict time) ---------------


def _label(v: object) -> object:
    """One cell as a category label: a stripped string, or NaN when missing."""
    if isinstance(v, str):
        v = v.strip()
        return v if v else np.nan
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        if np.isnan(v):
            return np.nan
        return str(int(v)) if float(v).is_integer() else repr(float(v))
    if v is None or v is pd.NA or v is pd.NaT:
        return np.nan
    return str(v)


def category_strings(values: pd.Series) -> pd.Series:
    """Cast to ``object`` strings, missing as ``np.nan``.

    Strings are stripped and whole numbers are written without ``.0``, so ``3``, ``3.0``
    and ``" 3"`` are the same category whether they come from a DataFrame or a CSV file.
    """
    if isinstance(values.dtype, pd.StringDtype):
        out = values.str.strip().astype(object)
        keep = values.notna().to_numpy() & (out != "").to_numpy()
        return out.where(keep, np.nan)
    return pd.Series([_label(v) for v in values.astype(object)], index=values.index, dtype=object)


def _numbers(values: pd.Series, *, decimal_comma: bool = False) -> pd.Series:
    """Like :func:`parse_numbers`, but infinities are kept (typing counts them)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    if ptypes.is_bool_dtype(values.dtype) or ptypes.is_numeric_dtype(values.dtype):
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        return pd.Series(numbers, index=values.index, dtype="float64")
    present = values.notna()
    if not present.any():
        return pd.Series(np.nan, index=values.index, dtype="float64")
    text = values.astype(object).where(present, None).astype(str).str.strip().where(present)
    if decimal_comma:
        text = text.str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def parse_numbers(values: pd.Series, *, decimal_comma: bool = False) -> pd.Series:
    """Cast to ``float64``: numbers as they are, text parsed, anything else (and ±inf) NaN.

    With ``decimal_comma=True`` a comma in a text cell is read as the decimal point.
    """
    out = _numbers(values, decimal_comma=decimal_comma)
    return out.where(np.isfinite(out.to_numpy()), np.nan)


def parse_booleans(values: pd.Series) -> pd.Series:
    """Cast to ``float64`` 1.0/0.0 (true/yes/y/t/1 and false/no/n/f/0), anything else NaN."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    if ptypes.is_bool_dtype(values.dtype) and not ptypes.is_object_dtype(values.dtype):
        return pd.Series(
            values.to_numpy(dtype="float64", na_value=np.nan), index=values.index, dtype="float64"
        )
    if ptypes.is_numeric_dtype(values.dtype):
        numbers = parse_numbers(values)
        return numbers.where(numbers.isin([0.0, 1.0]))
    text = _strings(values.where(values.notna(), None)).str.lower()
    out = np.full(len(values), np.nan)
    out[text.isin(_TRUE).to_numpy()] = 1.0
    out[text.isin(_FALSE).to_numpy()] = 0.0
    return pd.Series(out, index=values.index, dtype="float64")


def _to_datetime(text: pd.Series, date_format: str | None) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "could not infer format" for "mixed"
        try:
            out = pd.to_datetime(text, format=date_format or "mixed", errors="coerce")
        except ValueError:  # mixed time zones: compare them in UTC
            out = pd.to_datetime(text, format=date_format or "mixed", errors="coerce", utc=True)
        except (TypeError, OverflowError):
            return pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    if not ptypes.is_datetime64_any_dtype(out.dtype):  # e.g. objects from odd inputs
        return pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    return out


def parse_datetimes(values: pd.Series, *, date_format: str | None = None) -> pd.Series:
    """Cast to ``datetime64[ns]``; unparseable cells (and dates out of its range) are NaT.

    Text is parsed with ``date_format`` (a ``strftime`` format or ``"ISO8601"``); without
    one, the format is guessed from the values. Time zones are dropped, keeping the
    local wall time.
    """
    if ptypes.is_datetime64_any_dtype(values.dtype):
        out = values
    else:
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        text = _strings(values.where(values.notna(), None))
        if date_format is None:
            date_format = _best_date_format(text)
        out = _to_datetime(text, date_format)
    if isinstance(out.dtype, pd.DatetimeTZDtype):
        out = out.dt.tz_localize(None)
    low, high = pd.Timestamp.min, pd.Timestamp.max
    out = out.where((out >= low) & (out <= high))
    return out.astype("datetime64[ns]")


def _spread(values: pd.Series) -> pd.Series:
    """About ``_SAMPLE`` values taken evenly from the whole column."""
    return values.iloc[:: max(1, len(values) // _SAMPLE)]


def _best_date_format(text: pd.Series) -> str | None:
    """The format that parses most of ``text`` (non-missing strings), or None."""
    text = text.dropna()
    dates = _spread(text[~text.str.fullmatch(_PLAIN_NUMBER.pattern).astype(bool)])
    candidates: list[str] = []
    for value in dates.drop_duplicates().iloc[:10]:
        for dayfirst in (False, True):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fmt = guess_datetime_format(str(value), dayfirst=dayfirst)
            if fmt is None:
                continue
            if fmt.startswith("%Y-%m-%d"):
                fmt = "ISO8601"  # also takes "T", fractions of seconds, offsets
            if fmt not in candidates:
                candidates.append(fmt)
    if not candidates:
        return None
    shares = [_to_datetime(dates, fmt).notna().mean() for fmt in candidates]
    return candidates[int(np.argmax(shares))]


# -- typing ------------------------------------------------------------------------------------


def _name_words(name: str) -> list[str]:
    return [w.lower() for w in _WORDS.findall(name)]


def _id_evidence(name: str, numbers: pd.Series, n_rows: int) -> str | None:
    """Why unique whole numbers look like an identifier, or None if nothing says so."""
    words = _name_words(name)
    if _ID_WORDS.intersection(words) or (words and words[-1] in _ID_LAST_WORDS):
        return "whole numbers, and the name says so"
    if numbers.max() - numbers.min() + 1 <= ID_DENSITY * n_rows:
        return "consecutive whole numbers"
    if numbers.is_monotonic_increasing:
        return "whole numbers increasing row by row"
    return None


def _decide(name, kind, reason, **extra) -> ColumnTyping:
    used = kind in FEATURE_KINDS
    return ColumnTyping(ColumnDecision(name, kind, used, reason), **extra)


def _constant(name: str, value: object, n_missing: int) -> ColumnTyping:
    where = (
        f"every row that has a value ({_plural(n_missing, 'row')} missing)"
        if n_missing
        else "every row"
    )
    return _decide(
        name, "constant", f"the same value ({_short(value)}) in {where}: it cannot tell rows apart"
    )


def _numeric(
    name: str,
    numbers: pd.Series,
    n_rows: int,
    n_missing: int,
    *,
    origin: str = "numbers",
    bad_examples: str = "",
    decimal_comma: bool = False,
) -> ColumnTyping:
    """Type a column of numbers.

    ``numbers`` holds the non-missing cells, parsed: NaN marks a cell that is not a
    number, ±inf an infinite one.
    """
    finite = numbers[np.isfinite(numbers.to_numpy())]
    if finite.empty:
        return _decide(name, "empty", "no value is a finite number")
    distinct = finite.nunique()
    if distinct == 1:
        return _constant(name, _num(float(finite.iloc[0])), n_rows - len(finite))
    whole = bool((finite % 1 == 0).all())
    unique = whole and distinct == n_rows and n_rows >= ID_MIN_ROWS
    if unique:
        evidence = _id_evidence(name, finite, n_rows)
        if evidence is not None:
            return _decide(
                name,
                "id",
                f"unique in every row: looks like an identifier ({evidence})",
            )
    reason = f"{origin}, from {_num(finite.min())} to {_num(finite.max())}"
    if distinct <= 10:
        reason += f", {distinct} distinct values"
    if unique:
        reason += (
            "; unique in every row but neither consecutive nor named like an identifier, "
            "so kept as a number"
        )
    bad = int(numbers.isna().sum())
    if bad:
        what = "cell that is not a number" if bad == 1 else "cells that are not numbers"
        reason += f"; {bad} {what}{bad_examples} treated as missing"
    infinite = len(numbers) - bad - len(finite)
    if infinite:
        reason += f"; {_plural(infinite, 'infinite value')} treated as missing"
    return _decide(
        name, "numeric", reason + _missing_note(n_missing, n_rows), decimal_comma=decimal_comma
    )


def _datetime(
    name: str, parsed: pd.Series, n_rows: int, n_missing: int, origin: str, bad: int, fmt
) -> ColumnTyping:
    valid = parsed.dropna()
    if valid.nunique() == 1:
        return _constant(name, valid.iloc[0], n_rows - len(valid))
    times = bool(((valid.dt.hour != 0) | (valid.dt.minute != 0) | (valid.dt.second != 0)).any())
    parts = DATE_PARTS if times else DATE_PARTS[:4]
    words = "dates and times" if times else "dates"
    reason = f"{words}{origin}; used as {', '.join(_PART_WORDS.get(p, p) for p in parts)}"
    if bad:
        what = "cell that is not a date" if bad == 1 else "cells that are not dates"
        reason += f"; {bad} {what} treated as missing"
    return _decide(
        name,
        "datetime",
        reason + _missing_note(n_missing, n_rows),
        date_parts=parts,
        date_format=fmt,
    )


def _categorical(name: str, text: pd.Series, n_rows: int, n_missing: int) -> ColumnTyping:
    counts = text.value_counts()
    if len(counts) <= MAX_LEVELS:
        levels = sorted(counts.index, key=str)
        reason = (
            f"categories: {len(counts)} levels ({_examples(levels)}{', …' * (len(levels) > 3)})"
        )
    else:
        reason = f"high cardinality: {len(counts)} distinct values, rare ones grouped"
    return _decide(name, "categorical", reason + _missing_note(n_missing, n_rows))


def _text_column(name: str, values: pd.Series, n_rows: int, n_missing: int) -> ColumnTyping:
    """Typing for strings (object, str and category dtypes)."""
    category = isinstance(values.dtype, pd.CategoricalDtype)
    text = _strings(values)
    distinct = text.nunique()
    if distinct == 1:
        return _constant(name, text.iloc[0], n_missing)
    unique_rows = distinct == n_rows and n_rows >= ID_MIN_ROWS
    if category:  # the user said "categorical": only drop it when it cannot help
        if unique_rows:
            return _decide(name, "id", "unique in every row: looks like an identifier")
        return _categorical(name, text, n_rows, n_missing)

    lowered = set(text.str.lower().unique())
    if any(lowered <= pair for pair in BOOLEAN_PAIRS):
        shown = "/".join(sorted(text.unique(), key=str.lower, reverse=True)[:4])
        return _decide(
            name,
            "boolean",
            f"yes/no values ({shown}), used as 1/0" + _missing_note(n_missing, n_rows),
        )

    numbers, decimal_comma = _parse_text_numbers(text)
    if numbers is not None and numbers.notna().sum() >= NUMERIC_MIN_SHARE * len(text):
        bad = text[numbers.isna()].drop_duplicates()
        return _numeric(
            name,
            numbers,
            n_rows,
            n_missing,
            origin="numbers written as text" + (" with a decimal comma" if decimal_comma else ""),
            bad_examples=f" (e.g. {_examples(bad, 2)})" if len(bad) else "",
            decimal_comma=decimal_comma,
        )

    fmt = _best_date_format(text)
    if fmt is not None:
        parsed = _to_datetime(text, fmt)
        n_dates = int(parsed.notna().sum())
        if n_dates >= DATETIME_MIN_SHARE * len(text):
            shown = "ISO 8601" if fmt == "ISO8601" else repr(fmt)
            parsed = parse_datetimes(text, date_format=fmt)
            origin = f" written as text (format {shown})"
            return _datetime(name, parsed, n_rows, n_missing, origin, len(text) - n_dates, fmt)

    share = distinct / len(text)
    if share > TEXT_MIN_DISTINCT:
        length = text.str.len().mean()
        words = _spread(text).str.split().str.len().mean()  # a sample is enough
        if length > TEXT_MIN_LENGTH or words >= TEXT_MIN_WORDS:
            return _decide(
                name,
                "text",
                f"free text (on average {_plural(round(length), 'character')}, "
                f"{_plural(round(words), 'word')}; {100 * share:.0f}% distinct values): "
                "free text is not used yet",
            )
    if unique_rows:
        return _decide(
            name,
            "id",
            f"unique in every row (e.g. {_examples(text, 2)}): looks like an identifier "
            "or a name, which tells nothing about new rows",
        )
    return _categorical(name, text, n_rows, n_missing)


def _parse_text_numbers(text: pd.Series) -> tuple[pd.Series | None, bool]:
    """Parse stripped strings as numbers; a comma is decimal only if no cell has a dot.

    Returns None for the numbers when a sample already shows the column is not numeric.
    """
    decimal_comma = bool(text.str.contains(",", regex=False).any()) and not bool(
        text.str.contains(".", regex=False).any()
    )
    sample = _spread(text)
    if len(text) > _SAMPLE and _numbers(sample, decimal_comma=decimal_comma).notna().mean() < 0.5:
        return None, decimal_comma
    return _numbers(text, decimal_comma=decimal_comma), decimal_comma


def type_column(values: pd.Series, name: str | None = None) -> ColumnTyping:
    """Decide the kind of one column from its values (see :mod:`autoxai.automl._data`).

    Examples
    --------
    >>> import pandas as pd
    >>> type_column(pd.Series(["yes", "no", None, "Yes"]), "smoker").decision.kind
    'boolean'
    >>> print(type_column(pd.Series(["1,5", "2", "3,25"] * 10 + ["?"]), "dose").decision.reason)
    numbers written as text with a decimal comma, from 1.5 to 3.25, 3 distinct values; 1 cell that is not a number (e.g. '?') treated as missing
    """  # noqa: E501
    name = str(values.name) if name is None else name
    n_rows = len(values)
    missing = missing_mask(values)
    n_missing = int(missing.sum())
    present = values[~missing]
    if present.empty:
        return _decide(name, "empty", "every value is missing")
    dtype = values.dtype

    if ptypes.is_datetime64_any_dtype(dtype):
        parsed = parse_datetimes(present)
        return _datetime(name, parsed, n_rows, n_missing, "", 0, None)
    if ptypes.is_bool_dtype(dtype) and not ptypes.is_object_dtype(dtype):
        if present.nunique() == 1:
            return _constant(name, present.iloc[0], n_missing)
        return _decide(
            name, "boolean", "true/false values, used as 1/0" + _missing_note(n_missing, n_rows)
        )
    if ptypes.is_numeric_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        return _numeric(name, _numbers(present), n_rows, n_missing)
    return _text_column(name, present, n_rows, n_missing)
