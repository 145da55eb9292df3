"""The person's history: a chart and tables per domain."""

from __future__ import annotations

from csp.decorators import csp_replace
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import request_patient, role_required
from accounts.models import Role
from accounts.selectors import local_today
from symptoms.history import selectors as history
from symptoms.trends.selectors import trends_get


def _period(request: HttpRequest) -> str:
    period = request.GET.get("period", history.DEFAULT_PERIOD)
    return period if period in history.PERIODS else history.DEFAULT_PERIOD


@role_required(Role.PATIENT)
def history_page(request: HttpRequest) -> HttpResponse:
    patient = request_patient(request)
    period = _period(request)
    today = local_today(patient=patient)
    since = history.period_start(today=today, period=period)
    domains = history.history_get(patient=patient, since=since, until=today)
    context = {
        "changes": trends_get(patient=patient).changes(),
        "domains": domains,
        "period": period,
        "periods": [(key, str(label)) for key, label in history.PERIOD_LABELS.items()],
        "since": since,
        "today": today,
    }
    return render(request, "symptoms/history.html", context)


# A chart is an SVG image drawn from numbers (no person's text); matplotlib styles it inline.
# This one response allows inline styles and nothing else at all: no scripts, no loads.
CHART_CSP = {
    "default-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "script-src": ["'none'"],
    "img-src": ["'none'"],
    "form-action": ["'none'"],
}


@csp_replace(CHART_CSP)
@role_required(Role.PATIENT)
def history_chart(request: HttpRequest, domain: str) -> HttpResponse:
    patient = request_patient(request)
    if domain not in history.measures_by_domain():
        raise Http404
    today = local_today(patient=patient)
    since = history.period_start(today=today, period=_period(request))
    [domain_history] = history.history_get(
        patient=patient, since=since, until=today, domains=[domain]
    )
    if not domain_history.has_data:
        raise Http404
    # matplotlib takes about half a second to import: only this view needs it.
    from symptoms.history.charts import chart_svg

    return HttpResponse(chart_svg(domain_history), content_type="image/svg+xml")
