"""How fast ``seed_cohort`` loads a cohort, against PostgreSQL ``COPY`` of the same rows.

Each round empties the tables, loads a cohort with ``symptoms.reports.cohort.cohort_create``
(the project: making every person, course, report and score and writing them through COPY),
reads back exactly the rows it wrote, empties the tables again and loads those rows with bare
``COPY ... FROM STDIN`` (the baseline: the same rows into the same tables with all their
indexes, constraints and foreign-key checks, nothing computed). Rounds alternate, and the ratio
is project rate / baseline rate over the median times (target >= 0.5). A second, smaller
cohort shows how the cost grows with N.

QUICK=1 on SQLite: a tiny cohort, and the baseline is ``bulk_create`` of the same rows.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/seed .venv/bin/python benchmarks/seed.py
    QUICK=1 .venv/bin/python benchmarks/seed.py
"""

from __future__ import annotations

import statistics
import time
from datetime import date
from typing import Any

import harness
from django.db import connection, models, transaction

from symptoms.reports.cohort import TABLES, cohort_create

TODAY = date(2026, 11, 24)
PATIENTS = harness.size(200, 8)
WEEKS = harness.size(8, 2)
SEED = 1


def clear() -> None:
    if connection.vendor == "postgresql":
        names = ", ".join(
            connection.ops.quote_name(t.model._meta.db_table) for t in TABLES.values()
        )
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {names} CASCADE")
        return
    with transaction.atomic():
        for table in reversed(TABLES.values()):
            table.model._default_manager.all()._raw_delete(using="default")  # type: ignore[attr-defined]


def project(patients: int) -> int:
    return cohort_create(patients=patients, weeks=WEEKS, seed=SEED, today=TODAY).rows


def dump() -> list[tuple[Any, Any]]:
    """Every row the project wrote: COPY text per table, or model instances on SQLite."""
    quote = connection.ops.quote_name
    dumped: list[tuple[Any, Any]] = []
    for table in TABLES.values():
        if connection.vendor != "postgresql":
            dumped.append((table, list(table.model._default_manager.all())))
            continue
        columns = ", ".join(quote(column) for column in table.columns)
        name = quote(table.model._meta.db_table)
        chunks: list[bytes] = []
        sql = f"COPY (SELECT {columns} FROM {name}) TO STDOUT"  # noqa: S608 - model names
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            chunks.extend(bytes(data) for data in copy)
        dumped.append((table, b"".join(chunks)))
    return dumped


def baseline(dumped: list[tuple[Any, Any]]) -> None:
    quote = connection.ops.quote_name
    with transaction.atomic():
        for table, rows in dumped:
            if connection.vendor != "postgresql":
                model: type[models.Model] = table.model
                model._default_manager.bulk_create(rows, batch_size=2000)
                continue
            columns = ", ".join(quote(column) for column in table.columns)
            name = quote(table.model._meta.db_table)
            sql = f"COPY {name} ({columns}) FROM STDIN"
            with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                copy.write(rows)


def measure(patients: int, repeats: int) -> tuple[float, float, int]:
    """Median seconds of the project and of the baseline over alternating rounds, and rows."""
    ours: list[float] = []
    theirs: list[float] = []
    rows = 0
    for _ in range(repeats):
        clear()
        started = time.perf_counter()
        rows = project(patients)
        ours.append(time.perf_counter() - started)
        dumped = dump()
        clear()
        started = time.perf_counter()
        baseline(dumped)
        theirs.append(time.perf_counter() - started)
    return statistics.median(ours), statistics.median(theirs), rows


def main() -> None:
    how = "COPY" if connection.vendor == "postgresql" else "bulk_create"
    with harness.test_database():
        small = max(1, PATIENTS // 4)
        small_ours, small_theirs, small_rows = measure(small, 1)
        ours, theirs, rows = measure(PATIENTS, harness.rounds(5))
        clear()
    harness.note(
        f"{connection.vendor}; {PATIENTS} patients x {WEEKS} weeks = {rows} rows in "
        f"{len(TABLES)} tables; median of {harness.rounds(5)} alternating rounds"
    )
    harness.note(
        f"seed_cohort {ours:.2f} s ({rows / ours:,.0f} rows/s); {how} of the same rows "
        f"{theirs:.2f} s ({rows / theirs:,.0f} rows/s)"
    )
    harness.note(
        f"at {small} patients (one round): seed_cohort {small_ours:.2f} s "
        f"({small_rows / small_ours:,.0f} rows/s), {how} {small_theirs:.2f} s "
        f"({small_rows / small_theirs:,.0f} rows/s)"
    )
    harness.result(
        "seed",
        theirs / ours,
        at_least=0.5,
        detail=f"{rows / ours:,.0f} vs {rows / theirs:,.0f} rows/s",
    )


if __name__ == "__main__":
    main()
