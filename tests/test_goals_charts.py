"""The goal charts do not exaggerate: the y-axis starts at 0, the target is a line, missed months are hatched."""
import re

from flask import render_template

from kundweb.goals import charts


def high_chart():
    """Every value between 88 and 95 %: the case where a truncated axis made 88 look like a third of 95."""
    points = [("2025-01", "jan 2025", 95.0, "met", None), ("2025-02", "feb 2025", 88.0, "missed", None),
              ("2025-03", "mar 2025", 91.0, "met", None)]
    return charts.bar_chart("chart-phone", "Väntetid i telefon", points, 90.0, "Mål 90 %")


def test_the_y_axis_starts_at_zero_and_bars_are_proportional_to_their_values():
    chart = high_chart()
    assert chart.ticks[0] == (chart.bottom, "0 %")
    heights = {bar.month: bar.height for bar in chart.bars}
    # 88 / 95 of the height, within the rounding to a tenth of a pixel
    assert abs(heights["2025-02"] / heights["2025-01"] - 88 / 95) < 0.005
    assert "börjar på" not in chart.description


def test_the_target_is_a_line_across_the_plot_and_missed_months_are_hatched(app_context):
    chart = high_chart()
    svg = render_template("goals/_chart.html", chart=chart)
    target = re.search(r'<line class="chart__target" x1="(\d+)" x2="(\d+)" y1="([\d.]+)" y2="([\d.]+)"', svg)
    assert target and target.group(1) == str(chart.left) and target.group(2) == str(chart.right)
    assert target.group(3) == target.group(4) == str(chart.target_y)
    plot = chart.bottom - chart.top
    assert abs((chart.bottom - chart.target_y) / plot - 90 / 100) < 0.005  # 90 % on a 0–100 axis
    bars = re.findall(r'<rect class="chart__bar chart__bar--(\w+)"[^>]*?(fill="url\(#chart-phone-hatch\)")?/>', svg)
    assert bars == [("met", ""), ("missed", 'fill="url(#chart-phone-hatch)"'), ("met", "")]
    assert 'id="chart-phone-hatch"' in svg
    axis = re.search(r'<line class="chart__axis" x1="\d+" x2="\d+" y1="([\d.]+)"', svg)
    assert float(axis.group(1)) == chart.bottom and '<text class="chart__tick" x="44" y="210.0" text-anchor="end">0 %</text>' in svg
