"""The export as it was built before it was streamed: whole, in memory (commit dc6f8a7).

Kept verbatim as the oracle for ``test_streaming.py``: the streamed JSON, CSV and FHIR must
say exactly what this says for the same history. Do not "improve" it; change it only with a
deliberate change of the export format, in the same commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Consent, SharingLink, User
from symptoms.instruments.definitions import instrument_get
from symptoms.models import ReminderOccurrence, ReminderSchedule, Report

FHIR_BASE = "https://ms-symptom-tracker.org/fhir"  # the project's canonical namespace
SPECIAL_ANSWER_SYSTEM = f"{FHIR_BASE}/CodeSystem/special-answer"
CONTEXT_TAG_SYSTEM = f"{FHIR_BASE}/CodeSystem/daily-context-tag"
SCALE_SYSTEM = f"{FHIR_BASE}/CodeSystem/scale"

CSV_HEADER = (
    "report_id",
    "instrument",
    "instrument_version",
    "scoring_version",
    "local_date",
    "time_zone",
    "completed_at",
    "mode",
    "is_current",
    "supersedes",
    "kind",
    "key",
    "value",
)


def _reports(patient: User) -> QuerySet[Report]:
    return (
        Report.objects.filter(patient=patient)
        .select_related("supersedes", "superseded_by")
        .order_by("local_date", "created_at", "id")
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _superseded_by(report: Report) -> Report | None:
    return getattr(report, "superseded_by", None)


def _report_dict(report: Report) -> dict[str, Any]:
    later = _superseded_by(report)
    return {
        "id": str(report.public_id),
        "instrument": report.instrument,
        "instrument_version": report.instrument_version,
        "scoring_version": report.scoring_version,
        "local_date": report.local_date.isoformat(),
        "time_zone": report.time_zone,
        "completed_at": _iso(report.completed_at),
        "created_at": _iso(report.created_at),
        "language": report.language,
        "mode": report.mode,
        "answers": report.answers,
        "scores": report.scores,
        "context_tags": report.context_tags,
        "note": report.note,
        "supersedes": str(report.supersedes.public_id) if report.supersedes else None,
        "superseded_by": str(later.public_id) if later else None,
    }


def export_json(*, patient: User) -> dict[str, Any]:
    profile = patient.patient_profile
    return {
        "format": "ms-symptom-tracker-export",
        "format_version": 1,
        "exported_at": timezone.now().isoformat(),
        "account": {
            "id": str(patient.public_id),
            "email": patient.email,
            "full_name": patient.full_name,
            "date_joined": _iso(patient.date_joined),
        },
        "profile": {
            "birth_year": profile.birth_year,
            "sex": profile.sex,
            "ms_type": profile.ms_type,
            "diagnosis_year": profile.diagnosis_year,
            "country": str(profile.country) if profile.country else "",
            "time_zone": profile.time_zone,
            "language": profile.language,
        },
        "consents": [
            {
                "purpose": consent.purpose,
                "text_version": consent.text_version,
                "granted_at": _iso(consent.granted_at),
                "withdrawn_at": _iso(consent.withdrawn_at),
            }
            for consent in Consent.objects.filter(user=patient).order_by("granted_at")
        ],
        "sharing_links": [
            {
                "clinician": link.clinician.full_name or link.clinician.email,
                "created_at": _iso(link.created_at),
                "revoked_at": _iso(link.revoked_at),
            }
            for link in SharingLink.objects.filter(patient=patient)
            .select_related("clinician")
            .order_by("created_at")
        ],
        "reports": [_report_dict(report) for report in _reports(patient)],
        "reminder_schedules": [
            {
                "id": str(schedule.public_id),
                "instrument": schedule.instrument,
                "frequency": schedule.frequency,
                "local_time": schedule.local_time.strftime("%H:%M"),
                "weekday": schedule.weekday,
                "every_n_weeks": schedule.every_n_weeks,
                "day_of_month": schedule.day_of_month,
                "quiet_start": _hh_mm(schedule.quiet_start),
                "quiet_end": _hh_mm(schedule.quiet_end),
                "paused_until": schedule.paused_until.isoformat()
                if schedule.paused_until
                else None,
                "is_active": schedule.is_active,
            }
            for schedule in ReminderSchedule.objects.filter(patient=patient)
        ],
        "reminders": [
            {
                "id": str(row.public_id),
                "instrument": row.instrument,
                "opens_at": _iso(row.opens_at),
                "due_at": _iso(row.due_at),
                "closes_at": _iso(row.closes_at),
                "status": row.status,
                "reason": row.reason,
                "sent_at": _iso(row.sent_at),
                "completed_at": _iso(row.completed_at),
                "log": [
                    {
                        "event": event.event,
                        "reason": event.reason,
                        "channel": event.channel,
                        "attempt": event.attempt,
                        "at": _iso(event.created_at),
                    }
                    for event in sorted(row.deliveries.all(), key=lambda event: event.pk)
                ],
            }
            for row in ReminderOccurrence.objects.filter(patient=patient)
            .order_by("due_at")
            .prefetch_related("deliveries")
        ],
    }


def _hh_mm(moment: time | None) -> str | None:
    return moment.strftime("%H:%M") if moment else None


def export_csv_rows(*, patient: User) -> Iterator[tuple[str, ...]]:
    """Tidy rows: one per answer, score, context tag or note of every report (corrections and
    the reports they replaced alike, told apart by ``is_current``)."""
    yield CSV_HEADER
    for report in _reports(patient):
        later = _superseded_by(report)
        head = (
            str(report.public_id),
            report.instrument,
            report.instrument_version,
            report.scoring_version,
            report.local_date.isoformat(),
            report.time_zone,
            report.completed_at.isoformat(),
            report.mode,
            "true" if later is None else "false",
            str(report.supersedes.public_id) if report.supersedes else "",
        )
        for item_id, value in report.answers.items():
            yield (*head, "answer", item_id, str(value))
        for scale, value in report.scores.items():
            yield (*head, "score", scale, "" if value is None else f"{value:g}")
        for tag in report.context_tags:
            yield (*head, "context_tag", tag, "true")
        if report.note:
            yield (*head, "note", "note", report.note)


def _answer(value: int | str) -> dict[str, Any]:
    if isinstance(value, str):
        return {"valueCoding": {"system": SPECIAL_ANSWER_SYSTEM, "code": value}}
    return {"valueInteger": value}


def _response_entry(report: Report, patient_ref: str) -> dict[str, Any]:
    definition = instrument_get(report.instrument, report.instrument_version)
    labels = {item.id: item.label for item in definition.items} if definition else {}
    items: list[dict[str, Any]] = [
        {"linkId": item_id, "text": labels.get(item_id, item_id), "answer": [_answer(value)]}
        for item_id, value in report.answers.items()
    ]
    if report.context_tags:
        items.append(
            {
                "linkId": "context_tags",
                "answer": [
                    {"valueCoding": {"system": CONTEXT_TAG_SYSTEM, "code": tag}}
                    for tag in report.context_tags
                ],
            }
        )
    if report.note:
        items.append({"linkId": "note", "answer": [{"valueString": report.note}]})
    later = _superseded_by(report)
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(report.public_id),
        "identifier": {"system": f"{FHIR_BASE}/report", "value": str(report.public_id)},
        "questionnaire": (
            f"{FHIR_BASE}/Questionnaire/{report.instrument}|{report.instrument_version}"
        ),
        # A replaced report is kept as history: FHIR's word for it is "amended".
        "status": "completed" if later is None else "amended",
        "subject": {"reference": patient_ref},
        "authored": report.completed_at.isoformat(),
        "source": {"reference": patient_ref},
        "item": items,
    }
    return {"fullUrl": f"urn:uuid:{report.public_id}", "resource": resource}


def _score_entries(report: Report, patient_ref: str) -> Iterator[dict[str, Any]]:
    for scale, value in report.scores.items():
        if value is None:
            continue
        yield {
            # A stable id per (report, scale), so that re-exports name the same Observation.
            "fullUrl": f"urn:uuid:{uuid.uuid5(report.public_id, scale)}",
            "resource": {
                "resourceType": "Observation",
                "status": "final" if _superseded_by(report) is None else "amended",
                "category": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                "code": "survey",
                            }
                        ]
                    }
                ],
                "code": {
                    "coding": [{"system": SCALE_SYSTEM, "code": f"{report.instrument}.{scale}"}],
                    "text": f"{report.instrument} {scale}",
                },
                "subject": {"reference": patient_ref},
                "effectiveDateTime": report.completed_at.isoformat(),
                "valueQuantity": {"value": value},
                "derivedFrom": [{"reference": f"urn:uuid:{report.public_id}"}],
            },
        }


def export_fhir(*, patient: User) -> dict[str, Any]:
    """A FHIR R4 ``collection`` Bundle: the Patient, one QuestionnaireResponse per report and
    one Observation per score, linked by ``urn:uuid`` references."""
    patient_ref = f"urn:uuid:{patient.public_id}"
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": patient_ref,
            "resource": {
                "resourceType": "Patient",
                "identifier": [
                    {"system": f"{settings.SITE_URL}/account", "value": str(patient.public_id)}
                ],
                "name": [{"text": patient.full_name}] if patient.full_name else [],
                "telecom": [{"system": "email", "value": patient.email}],
            },
        }
    ]
    for report in _reports(patient):
        entries.append(_response_entry(report, patient_ref))
        entries.extend(_score_entries(report, patient_ref))
    if not entries[0]["resource"]["name"]:
        del entries[0]["resource"]["name"]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timezone.now().isoformat(),
        "entry": entries,
    }
