"""The clinician's patient list against the bounded SQL of what it shows.

A clinician shares with N patients, each with three years of daily check-ins and an MFIS every
28 days, one in four slowly worsening (``benchmarks/bulk_history.py``). In the same run and
interleaved it times ``GET /api/v1/patients/`` on a warm cache (each patient's whole-history
digest cached under their last change, ``symptoms/trends/digests.py``) and one hand-written
statement returning what the list shows that needs no whole history: each patient's name, the
last report's date (a max per instrument, from the ``(patient, instrument, local_date)``
index) and the days with a check-in in the last 12 weeks. It prints the first (cold) view, the
query counts at two sizes (they must be equal), and the RESULT at the larger size (target: at
most 3x).

    QUICK=1 .venv/bin/python benchmarks/clinic_list.py
    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python benchmarks/clinic_list.py
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import harness  # first: sets Django up
from bulk_history import clinician_create, cohort_create
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from symptoms.trends.digests import patient_digest_forget
from symptoms.trends.selectors import ADHERENCE_DAYS


def list_by_hand(clinician_id: int) -> int:
    today = timezone.now().date()
    latest = (
        "GREATEST" if connection.vendor == "postgresql" else "MAX"
    )  # of the two instruments' last dates
    sql = f"""
        SELECT u.public_id, u.full_name, p.time_zone,
            {latest}(
                (SELECT MAX(r.local_date) FROM symptoms_report r
                 WHERE r.patient_id = u.id AND r.instrument = 'daily'),
                (SELECT MAX(r.local_date) FROM symptoms_report r
                 WHERE r.patient_id = u.id AND r.instrument = 'mfis')),
            (SELECT COUNT(DISTINCT r.local_date) FROM symptoms_report r
             WHERE r.patient_id = u.id AND r.instrument = 'daily'
               AND r.local_date > %s AND r.local_date <= %s
               AND NOT EXISTS (SELECT 1 FROM symptoms_report s WHERE s.supersedes_id = r.id))
        FROM accounts_sharinglink l
        JOIN accounts_user u ON u.id = l.patient_id
        JOIN accounts_patientprofile p ON p.user_id = u.id
        WHERE l.clinician_id = %s AND l.revoked_at IS NULL AND u.is_active
        ORDER BY u.full_name
    """  # noqa: S608  (constants only)
    with connection.cursor() as cursor:
        cursor.execute(sql, [today - timedelta(days=ADHERENCE_DAYS), today, clinician_id])
        return len(cursor.fetchall())


def measure(clinician: User, size: int) -> dict[str, Any]:
    api = APIClient()
    api.force_authenticate(clinician)
    page = Client()
    page.force_login(clinician)

    def project() -> Any:
        response = api.get("/api/v1/patients/")
        assert response.status_code == 200, response.content
        return response

    def project_page() -> Any:
        response = page.get("/clinic/patients/")
        assert response.status_code == 200
        return response

    # Cold: forget these patients' digests only (other benchmarks may share the cache).
    for patient in User.objects.filter(links_as_patient__clinician=clinician):
        patient_digest_forget(patient=patient)
    with harness.counting_queries() as cold_queries:
        cold = harness.seconds(project)
    with harness.counting_queries() as warm_queries:
        rows = len(project().json())
    assert rows == size, rows
    ours, theirs = harness.interleaved(project, lambda: list_by_hand(clinician.pk))
    page_time, _ = harness.interleaved(project_page, lambda: None)
    return {
        "cold": cold,
        "cold_queries": len(cold_queries),
        "warm_queries": len(warm_queries),
        "api": ours,
        "page": page_time,
        "sql": theirs,
    }


def main() -> None:
    years = harness.size(3, 1)
    sizes = (harness.size(50, 5), harness.size(200, 20))
    with harness.test_database():
        clinician = clinician_create()
        made = 0
        figures = {}
        for size in sizes:
            cohort_create(clinician, patients=size - made, days=years * 365, prefix=f"s{size}-")
            made = size
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE")  # as autovacuum would: the visibility map set
            figures[size] = f = measure(clinician, size)
            harness.note(
                f"{size:4} patients x {years} years: API warm {f['api'] * 1000:6.1f} ms "
                f"({f['warm_queries']} queries), page warm {f['page'] * 1000:6.1f} ms, "
                f"cold {f['cold'] * 1000:7.1f} ms ({f['cold_queries']} queries); "
                f"hand-written SQL {f['sql'] * 1000:6.1f} ms; ratio {f['api'] / f['sql']:.2f}"
            )
        small, large = (figures[size] for size in sizes)
        assert small["warm_queries"] == large["warm_queries"], (small, large)
        # The embedded database cache's set_many is a query per key; Redis's is one.
        if "DatabaseCache" not in type(caches["default"]).__name__:
            assert small["cold_queries"] == large["cold_queries"], (small, large)
        harness.note(
            f"database {connection.vendor}, cache {type(caches['default']).__name__}; "
            f"median of {harness.rounds()} rounds"
        )
        harness.result(
            "clinic_list",
            large["api"] / large["sql"],
            at_most=3,
            detail=f"{sizes[-1]} patients, warm cache; page {large['page'] / large['sql']:.2f}x",
        )


if __name__ == "__main__":
    main()
