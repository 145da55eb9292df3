"""A real Celery worker, fed through real Redis, working on the real PostgreSQL test database."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from django.conf import settings
from django.utils import timezone
from kombu import Connection

from accounts import services as account_services
from accounts.models import ShareCode, User
from tests.live_support import celery_environment, celery_start, stop

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Worker:
    queue: str
    sender: Celery
    mail_dir: Path
    log: Path

    def send(self, task: str, *args: Any) -> None:
        # An explicit connection: Celery lets the CELERY_BROKER_URL variable (memory:// in
        # the unit tests) win over an app's own broker setting.
        with Connection(settings.REDIS_URL) as conn:
            self.sender.send_task(task, args=args, queue=self.queue, connection=conn)


def worker_start(
    queue: str, tmp_path: Path, name: str = "worker", **extra: str
) -> tuple[subprocess.Popen[bytes], Path]:
    """A solo Celery worker on ``queue`` alone (no stray messages reach it), logging to
    ``tmp_path/<name>.log``; ``extra`` adds environment variables (settings)."""
    log = tmp_path / f"{name}.log"
    environment = celery_environment(redis_url=settings.REDIS_URL, tmp_path=tmp_path, **extra)
    process = celery_start(
        [
            "worker", "--queues", queue, "--pool", "solo", "--hostname", f"{name}-{queue}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
        ],
        environment=environment,
        log=log,
    )  # fmt: skip
    return process, log


@pytest.fixture
def worker(live_services: None, transactional_db: None, tmp_path: Path) -> Iterator[Worker]:
    queue = f"test-{uuid.uuid4().hex[:10]}"  # a queue of its own: no stray messages reach it
    process, log = worker_start(queue, tmp_path)
    sender = Celery()
    try:
        yield Worker(queue=queue, sender=sender, mail_dir=tmp_path / "mail", log=log)
    finally:
        stop(process)
        sender.close()
        # The queue was ours alone; leave Redis as we found it.
        import redis

        redis.Redis.from_url(settings.REDIS_URL).delete(queue)


def wait_for(condition: Callable[[], bool], worker: Worker, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out after {seconds}s; worker log:\n{worker.log.read_text()[-4000:]}")


def test_the_worker_runs_a_sweep_through_redis(worker: Worker, alice: User) -> None:
    account_services.share_code_create(patient=alice)
    ShareCode.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    worker.send("accounts.tasks.share_codes_purge_expired")

    wait_for(lambda: not ShareCode.objects.exists(), worker)
    assert "share_codes_purge_expired" in worker.log.read_text()


def test_the_worker_sends_an_invitation_email_given_only_an_id(
    worker: Worker, charlie: User
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        # Keep the service from queueing through the test's in-memory broker; send it ourselves.
        patch.setattr("accounts.tasks.invite_send.delay_on_commit", lambda *args, **kwargs: None)
        invite = account_services.invite_create(clinician=charlie, email="alice@example.org")

    worker.send("accounts.tasks.invite_send", invite.pk)

    wait_for(lambda: worker.mail_dir.exists() and any(worker.mail_dir.iterdir()), worker)
    (message,) = worker.mail_dir.iterdir()
    text = message.read_text()
    assert "To: alice@example.org" in text
    assert "Dr Charlie Clinician" in text
