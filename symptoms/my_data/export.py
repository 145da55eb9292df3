"""A person's own data, for them to take elsewhere: JSON (everything), tidy CSV (one row per
answer, score, tag or note) and a FHIR R4 Bundle of QuestionnaireResponses with the scores as
Observations. Reads only; scoped to the person.

Each export is written as it is read (``*_chunks``, for a ``StreamingHttpResponse``): the
database is read ``CHUNK_SIZE`` rows at a time and every row is written out before the next
chunk is fetched, so memory stays the same for a week's history and for ten years'. Nothing is
held for the whole export but the instrument definitions. (On PostgreSQL the rows come from a
server-side cursor; behind a transaction-pooling PgBouncer set ``DISABLE_SERVER_SIDE_CURSORS``.)
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, time
from functools import cache
from typing import Any

from django.conf import settings
from django.db.models import F, Prefetch
from django.utils import timezone

from accounts.models import Consent, SharingLink, User
from symptoms.instruments.definitions import instrument_get
from symptoms.instruments.scoring import Instrument
from symptoms.models import ReminderDelivery, ReminderOccurrence, ReminderSchedule, Report
from symptoms.my_data.streaming import Array, csv_chunks, json_chunks

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


# Rows fetched from the database at a time: the export's memory is bounded by this, not by the
# length of the history. 500 reports with their answers are well under a megabyte.
CHUNK_SIZE = 500

REPORT_FIELDS = (
    "public_id",
    "instrument",
    "instrument_version",
    "scoring_version",
    "local_date",
    "time_zone",
    "completed_at",
    "created_at",
    "language",
    "mode",
    "answers",
    "scores",
    "context_tags",
    "note",
)


def _reports(patient: User) -> Iterator[dict[str, Any]]:
    """Every report of ``patient`` (corrections and what they replaced alike), oldest first,
    as plain rows with the public ids of the report each replaces and is replaced by."""
    rows: Iterator[dict[str, Any]] = (
        Report.objects.filter(patient=patient)
        .order_by("local_date", "created_at", "id")
        .values(
            *REPORT_FIELDS,
            supersedes_id_public=F("supersedes__public_id"),
            superseded_by_id_public=F("superseded_by__public_id"),
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    return rows


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _public(value: uuid.UUID | None) -> str | None:
    return str(value) if value else None


def _report_dict(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(report["public_id"]),
        "instrument": report["instrument"],
        "instrument_version": report["instrument_version"],
        "scoring_version": report["scoring_version"],
        "local_date": report["local_date"].isoformat(),
        "time_zone": report["time_zone"],
        "completed_at": _iso(report["completed_at"]),
        "created_at": _iso(report["created_at"]),
        "language": report["language"],
        "mode": report["mode"],
        "answers": report["answers"],
        "scores": report["scores"],
        "context_tags": report["context_tags"],
        "note": report["note"],
        "supersedes": _public(report["supersedes_id_public"]),
        "superseded_by": _public(report["superseded_by_id_public"]),
    }


def _consents(patient: User) -> Iterator[dict[str, Any]]:
    for consent in Consent.objects.filter(user=patient).order_by("granted_at"):
        yield {
            "purpose": consent.purpose,
            "text_version": consent.text_version,
            "granted_at": _iso(consent.granted_at),
            "withdrawn_at": _iso(consent.withdrawn_at),
        }


def _sharing_links(patient: User) -> Iterator[dict[str, Any]]:
    links = SharingLink.objects.filter(patient=patient).select_related("clinician")
    for link in links.order_by("created_at"):
        yield {
            "clinician": link.clinician.full_name or link.clinician.email,
            "created_at": _iso(link.created_at),
            "revoked_at": _iso(link.revoked_at),
        }


def _schedules(patient: User) -> Iterator[dict[str, Any]]:
    for schedule in ReminderSchedule.objects.filter(patient=patient):
        yield {
            "id": str(schedule.public_id),
            "instrument": schedule.instrument,
            "frequency": schedule.frequency,
            "local_time": schedule.local_time.strftime("%H:%M"),
            "weekday": schedule.weekday,
            "every_n_weeks": schedule.every_n_weeks,
            "day_of_month": schedule.day_of_month,
            "quiet_start": _hh_mm(schedule.quiet_start),
            "quiet_end": _hh_mm(schedule.quiet_end),
            "paused_until": schedule.paused_until.isoformat() if schedule.paused_until else None,
            "is_active": schedule.is_active,
        }


def _reminders(patient: User) -> Iterator[dict[str, Any]]:
    """Every reminder with its delivery log; the log is prefetched a chunk of reminders at a
    time (``iterator(chunk_size=...)`` keeps ``prefetch_related`` bounded)."""
    rows = (
        ReminderOccurrence.objects.filter(patient=patient)
        .order_by("due_at")
        .prefetch_related(Prefetch("deliveries", ReminderDelivery.objects.order_by("pk")))
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for row in rows:
        yield {
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
                for event in row.deliveries.all()
            ],
        }


def export_json_chunks(*, patient: User) -> Iterator[str]:
    """Everything about ``patient`` as one JSON document, written a piece at a time."""
    profile = patient.patient_profile
    fields: list[tuple[str, Any]] = [
        ("format", "ms-symptom-tracker-export"),
        ("format_version", 1),
        ("exported_at", timezone.now().isoformat()),
        (
            "account",
            {
                "id": str(patient.public_id),
                "email": patient.email,
                "full_name": patient.full_name,
                "date_joined": _iso(patient.date_joined),
            },
        ),
        (
            "profile",
            {
                "birth_year": profile.birth_year,
                "sex": profile.sex,
                "ms_type": profile.ms_type,
                "diagnosis_year": profile.diagnosis_year,
                "country": str(profile.country) if profile.country else "",
                "time_zone": profile.time_zone,
                "language": profile.language,
            },
        ),
        ("consents", Array(_consents(patient))),
        ("sharing_links", Array(_sharing_links(patient))),
        ("reports", Array(_report_dict(report) for report in _reports(patient))),
        ("reminder_schedules", Array(_schedules(patient))),
        ("reminders", Array(_reminders(patient))),
    ]
    return json_chunks(fields)


def _hh_mm(moment: time | None) -> str | None:
    return moment.strftime("%H:%M") if moment else None


def export_csv_rows(*, patient: User) -> Iterator[tuple[str, ...]]:
    """Tidy rows: one per answer, score, context tag or note of every report (corrections and
    the reports they replaced alike, told apart by ``is_current``)."""
    yield CSV_HEADER
    for report in _reports(patient):
        supersedes = report["supersedes_id_public"]
        head = (
            str(report["public_id"]),
            report["instrument"],
            report["instrument_version"],
            report["scoring_version"],
            report["local_date"].isoformat(),
            report["time_zone"],
            report["completed_at"].isoformat(),
            report["mode"],
            "true" if report["superseded_by_id_public"] is None else "false",
            str(supersedes) if supersedes else "",
        )
        for item_id, value in report["answers"].items():
            yield (*head, "answer", item_id, str(value))
        for scale, value in report["scores"].items():
            yield (*head, "score", scale, "" if value is None else f"{value:g}")
        for tag in report["context_tags"]:
            yield (*head, "context_tag", tag, "true")
        if report["note"]:
            yield (*head, "note", "note", report["note"])


def export_csv_chunks(*, patient: User) -> Iterator[str]:
    return csv_chunks(export_csv_rows(patient=patient))


def _answer(value: int | str) -> dict[str, Any]:
    if isinstance(value, str):
        return {"valueCoding": {"system": SPECIAL_ANSWER_SYSTEM, "code": value}}
    return {"valueInteger": value}


def _item_labels() -> Callable[[str, str], dict[str, str]]:
    """Item labels by (instrument, version), looked up once per export (in the language
    active for it)."""

    @cache
    def labels(code: str, version: str) -> dict[str, str]:
        definition: Instrument | None = instrument_get(code, version)
        return {item.id: item.label for item in definition.items} if definition else {}

    return labels


def _response_entry(
    report: dict[str, Any], patient_ref: str, labels: dict[str, str]
) -> dict[str, Any]:
    items: list[dict[str, Any]] = [
        {"linkId": item_id, "text": labels.get(item_id, item_id), "answer": [_answer(value)]}
        for item_id, value in report["answers"].items()
    ]
    if report["context_tags"]:
        items.append(
            {
                "linkId": "context_tags",
                "answer": [
                    {"valueCoding": {"system": CONTEXT_TAG_SYSTEM, "code": tag}}
                    for tag in report["context_tags"]
                ],
            }
        )
    if report["note"]:
        items.append({"linkId": "note", "answer": [{"valueString": report["note"]}]})
    public_id = report["public_id"]
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(public_id),
        "identifier": {"system": f"{FHIR_BASE}/report", "value": str(public_id)},
        "questionnaire": (
            f"{FHIR_BASE}/Questionnaire/{report['instrument']}|{report['instrument_version']}"
        ),
        # A replaced report is kept as history: FHIR's word for it is "amended".
        "status": "completed" if report["superseded_by_id_public"] is None else "amended",
        "subject": {"reference": patient_ref},
        "authored": report["completed_at"].isoformat(),
        "source": {"reference": patient_ref},
        "item": items,
    }
    return {"fullUrl": f"urn:uuid:{public_id}", "resource": resource}


def _score_entries(report: dict[str, Any], patient_ref: str) -> Iterator[dict[str, Any]]:
    public_id, instrument = report["public_id"], report["instrument"]
    status = "final" if report["superseded_by_id_public"] is None else "amended"
    for scale, value in report["scores"].items():
        if value is None:
            continue
        yield {
            # A stable id per (report, scale), so that re-exports name the same Observation.
            "fullUrl": f"urn:uuid:{uuid.uuid5(public_id, scale)}",
            "resource": {
                "resourceType": "Observation",
                "status": status,
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
                    "coding": [{"system": SCALE_SYSTEM, "code": f"{instrument}.{scale}"}],
                    "text": f"{instrument} {scale}",
                },
                "subject": {"reference": patient_ref},
                "effectiveDateTime": report["completed_at"].isoformat(),
                "valueQuantity": {"value": value},
                "derivedFrom": [{"reference": f"urn:uuid:{public_id}"}],
            },
        }


def _fhir_entries(patient: User, patient_ref: str) -> Iterator[dict[str, Any]]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{"system": f"{settings.SITE_URL}/account", "value": str(patient.public_id)}],
    }
    if patient.full_name:
        resource["name"] = [{"text": patient.full_name}]
    resource["telecom"] = [{"system": "email", "value": patient.email}]
    yield {"fullUrl": patient_ref, "resource": resource}
    labels = _item_labels()
    for report in _reports(patient):
        yield _response_entry(
            report, patient_ref, labels(report["instrument"], report["instrument_version"])
        )
        yield from _score_entries(report, patient_ref)


def export_fhir_chunks(*, patient: User) -> Iterator[str]:
    """A FHIR R4 ``collection`` Bundle: the Patient, one QuestionnaireResponse per report and
    one Observation per score, linked by ``urn:uuid`` references; written a piece at a time."""
    patient_ref = f"urn:uuid:{patient.public_id}"
    return json_chunks(
        [
            ("resourceType", "Bundle"),
            ("type", "collection"),
            ("timestamp", timezone.now().isoformat()),
            ("entry", Array(_fhir_entries(patient, patient_ref))),
        ]
    )
