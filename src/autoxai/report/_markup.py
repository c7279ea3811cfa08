"""The report's markup kit: trusted HTML, escaping, numbers, tables, figures, notes.

Escaping: every string that comes from the user's data or from a run (column names,
category values, class labels, file names, rule texts, parameters, error messages) goes
through :func:`h` (``html.escape(..., quote=True)``). Trusted HTML built by the report is
marked with :class:`Markup` so that it is not escaped twice.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from autoxai.report._notes import note_for

__all__ = ["Markup", "facts", "figure", "fmt", "h", "note", "pair", "table"]


class Markup(str):
    """HTML built by the report itself: inserted as is, never escaped again.

    Adding a plain string to it escapes that string (as MarkupSafe does), so text can
    only become markup by passing through :func:`h` or being built here.
    """

    def __add__(self, other: Any) -> Markup:
        return Markup(str.__add__(self, h(other)))

    def __radd__(self, other: Any) -> Markup:
        return Markup(str.__add__(h(other), self))


def h(value: Any) -> Markup:
    """``value`` as text safe to put in HTML content or a quoted attribute."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


def fmt(value: Any, digits: int = 4) -> str:
    """A number for a table: ``digits`` significant digits; blanks for missing."""
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return ""
        return f"{value:.{digits}g}"
    return str(value)


def table(
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    cls: str = "",
    row_classes: Sequence[str] | None = None,
) -> Markup:
    """A table; cells that are not :class:`Markup` are escaped (numbers formatted)."""
    head = "".join(f"<th>{h(c)}</th>" for c in headers)
    body = []
    for i, row in enumerate(rows):
        cells = "".join(f"<td>{c if isinstance(c, Markup) else h(fmt(c))}</td>" for c in row)
        extra = f' class="{h(row_classes[i])}"' if row_classes and row_classes[i] else ""
        body.append(f"<tr{extra}>{cells}</tr>")
    cls_attr = f' class="{h(cls)}"' if cls else ""
    return Markup(
        f"<table{cls_attr}><thead><tr>{head}</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table>"
    )


def figure(draw: Callable[..., str], *args: Any, caption: str = "", **kwargs: Any) -> Markup:
    """A figure from one of :mod:`autoxai.plots`; a drawing error becomes a short note."""
    try:
        svg = draw(*args, **kwargs)
    except Exception as exc:
        return Markup(
            f'<p class="missing">figure not drawn: {h(type(exc).__name__)}: {h(str(exc)[:300])}</p>'
        )
    cap = f"<figcaption>{h(caption)}</figcaption>" if caption else ""
    return Markup(f"<figure>{svg}{cap}</figure>")


def note(key: str) -> Markup:
    """The "how to read this" box of a method."""
    text = note_for(key)
    if text is None:
        return Markup("")
    return Markup(
        f'<aside class="note"><p><b>What it measures.</b> {h(text.measures)}</p>'
        f"<p><b>How to read it.</b> {h(text.read)}</p>"
        f"<p><b>What it cannot tell.</b> {h(text.cannot)}</p></aside>"
    )


def pair(main: str, key: str) -> Markup:
    """Content with its note beside it (stacked on narrow screens and on paper)."""
    return Markup(f'<div class="pair"><div class="main">{main}</div>{note(key)}</div>')


def facts(pairs: Iterable[tuple[str, Any]]) -> Markup:
    """A compact line of ``name: value`` facts (values formatted and escaped)."""
    parts = [
        f"<span><b>{h(k)}</b> {h(fmt(v))}</span>"
        for k, v in pairs
        if v is not None and fmt(v) != ""
    ]
    return Markup('<p class="facts">' + " · ".join(parts) + "</p>") if parts else Markup("")
