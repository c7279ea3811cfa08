"""Column typing: what each column of a table is, and how to turn its cells into numbers.

:func:`type_column` looks at the values of one column and decides its kind; the
``parse_*`` and :func:`category_strings` helpers cast a column of that kind, at fit time
and again at predict time (on new rows, one row, new missing values), always the same way.
The rules, in the order they are tried, are listed in :mod:`autoxai.automl._data`.

Missing values are ``NaN``/``None``/``NA`` and, in text columns, blank strings.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from autoxai.exceptions import DataError

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
    "NumberFormat",
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
_GROUPED = {  # digits grouped by three with this separator, then the decimal mark
    ",": r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?",
    ".": r"[+-]?\d{1,3}(\.\d{3})+(,\d*)?",
}
_TIME_OF_DAY = re.compile(
    r"(?P<h>\d{1,2}):(?P<m>[0-5]\d)(:(?P<s>[0-5]\d(\.\d+)?))?\s*(?P<ampm>[AaPp][Mm])?"
)
_DURATION = re.compile(  # "1 days 02:00:00", "-0 days 00:00:05.5", "30:15:00", "P1DT2H"
    r"[+-]?(\d+\s*days?,?\s*)?[+-]?\d+:[0-5]\d(:[0-5]\d(\.\d+)?)?"
    r"|[+-]?P(?=\d|T\d)(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?",
    re.IGNORECASE,
)
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
class NumberFormat:
    """How the text of a numeric column is written, so that new rows are read the same way.

    Parameters
    ----------
    decimal : {".", ","}
        The decimal mark.
    thousands : {None, ",", "."}
        The thousands separator (``"1,234.5"``, ``"1.234,5"``); a cell using it must
        group digits by three, else it is not a number.
    percent : bool
        Cells may end with ``%``, which is dropped: ``"12.5%"`` is read as 12.5.
    clock : {None, "time", "duration"}
        ``"time"``: times of day (``"08:15"``, ``"8:15 PM"``, ``datetime.time``) read
        as hours since midnight (8.25); ``"duration"``: timedeltas (``"1 days
        02:00:00"``, ``"30:15:00"``, ISO 8601 ``"P1DT2H"``, a timedelta dtype) read as
        seconds. The other fields do not apply.

    Examples
    --------
    >>> NumberFormat(thousands=",").describe()
    " with thousands separators ('1,234')"
    """

    decimal: str = "."
    thousands: str | None = None
    percent: bool = False
    clock: str | None = None

    def __post_init__(self) -> None:
        rules = (
            ("decimal", self.decimal, (".", ",")),
            ("thousands", self.thousands, (None, ",", ".")),
            ("clock", self.clock, (None, "time", "duration")),
        )
        for name, value, allowed in rules:
            if value not in allowed:
                raise DataError(f"number format {name} must be one of {allowed}, got {value!r}")
        if self.thousands is not None and self.thousands == self.decimal:
            raise DataError(f"thousands separator and decimal mark are both {self.decimal!r}")

    def to_dict(self) -> dict[str, object]:
        """The fields that differ from plain numbers (``{}`` for plain numbers)."""
        return {k: v for k, v in self.__dict__.items() if v != getattr(NumberFormat, k)}

    def describe(self) -> str:
        """How the numbers were written, for a column decision's reason (may be empty)."""
        if self.clock == "time":
            return ", used as hours since midnight (08:15 is 8.25)"
        if self.clock == "duration":
            return ", used as seconds"
        parts = []
        if self.thousands:
            parts.append(
                f"thousands separators ('1{self.thousands}234"
                + (f"{self.decimal}5')" if self.decimal == "," else "')")
            )
        elif self.decimal == ",":
            parts.append("a decimal comma")
        if self.percent:
            parts.append("percent signs (12% is read as 12)")
        return " with " + " and ".join(parts) if parts else ""


@dataclass(frozen=True)
class ColumnTyping:
    """A decision plus what casting the column needs later (private to the automl package)."""

    decision: ColumnDecision
    date_parts: tuple[str, ...] = ()
    date_format: str | None = None
    number_format: NumberFormat | None = None


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
    if isinstance(v, (dt.timedelta, np.timedelta64)):  # "1 days 02:00:00", as pandas reads it
        return str(pd.Timedelta(v))
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


def _numbers(values: pd.Series, number_format: NumberFormat | None = None) -> pd.Series:
    """Like :func:`parse_numbers`, but infinities are kept (typing counts them)."""
    fmt = number_format or NumberFormat()
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    if ptypes.is_timedelta64_dtype(values.dtype):
        return values.dt.total_seconds().astype("float64")
    if ptypes.is_bool_dtype(values.dtype) or ptypes.is_numeric_dtype(values.dtype):
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        return pd.Series(numbers, index=values.index, dtype="float64")
    present = values.notna()
    if not present.any():
        return pd.Series(np.nan, index=values.index, dtype="float64")
    if fmt.clock is not None:
        text = _strings(values.where(present, None))
        return _hours(text) if fmt.clock == "time" else _seconds(text)
    text = values.astype(object).where(present, None).astype(str).str.strip()
    text = text.where(present).astype(object)
    if fmt.percent:
        text = text.str.replace(r"\s*%$", "", regex=True)
    if fmt.thousands is not None:
        grouped = text.str.contains(fmt.thousands, regex=False).fillna(False).astype(bool)
        valid = text.str.fullmatch(_GROUPED[fmt.thousands]).fillna(False).astype(bool)
        text = text.where(~grouped | valid).str.replace(fmt.thousands, "", regex=False)
    if fmt.decimal == ",":
        text = text.str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def _hours(text: pd.Series) -> pd.Series:
    """Times of day (``"08:15"``, ``"8:15:30 pm"``) as hours since midnight; others NaN."""
    parts = text.astype(object).str.extract(f"^{_TIME_OF_DAY.pattern}$")
    hour = parts["h"].astype(float)
    ampm = parts["ampm"].str.lower()
    twelve = ampm.notna().to_numpy()
    valid = np.where(twelve, (hour >= 1) & (hour <= 12), hour < 24)
    hour = hour.where(~twelve, hour % 12 + 12 * (ampm == "pm"))
    seconds = parts["s"].astype(float).fillna(0.0)
    hours = hour + parts["m"].astype(float) / 60 + seconds / 3600
    return hours.where(valid).astype("float64")


def _seconds(text: pd.Series) -> pd.Series:
    """Durations (``"1 days 02:00:00"``, ``"30:15:00"``, ``"P1DT2H"``) in seconds; others NaN."""
    valid = text.astype(object).str.fullmatch(_DURATION).fillna(False).astype(bool)
    durations = pd.to_timedelta(text.where(valid), errors="coerce")
    return durations.dt.total_seconds().astype("float64")


def _shared_safely() -> bool:
    """Whether a column may be returned as it is: pandas copies it on a later write
    (always from pandas 3, by option before), so the caller's edits never reach ours."""
    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    return pd.get_option("mode.copy_on_write") is True


def parse_numbers(values: pd.Series, *, number_format: NumberFormat | None = None) -> pd.Series:
    """Cast to ``float64``: numbers as they are, text parsed, anything else (and ±inf) NaN.

    Text is read with ``number_format`` (default: a decimal point, nothing else), the
    :class:`NumberFormat` found when the column was typed; timedeltas become seconds.
    """
    if _shared_safely() and values.dtype == np.float64 and not np.isinf(values.to_numpy()).any():
        return values  # cast already (a search's folds): no copy of the column
    out = _numbers(values, number_format)
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
    """Parse text as dates; a date written with a UTC offset is converted to UTC.

    Always to UTC, not only when offsets differ: a row must read the same alone as among
    other rows, whatever offsets they hold (text without an offset keeps its time).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "could not infer format" for "mixed"
        try:
            out = pd.to_datetime(text, format=date_format or "mixed", errors="coerce", utc=True)
        except (TypeError, OverflowError, ValueError):
            return pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    if not ptypes.is_datetime64_any_dtype(out.dtype):  # e.g. objects from odd inputs
        return pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    return out


def parse_datetimes(values: pd.Series, *, date_format: str | None = None) -> pd.Series:
    """Cast to ``datetime64[ns]``; unparseable cells (and dates out of its range) are NaT.

    Text is parsed with ``date_format`` (a ``strftime`` format or ``"ISO8601"``); without
    one, the format is guessed from the values. Times with a time zone (a UTC offset in
    the text, or a time-zone dtype) are converted to UTC, then the zone is dropped: a row
    reads the same alone or among others, from a CSV file or from Parquet.
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
    if isinstance(out.dtype, pd.DatetimeTZDtype):  # UTC: the same from text or a dtype
        out = out.dt.tz_convert("UTC").dt.tz_localize(None)
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


#: Rows whose distinct values :func:`_numeric` counts first (see there).
DISTINCT_HEAD_ROWS = 1_000


def _numeric(
    name: str,
    numbers: pd.Series,
    n_rows: int,
    n_missing: int,
    *,
    origin: str = "numbers",
    bad_examples: str = "",
    number_format: NumberFormat | None = None,
) -> ColumnTyping:
    """Type a column of numbers.

    ``numbers`` holds the non-missing cells, parsed: NaN marks a cell that is not a
    number, ±inf an infinite one. Times of day and durations are never identifiers.
    """
    finite = numbers[np.isfinite(numbers.to_numpy())]
    if finite.empty:
        return _decide(name, "empty", "no value is a finite number")
    whole = bool((finite % 1 == 0).all())
    # The exact count matters only up to 10 (shown) and for whole numbers unique in every
    # row (an identifier?). More than 10 distinct values among the first rows, with a
    # repeat among them or a fraction anywhere, settles both without counting the whole
    # column (5 s of typing at 3,000,000 rows x 30 columns).
    head = finite.iloc[:DISTINCT_HEAD_ROWS].nunique()
    if head > 10 and (not whole or head < min(len(finite), DISTINCT_HEAD_ROWS)):
        distinct = head  # a lower bound, above 10 and below n_rows: all that is used
    else:
        distinct = finite.nunique()
    if distinct == 1:
        return _constant(name, _num(float(finite.iloc[0])), n_rows - len(finite))
    clock = number_format is not None and number_format.clock is not None
    unique = whole and distinct == n_rows and n_rows >= ID_MIN_ROWS and not clock
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
    if number_format == NumberFormat():
        number_format = None
    return _decide(
        name, "numeric", reason + _missing_note(n_missing, n_rows), number_format=number_format
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

    for what, number_format in (("numbers", _number_format(text)),
                                ("times of day", NumberFormat(clock="time")),
                                ("durations", NumberFormat(clock="duration"))):  # fmt: skip
        numbers = _parse_text_numbers(text, number_format)
        if numbers is not None and numbers.notna().sum() >= NUMERIC_MIN_SHARE * len(text):
            bad = text[numbers.isna()].drop_duplicates()
            return _numeric(
                name,
                numbers,
                n_rows,
                n_missing,
                origin=f"{what} written as text{number_format.describe()}",
                bad_examples=f" (e.g. {_examples(bad, 2)})" if len(bad) else "",
                number_format=number_format,
            )

    fmt = _best_date_format(text)
    if fmt is not None:
        parsed = _to_datetime(text, fmt)
        n_dates = int(parsed.notna().sum())
        if n_dates >= DATETIME_MIN_SHARE * len(text):
            shown = "ISO 8601" if fmt == "ISO8601" else repr(fmt)
            parsed = parse_datetimes(text, date_format=fmt)
            origin = f" written as text (format {shown})"
            if text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$").any():
                origin += ", times with a UTC offset converted to UTC"
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


def _number_format(text: pd.Series) -> NumberFormat:
    """How numbers in ``text`` (stripped, non-missing strings) are written.

    Percent signs: some cell ends with ``%``. Thousands separators: every cell with a
    comma groups its digits by three (``"1,234.5"``), or every cell with a dot does and
    some cell has a comma or two dots (``"1.234,5"``, ``"1.234.567"``; a lone ``"1.500"``
    is one and a half). Otherwise a comma is the decimal mark only if no cell has a dot.
    ``"1,500"`` alone is ambiguous and read as fifteen hundred.
    """
    percent = bool(text.str.endswith("%").any())
    body = text.str.replace(r"\s*%$", "", regex=True) if percent else text
    comma = body[body.str.contains(",", regex=False)]
    dot = body[body.str.contains(".", regex=False)]
    if len(comma) and comma.str.fullmatch(_GROUPED[","]).all():
        return NumberFormat(thousands=",", percent=percent)
    if (len(dot) and dot.str.fullmatch(_GROUPED["."]).all()
            and (len(comma) or (dot.str.count(r"\.") > 1).any())):  # fmt: skip
        return NumberFormat(decimal=",", thousands=".", percent=percent)
    return NumberFormat(decimal="," if len(comma) and not len(dot) else ".", percent=percent)


def _parse_text_numbers(text: pd.Series, number_format: NumberFormat) -> pd.Series | None:
    """Parse stripped strings as numbers written in ``number_format``.

    None when a sample already shows the column is not such numbers.
    """
    sample = _spread(text)
    if len(text) > _SAMPLE and _numbers(sample, number_format).notna().mean() < 0.5:
        return None
    return _numbers(text, number_format)


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
        zone = getattr(dtype, "tz", None)
        origin = f" in time zone {zone}, converted to UTC" if zone is not None else ""
        return _datetime(name, parse_datetimes(present), n_rows, n_missing, origin, 0, None)
    if ptypes.is_bool_dtype(dtype) and not ptypes.is_object_dtype(dtype):
        if present.nunique() == 1:
            return _constant(name, present.iloc[0], n_missing)
        return _decide(
            name, "boolean", "true/false values, used as 1/0" + _missing_note(n_missing, n_rows)
        )
    if ptypes.is_timedelta64_dtype(dtype):
        duration = NumberFormat(clock="duration")
        origin = f"durations{duration.describe()}"
        return _numeric(
            name, _numbers(present), n_rows, n_missing, origin=origin, number_format=duration
        )
    if ptypes.is_numeric_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        return _numeric(name, _numbers(present), n_rows, n_missing)
    return _text_column(name, present, n_rows, n_missing)
