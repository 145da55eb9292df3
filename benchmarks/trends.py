"""The clinician's trends for one patient against the hand-written SQL of the same series.

A clinician shares with two patients, one with a month and one with three years of daily
check-ins plus an MFIS every 28 days (``benchmarks/bulk_history.py``). For each, in the same
run and interleaved, it times ``GET /api/v1/patients/{id}/trends/`` after a first request
(access check, audit event, JSON; the series and flags cached under the patient's last change,
``symptoms/trends/api.py``) and the SQL a person would write for the same series: the daily
ratings as Monday-based weekly means with their days, the questionnaire scores, the baseline
resets. The RESULT is the three-year ratio (target: at most 2); the query count must not grow
with the history (printed for both, with the first request's, which reads and assesses it all).

    QUICK=1 .venv/bin/python benchmarks/trends.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mstracker .venv/bin/python benchmarks/trends.py
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import harness  # first: sets Django up
from bulk_history import clinician_create, history_create, patient_create
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import SharingLink


def series_sql(patient_id: int) -> tuple[str, list[Any]]:
    """Weekly means of the daily ratings, questionnaire scores, baseline resets."""
    if connection.vendor == "postgresql":
        week = "date_trunc('week', local_date)::date"
    else:  # SQLite: back to Monday
        week = "date(local_date, '-' || ((strftime('%%w', local_date) + 6) %% 7) || ' days')"
    sql = f"""
        SELECT scale, {week} AS week_on, AVG(value), COUNT(DISTINCT local_date),
               MAX(local_date)
        FROM symptoms_reportscore WHERE patient_id = %s AND instrument = 'daily'
        GROUP BY scale, week_on ORDER BY scale, week_on
    """  # noqa: S608  (constants only)
    return sql, [patient_id]


def read_by_hand(patient_id: int) -> int:
    sql, params = series_sql(patient_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = len(cursor.fetchall())
        cursor.execute(
            "SELECT instrument, scale, local_date, value FROM symptoms_reportscore "
            "WHERE patient_id = %s AND instrument <> 'daily' ORDER BY local_date, id",
            [patient_id],
        )
        rows += len(cursor.fetchall())
        cursor.execute(
            "SELECT instrument, scale, since FROM symptoms_baselinereset WHERE patient_id = %s "
            "ORDER BY created_at DESC, id DESC",
            [patient_id],
        )
        rows += len(cursor.fetchall())
    return rows


def main() -> None:
    with harness.test_database():
        clinician = clinician_create()
        api = APIClient()
        api.force_authenticate(clinician)
        ratios = {}
        for label, days in (("1 month", 30), ("3 years", harness.size(3 * 365, 365))):
            patient = patient_create(f"{days}@example.org")
            SharingLink.objects.create(patient=patient, clinician=clinician, source="demo")
            history_create(patient, days=days, end=timezone.now().date() - timedelta(days=1))
            url = f"/api/v1/patients/{patient.public_id}/trends/"

            def project(url: str = url) -> Any:
                response = api.get(url)
                assert response.status_code == 200, response.content
                return response

            with harness.counting_queries() as queries:
                points = sum(len(s["series"]) for s in project().json()["scales"])
            with harness.counting_queries() as warm_queries:
                project()
            ours, theirs = harness.interleaved(
                project, lambda p=patient.pk: read_by_hand(p), repeats=harness.rounds(15)
            )
            ratios[label] = ours / theirs
            harness.note(
                f"{label:8} {points:5} points: API {ours * 1000:6.1f} ms in {len(warm_queries)} "
                f"queries (first request {len(queries)}), "
                f"hand-written SQL {theirs * 1000:6.1f} ms (3 statements), "
                f"ratio {ours / theirs:.2f}"
            )
        harness.note(f"database {connection.vendor}; median of {harness.rounds(15)} rounds")
        harness.result(
            "trends",
            ratios["3 years"],
            at_most=2,
            detail=f"1 month ratio {ratios['1 month']:.2f}",
        )


if __name__ == "__main__":
    main()
