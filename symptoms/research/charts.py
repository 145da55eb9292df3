"""The research priorities chart: per domain, the share of people rating it 5 or above beside
the share of research funding that went to it. Drawn as SVG by matplotlib with the history
charts' settings; hatching as well as colour tells the two bars apart, and the page carries the
same numbers as a table."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from matplotlib.figure import Figure

from symptoms.history.charts import BARS, LINE, WIDTH_INCHES
from symptoms.history.selectors import number
from symptoms.research.priorities import Priorities


def priorities_svg(priorities: Priorities) -> bytes:
    domains = priorities.domains
    figure = Figure(figsize=(WIDTH_INCHES, 1.0 + 0.9 * len(domains)), layout="constrained")
    axes = figure.subplots()
    positions = list(range(len(domains)))
    burden = [100 * (d.share_5_or_above or 0) for d in domains]
    funding = [d.funding.share_percent if d.funding else 0 for d in domains]
    height = 0.38
    axes.barh(
        [p - height / 2 for p in positions],
        burden,
        height=height,
        color=LINE,
        label=_("People rating it 5 or above (%)"),
    )
    axes.barh(
        [p + height / 2 for p in positions],
        funding,
        height=height,
        color="white",
        edgecolor=BARS,
        hatch="//",
        label=_("Share of %(year)s research funding (%%)") % {"year": priorities.funding.year},
    )
    for position, value, domain in zip(positions, burden, domains, strict=True):
        text = (
            f"{number(round(value))}%"
            if domain.share_5_or_above is not None
            else _("not published")
        )
        axes.text(value + 1, position - height / 2, text, va="center", fontsize=11)
    for position, value in zip(positions, funding, strict=True):
        axes.text(value + 1, position + height / 2, f"{number(value)}%", va="center", fontsize=11)
    axes.set_yticks(positions, [d.label for d in domains])
    axes.invert_yaxis()
    axes.set_xlim(0, 105)
    axes.set_xlabel(_("Percent"))
    axes.legend(loc="lower right", frameon=False, fontsize=11)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
