"""The person's history: a chart and tables per domain.

Charts are drawn on the server (matplotlib, about a third of a second for three years) and kept
in the cache by patient, domain, period, day, language, width and the patient's last change
(``symptoms.history.cache``): a new report changes the key, so it shows at once, and a chart is
drawn once per change rather than on every request. The keys hold ids and codes only; the
access check runs before the cache is read, so nobody is served another person's chart.
"""

from __future__ import annotations

from collections.abc import Callable

from csp.decorators import csp_replace
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from accounts.access import request_patient, role_required
from accounts.models import Role, User
from accounts.selectors import local_today
from symptoms.history import selectors as history
from symptoms.history.cache import CACHE_SECONDS, chart_key, last_change_of
from symptoms.trends.digests import trend_changes

# ?width=narrow asks for the phone's drawing (the page's <picture> chooses it below 40em).
NARROW = "narrow"


def _period(request: HttpRequest) -> str:
    period = request.GET.get("period", history.DEFAULT_PERIOD)
    return period if period in history.PERIODS else history.DEFAULT_PERIOD


@role_required(Role.PATIENT)
def history_page(request: HttpRequest) -> HttpResponse:
    patient = request_patient(request)
    period = _period(request)
    today = local_today(patient=patient)
    since = history.period_start(today=today, period=period)
    # The domains' charts and tables (every week of the period) are rendered once per last
    # change, period, day and language; the key holds ids and codes only.
    change = last_change_of(patient)
    key = change.key("history-page", patient.pk, period, today.isoformat(), get_language())
    domains_html: str | None = cache.get(key)
    if domains_html is None:
        domains = history.history_get(patient=patient, since=since, until=today)
        domains_html = render_to_string(
            "symptoms/_history_domains.html", {"domains": domains, "period": period}, request
        )
        cache.set(key, domains_html, CACHE_SECONDS)
    context = {
        "changes": trend_changes(patient=patient, change=change),
        "domains_html": mark_safe(domains_html),  # noqa: S308  (our own template's output)
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


def is_narrow(request: HttpRequest) -> bool:
    return request.GET.get("width") == NARROW


def chart_response(
    request: HttpRequest,
    *,
    patient: User,
    domain: str,
    period: str,
    audience: str,
    draw: Callable[[history.DomainHistory, bool], bytes],
) -> HttpResponse:
    """The domain's chart from the cache, else drawn by ``draw(domain_history, narrow)`` and
    cached; 404 for an unknown domain or one with nothing to draw (remembered too). Call it
    only after the access check: the key names the patient, not the person asking."""
    if domain not in history.measures_by_domain():
        raise Http404
    today = local_today(patient=patient)
    narrow = is_narrow(request)
    key = chart_key(
        patient_id=patient.pk,
        change=last_change_of(patient),
        audience=audience,
        domain=domain,
        period=period,
        today=today,
        language=get_language(),
        width=NARROW if narrow else "wide",
    )
    svg: bytes | None = cache.get(key)
    if svg is None:
        since = history.period_start(today=today, period=period)
        [domain_history] = history.history_get(
            patient=patient, since=since, until=today, domains=[domain]
        )
        svg = draw(domain_history, narrow) if domain_history.has_data else b""
        cache.set(key, svg, CACHE_SECONDS)
    if not svg:
        raise Http404
    return HttpResponse(svg, content_type="image/svg+xml")


def _own_chart(domain_history: history.DomainHistory, narrow: bool) -> bytes:
    # matplotlib takes about half a second to import: only drawing needs it.
    from symptoms.history.charts import chart_svg

    return chart_svg(domain_history, narrow=narrow)


@csp_replace(CHART_CSP)
@role_required(Role.PATIENT)
def history_chart(request: HttpRequest, domain: str) -> HttpResponse:
    return chart_response(
        request,
        patient=request_patient(request),
        domain=domain,
        period=_period(request),
        audience="own",
        draw=_own_chart,
    )
