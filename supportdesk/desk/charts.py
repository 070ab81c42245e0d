"""Server-side SVG chart geometry for the dashboard (no JavaScript, no inline styles: CSP).

Each function returns plain numbers and labels; ``desk/_bar_chart.html`` draws them with
``<rect>``/``<text>`` and CSS classes. The same numbers are shown in a table beside each
chart, so nothing is only visible as a picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from supportdesk.common.choices import Channel, Tier

WIDTH = 720
HEIGHT = 240
LEFT = 44
BOTTOM = 28
TOP = 10


@dataclass
class Bar:
    x: int
    y: int
    width: int
    height: int
    css: str
    title: str


@dataclass
class Chart:
    title: str
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    labels: list[tuple[int, int, str]] = field(default_factory=list)  # x, y, text
    ticks: list[tuple[int, str]] = field(default_factory=list)  # y, text
    legend: list[tuple[str, str]] = field(default_factory=list)  # css, text
    plot_left: int = LEFT
    plot_right: int = WIDTH - 8
    plot_bottom: int = HEIGHT - BOTTOM


def _month_label(month) -> str:
    return date_format(month, "M y")


def _nice_ceiling(value: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... at or above ``value``."""
    for exponent in range(12):
        for mantissa in (1, 2, 5):
            if mantissa * 10**exponent >= value:
                return mantissa * 10**exponent
    return 10**12


def _ticks(maximum: Decimal | int, chart: Chart, suffix: str = "") -> None:
    plot = chart.plot_bottom - TOP
    for i in range(5):
        value = Decimal(maximum) * i / 4
        y = chart.plot_bottom - int(plot * i / 4)
        chart.ticks.append((y, f"{number_format(value, 0)}{suffix}"))


def sla_chart(data) -> Chart:
    """Compliance % per month, one bar per tier (months with no decided response: none)."""
    chart = Chart(title=_("SLA compliance by tier and month (%)"))
    tiers = Tier.values
    months = data.months
    slot = (chart.plot_right - chart.plot_left) // max(len(months), 1)
    bar_w = max((slot - 6) // len(tiers), 2)
    plot = chart.plot_bottom - TOP
    _ticks(100, chart, "%")
    for i, month in enumerate(months):
        x0 = chart.plot_left + i * slot + 3
        for j, tier in enumerate(tiers):
            cell = data.sla[tier][month]
            value = cell.compliance
            if value is None:
                continue
            h = int(plot * value / 100)
            chart.bars.append(Bar(
                x=x0 + j * bar_w, y=chart.plot_bottom - h, width=bar_w - 1, height=h,
                css=f"bar-tier-{tier}",
                title=f"{_month_label(month)} · {Tier(tier).label}: "
                      f"{number_format(value, 1)}%",
            ))
        chart.labels.append((x0 + (slot - 6) // 2, chart.height - 8, _month_label(month)))
    chart.legend = [(f"bar-tier-{t}", str(Tier(t).label)) for t in tiers]
    return chart


def channel_chart(data) -> Chart:
    """Hours of measured work per month, stacked by channel."""
    chart = Chart(title=_("Hours by channel and month"))
    months = data.months
    totals = [sum(data.channels[c][m] for c in Channel.values) for m in months]
    top_hours = max([*totals, 60]) / 60
    scale = _nice_ceiling(top_hours)
    plot = chart.plot_bottom - TOP
    _ticks(scale, chart, " h")
    slot = (chart.plot_right - chart.plot_left) // max(len(months), 1)
    for i, month in enumerate(months):
        x0 = chart.plot_left + i * slot + 3
        y = chart.plot_bottom
        for channel in Channel.values:
            minutes = data.channels[channel][month]
            if not minutes:
                continue
            h = max(int(plot * minutes / 60 / scale), 1)
            y -= h
            chart.bars.append(Bar(
                x=x0, y=y, width=slot - 6, height=h, css=f"bar-channel-{channel}",
                title=f"{_month_label(month)} · {Channel(channel).label}: "
                      f"{number_format(Decimal(minutes) / 60, 1)} h",
            ))
        chart.labels.append((x0 + (slot - 6) // 2, chart.height - 8, _month_label(month)))
    chart.legend = [(f"bar-channel-{c}", str(Channel(c).label)) for c in Channel.values]
    return chart


def load_chart(data) -> Chart:
    """Open requests per technician (horizontal bars; overdue part highlighted)."""
    rows = data.load[:15]
    row_h = 22
    chart = Chart(title=_("Open requests per technician"),
                  height=max(len(rows), 1) * row_h + 16)
    label_w = 180
    chart.plot_left = label_w
    top = max([r.open for r in rows] + [1])
    span = chart.plot_right - label_w
    for i, row in enumerate(rows):
        y = 8 + i * row_h
        name = row.name or _("Unassigned")
        w = max(int(span * row.open / top), 1)
        chart.bars.append(Bar(x=label_w, y=y, width=w, height=row_h - 6, css="bar-load",
                              title=f"{name}: {row.open}"))
        if row.overdue:
            ow = max(int(span * row.overdue / top), 1)
            chart.bars.append(Bar(x=label_w, y=y, width=ow, height=row_h - 6,
                                  css="bar-overdue",
                                  title=f"{name}: {row.overdue} {_('overdue')}"))
        chart.labels.append((label_w - 6, y + row_h - 10, name[:28]))
    chart.legend = [("bar-load", pgettext("requests, plural", "Open")),
                    ("bar-overdue", _("Overdue"))]
    return chart
