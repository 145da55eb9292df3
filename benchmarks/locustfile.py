"""The mixed workload of ``make load`` (benchmarks/load.py starts it; see docs/performance.md).

Each simulated person does, at a steady pace, one of: a daily check-in through the API (half),
the history page with its five charts (three in ten), or a clinician's trends of a patient
(one in five). Credentials come from the JSON file named by LOAD_CREDENTIALS, written by
benchmarks/load.py: API tokens and session keys of made-up accounts, never data about anyone.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import uuid
from datetime import UTC, datetime, timedelta

from locust import HttpUser, constant_throughput, task

with open(os.environ["LOAD_CREDENTIALS"]) as source:
    CREDENTIALS = json.load(source)

# Every (person, day) a check-in may be sent for, each sent once (one check-in per day): each
# level (a locust run of its own) takes its share, LOAD_LEVEL of LOAD_LEVELS.
_LEVEL, _LEVELS = int(os.environ.get("LOAD_LEVEL", "0")), int(os.environ.get("LOAD_LEVELS", "1"))
_CHECK_IN_SLOTS = iter(
    [(token, days) for days in range(14) for token in CREDENTIALS["check_in_tokens"]][
        _LEVEL::_LEVELS
    ]
)
CHART = re.compile(r'<img src="(/history/charts/[^"]+)"')
DOMAINS = ("fatigue", "mobility", "upper_limb", "pain", "cognition")
ANSWERS = {"fatigue": 6, "mobility": 5, "upper_limb": 3, "pain": 2, "cognition": 4}


class Visitor(HttpUser):
    wait_time = constant_throughput(float(os.environ.get("LOAD_TASKS_PER_USER_SECOND", "1")))

    @task(5)
    def check_in(self) -> None:
        token, days = next(_CHECK_IN_SLOTS)
        completed = datetime.now(UTC) - timedelta(days=days, minutes=1)
        self.client.post(
            "/api/v1/reports/",
            json={
                "instrument": "daily",
                "answers": ANSWERS,
                "client_id": str(uuid.uuid4()),
                "completed_at": completed.isoformat(),
            },
            headers={"Authorization": f"Token {token}"},
            name="check-in POST",
        )

    @task(3)
    def history(self) -> None:
        session = random.choice(CREDENTIALS["history_sessions"])
        cookie = {"Cookie": f"{CREDENTIALS['session_cookie']}={session}"}
        page = self.client.get("/history/", headers=cookie, name="history page")
        # The charts the page shows, as a browser would fetch them (a domain with nothing in the
        # period has no chart, and its address answers 404).
        for chart in sorted(set(CHART.findall(page.text)))[: len(DOMAINS)]:
            self.client.get(html.unescape(chart), headers=cookie, name="history chart")

    @task(2)
    def trends(self) -> None:
        patient = random.choice(CREDENTIALS["shared_patients"])
        self.client.get(
            f"/api/v1/patients/{patient}/trends/",
            headers={"Authorization": f"Token {CREDENTIALS['clinician_token']}"},
            name="clinician trends",
        )
