"""Bar charts as SVG geometry for the goals/_chart.html partial: drawn on the server, no JavaScript.

Bars for each month on an axis that starts at 0 (a bar's height is its value, so 88 % never
looks like a third of 95 %), a dashed line at the target, and (for the e-service goal) a
marker at the same month a year earlier. Missed months are hatched as well as coloured, and
every value is written above its bar, so nothing is told by colour alone.
"""
import math
from dataclasses import dataclass

from kundweb.goals.kpi import format_number, format_percent

WIDTH, HEIGHT = 600, 250
LEFT, RIGHT, TOP, BOTTOM = 50, 58, 24, 44


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    y: float
    height: float
    center: float
    month: str
    label: str
    year: str | None
    value: float | None
    value_text: str
    status: str  # met, missed, nodata
    previous_y: float | None = None
    previous_text: str | None = None


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    bars: list
    ticks: list  # (y, label)
    target_y: float | None
    target_label: str | None
    has_previous: bool
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM


def nice_max(value):
    """A round upper end for the axis: 100 for ordinary shares, less when every value is small."""
    if value >= 60:
        return 100
    step = 5 if value <= 25 else 10
    return max(step, math.ceil(value / step) * step)


def bar_chart(chart_id, title, points, target=None, target_label=None, summary=""):
    """`points`: (month "YYYY-MM", short label, value %, status, previous-year value or None)."""
    values = [p[2] for p in points if p[2] is not None] + [p[4] for p in points if p[4] is not None]
    everything = values + ([target] if target is not None else [])
    top_value = nice_max(max(everything + [1]) * 1.12)
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT - RIGHT) / max(len(points), 1)
    width = min(slot * 0.64, 40)

    def y_of(value):
        share = min(max(value, 0), top_value) / top_value
        return round(TOP + plot_height * (1 - share), 1)

    bars = []
    for i, (month, label, value, status, previous) in enumerate(points):
        center = LEFT + slot * (i + 0.5)
        y = y_of(value) if value is not None else HEIGHT - BOTTOM
        year = month[:4] if i == 0 or month.endswith("-01") else None
        bars.append(Bar(round(center - width / 2, 1), round(width, 1), y, round(HEIGHT - BOTTOM - y, 1),
                        round(center, 1), month, label, year, value,
                        format_percent(value), status,
                        y_of(previous) if previous is not None else None,
                        format_percent(previous) if previous is not None else None))
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50) if top_value / s <= 5)
    ticks = [(y_of(step * k), f"{format_number(step * k)} %") for k in range(int(top_value // step) + 1)]
    description = summary or f"Stapeldiagram per månad. {len(points)} månader."
    return Chart(chart_id, title, description, bars, ticks, y_of(target) if target is not None else None,
                 target_label, any(b.previous_y is not None for b in bars))
