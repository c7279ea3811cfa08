"""Matplotlib figures as small, safe, inline SVG.

Every figure of the report is drawn inside :func:`style` and turned into text by
:func:`to_svg`: text stays text (``svg.fonttype="none"``: small files, selectable and
searchable labels), the XML prolog, DOCTYPE and metadata go, the element ids matplotlib
writes are dropped unless something refers to them (and those are made unique per
figure, so many figures can share one HTML page), and the picture scales to its
container (``width="100%"``, the ``viewBox`` kept).

Safety: matplotlib XML-escapes every text it writes, so a column named
``<script>alert(1)</script>`` becomes ``&lt;script&gt;...`` text. Mathtext is switched
off (``text.parse_math=False``) so a ``$`` in a user's label is a dollar, not TeX. As a
last line of defence :func:`to_svg` refuses an SVG holding an active element
(``script``, ``foreignObject``, ...), an ``on...=`` event attribute or a
``javascript:`` link; the report then shows a note instead of the figure.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import io
import re
from collections.abc import Iterator
from typing import Any

import matplotlib
from matplotlib.figure import Figure

__all__ = [
    "BLUE",
    "GREY",
    "PALETTE",
    "RED",
    "SVG_CSS",
    "UnsafeSVGError",
    "figure",
    "style",
    "to_svg",
    "truncate",
]

#: The CSS that :func:`to_svg` takes out of each figure; the page includes it once.
SVG_CSS = "figure svg * { stroke-linejoin: round; stroke-linecap: butt; }"

#: Colours: effects that raise the output, lower it, and neither (or unknown).
RED = "#c0392b"
BLUE = "#2f6db5"
GREY = "#8c8c8c"
#: Categorical colours (model families, classes): colour-blind friendly (Okabe-Ito).
PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"]

_RC: dict[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "autoxai",  # deterministic ids (made unique per figure below)
    "text.parse_math": False,  # a "$" in a column name is a dollar sign
    "text.usetex": False,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "figure.dpi": 72,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.05,
    "path.simplify": True,
}

_ACTIVE = re.compile(
    r"<\s*/?\s*(script|foreignobject|iframe|object|embed|handler|listener)\b", re.IGNORECASE
)
_TAG = re.compile(r"<[^>]*>")
_EVENT_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


class UnsafeSVGError(ValueError):
    """An SVG held an element or attribute that could run code."""


@contextlib.contextmanager
def style() -> Iterator[None]:
    """The report's matplotlib settings, for drawing one figure."""
    with matplotlib.rc_context(_RC):
        yield


def to_svg(fig: Any, *, label: str | None = None) -> str:
    """The figure as inline SVG text ("" when drawn on the user's Axes, :func:`onto`).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    label : str, optional
        A short description for screen readers (``aria-label``), escaped here.

    Examples
    --------
    >>> with style():
    ...     fig, ax = figure(2, 1)
    ...     _ = ax.set_title("<script>alert(1)</script>")
    ...     svg = to_svg(fig)
    >>> svg.startswith("<svg") and "<script" not in svg.lower()
    True
    """
    if _TARGET.get() is not None:
        return ""
    from html import escape

    buffer = io.StringIO()
    with style():
        fig.savefig(
            buffer,
            format="svg",
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
        )
    text = buffer.getvalue()
    text = text[text.index("<svg") :]  # drop the XML prolog and DOCTYPE
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.DOTALL)
    # matplotlib's "*{stroke-linejoin: round; stroke-linecap: butt}" would style the whole
    # HTML page once inlined: the page's CSS carries it (SVG_CSS) instead
    text = re.sub(r"\s*<style[^>]*>[^<]*</style>", "", text)
    text = re.sub(r"\s*<defs>\s*</defs>", "", text)
    text = _ids_unique(text)
    text = re.sub(r"\s+\n", "\n", text)
    width = re.search(r'<svg[^>]*?\swidth="([\d.]+)pt"', text)
    max_width = f"{float(width.group(1)) * 4 / 3:.0f}px" if width else "100%"
    aria = f' role="img" aria-label="{escape(label, quote=True)}"' if label else ""
    text = re.sub(
        r'(<svg[^>]*?)\swidth="[^"]*"\s+height="[^"]*"',
        lambda m: f'{m.group(1)} width="100%" style="max-width: {max_width}"{aria}',
        text,
        count=1,
    )
    check_safe(text)
    return text.strip()


def check_safe(svg: str) -> None:
    """Raise :class:`UnsafeSVGError` if ``svg`` could run code when inlined in HTML."""
    if _ACTIVE.search(svg):
        raise UnsafeSVGError("the figure's SVG holds an active element; it was left out")
    for tag in _TAG.findall(svg):
        if _EVENT_ATTRIBUTE.search(tag) or "javascript:" in tag.lower():
            raise UnsafeSVGError("the figure's SVG holds an event attribute; it was left out")


def _ids_unique(svg: str) -> str:
    """Drop ids nothing refers to; prefix the others with a hash of the figure."""
    referenced = set(re.findall(r'url\(#([^)"\']+)\)', svg))
    referenced |= set(re.findall(r'href="#([^"]+)"', svg))
    prefix = "f" + hashlib.sha1(svg.encode()).hexdigest()[:8] + "-"

    def replace_id(match: re.Match) -> str:
        name = match.group(1)
        return f' id="{prefix}{name}"' if name in referenced else ""

    svg = re.sub(r'\sid="([^"]+)"', replace_id, svg)
    svg = re.sub(r"url\(#([^)\"']+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    return re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', svg)


def truncate(text: Any, length: int = 40) -> str:
    """``text`` as a string of at most ``length`` characters (an ellipsis marks a cut)."""
    text = str(text)
    return text if len(text) <= length else text[: length - 1] + "…"


#: The user's Axes a figure function draws on instead of a new figure (see :func:`onto`).
_TARGET: contextvars.ContextVar[Any] = contextvars.ContextVar("autoxai_plot_target", default=None)


@contextlib.contextmanager
def onto(ax: Any) -> Iterator[Any]:
    """Make the figure functions of one panel draw on ``ax`` (and skip the SVG).

    This is how :meth:`Explanation.plot <autoxai.explain.Explanation.plot>` draws the
    report's own figures on a notebook's Axes.
    """
    token = _TARGET.set(ax)
    try:
        yield ax
    finally:
        _TARGET.reset(token)


def figure(width: float, height: float, **kwargs: Any) -> tuple[Figure, Any]:
    """A figure and its axes (``Figure.subplots``), call inside :func:`style`.

    The figure is made without pyplot: no GUI back end, no global figure list to close,
    and the user's matplotlib back end is never switched. Inside :func:`onto` a
    one-panel figure is the user's Axes instead.
    """
    target = _TARGET.get()
    if target is not None and not kwargs:
        return target.figure, target
    fig = Figure(figsize=(width, height))
    return fig, fig.subplots(**kwargs)
