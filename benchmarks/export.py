"""The person's export (CSV, JSON, FHIR), streamed, against streamed SQL of the same rows.

Builds a throwaway test database (PostgreSQL with DATABASE_URL, else SQLite), gives one person a
year and another three years of daily check-ins (some with context tags and a note) plus an
MFIS every four weeks, and for each format times, interleaved, in the same run:

- the project: ``GET /api/v1/me/export/?format=...`` through the test client (authentication,
  content negotiation, the audit event), its streamed body read block by block and dropped;
- the baseline: one plain cursor running the SELECT of the same report columns (with the
  public ids of the report each replaces and is replaced by), fetched ``CHUNK_SIZE`` rows at a
  time and written out the plainest way for the format (``csv.writer`` of the raw row, or one
  ``json.dumps`` of the row per line), in 64 KiB blocks, and dropped.

Prints one RESULT line per format (time ratio project / baseline, target at most 3), and, per
format and history length, the peak memory the export allocates while it runs (tracemalloc, a
separate run from the timed ones), beside the peak of the same export built whole, as it was
before it was streamed (``tests/symptoms/my_data/whole_export.py``).

    .venv/bin/python benchmarks/export.py
    QUICK=1 .venv/bin/python benchmarks/export.py     # a month and three months, SQLite
"""

from __future__ import annotations

import json
import tracemalloc
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from typing import Any

import harness  # first: it puts the project on sys.path and sets Django up

# isort: split
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework import renderers
from rest_framework.test import APIClient

from accounts.models import Role, User
from config.api import CSVRenderer
from symptoms.instruments.definitions import instrument_get
from symptoms.instruments.scoring import score
from symptoms.models import Report
from symptoms.my_data import export, streaming
from symptoms.my_data.api import FHIRRenderer
from tests.symptoms.my_data import whole_export

FORMATS = ("csv", "json", "fhir")
YEARS = (1, 3, 10)  # peak memory at each; timed, and built whole for comparison, up to 3
TIMED_YEARS = 3
UNIT = "months" if harness.QUICK else "y"  # QUICK=1 gives months of history, not years
TAGS = ("heat", "infection", "poor_sleep")


def history(patient: User, days: int, end: date) -> int:
    """Daily check-ins for ``days`` days and an MFIS every 28 days, in bulk; how many."""
    daily, mfis = instrument_get("daily"), instrument_get("mfis")
    assert daily
    assert mfis
    reports = []
    for n in range(days):
        on = end - timedelta(days=n)
        answers: dict[str, Any] = {
            "fatigue": 3 + n % 5,
            "mobility": 4 + n % 3,
            "upper_limb": 2,
            "pain": n % 4 if n % 9 else "too_tired",
            "cognition": 3,
        }
        tags = [TAGS[n % 3]] if n % 4 == 0 else []
        note = "A longer day than usual, with a walk in the afternoon." if n % 7 == 0 else ""
        reports.append((daily, answers, on, tags, note))
        if n % 28 == 0:
            mfis_answers = {str(i): (n // 28 + i) % 5 for i in range(1, 22)}
            reports.append((mfis, mfis_answers, on, [], ""))
    Report.objects.bulk_create(
        (
            Report(
                patient=patient,
                instrument=definition.code,
                instrument_version=definition.version,
                scoring_version=definition.scoring_version,
                client_id=uuid.uuid4(),
                answers=answers,
                scores=score(definition, answers).scores,
                context_tags=tags,
                note=note,
                language="en",
                local_date=on,
                time_zone="UTC",
                completed_at=timezone.now(),
            )
            for definition, answers, on, tags, note in reports
        ),
        batch_size=1000,
    )
    return len(reports)


BASELINE_SQL = """
    SELECT r.public_id, r.instrument, r.instrument_version, r.scoring_version, r.local_date,
           r.time_zone, r.completed_at, r.created_at, r.language, r.mode, r.answers, r.scores,
           r.context_tags, r.note, earlier.public_id, later.public_id
    FROM symptoms_report r
    LEFT JOIN symptoms_report earlier ON earlier.id = r.supersedes_id
    LEFT JOIN symptoms_report later ON later.supersedes_id = r.id
    WHERE r.patient_id = %s
    ORDER BY r.local_date, r.created_at, r.id
"""


def _rows(patient: User) -> Iterator[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(BASELINE_SQL, [patient.pk])
        while rows := cursor.fetchmany(export.CHUNK_SIZE):
            yield from rows


def _json_lines(rows: Iterable[tuple[Any, ...]]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(row, default=str, ensure_ascii=False, separators=(",", ":")) + "\n"


def baseline(patient: User, kind: str) -> Callable[[], int]:
    """Streamed SQL of the same rows: the plainest writing of them for ``kind``."""

    def run() -> int:
        rows = _rows(patient)
        chunks = streaming.csv_chunks(rows) if kind == "csv" else _json_lines(rows)
        return sum(len(block) for block in streaming.buffered(chunks))

    return run


def project(api: APIClient, kind: str) -> Callable[[], int]:
    def run() -> int:
        response = api.get(f"/api/v1/me/export/?format={kind}")
        assert response.status_code == 200, response.status_code
        return sum(len(block) for block in response.streaming_content)

    return run


def whole(patient: User, kind: str) -> Callable[[], int]:
    """The export as it was before it was streamed: built whole, then rendered."""

    def run() -> int:
        if kind == "csv":
            content = CSVRenderer().render(list(whole_export.export_csv_rows(patient=patient)))
        elif kind == "fhir":
            content = FHIRRenderer().render(whole_export.export_fhir(patient=patient))
        else:
            content = renderers.JSONRenderer().render(whole_export.export_json(patient=patient))
        return len(content)

    return run


def table(client: Client) -> Callable[[], int]:
    """The table to read (/my-data/table.csv), streamed: peak memory only."""

    def run() -> int:
        response = client.get(reverse("symptoms:my_data_table"))
        assert response.status_code == 200, response.status_code
        return sum(len(block) for block in response.streaming_content)

    return run


def peak_mb(action: Callable[[], int]) -> tuple[float, int]:
    """The peak of memory allocated while ``action`` runs (MB), and the bytes it wrote."""
    tracemalloc.start()
    try:
        written = action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6, written


def main() -> None:
    with harness.test_database():
        people = {}
        end = timezone.now().date()
        for years in YEARS:
            days = harness.size(365 * years, 30 * years)  # quick: months, not years
            patient = User.objects.create_user(
                email=f"{years}y@example.org", password="x" * 12, role=Role.PATIENT
            )
            count = history(patient, days, end)
            api = APIClient()
            api.force_authenticate(patient)
            browser = Client()
            browser.force_login(patient)
            people[years] = (patient, api, count, browser)
        longest = TIMED_YEARS
        harness.note(
            f"database {connection.vendor}; "
            + ", ".join(f"{y} {UNIT}: {people[y][2]} reports" for y in YEARS)
            + f"; CHUNK_SIZE {export.CHUNK_SIZE}; median of {harness.rounds()} rounds"
        )
        for kind in FORMATS:
            patient, api, _, _ = people[longest]
            project(api, kind)()  # once untraced, so imports and caches are not counted
            for years in YEARS:
                streamed, size = peak_mb(project(people[years][1], kind))
                before = ""
                if years <= TIMED_YEARS:
                    built, _ = peak_mb(whole(people[years][0], kind))
                    before = f", {built:.1f} MB built whole (before)"
                harness.note(
                    f"{kind} {years} {UNIT}: {size / 1e6:.1f} MB written; peak allocated "
                    f"{streamed:.1f} MB streamed{before}"
                )
            ours, theirs = harness.interleaved(project(api, kind), baseline(patient, kind))
            harness.note(
                f"{kind} {longest} {UNIT}: {ours * 1000:.0f} ms streamed, "
                f"{theirs * 1000:.0f} ms streamed SQL"
            )
            harness.result(
                f"export_{kind}",
                ours / theirs,
                at_most=3,
                detail=f"{people[longest][2]} reports: daily check-ins and a monthly MFIS",
            )
        table(people[longest][3])()
        for years in YEARS:
            streamed, size = peak_mb(table(people[years][3]))
            harness.note(
                f"table {years} {UNIT}: {size / 1e6:.1f} MB written; "
                f"peak allocated {streamed:.1f} MB"
            )


if __name__ == "__main__":
    main()
