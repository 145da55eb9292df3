"""The pre-visit summary: one patient's period on one printed A4 page (two at most).

1. Header: who (name, age, MS type, years since diagnosis), the period, the last report and
   adherence.
2. What changed: every scale past its threshold at the period's end, or past it during the
   period and since returned, worst first, with size, threshold and method, source, and dates
   (first crossed, confirmed, returned). Judged as of the period's end (``trends_get(as_of=)``),
   so a past period never shows a confirmation that came later.
3. Small multiples: one compact chart per domain with the baseline band.
4. Context tags as counts and the latest few notes, truncated; the full tables stay on the
   patient's page (linked, not printed).

The period defaults to the days since this clinician last viewed this patient, or 3 months.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts import selectors as account_selectors
from accounts.access import request_user, role_required
from accounts.models import Role, User
from accounts.selectors import local_today
from symptoms.history import selectors as history
from symptoms.instruments.definitions import DAILY
from symptoms.trends.change import ChangeKind, Method
from symptoms.trends.selectors import (
    PatientTrends,
    checkin_days_count,
    last_viewed_on,
    trends_get,
)
from symptoms.trends.sparkline import Series, sparkline_svg
from symptoms.trends.views import ScaleRow, audit_patient_view, context_notes

SUMMARY_MONTHS = 3
LATEST_NOTES = 3
NOTE_CHARACTERS = 140


def short_citation(source_id: str) -> str:
    """ "rooney2019" -> "Rooney 2019": the short form the printed page has room for."""
    match = re.fullmatch(r"([a-z_]+?)_?(\d{4})", source_id)
    if match is None:
        return source_id
    return f"{match.group(1).replace('_', ' ').title()} {match.group(2)}"


class DateInput(forms.DateInput):
    input_type = "date"


class PeriodForm(forms.Form):
    since = forms.DateField(label=gettext_lazy("From"), widget=DateInput(format="%Y-%m-%d"))
    until = forms.DateField(label=gettext_lazy("To"), widget=DateInput(format="%Y-%m-%d"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date must not be before the start date."))
        return data


def months_before(day: date, months: int) -> date:
    year, month_index = divmod(day.year * 12 + day.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(day.day, last_day))


@dataclass(frozen=True)
class ChangeRow(ScaleRow):
    """A scale in "what changed": the assessment as of the period's end, in words."""

    since: date | None = None
    until: date | None = None

    @property
    def is_reliable_only(self) -> bool:
        return self.trend.assessment.is_reliable_only

    @property
    def method_label(self) -> str:
        method = self.trend.assessment.method
        if method is Method.MCID:
            return _("MCID")
        if method is Method.MDC:
            return _("MDC")
        return _("own variation")

    @property
    def citation(self) -> str:
        source = self.trend.source
        return short_citation(source.id) if source else ""

    @property
    def period_values(self) -> str:
        """The first and last value in the period, e.g. "51 → 43"."""
        values = [p.value for p in self.trend.points_between(self.since, self.until)]
        if not values:
            return _("no reports in this period")
        if len(values) == 1:
            return history.number(values[0])
        return f"{history.number(values[0])} \u2192 {history.number(values[-1])}"

    @property
    def dates(self) -> str:
        """When the latest episode began, was confirmed, and whether it has since returned."""
        episode = self.trend.assessment.last_episode
        if episode is None:
            return ""
        parts = [_("past since %(on)s") % {"on": _day(episode.first_crossed_on)}]
        if episode.confirmed_on is not None:
            parts.append(_("confirmed %(on)s") % {"on": _day(episode.confirmed_on)})
        else:
            parts.append(_("not confirmed"))
        if episode.returned_on is not None:
            parts.append(_("back within it %(on)s") % {"on": _day(episode.returned_on)})
        return "; ".join(parts)


def _day(day: date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def _changes(trends: PatientTrends, since: date, until: date) -> list[ChangeRow]:
    """Every scale past its threshold at the period's end, worst first."""
    return [ChangeRow(t, since, until) for t in trends.changes()]


def _returned(trends: PatientTrends, since: date, until: date) -> list[ChangeRow]:
    """Scales whose change ended within the period: it came and went, still worth a word."""
    return [
        ChangeRow(t, since, until)
        for t in trends.scales
        if t.assessment.kind is ChangeKind.STABLE
        and t.assessment.last_episode is not None
        and t.assessment.last_episode.returned_on is not None
        and since <= t.assessment.last_episode.returned_on <= until
    ]


def _small_multiples(
    trends: PatientTrends, domains: list[history.DomainHistory], since: date, until: date
) -> list[dict[str, Any]]:
    """One chart per domain with data: the daily rating's weekly means, else the domain's
    first questionnaire score; the band is that scale's baseline +- threshold."""
    by_key = {(t.instrument.code, t.scale.key): t for t in trends.scales}
    charts = []
    for domain in domains:
        daily = domain.measures.daily_scale
        if domain.weeks and daily is not None:
            trend = by_key.get((DAILY, daily.key))
            points = [(week.week_on + timedelta(days=3), week.mean) for week in domain.weeks]
            scale, name = daily, _("weekly average of the daily rating")
        else:
            series = domain.series_with_data[0]
            trend = by_key.get((series.instrument.code, series.scale.key))
            points = [(point.on, point.value) for point in series.points]
            scale, name = series.scale, series.label
        assessment = trend.assessment if trend else None
        title = _("%(domain)s, %(name)s: %(summary)s") % {
            "domain": domain.label,
            "name": name,
            "summary": domain.summary(),
        }
        svg = sparkline_svg(
            Series(
                points,
                low=scale.range[0],
                high=scale.range[1],
                baseline=assessment.baseline if assessment else None,
                threshold=assessment.threshold if assessment else None,
            ),
            since=since,
            until=until,
            title=title,
            since_label=formats.date_format(since, "SHORT_DATE_FORMAT"),
            until_label=formats.date_format(until, "SHORT_DATE_FORMAT"),
        )
        charts.append(
            {
                "domain": domain,
                "name": name,
                "svg": SafeString(svg),  # built from escaped text only (sparkline.py)
                "row": ScaleRow(trend) if trend else None,
            }
        )
    return charts


def _patient_facts(patient: User, today: date) -> dict[str, Any]:
    profile = patient.patient_profile
    return {
        "age": today.year - profile.birth_year if profile.birth_year else None,
        "ms_type": profile.get_ms_type_display() if profile.ms_type else "",
        "years_since_diagnosis": (
            today.year - profile.diagnosis_year if profile.diagnosis_year else None
        ),
    }


@role_required(Role.CLINICIAN)
def clinic_summary(request: HttpRequest, public_id: UUID) -> HttpResponse:
    clinician = request_user(request)
    patient = account_selectors.clinician_patient_get(clinician=clinician, public_id=public_id)
    today = local_today(patient=patient)
    last_view = last_viewed_on(clinician=clinician, patient=patient, before=today)
    defaults = {"since": last_view or months_before(today, SUMMARY_MONTHS), "until": today}
    has_period = "since" in request.GET or "until" in request.GET
    form = PeriodForm(request.GET if has_period else None, initial=defaults)
    context: dict[str, Any] = {"patient": patient, "form": form, "today": today}
    if has_period and not form.is_valid():
        # No data shown, so nothing to audit; the form says what to fix.
        return render(request, "symptoms/clinic_summary.html", context)
    period = form.cleaned_data if has_period else defaults
    since, until = period["since"], period["until"]
    trends = trends_get(patient=patient, as_of=until)
    audit_patient_view(clinician, patient, "pre_visit_summary")
    days = (until - since).days + 1
    checkin_days = checkin_days_count(patient=patient, since=since, until=until)
    notes = context_notes(patient, since, until)
    domains = [
        domain
        for domain in history.history_get(patient=patient, since=since, until=until)
        if domain.has_data
    ]
    changes = _changes(trends, since, until)
    returned = _returned(trends, since, until)
    changed = {(row.trend.instrument.code, row.trend.scale.key) for row in (*changes, *returned)}
    tag_counts = Counter(tag for note in notes for tag in note.tags)
    context.update(
        {
            **_patient_facts(patient, today),
            "since": since,
            "until": until,
            "is_since_last_view": not has_period and last_view is not None,
            "is_past_period": until < today,
            "last_report_on": trends.last_report_on,
            "changes": changes,
            "returned": returned,
            "unchanged": [
                ScaleRow(t)
                for t in trends.scales
                if (t.instrument.code, t.scale.key) not in changed and t.assessment.latest
            ],
            "charts": _small_multiples(trends, domains, since, until),
            "period_days": days,
            "checkin_days": checkin_days,
            "period_percent": round(checkin_days / days * 100),
            "tag_counts": [
                ngettext("%(tag)s (%(count)s day)", "%(tag)s (%(count)s days)", count)
                % {"tag": tag, "count": count}
                for tag, count in tag_counts.most_common()
            ],
            "latest_notes": [note for note in notes if note.note][:LATEST_NOTES],
            "note_characters": NOTE_CHARACTERS,
            "sources": _sources([*changes, *returned]),
        }
    )
    return render(request, "symptoms/clinic_summary.html", context)


def _sources(rows: list[ChangeRow]) -> list[Any]:
    seen: dict[str, Any] = {}
    for row in rows:
        source = row.trend.source
        if source is not None:
            seen.setdefault(source.id, source)
    return list(seen.values())
