"""Strict JSON for every file autoxai writes (explanations, run.json, manifests).

A table can hold values the :mod:`json` module does not know (timestamps, durations,
NumPy scalars, ``pd.NA``) or writes as non-standard JSON (``NaN``, ``Infinity``, which
strict parsers such as JavaScript's ``JSON.parse`` refuse). :func:`jsonable` turns any of
them into plain JSON values, and :func:`dumps` writes the result with
``allow_nan=False``, so every file parses anywhere. One rule for every writer:

============================================  ===========================================
value                                         written as
============================================  ===========================================
NaN, +inf, -inf (float or NumPy)              ``null``
None, ``pd.NA``, ``pd.NaT``, ``np.datetime64("NaT")``   ``null``
NumPy integers, floats, booleans              the Python number or bool
``pd.Timestamp``, ``datetime``, ``date``,     ISO 8601 text (``"2024-01-01T10:00:00+01:00"``,
``time``, ``np.datetime64``                   ``"2024-01-01"``, ``"08:15:00"``)
``pd.Timedelta``, ``timedelta``,              ISO 8601 duration (``"P1DT2H0M0S"``)
``np.timedelta64``
bytes                                         text decoded as UTF-8 (bad bytes as U+FFFD)
``Decimal``                                   a number (null when not finite)
arrays, Series, tuples, sets                  lists (sets sorted by their text)
dict keys                                     text, by the same rules
anything else (paths, enums, ...)             ``str(value)``
============================================  ===========================================

Reading gives the plain values back (text for dates and durations): the files are records
for people and for the report, which reads them as they are.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

__all__ = ["dumps", "jsonable", "write_json"]


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data (dict, list, str, int, float, bool, None); see above.

    Examples
    --------
    >>> jsonable({"when": pd.Timestamp("2024-01-01"), "x": np.float32("nan"), 1: pd.NA})
    {'when': '2024-01-01T00:00:00', 'x': None, '1': None}
    """
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, (np.datetime64, np.timedelta64)):  # timedelta64 is an np.integer
        return _scalar(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (float, np.floating, decimal.Decimal)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, dict):
        return {_key(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((jsonable(v) for v in value), key=str)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return jsonable(value[()])
    if isinstance(value, (np.ndarray, pd.Series, pd.Index, ExtensionArray)):  # one by one: a
        return [jsonable(v) for v in value]  # datetime64[ns] .tolist() gives integers
    return _scalar(value)


def _scalar(value: Any) -> Any:
    """A value that is not a number, a container or text."""
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (np.datetime64, np.timedelta64)):
        if np.isnat(value):
            return None
        value = pd.Timestamp(value) if isinstance(value, np.datetime64) else pd.Timedelta(value)
    if isinstance(value, (dt.timedelta, pd.Timedelta)):
        return pd.Timedelta(value).isoformat()
    if isinstance(value, (dt.datetime, dt.date, dt.time)):  # pd.Timestamp is a datetime
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def _key(key: Any) -> str:
    value = jsonable(key)
    return value if isinstance(value, str) else json.dumps(value)


def dumps(value: Any, **kwargs: Any) -> str:
    """Strict JSON text of ``value`` (:func:`jsonable`, then ``allow_nan=False``).

    ``kwargs`` go to :func:`json.dumps` (``indent``, ``sort_keys``, ``separators``).
    """
    return json.dumps(jsonable(value), allow_nan=False, **kwargs)


def write_json(path: str | Path, value: Any) -> None:
    """Write ``value`` as indented strict JSON to ``path``, completely or not at all.

    The text goes to a temporary file next to ``path`` that then replaces it, so a
    reader never sees half a file, even if the process dies while writing.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(dumps(value, indent=2) + "\n")
    temporary.replace(path)
