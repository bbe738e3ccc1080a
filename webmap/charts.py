"""Horizontal bar charts laid out for SVG, server-side: no chart library, no script.

:func:`horizontal_bars` turns labelled rows of values into coordinates (a bar per row, one
segment per value, so a row can be stacked by status) with a scale of round ticks;
the dashboard template draws them as ``<rect>`` and ``<text>`` in one ``<svg>``.  Text is
left to the template, whose escaping puts names from the database in as plain characters.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

#: Font size of the chart's text, in SVG units (the CSS uses the same).
FONT_SIZE = 12
_TOP = 22        # room for the tick labels above the bars
_BOTTOM = 6
_VALUE_WIDTH = 64  # room right of the bars for the row's value text


@dataclass(frozen=True)
class Part:
    """One value of a row: a segment of its bar."""

    value: float
    color: str
    title: str  # shown on hover, e.g. "在建 3"


@dataclass(frozen=True)
class Row:
    """One bar: its label, its parts (stacked left to right) and the text after it."""

    label: str
    parts: tuple[Part, ...]
    value_text: str


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    color: str
    title: str


@dataclass(frozen=True)
class Bar:
    label: str
    full_label: str  # the label before shortening, for its tooltip
    y: float
    segments: tuple[Segment, ...]
    value_text: str
    value_x: float


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class BarChart:
    """Everything the template needs to draw the chart, in SVG user units."""

    width: int
    height: float
    label_width: float
    plot_x: float
    plot_width: float
    bar_height: float
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]


def horizontal_bars(rows: Sequence[Row], *, width: int = 560, bar_height: float = 18,
                    gap: float = 10, max_label_width: float = 200) -> BarChart:
    """Lay out *rows* as horizontal (stacked) bars on a shared scale from zero.

    Parameters
    ----------
    rows
        The bars, top to bottom.
    width
        Width of the whole chart; labels take what the longest needs (up to
        *max_label_width*, longer ones are shortened with "…").
    bar_height, gap
        Thickness of a bar and the space between two.
    """
    label_width = min(max((text_width(r.label) for r in rows), default=0) + 10,
                      max_label_width)
    plot_x = label_width
    plot_width = width - label_width - _VALUE_WIDTH
    largest = max((sum(p.value for p in r.parts) for r in rows), default=0)
    top, step = nice_scale(largest)
    scale = plot_width / top
    bars = []
    for index, row in enumerate(rows):
        y = _TOP + index * (bar_height + gap)
        x, segments = plot_x, []
        for part in row.parts:
            if part.value > 0:
                segments.append(Segment(round(x, 2), round(part.value * scale, 2), part.color,
                                        part.title))
                x += part.value * scale
        bars.append(Bar(shorten(row.label, label_width - 10), row.label, y, tuple(segments),
                        row.value_text, round(x + 6, 2)))
    ticks = tuple(Tick(round(plot_x + value * scale, 2), _number(value))
                  for value in _range(0, top, step))
    height = _TOP + len(rows) * (bar_height + gap) - gap + _BOTTOM
    return BarChart(width, height, label_width, plot_x, plot_width, bar_height, tuple(bars),
                    ticks)


def nice_scale(largest: float, most_ticks: int = 5) -> tuple[float, float]:
    """The end of a scale covering *largest* and its tick step, both round (1, 2, 5 × 10ⁿ);
    at least 1, so an empty chart still has an axis."""
    if largest <= 0:
        return 1.0, 1.0
    raw = largest / (most_ticks - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(step, 1.0) if largest >= 1 else step
    return math.ceil(largest / step) * step, step


def text_width(text: str) -> float:
    """Approximate width of *text* at :data:`FONT_SIZE`: CJK characters are square, Latin
    ones a bit over half as wide."""
    return sum(FONT_SIZE if ord(ch) >= 0x2E80 else FONT_SIZE * 0.58 for ch in text)


def shorten(text: str, width: float) -> str:
    """*text*, cut and ended with "…" when wider than *width*."""
    if text_width(text) <= width:
        return text
    while text and text_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _range(start: float, stop: float, step: float) -> list[float]:
    count = int(round((stop - start) / step))
    return [start + i * step for i in range(count + 1)]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
