"""How long a research release takes to build, against hand-written SQL for the same means.

Builds a throwaway PostgreSQL test database (DATABASE_URL), and for cohorts of 1,000 and 5,000
consenting people over four quarters (``symptoms.research.demo``: three daily check-ins per
person per quarter, an MFIS total for about a third, skewed keys: most people in one country,
most with progressive MS, ages bunched in the fifties) times in the same run:

- the build (``release_request`` + ``release_build``: read, disclosure control with its LP
  audit, publication of every cell), and
- one hand-written SQL statement computing the same cells' n and mean (one row per person per
  quarter and scale, then every margin level of every table with GROUPING SETS), without
  suppression, SD, medians, quartiles or shares, and writing nothing.

Prints both times and their ratio (the target is at most 2), the LP solves, the suppressed
cells, and the process's peak resident memory after each build.

    make bench ONLY=release
    make bench ONLY=release QUICK=1    # 40 people on SQLite, no SQL baseline, not judged
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from typing import Any

import harness
from django.db import connection

from accounts.models import User
from symptoms.research import disclosure, services
from symptoms.research.demo import demo_cohort_create
from symptoms.research.privacy import levels_of
from symptoms.research.specs import COUNTRIES, spec_get

SIZES = (40,) if harness.QUICK else (1000, 5000)
QUARTERS = ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4")


def hand_written_sql() -> tuple[str, list[Any]]:
    """Every cell's n and mean of the person-quarter means, in one statement."""
    spec = spec_get()
    which = " OR ".join(
        "(s.instrument = %s AND s.scale = %s AND s.instrument_version = %s)" for _ in spec.scales
    )
    params: list[Any] = []
    for scale in spec.scales:
        params += [scale.instrument.code, scale.scale.key, scale.instrument.version]
    listed = ", ".join(f"'{c}'" for c in COUNTRIES if c not in ("other", "unknown"))
    sets = ", ".join("(" + ", ".join(sorted(level)) + ")" for level in levels_of(spec.layout))
    sql = f"""
    WITH consenting AS (
        SELECT c.user_id, c.granted_at FROM accounts_consent c
        JOIN accounts_user u ON u.id = c.user_id
        WHERE c.purpose = 'research' AND c.granted_at <= now()
          AND (c.withdrawn_at IS NULL OR c.withdrawn_at > now())
          AND u.role = 'patient' AND u.is_active
    ), person AS (
        SELECT s.patient_id, s.instrument || '.' || s.scale AS scale,
               EXTRACT(YEAR FROM s.local_date)::int AS year,
               EXTRACT(QUARTER FROM s.local_date)::int AS quarter, AVG(s.value) AS mean
        FROM symptoms_reportscore s
        JOIN consenting c ON c.user_id = s.patient_id
         AND s.local_date >= (c.granted_at AT TIME ZONE 'UTC')::date
        WHERE s.local_date BETWEEN '2025-01-01' AND '2025-12-31' AND ({which})
        GROUP BY 1, 2, 3, 4
    ), keyed AS (
        SELECT p.year, p.quarter, p.scale, p.mean,
            CASE WHEN pr.ms_type IN ('ppms', 'spms', 'rrms') THEN pr.ms_type ELSE 'other' END
                AS ms_type,
            CASE WHEN pr.birth_year IS NULL OR p.year - pr.birth_year < 18 THEN 'unknown'
                 WHEN p.year - pr.birth_year < 40 THEN '18-39'
                 WHEN p.year - pr.birth_year >= 70 THEN '70+'
                 ELSE ((p.year - pr.birth_year) / 10 * 10)::text || '-'
                      || ((p.year - pr.birth_year) / 10 * 10 + 9)::text END AS age_band,
            CASE WHEN pr.sex IN ('female', 'male') THEN pr.sex ELSE 'other_or_undisclosed' END
                AS sex,
            CASE WHEN pr.diagnosis_year IS NULL THEN 'unknown'
                 WHEN p.year - pr.diagnosis_year < 5 THEN '<5'
                 WHEN p.year - pr.diagnosis_year >= 20 THEN '20+'
                 ELSE ((p.year - pr.diagnosis_year) / 5 * 5)::text || '-'
                      || ((p.year - pr.diagnosis_year) / 5 * 5 + 4)::text END
                AS disease_duration,
            CASE WHEN pr.country = '' THEN 'unknown' WHEN pr.country IN ({listed})
                 THEN pr.country ELSE 'other' END AS country
        FROM person p JOIN accounts_patientprofile pr ON pr.user_id = p.patient_id
    )
    SELECT year, quarter, scale, ms_type, age_band, sex, disease_duration, country,
           count(*), round(avg(mean)::numeric, 2)
    FROM keyed GROUP BY year, quarter, scale, GROUPING SETS ({sets})
    """  # noqa: S608  (built from the specification's own constants, no input)
    return sql, params


def measure(size: int) -> dict[str, Any]:
    demo_cohort_create(size=size, quarters=QUARTERS, seed=size, email_prefix="bench")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    outcomes: list[disclosure.Outcome] = []
    seconds: dict[str, float] = {}
    original, original_read = disclosure.cells_build, services._person_period_values

    def recording(*args: Any, **kwargs: Any) -> disclosure.Outcome:
        started = time.perf_counter()
        outcome = original(*args, **kwargs)
        seconds["disclosure"] = time.perf_counter() - started
        outcomes.append(outcome)
        return outcome

    def reading(**kwargs: Any) -> list[disclosure.PersonValue]:
        started = time.perf_counter()
        values = original_read(**kwargs)
        seconds["read"] = time.perf_counter() - started
        return values

    disclosure.cells_build = recording  # type: ignore[assignment]
    services._person_period_values = reading  # type: ignore[assignment]
    try:
        started = time.perf_counter()
        queued = services.release_request(
            requested_by=None, first_quarter=QUARTERS[0], last_quarter=QUARTERS[-1], queue=False
        )
        release = services.release_build(release_id=queued.pk)
        build = time.perf_counter() - started
    finally:
        disclosure.cells_build = original  # type: ignore[assignment]
        services._person_period_values = original_read  # type: ignore[assignment]
    assert release is not None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The SQL baseline uses PostgreSQL's GROUPING SETS; a quick run on SQLite has none.
    handwritten, rows = float("nan"), []
    if connection.vendor == "postgresql":
        sql, params = hand_written_sql()
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            handwritten = time.perf_counter() - started
    [outcome] = outcomes
    # Every quarter is published once: the next cohort's build must compute, not copy.
    from symptoms.models import ReleaseQuarter

    ReleaseQuarter.objects.all().delete()
    return {
        "build": build,
        "read": seconds["read"],
        "disclosure": seconds["disclosure"],
        "sql": handwritten,
        "sql_rows": len(rows),
        "cells": release.cell_count,
        "suppressed": release.suppressed_count,
        "primary": outcome.primary,
        "complementary": outcome.complementary,
        "lp_solves": outcome.lp_solves,
        "rounds": outcome.audit_rounds,
        "peak_mb": peak,
    }


def main() -> None:
    if connection.vendor != "postgresql" and not harness.QUICK:
        sys.exit("benchmarks/release.py needs PostgreSQL: set DATABASE_URL")
    with harness.test_database():
        harness.note(f"database: {connection.vendor}; {len(QUARTERS)} quarters, skewed keys")
        ratios = {}
        for size in SIZES:
            # Each round is a new cohort and a build from nothing, then the SQL on the same rows.
            runs = []
            for _ in range(1 if harness.QUICK else 3):
                User.objects.all().delete()
                runs.append(measure(size))
            r = min(runs, key=lambda run: run["build"])
            build = statistics.median(run["build"] for run in runs)
            sql = statistics.median(run["sql"] for run in runs)
            ratios[size] = build / sql
            harness.note(
                f"{size:5} people: build {build:6.2f} s, hand-written SQL {sql:5.2f} s "
                f"({r['sql_rows']} rows), ratio {build / sql:5.2f} "
                f"[read {r['read']:.2f} s, disclosure control {r['disclosure']:.2f} s, "
                f"the rest (publication) {r['build'] - r['read'] - r['disclosure']:.2f} s]; "
                f"{r['cells']} cells, {r['suppressed']} suppressed "
                f"({r['primary']} primary, {r['complementary']} complementary per distinct cell "
                f"and scale), {r['lp_solves']} LP solves in {r['rounds']} audit rounds; "
                f"peak RSS {r['peak_mb']:.0f} MB"
            )
        harness.result(
            "release",
            ratios[SIZES[-1]],
            at_most=2,
            detail=f"{SIZES[-1]} people; {SIZES[0]} people: {ratios[SIZES[0]]:.2f}",
        )


if __name__ == "__main__":
    main()
