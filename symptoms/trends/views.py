"""The clinician's pages: the patients who share with them and one patient's trends (the
pre-visit summary is in :mod:`symptoms.trends.summary`).

Only patients with an active sharing link are visible (``accounts.selectors.clinician_patient_get``,
the API's own rule); anyone else's id is a 404, and other roles get a 403. Each page that shows
one patient's data writes one audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from csp.decorators import csp_replace
from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.access import request_user, role_required
from accounts.models import AuditAction, Role, User
from accounts.selectors import local_today
from symptoms.history import selectors as history
from symptoms.history.views import CHART_CSP, chart_response
from symptoms.instruments.definitions import DAILY, instrument_get
from symptoms.instruments.scoring import Direction
from symptoms.reports.forms import CONTEXT_TAG_LABELS
from symptoms.trends.change import ChangeKind
from symptoms.trends.digests import clinician_patient_rows
from symptoms.trends.selectors import (
    ADHERENCE_DAYS,
    Attention,
    AttentionKind,
    PatientTrends,
    ScaleTrend,
    daily_context_list,
    trends_get,
)

NO_VALUE = "\u2013"  # an en dash in an empty table cell
DETAIL_PERIOD = "12m"  # a year of trends; the chart's own link offers the whole history

KIND_LABELS: dict[str, Promise] = {
    ChangeKind.CONFIRMED_WORSENING: gettext_lazy("Confirmed worsening"),
    ChangeKind.UNCONFIRMED_WORSENING: gettext_lazy("Worsening, not yet confirmed"),
    ChangeKind.CONFIRMED_IMPROVEMENT: gettext_lazy("Confirmed improvement"),
    ChangeKind.MEANINGFUL_IMPROVEMENT: gettext_lazy("Improvement, not yet confirmed"),
    ChangeKind.STABLE: gettext_lazy("No meaningful change"),
}


def _domain_label(domain: str) -> str:
    return str(history.DOMAIN_LABELS.get(domain, domain))


# --- What the templates show -----------------------------------------------------------------


@dataclass(frozen=True)
class ScaleRow:
    """One scale's assessment in words and rounded numbers."""

    trend: ScaleTrend

    @property
    def label(self) -> str:
        if self.trend.is_weekly_mean:
            return _("Daily rating of %(name)s (weekly average)") % {
                "name": _domain_label(self.trend.scale.domain).lower()
            }
        if self.trend.scale.is_primary:
            return self.trend.instrument.name
        return f"{self.trend.instrument.name}, {self.trend.scale.label}"

    @property
    def domain_label(self) -> str:
        return _domain_label(self.trend.scale.domain)

    @property
    def kind_label(self) -> str:
        kind = self.trend.assessment.kind
        return str(KIND_LABELS[kind]) if kind is not None else _("Not assessed")

    @property
    def baseline(self) -> str:
        return _number(self.trend.assessment.baseline)

    @property
    def latest(self) -> str:
        latest = self.trend.assessment.latest
        return _number(latest.value if latest else None)

    @property
    def latest_on(self) -> date | None:
        latest = self.trend.assessment.latest
        return latest.on if latest else None

    @property
    def change(self) -> str:
        change = self.trend.assessment.change
        if change is None:
            return NO_VALUE
        text = _number(change)
        return f"+{text}" if round(change, 1) > 0 else text

    @property
    def threshold(self) -> str:
        return _number(self.trend.assessment.threshold)

    @property
    def direction(self) -> str:
        return (
            _("higher is worse")
            if self.trend.scale.direction is Direction.HIGHER_IS_WORSE
            else _("higher is better")
        )


def _number(value: float | None) -> str:
    return NO_VALUE if value is None else history.number(value)


@dataclass(frozen=True)
class ContextNote:
    on: date
    tags: list[str]
    note: str


def context_notes(patient: User, since: date, until: date) -> list[ContextNote]:
    """Context tags and notes of current daily check-ins in the period, newest first: one
    query, at most one row per day."""
    return [
        ContextNote(on, [str(CONTEXT_TAG_LABELS.get(tag, tag)) for tag in tags or []], note)
        for on, tags, note in daily_context_list(patient=patient, since=since, until=until)
        if tags or note
    ]


def _bands(trends: PatientTrends) -> dict[tuple[str, str], Any]:
    from symptoms.history.charts import Band  # matplotlib is slow to import: only when drawing

    return {
        (t.instrument.code, t.scale.key): Band(t.assessment.baseline, t.assessment.threshold)
        for t in trends.scales
        if t.assessment.baseline is not None and t.assessment.threshold is not None
    }


def _chart_alt(domain: history.DomainHistory, rows: list[ScaleRow]) -> str:
    """The chart in words for a clinician: each scale's baseline, latest, change and
    threshold (the patient's own summary speaks to the patient as "you")."""
    sentences = [
        _(
            "%(name)s: baseline %(baseline)s, latest %(latest)s, change %(change)s, "
            "threshold %(threshold)s, %(direction)s."
        )
        % {
            "name": row.label,
            "baseline": row.baseline,
            "latest": row.latest,
            "change": row.change,
            "threshold": row.threshold,
            "direction": row.direction,
        }
        for row in rows
    ]
    if not sentences:
        sentences = [_("Scores of %(domain)s over time.") % {"domain": domain.label.lower()}]
    return " ".join([*sentences, _("The numbers are in the tables below the chart.")])


def audit_patient_view(clinician: User, patient: User, view: str) -> None:
    account_services.audit_record(
        actor=clinician,
        action=AuditAction.PATIENT_DATA_VIEWED,
        subject_patient=patient,
        detail={"view": view},
    )


# --- The patient list ------------------------------------------------------------------------


class PatientFilterForm(forms.Form):
    search = forms.CharField(label=gettext_lazy("Name"), required=False, max_length=100, strip=True)
    flagged = forms.BooleanField(
        label=gettext_lazy("Only patients with a confirmed worsening"), required=False
    )


@role_required(Role.CLINICIAN)
def clinic_patients(request: HttpRequest) -> HttpResponse:
    clinician = request_user(request)
    form = PatientFilterForm(request.GET)
    search, flagged_only = "", False
    if form.is_valid():
        search, flagged_only = form.cleaned_data["search"], form.cleaned_data["flagged"]
    rows = clinician_patient_rows(
        clinician=clinician, search=search, flagged=True if flagged_only else None
    )
    context = {
        "form": form,
        "rows": [
            {
                "trends": row,
                "completion_percent": round(row.completion_rate_12_weeks * 100),
                "flagged_domains": [_domain_label(domain) for domain in row.flagged_domains],
                "attention": row.attention,
                "attention_items": _attention_items(row.attention),
            }
            for row in rows
        ],
        "is_filtered": bool(search or flagged_only),
    }
    return render(request, "symptoms/clinic_patients.html", context)


def _attention_items(attention: Attention | None) -> str:
    """The domains (or, for overdue answers, the questionnaires) in words."""
    if attention is None:
        return ""
    if attention.kind is AttentionKind.OVERDUE:
        names = []
        for code in attention.items:
            instrument = instrument_get(code)
            if code == DAILY or instrument is None:
                names.append(_("daily check-in"))
            else:
                names.append(instrument.short_name)
        return ", ".join(names)
    return ", ".join(_domain_label(domain) for domain in attention.items)


# --- One patient -----------------------------------------------------------------------------


def _domains(
    patient: User, trends: PatientTrends, since: date | None, until: date
) -> list[dict[str, Any]]:
    rows_by_domain: dict[str, list[ScaleRow]] = {}
    for trend in trends.scales:
        rows_by_domain.setdefault(trend.scale.domain, []).append(ScaleRow(trend))
    domains = []
    for domain in history.history_get(patient=patient, since=since, until=until):
        rows = rows_by_domain.get(domain.domain, [])
        domains.append({"history": domain, "rows": rows, "alt": _chart_alt(domain, rows)})
    return domains


@role_required(Role.CLINICIAN)
def clinic_patient(request: HttpRequest, public_id: UUID) -> HttpResponse:
    clinician = request_user(request)
    patient = account_selectors.clinician_patient_get(clinician=clinician, public_id=public_id)
    today = local_today(patient=patient)
    since = history.period_start(today=today, period=DETAIL_PERIOD)
    trends = trends_get(patient=patient)
    audit_patient_view(clinician, patient, "patient_detail")
    notes_since = today - timedelta(days=ADHERENCE_DAYS - 1)
    context = {
        "patient": patient,
        "trends": trends,
        "flags": [ScaleRow(trend) for trend in trends.changes()],
        "domains": _domains(patient, trends, since, today),
        "since": since,
        "today": today,
        "period": DETAIL_PERIOD,
        "completion_percent": round(trends.completion_rate_12_weeks * 100),
        "checkin_days": trends.checkin_days_12_weeks,
        "adherence_days": ADHERENCE_DAYS,
        "notes": context_notes(patient, notes_since, today),
        "notes_since": notes_since,
    }
    return render(request, "symptoms/clinic_patient.html", context)


def _chart_period(request: HttpRequest) -> str:
    period = request.GET.get("period", DETAIL_PERIOD)
    return period if period in history.PERIODS else DETAIL_PERIOD


@csp_replace(CHART_CSP)
@role_required(Role.CLINICIAN)
def clinic_chart(request: HttpRequest, public_id: UUID, domain: str) -> HttpResponse:
    # No audit event here: the chart is an image of the detail page, whose view already wrote
    # one. An event per image would log one visit as several (one per domain), and make the
    # patient's "who viewed my data" list noisy. The access check is the same as the page's.
    clinician = request_user(request)
    patient = account_selectors.clinician_patient_get(clinician=clinician, public_id=public_id)

    def draw(domain_history: history.DomainHistory, narrow: bool) -> bytes:
        from symptoms.history.charts import chart_svg  # matplotlib: only when drawing

        bands = _bands(trends_get(patient=patient))
        return chart_svg(domain_history, bands=bands, narrow=narrow)

    # The same chart for every clinician the patient shares with (the bands come from the
    # patient's data and resets, both part of the last change), in the clinician's language.
    return chart_response(
        request,
        patient=patient,
        domain=domain,
        period=_chart_period(request),
        audience="clinic",
        draw=draw,
    )
