"""History charts as small, deterministic SVG files drawn by matplotlib on the server.

One figure per domain, as a column of panels sharing the time axis, each with its own scale:
the weekly averages of the daily 0-10 rating, the number of days behind each average, then one
panel per questionnaire score (an MFIS total runs 0-84, so it gets its own axis rather than a
second one squeezed onto the first). Lines break across weeks without answers instead of
drawing a trend nobody reported. Markers and panels, not colour alone, tell series apart.

Every chart has a data table on the page and a text summary as its alternative text.

The clinician's charts add, on each scale with a minimal clinically important difference, the
baseline as a dashed line and a shaded band of baseline ± threshold (``bands``): a point outside
the band is a meaningful change. The patient's own charts have no bands.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import matplotlib
from django.utils import formats
from django.utils.translation import gettext as _
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from symptoms.history.selectors import DomainHistory, WeekMean, number
from symptoms.instruments.definitions import DAILY
from symptoms.instruments.scoring import Direction

# The Figure API draws without pyplot or a display backend, and keeps no global figure state.
# Set once for the process rather than per figure: rc_context() would race between threads.
matplotlib.rcParams.update(
    {
        "svg.hashsalt": "ms-symptom-tracker",  # stable element ids: the same data, the same file
        "svg.fonttype": "none",  # text as <text>, drawn by the browser: small and sharp
        "font.family": "sans-serif",
        "font.size": 13,
        "axes.edgecolor": "#4a4a4a",
        "axes.labelcolor": "#1a1a1a",
        "xtick.color": "#1a1a1a",
        "ytick.color": "#1a1a1a",
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)

LINE = "#1546a0"  # the site's primary blue: 8.6:1 on white
BARS = "#6b6b6b"  # 5.3:1 on white
SCORE = "#0f5f2f"  # the site's success green: 7.6:1 on white
WIDTH_INCHES = 8.0
PANEL_INCHES = 2.4
DAYS_PANEL_INCHES = 1.5
# A phone's chart (chosen by the page's <picture> below 40em): the browser scales an SVG to its
# box, so its text shrinks by box width / drawing width. A 320 px phone gives the chart about
# 286 px; drawn 270 units wide, 13-unit text renders at about 13.8 px (the wide chart's would
# be 6.5 px). Titles wrap, and fewer dates are marked.
NARROW_WIDTH_INCHES = 3.75
NARROW_PANEL_INCHES = 2.0
NARROW_TITLE_CHARACTERS = 34
NARROW_DATE_LABELS = 3
BAND = "#dfe6f3"  # a pale blue: the lines and markers on it keep over 7:1
BASELINE = "#1a1a1a"
EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Band:
    """A scale's baseline and its threshold (the MCID in scale units)."""

    baseline: float
    threshold: float


# Bands by (instrument code, scale key); the daily ratings are ("daily", domain scale key).
Bands = Mapping[tuple[str, str], Band]


def _x_range(history: DomainHistory) -> tuple[date, date]:
    days = [week.week_on for week in history.weeks]
    days += [point.on for series in history.series for point in series.points]
    start = history.since or min(days, default=history.until)
    end = max([history.until, *days])
    return start - timedelta(days=3), end + timedelta(days=3)


def _weekly_line(weeks: tuple[WeekMean, ...]) -> tuple[list[date], list[float]]:
    """Every Monday from the first week to the last, NaN where nobody answered: the line breaks."""
    by_week = {week.week_on: week.mean for week in weeks}
    mondays: list[date] = []
    day = weeks[0].week_on
    while day <= weeks[-1].week_on:
        mondays.append(day)
        day += timedelta(days=7)
    return mondays, [by_week.get(monday, math.nan) for monday in mondays]


def _x(day: date) -> float:
    """A date as the x coordinate: days since 1970-01-01, as matplotlib counts them."""
    return float((day - EPOCH).days)


def _date_ticks(start: date, end: date, *, narrow: bool = False) -> tuple[list[date], str]:
    """First days of months to mark, and the Django date format to label them with: every
    month over a few months, every quarter over two years, else every year or more; on a
    narrow chart, at most ``NARROW_DATE_LABELS`` of them."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if narrow:
        if months <= 26:
            step, pattern = max(1, math.ceil((months + 1) / NARROW_DATE_LABELS)), "M Y"
        else:
            step, pattern = 12 * max(1, math.ceil(months / 12 / NARROW_DATE_LABELS)), "Y"
    elif months <= 7:
        step, pattern = 1, "M Y"
    elif months <= 26:
        step, pattern = 3, "M Y"
    else:
        step, pattern = 12 * max(1, math.ceil(months / 12 / 8)), "Y"
    ticks = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        day = date(year, month, 1)
        if start <= day and (year * 12 + month - 1) % step == 0:
            ticks.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ticks, pattern


def _date_axis(axes: Axes, start: date, end: date, *, narrow: bool) -> None:
    ticks, pattern = _date_ticks(start, end, narrow=narrow)
    # Month names in the person's language, as Django formats them.
    axes.set_xticks(
        [_x(day) for day in ticks], labels=[formats.date_format(day, pattern) for day in ticks]
    )
    axes.set_xlim(_x(start), _x(end))


def _title(axes: Axes, text: str, *, narrow: bool) -> None:
    # A title above each panel, not a rotated axis label: easier to read for tired eyes.
    if narrow:
        text = textwrap.fill(text, NARROW_TITLE_CHARACTERS)
    axes.set_title(text, loc="left", fontsize=13, pad=8)


def _style(
    axes: Axes, *, title: str, low: float, high: float, direction: Direction, narrow: bool
) -> None:
    hint = _("higher is worse") if direction is Direction.HIGHER_IS_WORSE else _("higher is better")
    _title(axes, f"{title} ({number(low)}\u2013{number(high)}, {hint})", narrow=narrow)
    axes.set_ylim(low, high)
    # Round ticks, plus both ends of the scale so its range is read off the axis.
    ticks = MaxNLocator(nbins=5, integer=True).tick_values(low, high)
    near_end = (high - low) / 6
    inner = [t for t in ticks if low + near_end < t < high - near_end]
    values = [low, *inner, high]
    # Labelled by hand so decimals follow the page's locale (12,8 in Italian), not matplotlib's.
    axes.set_yticks(values, labels=[number(value) for value in values])
    axes.grid(axis="y", color="#d0d0d0", linewidth=0.8)
    axes.set_axisbelow(True)


def _band(axes: Axes, band: Band | None, *, low: float, high: float) -> None:
    if band is None:
        return
    # Clipped to the scale's range: a band past either end would stretch the axis.
    bottom = max(low, band.baseline - band.threshold)
    top = min(high, band.baseline + band.threshold)
    axes.axhspan(bottom, top, color=BAND, linewidth=0, zorder=0)
    axes.axhline(band.baseline, color=BASELINE, linewidth=1.5, linestyle="--", zorder=1)


def chart_svg(history: DomainHistory, *, bands: Bands | None = None, narrow: bool = False) -> bytes:
    """The domain's chart as SVG bytes; with ``bands``, the clinician's chart: each scale's
    baseline and its band of no meaningful change, and titles that do not say "your". With
    ``narrow``, the phone's chart (``NARROW_WIDTH_INCHES``)."""
    panels: list[str] = []
    if history.weeks:
        panels += ["weekly", "days"]
    panels += [f"series{index}" for index, _series in enumerate(history.series_with_data)]
    panel_inches = NARROW_PANEL_INCHES if narrow else PANEL_INCHES
    heights = [DAYS_PANEL_INCHES if panel == "days" else panel_inches for panel in panels]
    width = NARROW_WIDTH_INCHES if narrow else WIDTH_INCHES
    # Wrapped titles take a line more each on a narrow chart.
    extra = 0.25 * len(panels) if narrow else 0.0
    figure = Figure(figsize=(width, sum(heights) + 0.6 + extra), layout="constrained")
    grid = figure.subplots(len(panels), 1, sharex=True, squeeze=False, height_ratios=heights)
    axes_list: list[Axes] = [row[0] for row in grid]
    start, end = _x_range(history)

    index = 0
    scale = history.measures.daily_scale
    if history.weeks and scale is not None:
        weekly, days_axes = axes_list[0], axes_list[1]
        mondays, means = _weekly_line(history.weeks)
        # Plotted mid-week, where the days behind the average lie.
        middles = [monday + timedelta(days=3) for monday in mondays]
        weekly_band = bands.get((DAILY, scale.key)) if bands is not None else None
        _band(weekly, weekly_band, low=scale.range[0], high=scale.range[1])
        weekly.plot(
            [_x(day) for day in middles],
            means,
            color=LINE,
            linewidth=2.5,
            marker="o",
            markersize=7,
            clip_on=False,
        )
        _style(
            weekly,
            title=_("Weekly average of your daily ratings")
            if bands is None
            else _("Weekly average of daily ratings"),
            low=scale.range[0],
            high=scale.range[1],
            direction=scale.direction,
            narrow=narrow,
        )
        days_axes.bar(
            [_x(week.week_on + timedelta(days=3)) for week in history.weeks],
            [week.days for week in history.weeks],
            width=5,
            color=BARS,
        )
        days_axes.set_ylim(0, 7)
        days_axes.set_yticks([0, 7])
        _title(days_axes, _("Days answered in each week"), narrow=narrow)
        index = 2
    for series in history.series_with_data:
        axes = axes_list[index]
        if bands is not None:
            _band(
                axes,
                bands.get((series.instrument.code, series.scale.key)),
                low=series.scale.range[0],
                high=series.scale.range[1],
            )
        axes.plot(
            [_x(point.on) for point in series.points],
            [point.value for point in series.points],
            color=SCORE,
            linewidth=2,
            marker="s",
            markersize=8,
            clip_on=False,  # a score at either end of the scale stays whole
        )
        _style(
            axes,
            title=series.label,
            low=series.scale.range[0],
            high=series.scale.range[1],
            direction=series.scale.direction,
            narrow=narrow,
        )
        index += 1
    _date_axis(axes_list[-1], start, end, narrow=narrow)  # the panels share it

    buffer = io.BytesIO()
    # No creation date in the file, so that the same data always gives the same bytes.
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
