"""A release over a synthetic cohort of 5,000 people, built by a real Celery worker fed
through real Redis, on the real PostgreSQL test database."""

from __future__ import annotations

import math
import signal
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.test import override_settings

from symptoms.models import Release, ReleaseCell, ReleaseStatus
from symptoms.research import services
from symptoms.research.specs import spec_get
from tests.config.test_worker_live import (  # noqa: F401  (worker is a fixture)
    Worker,
    wait_for,
    worker,
    worker_start,
)
from tests.live_support import stop
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


@override_settings(RESEARCH_RELEASE_LEASE_SECONDS=5)
def test_a_build_whose_worker_is_killed_is_built_again(live_services: None, tmp_path: Path) -> None:
    """Issue 14: a worker killed in the middle of a build (kill -9: no clean-up at all). Its
    lease lapses, the reaper (beat's task, called here as beat would) queues the build again,
    and a second worker publishes it, once."""
    research_cohort(3000, on=date(2026, 2, 10))
    release = services.release_request(requested_by=None, first_quarter="2026-Q1", queue=False)
    queue = f"test-{uuid.uuid4().hex[:10]}"
    lease = {"RESEARCH_RELEASE_LEASE_SECONDS": "5"}
    first, first_log = worker_start(queue, tmp_path, "first", **lease)
    second = None
    sender = Celery()
    sent = Worker(queue=queue, sender=sender, mail_dir=tmp_path / "mail", log=first_log)
    try:
        sent.send("symptoms.research.tasks.release_build", release.pk)

        def computing() -> bool:
            current = Release.objects.get(pk=release.pk)
            return current.status == ReleaseStatus.BUILDING and current.progress > 20

        wait_for(computing, sent, seconds=120)
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed = time.monotonic()
        second, second_log = worker_start(queue, tmp_path, "second", **lease)
        sent.log = second_log
        requeued = 0

        def published() -> bool:
            nonlocal requeued
            current = Release.objects.get(pk=release.pk)
            if current.status != ReleaseStatus.BUILDING or current.attempts > 1:
                return current.status in (ReleaseStatus.PUBLISHED, ReleaseStatus.FAILED)
            _failed, again = services.releases_reap_stuck(
                enqueue=lambda pk: sent.send("symptoms.research.tasks.release_build", pk)
            )
            requeued += again
            return False

        wait_for(published, sent, seconds=180)
        recovered = time.monotonic() - killed
    finally:
        stop(first)
        if second is not None:
            stop(second)
        sender.close()
        redis.Redis.from_url(settings.REDIS_URL).delete(queue)

    release.refresh_from_db()
    assert release.status == ReleaseStatus.PUBLISHED, sent.log.read_text()[-2000:]
    assert release.attempts == 2
    assert requeued == 1
    assert ReleaseCell.objects.filter(release=release).count() == release.cell_count
    assert Release.objects.filter(status=ReleaseStatus.PUBLISHED).count() == 1
    print(
        f"\nworker killed mid-build (progress > 20%): queued again once, published by the "
        f"second worker {recovered:.1f} s after the kill, lease 5 s; {release.cell_count} cells"
    )
