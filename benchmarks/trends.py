"""How the clinician's trends endpoint scales with history length.

Builds a throwaway test database (SQLite in memory, or PostgreSQL with DATABASE_URL), gives one
patient a month and another three years of daily check-ins plus monthly MFIS, and times
``GET /api/v1/patients/{id}/trends/`` for each in the same run. Prints queries and the median
of repeated requests, and the ratio of the two (absolute times are noisy on shared machines).

    DEBUG=1 .venv/bin/python benchmarks/trends.py
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/mstracker \\
        .venv/bin/python benchmarks/trends.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts.models import Role, SharingLink, User  # noqa: E402
from symptoms.instruments.definitions import instrument_get  # noqa: E402
from symptoms.instruments.scoring import score  # noqa: E402
from symptoms.models import Report, ReportScore  # noqa: E402

REPEATS = 15


def history(patient: User, days: int, end: date) -> None:
    """Daily check-ins for ``days`` days and an MFIS every 28 days, in bulk."""
    daily, mfis = instrument_get("daily"), instrument_get("mfis")
    assert daily
    assert mfis
    reports = []
    for n in range(days):
        on = end - timedelta(days=n)
        answers = {
            "fatigue": 3 + n % 5,
            "mobility": 4 + n % 3,
            "upper_limb": 2,
            "pain": n % 4,
            "cognition": 3,
        }
        reports.append((daily, answers, on))
        if n % 28 == 0:
            reports.append((mfis, {str(i): (n // 28 + i) % 5 for i in range(1, 22)}, on))
    Report.objects.bulk_create(
        Report(
            patient=patient,
            instrument=d.code,
            instrument_version=d.version,
            scoring_version=d.scoring_version,
            client_id=uuid.uuid4(),
            answers=a,
            scores=score(d, a).scores,
            language="en",
            local_date=on,
            time_zone="UTC",
            completed_at=timezone.now(),
        )
        for d, a, on in reports
    )
    ReportScore.objects.bulk_create(
        ReportScore(
            report=r,
            patient=patient,
            instrument=r.instrument,
            scale=k,
            value=v,
            local_date=r.local_date,
        )
        for r in Report.objects.filter(patient=patient)
        for k, v in r.scores.items()
        if v is not None
    )


def measure(api: APIClient, patient: User) -> tuple[int, float, int]:
    url = f"/api/v1/patients/{patient.public_id}/trends/"
    # Count with a wrapper: the request_started signal empties connection.queries, which
    # CaptureQueriesContext relies on outside the test runner.
    queries: list[str] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = api.get(url)
    assert response.status_code == 200, response.content
    timings = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        api.get(url)
        timings.append(time.perf_counter() - start)
    points = sum(len(s["series"]) for s in response.json()["scales"])
    return len(queries), statistics.median(timings), points


def main() -> None:
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0)
    try:
        clinician = User.objects.create_user(
            email="c@example.org", password="x" * 12, role=Role.CLINICIAN
        )
        api = APIClient()
        api.force_authenticate(clinician)
        results = {}
        for label, days in (("1 month", 30), ("3 years", 3 * 365)):
            patient = User.objects.create_user(
                email=f"{days}@example.org", password="x" * 12, role=Role.PATIENT
            )
            SharingLink.objects.create(patient=patient, clinician=clinician, source="demo")
            history(patient, days, timezone.now().date())
            results[label] = measure(api, patient)
        print(f"database: {connection.vendor}; median of {REPEATS} requests each")
        for label, (queries, seconds, points) in results.items():
            print(f"  {label:8} {points:5} points  {queries} queries  {seconds * 1000:7.1f} ms")
        ratio = results["3 years"][1] / results["1 month"][1]
        print(f"  3 years / 1 month time ratio: {ratio:.2f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
