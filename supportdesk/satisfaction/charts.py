"""The report's charts, drawn on the server as SVG (no JavaScript, no inline style: the
CSP), one per cross: a bar per group, its good share in green and the rest in red, the
share and the number of ratings beside it. ``satisfaction/_share_chart.svg.html`` draws the
geometry with autoescaped text (a technician's name is text, never markup); the same
numbers are in the table under each chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .selectors import Cross

WIDTH = 640
ROW = 24
LABEL = 200
VALUE = 110
TOP = 6


@dataclass
class Bar:
    x: int
    y: int
    width: int
    height: int
    css: str
    title: str


@dataclass
class ShareChart:
    title: str
    width: int = WIDTH
    height: int = 0
    bars: list[Bar] = field(default_factory=list)
    labels: list[tuple[int, int, str]] = field(default_factory=list)  # x, y, text (end)
    values: list[tuple[int, int, str]] = field(default_factory=list)  # x, y, text (start)
    plot_left: int = LABEL
    plot_right: int = WIDTH - VALUE


def share_chart(cross: Cross) -> ShareChart:
    """Good share per group of ``cross`` (groups without ratings get no bar)."""
    rows = [group for group in cross.groups if group.ratings]
    chart = ShareChart(title=_("Share of good ratings: %(cross)s") % {"cross": cross.title},
                       height=max(len(rows), 1) * ROW + 2 * TOP)
    span = chart.plot_right - chart.plot_left
    for i, group in enumerate(rows):
        y = TOP + i * ROW
        good_w = round(span * group.good / group.ratings)
        share = number_format(group.good_share, 1)
        if good_w:
            chart.bars.append(Bar(x=chart.plot_left, y=y, width=good_w, height=ROW - 6,
                                  css="bar-good",
                                  title=f"{group.label}: {share}% {_('good')}"))
        if good_w < span:
            chart.bars.append(Bar(x=chart.plot_left + good_w, y=y, width=span - good_w,
                                  height=ROW - 6, css="bar-poor",
                                  title=f"{group.label}: {group.poor} {_('poor')}"))
        chart.labels.append((chart.plot_left - 6, y + ROW - 11, group.label[:30]))
        chart.values.append((chart.plot_right + 6, y + ROW - 11,
                             f"{share}% ({group.good}/{group.ratings})"))
    return chart
