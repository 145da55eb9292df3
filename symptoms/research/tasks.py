"""Celery tasks for research releases. Each receives ids only and calls a service."""

from __future__ import annotations

from celery import shared_task

from symptoms.research import services


# A release over a large cohort takes longer than the default task limit; a build that is
# killed is never half-published (one transaction), and the reaper marks it failed.
@shared_task(time_limit=1800, soft_time_limit=1700)
def release_build(release_id: int) -> None:
    services.release_build(release_id=release_id)


@shared_task
def release_build_scheduled() -> None:
    """The quarterly release over the last complete quarters; beat starts it."""
    services.release_request(requested_by=None)


@shared_task
def releases_reap_stuck() -> None:
    services.releases_reap_stuck(enqueue=release_build.delay)
