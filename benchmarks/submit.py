"""``submit``: the daily check-in POST through gunicorn, against a bare DRF view.

Both run in one gunicorn (the same workers, threads and settings: the product's with DEBUG off,
``benchmarks/submit_settings.py``), started on a throwaway database: ``POST /api/v1/reports/``
(the product) and ``POST /bench/baseline/`` (``benchmarks/submit_urls.py``: the same token
authentication, permission and throttles, then one INSERT of the body). A load generator of
CLIENTS threads, each with its own keep-alive HTTP connection (``http.client``), sends as fast
as answers come back, alternately at the product and the baseline for ROUND seconds each,
several rounds; the ratio is the median req/s of the product over the baseline's.

Every product request is a genuine new check-in: a fresh ``client_id`` and a (person, day) pair
used once, the day one of the last 13 local days (``completed_at`` at local noon, within the
14 days a phone may queue), so the one-a-day rule never refuses one. Any answer but 2xx is an
error, printed; the run fails on any. The statements per POST are counted in process first.

    QUICK=1 .venv/bin/python benchmarks/submit.py        # SQLite in a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/submit REDIS_URL=redis://127.0.0.1:6379/2 \\
        SUBMIT_PORT=8201 .venv/bin/python benchmarks/submit.py
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

QUICK = os.environ.get("QUICK", "") not in ("", "0")
if not os.environ.get("DATABASE_URL"):
    # Gunicorn's workers are processes of their own: SQLite must be a file they all open.
    _TEMPORARY = tempfile.TemporaryDirectory(prefix="bench-submit-")
    os.environ["DATABASE_URL"] = f"sqlite:///{_TEMPORARY.name}/bench.sqlite3"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import harness  # noqa: E402  (sets Django up)
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from knox.models import AuthToken  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts.models import PatientProfile, Role, User  # noqa: E402
from benchmarks.submit_urls import CREATE  # noqa: E402
from symptoms.models import Report  # noqa: E402

ROOT = harness.ROOT
PORT = int(os.environ.get("SUBMIT_PORT", "8201"))
CLIENTS = harness.size(16, 2)
WORKERS = int(os.environ.get("SUBMIT_WORKERS", "1" if QUICK else "2"))
THREADS = int(os.environ.get("SUBMIT_THREADS", "2" if QUICK else "8"))
ROUNDS = harness.rounds(5)
ROUND_SECONDS = 1.0 if QUICK else 30 / ROUNDS  # 30 s of each in all, as the issue asks
PEOPLE = harness.size(1_000, 40)
DAYS = 13  # local days back that each person checks in for: within the 14 days allowed
MAX_QUERIES = 6
ZONES = ("Europe/London", "Europe/Rome", "America/New_York", "Australia/Sydney")
ANSWERS = {"fatigue": 6, "mobility": 5, "upper_limb": 3, "pain": 2, "cognition": "too_tired"}
UNUSABLE = "!"  # Django's mark of an unusable password: nobody can sign in as these people


@dataclass
class Round:
    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


class Slots:
    """The (token, completed_at) pairs not yet used, handed out once each across threads."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = iter(pairs)
        self._lock = threading.Lock()

    def take(self) -> tuple[str, str] | None:
        with self._lock:
            return next(self._pairs, None)


def people(count: int) -> tuple[list[str], list[tuple[str, str]]]:
    """``count`` patients with a token each; their tokens, and every (token, day) pair."""
    users = User.objects.bulk_create(
        User(email=f"bench{n}@example.org", role=Role.PATIENT, password=UNUSABLE)
        for n in range(count)
    )
    PatientProfile.objects.bulk_create(
        PatientProfile(user=user, time_zone=ZONES[n % len(ZONES)]) for n, user in enumerate(users)
    )
    now = datetime.now(tz=ZoneInfo("UTC"))
    tokens, pairs = [], []
    for n, user in enumerate(users):
        instance, token = AuthToken.objects.create(user=user)
        # As for anyone using the app: the token's use was noted in the last few minutes.
        cache.set(f"api-token-used:{instance.token_key}", now, 600)
        tokens.append(token)
        zone = ZoneInfo(ZONES[n % len(ZONES)])
        today = now.astimezone(zone).date()
        for back in range(1, DAYS + 1):
            noon = datetime.combine(today - timedelta(days=back), clock(12), tzinfo=zone)
            pairs.append((token, noon.isoformat()))
    # Spread each person's days out, so that no two clients send for one person at once.
    pairs.sort(key=lambda pair: pair[1])
    return tokens, pairs


def queries_per_post(token: str) -> int:
    """The statements of one check-in POST, counted in this process (no test transaction, so
    no savepoints: what production runs). Without REDIS_URL the cache (throttles, the token's
    last use) is a database table; those statements are Redis's in production, not counted."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    body = {"instrument": "daily", "answers": ANSWERS, "client_id": str(uuid.uuid4())}
    with harness.counting_queries() as queries:
        response = api.post("/api/v1/reports/", body, format="json")
    assert response.status_code == 201, response.content
    Report.objects.filter(client_id=body["client_id"]).delete()  # its day stays free
    counted = [sql for sql in queries if "django_cache" not in sql]
    if os.environ.get("SUBMIT_SHOW_QUERIES"):
        for sql in counted:
            harness.note(sql[:150])
    return len(counted)


def load(path: str, slots: Slots | None, tokens: list[str], seconds: float) -> Round:
    """CLIENTS threads posting to ``path`` for ``seconds``: a product round takes (token,
    day) pairs from ``slots``; a baseline round cycles through ``tokens``."""
    result = Round()
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client(number: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        latencies, errors, sent = [], [], 0
        while time.perf_counter() < stop_at:
            body: dict[str, object] = {
                "instrument": "daily",
                "answers": ANSWERS,
                "client_id": str(uuid.uuid4()),
            }
            if slots is not None:
                taken = slots.take()
                if taken is None:
                    errors.append("ran out of (person, day) pairs: raise PEOPLE")
                    break
                token, completed_at = taken
                body["completed_at"] = completed_at
            else:
                token = tokens[(number + sent * CLIENTS) % len(tokens)]
            payload = json.dumps(body)
            headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
            start = time.perf_counter()
            try:
                conn.request("POST", path, payload, headers)
                response = conn.getresponse()
                answer = response.read()
            except (http.client.HTTPException, OSError) as error:
                errors.append(f"{type(error).__name__}: {error}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                continue
            latencies.append(time.perf_counter() - start)
            sent += 1
            if not 200 <= response.status < 300:
                errors.append(f"{response.status} {answer[:300]!r}")
        conn.close()
        with lock:
            result.requests += len(latencies)
            result.latencies.extend(latencies)
            result.errors.extend(errors)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - began
    return result


def database_url() -> str:
    """The URL of the database this process is using (the throwaway one on PostgreSQL)."""
    url = os.environ["DATABASE_URL"]
    if connection.vendor == "sqlite":
        return url
    return url.rsplit("/", 1)[0] + "/" + str(connection.settings_dict["NAME"])


@contextmanager
def gunicorn() -> Iterator[None]:
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "benchmarks.submit_settings",
        "DATABASE_URL": database_url(),
        "DEBUG": "0",
        "SECRET_KEY": "benchmark-only-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP on the loopback, as behind a TLS proxy
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore:No directory at",  # whitenoise: no collected static files
    }
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "config.wsgi:application",
        f"--bind=127.0.0.1:{PORT}",
        "--worker-class=gthread",
        f"--workers={WORKERS}",
        f"--threads={THREADS}",
        "--keep-alive=30",
        "--log-level=warning",
        f"--chdir={ROOT}",
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT)  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
                probe.request("GET", "/healthz")
                probe.getresponse().read()
                probe.close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


@contextmanager
def database() -> Iterator[None]:
    if connection.vendor == "sqlite":
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        yield
        return
    with harness.test_database():
        yield


def main() -> int:
    with database():
        with connection.cursor() as cursor:
            cursor.execute(CREATE[connection.vendor])
        tokens, pairs = people(PEOPLE)
        queries = queries_per_post(tokens[0])
        connection.close()  # the workers write; SQLite wants this process out of the way
        slots = Slots(pairs)
        ours: list[Round] = []
        theirs: list[Round] = []
        with gunicorn():
            load("/api/v1/reports/", slots, tokens, 1.0)  # warm up: imports, connections
            load("/bench/baseline/", None, tokens, 1.0)
            for _ in range(ROUNDS):
                ours.append(load("/api/v1/reports/", slots, tokens, ROUND_SECONDS))
                theirs.append(load("/bench/baseline/", None, tokens, ROUND_SECONDS))
        stored = Report.objects.count()

    errors = [error for run in ours + theirs for error in run.errors]
    project = statistics.median(run.rate for run in ours)
    baseline = statistics.median(run.rate for run in theirs)
    harness.note(
        f"database {connection.vendor}; gunicorn gthread {WORKERS} workers x {THREADS} "
        f"threads; {CLIENTS} clients (http.client, keep-alive); {ROUNDS} rounds of "
        f"{ROUND_SECONDS:.1f} s each, alternating; {os.cpu_count()} cores"
    )
    harness.note(f"queries per check-in POST: {queries} (at most {MAX_QUERIES})")
    for label, runs, rate in (("check-in POST", ours, project), ("baseline", theirs, baseline)):
        harness.note(
            f"{label:13}: {rate:7.1f} req/s (median of rounds: "
            f"{', '.join(f'{run.rate:.0f}' for run in runs)}); "
            f"p50 {statistics.median(run.percentile(0.5) for run in runs):.1f} ms, "
            f"p99 {statistics.median(run.percentile(0.99) for run in runs):.1f} ms; "
            f"{sum(run.requests for run in runs)} requests"
        )
    harness.note(f"check-ins stored: {stored}; errors: {len(errors)}")
    for error in errors[:20]:
        harness.note(f"error: {error}")
    met = harness.result(
        "submit",
        project / baseline,
        at_least=0.6,
        detail=f"{project:.0f} vs {baseline:.0f} req/s, {queries} queries per POST",
    )
    if errors or queries > MAX_QUERIES:
        print("submit: errors or too many queries per POST (see above)", flush=True)
        return 1
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
