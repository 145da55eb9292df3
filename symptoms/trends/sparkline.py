"""Small multiples for the pre-visit summary: one compact SVG line chart per domain.

No Django and no matplotlib: a few hundred bytes of SVG per chart, written as markup with
presentation attributes only (no ``<style>`` element, so the page's strict CSP allows it inline),
fast enough to draw five on every request and sharp on paper. The chart is decoration for
sighted readers; its words are in the ``<title>`` and the figure's caption, and the numbers in
the full tables the summary links to.

Layout (user units of the ``viewBox``): the scale's whole range from bottom to top, the period
from left to right; the band of no change (baseline +- threshold) shaded, the baseline dashed,
the points joined in date order with a break across gaps longer than ``GAP_DAYS``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

WIDTH, HEIGHT = 200, 100
LEFT, RIGHT, TOP, BOTTOM = 24, 4, 6, 20  # margins for the value and date labels
GAP_DAYS = 14  # two missing weeks break the line: no trend nobody reported
LINE = "#1546a0"  # the site's primary blue: 8.6:1 on white
BAND = "#dfe6f3"
INK = "#1a1a1a"


@dataclass(frozen=True)
class Series:
    points: Sequence[tuple[date, float]]  # oldest first
    low: float
    high: float
    baseline: float | None = None
    threshold: float | None = None


def _fmt(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def sparkline_svg(
    series: Series,
    *,
    since: date,
    until: date,
    title: str,
    since_label: str,
    until_label: str,
) -> str:
    """The chart as an inline ``<svg>`` element (escaped text; safe to mark safe)."""
    span = max((until - since).days, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    scale_span = (series.high - series.low) or 1.0

    def x(day: date) -> float:
        return LEFT + plot_w * min(max((day - since).days / span, 0.0), 1.0)

    def y(value: float) -> float:
        clipped = min(max(value, series.low), series.high)
        return TOP + plot_h * (1 - (clipped - series.low) / scale_span)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" class="sparkline" focusable="false"><title>{escape(title)}</title>',
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#ffffff" '
        f'stroke="#767676" stroke-width="1"/>',
    ]
    if series.baseline is not None and series.threshold is not None:
        top = y(series.baseline + series.threshold)
        bottom = y(series.baseline - series.threshold)
        parts.append(
            f'<rect x="{LEFT}" y="{top:.1f}" width="{plot_w}" height="{bottom - top:.1f}" '
            f'fill="{BAND}"/>'
        )
    if series.baseline is not None:
        level = y(series.baseline)
        parts.append(
            f'<line x1="{LEFT}" y1="{level:.1f}" x2="{LEFT + plot_w}" y2="{level:.1f}" '
            f'stroke="{INK}" stroke-width="1.2" stroke-dasharray="4 3"/>'
        )
    runs: list[list[tuple[date, float]]] = []
    for point in series.points:
        if runs and (point[0] - runs[-1][-1][0]).days <= GAP_DAYS:
            runs[-1].append(point)
        else:
            runs.append([point])
    for run in runs:
        coordinates = " ".join(f"{x(day):.1f},{y(value):.1f}" for day, value in run)
        if len(run) > 1:
            parts.append(
                f'<polyline points="{coordinates}" fill="none" stroke="{LINE}" stroke-width="2"/>'
            )
        parts += [
            f'<circle cx="{x(day):.1f}" cy="{y(value):.1f}" r="2.2" fill="{LINE}"/>'
            for day, value in run
        ]
    label = f'font-family="sans-serif" font-size="12" fill="{INK}"'
    parts += [
        f'<text x="{LEFT - 4}" y="{TOP + 9}" text-anchor="end" {label}>{_fmt(series.high)}</text>',
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end" {label}>'
        f"{_fmt(series.low)}</text>",
        f'<text x="{LEFT}" y="{HEIGHT - 6}" {label}>{escape(since_label)}</text>',
        f'<text x="{LEFT + plot_w}" y="{HEIGHT - 6}" text-anchor="end" {label}>'
        f"{escape(until_label)}</text>",
        "</svg>",
    ]
    return "".join(parts)
