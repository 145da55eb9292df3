"""A person's own data, for them to take elsewhere: JSON (everything) and tidy CSV (one row per
answer, score, tag or note); the FHIR R4 Bundle is in ``fhir.py``. Reads only; scoped to the
person.

Each export is written as it is read (``*_chunks``, for a ``StreamingHttpResponse``): the
database is read ``CHUNK_SIZE`` rows at a time and every row is written out before the next
chunk is fetched, so memory stays the same for a week's history and for ten years'. Nothing is
held for the whole export but the instrument definitions. (On PostgreSQL the rows come from a
server-side cursor; behind a transaction-pooling PgBouncer set ``DISABLE_SERVER_SIDE_CURSORS``.)
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from datetime import datetime, time
from typing import Any

from django.db.models import F, Prefetch
from django.utils import timezone

from accounts.models import Consent, SharingLink, User
from symptoms.models import ReminderDelivery, ReminderOccurrence, ReminderSchedule, Report
from symptoms.my_data.streaming import Array, Echo, json_chunks

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


def reports_read(patient: User) -> Iterator[dict[str, Any]]:
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
        ("reports", Array(_report_dict(report) for report in reports_read(patient))),
        ("reminder_schedules", Array(_schedules(patient))),
        ("reminders", Array(_reminders(patient))),
    ]
    return json_chunks(fields)


def _hh_mm(moment: time | None) -> str | None:
    return moment.strftime("%H:%M") if moment else None


def _csv_reports(patient: User) -> Iterator[tuple[tuple[str, ...], Iterator[tuple[str, str, str]]]]:
    """Per report, its columns and its tidy rows' last three (kind, key, value): one per
    answer, score, context tag or note; corrections and the reports they replaced alike, told
    apart by ``is_current``."""
    for report in reports_read(patient):
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
        yield head, _csv_values(report)


def _csv_values(report: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    for item_id, value in report["answers"].items():
        yield ("answer", item_id, str(value))
    for scale, value in report["scores"].items():
        yield ("score", scale, "" if value is None else f"{value:g}")
    for tag in report["context_tags"]:
        yield ("context_tag", tag, "true")
    if report["note"]:
        yield ("note", "note", report["note"])


def export_csv_chunks(*, patient: User) -> Iterator[str]:
    """The tidy rows as CSV. The report's ten columns are the same on each of its rows: they
    are written once per report and put in front of each row's last three."""
    head_writer = csv.writer(Echo(), lineterminator=",")
    tail_writer = csv.writer(Echo(), lineterminator="\r\n")
    yield tail_writer.writerow(CSV_HEADER)
    for head, rows in _csv_reports(patient):
        written = head_writer.writerow(head)
        for row in rows:
            yield written + tail_writer.writerow(row)
