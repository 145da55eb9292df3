"""A year of made-up but plausible history for the demo patient (``seed_demo``).

Someone with secondary progressive MS: walking slowly worsens over the year, fatigue is worse in
the summer heat and after a chest infection in late winter, pain and thinking wander. Check-ins
are missed now and then, and on a few days some ratings are skipped as "too tired". The monthly
questionnaires follow the same underlying course, so trends agree across instruments.
Deterministic: the same seed gives the same history.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from accounts.models import User
from symptoms.instruments.definitions import DAILY, instrument_get
from symptoms.models import Report
from symptoms.reports.services import report_submit

# Each monthly questionnaire and the daily domain whose course it follows.
MONTHLY = {
    "mfis": "fatigue",
    "pdds": "mobility",
    "neuroqol_ue": "upper_limb",
    "pes": "pain",
    "pdq": "cognition",
}


def clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


@dataclass(frozen=True)
class Course:
    """One person's underlying course: each domain's severity (0-10) at the start, how much it
    worsens a year, how strongly summer heat and a chest infection weigh on it, and the
    fortnight of the year (month, day) a chest infection starts, if any."""

    start: Mapping[str, float]
    per_year: Mapping[str, float]
    pain_wave: float = 1.2  # pain wanders slowly up and down over the months
    heat: float = 1.0
    infection_on: tuple[int, int] | None = (2, 10)
    noise: Mapping[str, float] = field(
        default_factory=lambda: {
            "fatigue": 0.8,
            "mobility": 0.6,
            "upper_limb": 0.7,
            "pain": 1.0,
            "cognition": 0.8,
        }
    )


# The demo patient: secondary progressive, walking worsening fastest.
DEMO_COURSE = Course(
    start={"fatigue": 4.5, "mobility": 4.8, "upper_limb": 3.0, "pain": 3.2, "cognition": 3.5},
    per_year={"fatigue": 0.8, "mobility": 1.6, "upper_limb": 0.5, "pain": 0.0, "cognition": 0.3},
)


def burden(
    day: date, start: date, rng: random.Random, course: Course = DEMO_COURSE
) -> tuple[dict[str, float], float, float]:
    """The day's underlying severity per domain on 0-10, the summer heat (0-1) and the
    infection's weight (0 outside its fortnight)."""
    t = (day - start).days / 365
    summer = (
        course.heat * max(0.0, math.sin((day.timetuple().tm_yday - 100) / 365 * 2 * math.pi)) ** 2
    )
    infection = 0.0
    if course.infection_on is not None:
        month, first = course.infection_on
        began = date(day.year, month, first)
        infection = 2.5 if began <= day <= began + timedelta(days=14) else 0.0
    level, slope, noise = course.start, course.per_year, course.noise
    return (
        {
            "fatigue": level["fatigue"] + slope["fatigue"] * t + 2.0 * summer + infection
            + rng.gauss(0, noise["fatigue"]),
            "mobility": level["mobility"] + slope["mobility"] * t + 0.6 * summer
            + 0.5 * infection + rng.gauss(0, noise["mobility"]),
            "upper_limb": level["upper_limb"] + slope["upper_limb"] * t
            + rng.gauss(0, noise["upper_limb"]),
            "pain": level["pain"] + slope["pain"] * t + course.pain_wave * math.sin(t * 9)
            + rng.gauss(0, noise["pain"]),
            "cognition": level["cognition"] + slope["cognition"] * t + 0.8 * summer
            + infection * 0.4 + rng.gauss(0, noise["cognition"]),
        },
        summer,
        infection,
    )  # fmt: skip


def daily_answers(
    day_burden: Mapping[str, float], summer: float, infection: float, rng: random.Random
) -> tuple[dict[str, int | str], list[str]]:
    """A check-in's ratings and context tags for a day of ``burden``: now and then a rating is
    skipped as "too tired" on a bad day."""
    answers: dict[str, int | str] = {
        domain: clamp(value, 0, 10) for domain, value in day_burden.items()
    }
    if day_burden["fatigue"] > 7.5 and rng.random() < 0.4:
        answers["cognition"] = "too_tired"
    tags = []
    if summer > 0.6 and rng.random() < 0.5:
        tags.append("heat")
    if infection:
        tags.append("infection")
    if rng.random() < 0.12:
        tags.append("poor_sleep")
    return answers, tags


def questionnaire_answers(code: str, level: float, rng: random.Random) -> dict[str, int | str]:
    """Answers around ``level`` (0 best to 1 worst) on each item's own scale and direction."""
    definition = instrument_get(code)
    if definition is None:
        raise LookupError(code)
    worse_is_higher = definition.scales[0].direction == "higher_is_worse"
    answers: dict[str, int | str] = {}
    # Item-level noise; a one-item scale such as the PDDS is a stable judgement, not a mood.
    noise = 0.7 if len(definition.items) > 1 else 0.2
    for item in definition.items:
        values = sorted(item.values)
        position = level if worse_is_higher else 1 - level
        index = clamp(position * (len(values) - 1) + rng.gauss(0, noise), 0, len(values) - 1)
        answers[item.id] = values[index]
    return answers


def demo_history_create(*, patient: User, today: date, seed: int = 2026) -> int:
    """Create a year of reports ending yesterday; returns how many. Does nothing if the patient
    already has reports (so ``seed_demo`` stays idempotent)."""
    if Report.objects.filter(patient=patient).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - made-up demo data, not security
    zone = ZoneInfo(patient.patient_profile.time_zone)
    start = today - timedelta(days=365)
    created = 0
    for offset in range(365):
        day = start + timedelta(days=offset)
        day_burden, summer, infection = burden(day, start, rng)
        evening = datetime.combine(day, time(19, rng.randint(0, 59)), tzinfo=zone)
        if rng.random() < 0.84:  # about one check-in in six is missed
            answers, tags = daily_answers(day_burden, summer, infection, rng)
            report_submit(
                patient=patient,
                instrument=DAILY,
                answers=answers,
                client_id=uuid.uuid4(),
                context_tags=tags,
                completed_at=evening,
                is_import=True,
            )
            created += 1
        if offset % 28 == 3:  # the monthly questionnaires, on one evening
            for code, domain in MONTHLY.items():
                # Disease steps follow the slow course of walking, not the day's ups and downs.
                today_level = 4.8 + 1.6 * offset / 365 if code == "pdds" else day_burden[domain]
                level = min(1.0, max(0.0, today_level / 10))
                report_submit(
                    patient=patient,
                    instrument=code,
                    answers=questionnaire_answers(code, level, rng),
                    client_id=uuid.uuid4(),
                    completed_at=evening + timedelta(minutes=10),
                    is_import=True,
                )
                created += 1
    return created
