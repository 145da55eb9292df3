"""What every benchmark shares: set-up, a throwaway database, interleaved timing, RESULT lines.

A benchmark is a script ``benchmarks/<name>.py`` listed in ``benchmarks/run.py``. It measures
the project's path and a baseline doing the same work the plainest way, in the same run,
interleaved (project, baseline, project, ...) so that a noisy neighbour slows both alike, and
prints one line per target:

    RESULT <name> ratio=<x> target=<op><y> ok|FAIL

``ratio`` is what the issue's target is written in (a time ratio project / baseline, or a rate
ratio project / baseline); ``target`` says which way is good (``<=2`` or ``>=0.5``). With
``QUICK=1`` (``make bench QUICK=1``, run by CI) each benchmark runs at a small size, on SQLite
if no ``DATABASE_URL`` is set, to prove it still works: the line then ends in ``quick`` instead
of a verdict, because a ratio measured at that size means nothing.

Import this module before anything from Django: it puts the project on ``sys.path`` and calls
``django.setup()``.
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

QUICK = os.environ.get("QUICK", "") not in ("", "0")


def size(full: int, quick: int) -> int:
    """The size to run at: ``full`` for ``make bench``, ``quick`` for ``make bench QUICK=1``."""
    return quick if QUICK else full


def rounds(full: int = 7) -> int:
    """How many interleaved rounds to take the median of (3 when quick)."""
    return 3 if QUICK else full


@contextmanager
def test_database() -> Iterator[None]:
    """A fresh test database (``test_<name>``) for the benchmark, dropped afterwards."""
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0)
    try:
        yield
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    """Every SQL statement run inside, in order.

    A wrapper rather than ``CaptureQueriesContext``: the ``request_started`` signal empties
    ``connection.queries`` in the middle of a request made by the test client.
    """
    queries: list[str] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield queries


def seconds(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def interleaved(
    project: Callable[[], Any], baseline: Callable[[], Any], *, repeats: int | None = None
) -> tuple[float, float]:
    """Median seconds of ``project`` and of ``baseline``, run alternately ``repeats`` times."""
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(repeats or rounds()):
        ours.append(seconds(project))
        theirs.append(seconds(baseline))
    return statistics.median(ours), statistics.median(theirs)


def result(
    name: str,
    ratio: float,
    *,
    at_most: float | None = None,
    at_least: float | None = None,
    detail: str = "",
) -> bool:
    """Print the RESULT line; true when the target is met (or the run is quick).

    A quick run may have no baseline (``ratio`` NaN, shown ``n/a``), e.g. SQL that only
    PostgreSQL runs.
    """
    if (at_most is None) == (at_least is None):
        raise ValueError("give exactly one of at_most and at_least")
    if at_most is not None:
        target, met = f"<={at_most:g}", ratio <= at_most
    else:
        assert at_least is not None
        target, met = f">={at_least:g}", ratio >= at_least
    verdict = "quick" if QUICK else ("ok" if met else "FAIL")
    shown = "n/a" if math.isnan(ratio) else f"{ratio:.2f}"
    line = f"RESULT {name} ratio={shown} target={target} {verdict}"
    print(f"{line}  # {detail}" if detail else line, flush=True)
    return met or QUICK


def note(text: str) -> None:
    """A line of figures beside the RESULT (machine, sizes, queries, p50/p99, peak memory)."""
    print(f"  {text}", flush=True)
