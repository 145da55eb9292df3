"""``make load``: the mixed workload (benchmarks/locustfile.py: check-ins, history pages with
their charts, clinicians' trends) through gunicorn with DEBUG off, at rising rates, with locust
headless; prints each level and the highest rate held with no error, with its p50 and p99.

Data: a cohort from ``seed_cohort`` (a year of reports, shared with one clinician) for the
history pages and trends, and people with no reports yet for the check-ins (each can send one
check-in per day for the last 14 days). ``QUICK=1`` (CI) runs two short levels over a small
cohort to prove the whole path still works.

    make load              # 6 levels of 20 s: about 2 minutes of load, plus set-up
    make load QUICK=1
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.live_support import LIVE_SECRET_KEY

# The processes signing sessions (this one) and checking them (gunicorn) share the key.
os.environ["SECRET_KEY"] = LIVE_SECRET_KEY

import harness
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from knox.models import AuthToken

from accounts.models import Role, User
from tests.accounts.factories import ClinicianFactory, PatientFactory
from tests.live_support import (
    database_url,
    free_port,
    gunicorn_start,
    production_environment,
    stop,
    wait_for,
)

HERE = Path(__file__).resolve().parent
# Simulated people, 1 task/s each; LOAD_USERS="8 16" runs only those levels.
LEVELS = tuple(int(n) for n in os.environ.get("LOAD_USERS", "").split()) or (
    (2, 4) if harness.QUICK else (4, 8, 16, 24, 32, 48)
)
SECONDS = 5 if harness.QUICK else 20
HISTORY_PEOPLE = harness.size(60, 6)
WEEKS = harness.size(52, 4)
CHECK_IN_PEOPLE = harness.size(400, 20)
WEB_WORKERS = 3  # as the README's production example
# A level is held when nothing failed and the slowest 1% stayed under this.
P99_LIMIT_MS = 2000


def credentials() -> dict[str, object]:
    clinician = ClinicianFactory(email="load-clinician@example.org", password=None)
    call_command(
        "seed_cohort",
        patients=HISTORY_PEOPLE,
        weeks=WEEKS,
        seed=1,
        share_with=clinician.email,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    seeded = list(User.objects.filter(role=Role.PATIENT, is_active=True))
    sessions = []
    for person in seeded[:20]:
        client = Client()
        client.force_login(person)
        sessions.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    fresh = [PatientFactory(password=None) for _ in range(CHECK_IN_PEOPLE)]
    return {
        "session_cookie": "__Host-sessionid",  # gunicorn runs with DEBUG off
        "history_sessions": sessions,
        "shared_patients": [str(p.public_id) for p in seeded],
        "clinician_token": AuthToken.objects.create(clinician)[1],
        "check_in_tokens": [AuthToken.objects.create(p)[1] for p in fresh],
    }


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own URL
            return bool(response.status == 200)
    except OSError:
        return False


def level(users: int, url: str, folder: Path, environment: dict[str, str]) -> dict[str, float]:
    prefix = folder / f"level-{users}"
    subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless",
         "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{SECONDS}s",
         "--host", url, "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
        env={**environment, "LOAD_LEVEL": str(LEVELS.index(users)),
             "LOAD_LEVELS": str(len(LEVELS))},
        check=False, stdout=subprocess.DEVNULL,
        stderr=(folder / f"locust-{users}.log").open("w"),
    )  # fmt: skip
    if not Path(f"{prefix}_stats.csv").exists():
        sys.exit("locust did not run:\n" + (folder / f"locust-{users}.log").read_text()[-3000:])
    with open(f"{prefix}_stats.csv") as stats:
        [total] = [row for row in csv.DictReader(stats) if row["Name"] == "Aggregated"]
    if int(total["Failure Count"]):
        with open(f"{prefix}_failures.csv") as failures:
            for row in csv.DictReader(failures):
                harness.note(f"  failed: {row['Occurrences']} x {row['Name']}: {row['Error']}")
    if int(total["Request Count"]) == 0:
        sys.exit("locust made no request:\n" + (folder / f"locust-{users}.log").read_text()[-3000:])
    return {
        "users": users,
        "rate": float(total["Requests/s"]),
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "p50": float(total["50%"]),
        "p99": float(total["99%"]),
    }


def main() -> None:
    with harness.test_database(), tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        (folder / "credentials.json").write_text(json.dumps(credentials()))
        environment = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3"),
            "THROTTLE_USER": "1000000/min",
            "LOG_LEVEL": "WARNING",
            "VAR_DIR": str(folder / "var"),
            "LOAD_CREDENTIALS": str(folder / "credentials.json"),
        }
        port = free_port()
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=harness.ROOT, env=production_environment(environment), check=True,
        )  # fmt: skip
        web = gunicorn_start(
            environment=environment, port=port, log=folder / "web.log", workers=WEB_WORKERS
        )
        try:
            wait_for(lambda: answers(f"http://127.0.0.1:{port}/healthz"), seconds=120)
            harness.note(
                f"gunicorn, {WEB_WORKERS} sync workers, DEBUG off; {HISTORY_PEOPLE} people with "
                f"{WEEKS} weeks of reports, {CHECK_IN_PEOPLE} checking in; {SECONDS} s a level"
            )
            results = []
            for users in LEVELS:
                result = level(users, f"http://127.0.0.1:{port}", folder, environment)
                results.append(result)
                harness.note(
                    f"{users:3} people: {result['rate']:6.1f} req/s, {result['requests']} "
                    f"requests, {result['failures']} failed, p50 {result['p50']:.0f} ms, "
                    f"p99 {result['p99']:.0f} ms"
                )
        finally:
            stop(web)
            log = (folder / "web.log").read_text()
        if "Traceback" in log:
            print(log[-3000:])
            sys.exit("the site raised errors under load (web.log above)")
        held = [r for r in results if r["failures"] == 0 and r["p99"] <= P99_LIMIT_MS]
        if not held:
            print("LOAD no level held with 0 errors and p99 <= 2 s")
            sys.exit(0 if harness.QUICK else 1)
        best = max(held, key=lambda r: r["rate"])
        print(
            f"LOAD highest rate held: {best['rate']:.1f} req/s with 0 errors, p50 "
            f"{best['p50']:.0f} ms, p99 {best['p99']:.0f} ms ({best['users']} people)"
        )
        if harness.QUICK and sum(r["requests"] for r in results) == 0:
            sys.exit("no request was made")


if __name__ == "__main__":
    main()
