"""The person's history page with its charts, on a warm cache, against its SQL.

One patient with three years (and, for growth, one year) of daily check-ins and an MFIS every
28 days (``benchmarks/bulk_history.py``). In the same run and interleaved it times a browser's
visit to ``/history/?period=all``: the page and each chart image it shows (charts are cached by
patient, domain, period, day, language, width and last change: ``symptoms/history/views.py``),
after one visit has warmed the cache; and the SQL of the same visit written by hand: for the
page, the weekly means of the daily ratings and the questionnaire scores, and for each chart,
its domain's weekly means and scores (what a page-and-images design must read). The RESULT is
the three-year ratio (target: at most 3x). It prints the first (cold) visit, a new report's
effect (the next visit redraws), and the query counts.

    QUICK=1 .venv/bin/python benchmarks/history.py
    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python benchmarks/history.py
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import harness  # first: sets Django up
from bulk_history import history_create, patient_create
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import User


def week_of(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"date_trunc('week', {column})::date"
    return f"date({column}, '-' || ((strftime('%%w', {column}) + 6) %% 7) || ' days')"


def read_by_hand(patient_id: int, domains: list[str]) -> int:
    weekly = f"""
        SELECT scale, {week_of("local_date")} AS week_on, AVG(value), COUNT(DISTINCT local_date)
        FROM symptoms_reportscore
        WHERE patient_id = %s AND instrument = 'daily' AND scale IN ({{scales}})
        GROUP BY scale, week_on ORDER BY scale, week_on
    """  # noqa: S608  (constants only)
    scores = (
        "SELECT instrument, scale, local_date, value FROM symptoms_reportscore "
        "WHERE patient_id = %s AND instrument <> 'daily' ORDER BY local_date, id"
    )
    rows = 0
    with connection.cursor() as cursor:
        # The page: every domain at once; then each chart: its own domain.
        for wanted in [domains, *[[domain] for domain in domains]]:
            cursor.execute(
                weekly.format(scales=", ".join(["%s"] * len(wanted))), [patient_id, *wanted]
            )
            rows += len(cursor.fetchall())
            cursor.execute(scores, [patient_id])
            rows += len(cursor.fetchall())
    return rows


def visit(client: Client) -> int:
    """The page and each chart image it shows; the bytes received."""
    page = client.get("/history/?period=all")
    assert page.status_code == 200
    received = len(page.content)
    for source in re.findall(r'<img src="([^"]+)"', page.content.decode()):
        chart = client.get(source.replace("&amp;", "&"))
        assert chart.status_code == 200, source
        received += len(chart.content)
    return received


def measure(patient: User, days: int) -> dict[str, Any]:
    client = Client()
    client.force_login(patient)
    # Cold: a new patient has nothing cached (other benchmarks may share the cache).
    with harness.counting_queries() as cold_queries:
        cold = harness.seconds(lambda: visit(client))
    with harness.counting_queries() as warm_queries:
        received = visit(client)
    charts = len(re.findall(r"<img src=", client.get("/history/?period=all").content.decode()))
    domains = ["fatigue", "mobility", "upper_limb", "pain", "cognition"]
    ours, theirs = harness.interleaved(
        lambda: visit(client), lambda: read_by_hand(patient.pk, domains)
    )
    return {
        "cold": cold,
        "cold_queries": len(cold_queries),
        "warm_queries": len(warm_queries),
        "warm": ours,
        "sql": theirs,
        "charts": charts,
        "kb": received / 1024,
    }


def main() -> None:
    end = timezone.now().date() - timedelta(days=1)
    with harness.test_database():
        figures = {}
        for label, days in (
            ("1 year", harness.size(365, 90)),
            ("3 years", harness.size(1095, 365)),
        ):
            patient = patient_create(f"{days}@example.org")
            history_create(patient, days=days, end=end)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE")  # as autovacuum would: the visibility map set
            figures[label] = f = measure(patient, days)
            harness.note(
                f"{label:8} ({days} days): warm visit {f['warm'] * 1000:6.1f} ms "
                f"(page + {f['charts']} charts, {f['kb']:.0f} KiB, {f['warm_queries']} queries), "
                f"cold {f['cold'] * 1000:7.1f} ms ({f['cold_queries']} queries); "
                f"hand-written SQL {f['sql'] * 1000:6.1f} ms; ratio {f['warm'] / f['sql']:.2f}"
            )
            if label == "3 years":
                history_create(patient, days=1, end=end + timedelta(days=1))
                client = Client()
                client.force_login(patient)
                redraw = harness.seconds(lambda c=client: visit(c))
                harness.note(f"after a new report: the next visit redraws, {redraw * 1000:.0f} ms")
        harness.note(
            f"database {connection.vendor}, cache {type(caches['default']).__name__}; "
            f"median of {harness.rounds()} rounds"
        )
        large = figures["3 years"]
        harness.result(
            "history",
            large["warm"] / large["sql"],
            at_most=3,
            detail="3 years, period=all, page and charts on a warm cache",
        )


if __name__ == "__main__":
    main()
