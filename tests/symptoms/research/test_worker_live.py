"""A release over a synthetic cohort of 5,000 people, built by a real Celery worker fed
through real Redis, on the real PostgreSQL test database."""

from __future__ import annotations

import math
import time
from datetime import date

import pytest

from symptoms.models import Release, ReleaseCell, ReleaseStatus
from symptoms.research import services
from symptoms.research.specs import spec_get
from tests.config.test_worker_live import Worker, wait_for, worker  # noqa: F401  (fixture)
from tests.symptoms.factories import research_cohort

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
COHORT = 5000


def test_the_worker_builds_a_release_over_five_thousand_people(worker: Worker) -> None:  # noqa: F811
    research_cohort(COHORT, on=date(2026, 2, 10))
    release = services.release_request(requested_by=None, first_quarter="2026-Q1", queue=False)

    def published() -> bool:
        current = Release.objects.get(pk=release.pk)
        return current.status in (ReleaseStatus.PUBLISHED, ReleaseStatus.FAILED)

    started = time.monotonic()
    worker.send("symptoms.research.tasks.release_build", release.pk)
    wait_for(published, worker, seconds=120)
    waited = time.monotonic() - started

    release.refresh_from_db()
    assert release.status == ReleaseStatus.PUBLISHED, worker.log.read_text()[-2000:]
    layout = spec_get("1").layout
    rows_per_scale = sum(
        math.prod(len(layout.dimension(d).categories) + 1 for d in table.dimensions)
        for table in layout.tables
    )
    assert release.cell_count == rows_per_scale * len(layout.scales)
    cells = ReleaseCell.objects.filter(release=release)
    assert cells.count() == release.cell_count
    assert cells.filter(suppressed=True).count() == release.suppressed_count > 0
    assert not cells.filter(suppressed=False, n__gte=1, n__lt=11).exists()
    total = cells.get(table="overall", scale="daily.fatigue")
    assert total.n == COHORT
    assert release.progress == 100
    print(
        f"\nrelease over {COHORT} people: built in {release.build_seconds:.1f} s by the worker "
        f"({waited:.1f} s from send to published); {release.cell_count} cells, "
        f"{release.suppressed_count} suppressed"
    )
