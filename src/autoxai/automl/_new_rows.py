"""Rows to predict or explain: what makes them unusable, and what is read with care.

A fitted model takes the user's raw columns (:class:`~autoxai.automl.FeatureCaster`), so
most oddities of new rows end in predictions: extra columns (the target among them) are
ignored, unseen categories are passed on as unknown, cells that do not parse as the
column's kind (text in a numeric column, an unparseable date) are read as missing and
imputed. Only three things stop a prediction, each with a :class:`DataError`:
something that is not a table, a table without rows, a table lacking the model's
columns. :func:`check_rows` raises for those (``AutoML.predict`` calls it);
:func:`row_notes` says, once per kind of oddity, what was ignored or read as missing
(the CLI prints these lines).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from autoxai._utils import check_columns
from autoxai.automl._columns import _examples, missing_mask
from autoxai.automl._data import FeatureSchema, cast_features
from autoxai.exceptions import DataError, ParameterTypeError

__all__ = ["check_rows", "row_notes"]

_WHAT = {"numeric": "numbers", "boolean": "yes/no values", "datetime": "dates"}


def check_rows(df: pd.DataFrame, schema: FeatureSchema) -> None:
    """Raise for rows no model can predict: not a DataFrame, no rows, missing columns.

    Examples
    --------
    >>> schema = FeatureSchema(("x",), {"x": "numeric"})
    >>> check_rows(pd.DataFrame({"y": [1]}), schema)
    Traceback (most recent call last):
    ...
    autoxai.exceptions.DataError: the table lacks column(s) the model was fitted on: 'x'.
    """
    if not isinstance(df, pd.DataFrame):
        raise ParameterTypeError(
            f"rows to predict must be a pandas DataFrame with named columns, got "
            f"{type(df).__name__}"
        )
    check_columns(schema.columns, df.columns)
    if len(df) == 0:
        raise DataError("the table has no rows to predict")


def row_notes(
    df: pd.DataFrame,
    schema: FeatureSchema,
    *,
    target: str | None = None,
    known: Iterable[str] = (),
) -> list[str]:
    """One line per oddity of ``df`` that does not stop a prediction.

    Extra columns (ignored; the ``target`` named apart; the ``known`` columns of the
    training table that the model left out, such as identifiers, are not news) and, per
    feature column, the cells that are present but do not parse as its kind (read as
    missing), with examples.
    """
    names = [str(c) for c in df.columns]
    notes = []
    known = set(known) - {target}
    extra = [n for n in names if n not in schema.kinds and n not in known]
    if target is not None and target in extra:
        notes.append(f"column {target!r} is the model's target: ignored")
        extra.remove(target)
    if extra:
        shown = ", ".join(map(repr, extra[:10])) + (", …" if len(extra) > 10 else "")
        notes.append(f"ignored {len(extra)} column(s) the model does not use: {shown}")
    cast = cast_features(df, schema)
    frame = df.set_axis(names, axis=1)
    for column, kind in schema.kinds.items():
        if kind not in _WHAT:
            continue
        raw = frame.loc[:, column]
        unread = cast[column].isna().to_numpy() & ~missing_mask(raw)
        if unread.any():
            notes.append(
                f"column {column!r}: {int(unread.sum())} of {len(raw)} values are not "
                f"{_WHAT[kind]} (e.g. {_examples(raw[unread].drop_duplicates(), 2)}): "
                "read as missing"
            )
    return notes
