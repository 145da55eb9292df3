"""A synthetic consenting cohort for the research demo (``seed_research_demo``) and the release
benchmark: made in bulk (bulk_create), since thousands of people through the report service
would take minutes. Keys are skewed as real registries are: most people in one country, most
with progressive MS, ages bunched in the fifties. Deterministic for a seed.

Scores go straight into the narrow score table, as the report service would store them.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password

from accounts.models import Consent, ConsentPurpose, PatientProfile, Role, User
from symptoms.models import Report, ReportScore
from symptoms.research.specs import quarter_bounds

DAILY = ("fatigue", "mobility", "upper_limb", "pain", "cognition")
COUNTRIES = ["GB"] * 70 + ["US"] * 8 + ["IE"] * 5 + ["DE", "IT", "NZ", "MT", ""] * 3 + ["CA"]
DAYS_INTO_QUARTER = (9, 29, 79)  # three check-ins per quarter; the last one brings an MFIS


def profile_draw(rng: random.Random, *, this_year: int = 2025) -> dict[str, Any]:
    """Birth and diagnosis years, sex, MS type and country in registry-like proportions: most
    people born around 1972, women twice as often as men, mostly progressive MS, mostly GB."""
    born = min(this_year - 21, max(1935, int(rng.gauss(1972, 10))))
    return {
        "birth_year": born,
        "diagnosis_year": rng.randint(born + 18, max(born + 18, this_year)),
        "sex": rng.choice(["female"] * 7 + ["male"] * 3 + ["undisclosed"]),
        "ms_type": rng.choice(["spms"] * 5 + ["ppms"] * 3 + ["rrms", "", "other"]),
        "country": rng.choice(COUNTRIES),
    }


def demo_cohort_create(
    *, size: int, quarters: Sequence[str], seed: int, email_prefix: str = "research-demo"
) -> list[User]:
    """``size`` patients who consented before the first of ``quarters``, each with three daily
    check-ins per quarter and, for about a third, an MFIS total at the last of them."""
    rng = random.Random(seed)  # noqa: S311 - made-up data, not security
    tag = uuid.uuid4().hex[:8]
    unusable = make_password(None)
    users = User.objects.bulk_create(
        User(email=f"{email_prefix}-{tag}-{i}@example.org", role=Role.PATIENT, password=unusable)
        for i in range(size)
    )
    # Confirmed addresses: research counts only people whose email is confirmed.
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
    )
    profiles = [PatientProfile(user=user, **profile_draw(rng)) for user in users]
    PatientProfile.objects.bulk_create(profiles)
    first_day, _ = quarter_bounds(quarters[0])
    granted = datetime.combine(first_day - timedelta(days=1), time(9), tzinfo=UTC)
    Consent.objects.bulk_create(
        Consent(
            user=user,
            purpose=ConsentPurpose.RESEARCH,
            text_version="research-v2",
            granted_at=granted,
        )
        for user in users
    )
    reports = []
    for quarter in quarters:
        start, _ = quarter_bounds(quarter)
        for offset in DAYS_INTO_QUARTER:
            day = start + timedelta(days=offset)
            completed = datetime.combine(day, time(19), tzinfo=UTC)
            for user in users:
                daily = {item: rng.randint(0, 10) for item in DAILY}
                reports.append(_report(user, "daily", daily, day, completed))
                if offset == DAYS_INTO_QUARTER[-1] and rng.random() < 0.35:
                    mfis = {"total": rng.randint(0, 84)}
                    reports.append(_report(user, "mfis", mfis, day, completed))
    Report.objects.bulk_create(reports, batch_size=5000)
    score_rows_create(reports)
    return users


def score_rows_create(reports: Iterable[Report]) -> None:
    """The narrow score rows of reports made with bulk_create, as the report service writes
    them (non-empty scores only)."""
    ReportScore.objects.bulk_create(
        (
            ReportScore(
                report=r,
                patient_id=r.patient_id,
                instrument=r.instrument,
                instrument_version=r.instrument_version,
                scale=scale,
                value=value,
                local_date=r.local_date,
            )
            for r in reports
            for scale, value in r.scores.items()
            if value is not None
        ),
        batch_size=10000,
    )


def _report(user: User, instrument: str, scores: dict[str, Any], on: date, at: datetime) -> Report:
    return Report(
        patient=user,
        instrument=instrument,
        instrument_version="1",
        scoring_version="1",
        client_id=uuid.uuid4(),
        answers={},
        scores=scores,
        language="en",
        local_date=on,
        time_zone="UTC",
        completed_at=at,
    )
