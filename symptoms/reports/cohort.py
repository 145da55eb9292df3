"""A synthetic cohort at registry scale (``manage.py seed_cohort``), written in bulk.

Each person is in the state a real one would be in after signing up with a profile, confirming
their email and reporting for ``weeks`` weeks: the same rows, made by the same rules, only
written with ``COPY`` (:mod:`symptoms.reports.bulk`) instead of one service call at a time,
which would take hours at 10,000 people.

- Profiles in registry proportions (``research.demo.profile_draw``), the time zone of the
  country (as the sign-up form chooses it), the reminders the sign-up form suggests, as if
  chosen there (daily at 19:00 with the questionnaires: ``reminders.schedules.
  default_schedules``, origin ``sign_up``), a confirmed email, the profile's audit event.
- Most consent to research when they join; some withdraw later (with their audit events).
- A slowly worsening course per person (``reports.demo.Course``), faster in progressive MS,
  with heat sensitivity, a chest infection some year, day-to-day noise, a personal rate of
  missed days, and some who stop reporting. Daily check-ins in the evening and the default
  monthly questionnaires on their days, answered from the same course.
- Reports scored by the scoring engine (``instruments.scoring.score``), with their rows in the
  narrow score table, exactly as ``reports.services.report_submit`` stores them.
- With a clinician, the rows of the sharing flow: a share code made and redeemed, the link,
  and both audit events.

Not made: past reminder occurrences and their delivery log (the planner plans ahead of now, on
its next tick) and passwords (seeded people cannot sign in with one).

Reproducible: the same seed, size and ``today`` give the same rows (ids aside).
"""

from __future__ import annotations

import random
import string
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction

from accounts.consent_texts import CURRENT_VERSION
from accounts.models import (
    AuditAction,
    AuditEvent,
    Consent,
    ConsentPurpose,
    PatientProfile,
    Role,
    ShareCode,
    SharingLink,
    User,
)
from accounts.services import (
    PROFILE_FIELDS,
    SHARE_CODE_ALPHABET,
    SHARE_CODE_LENGTH,
    share_code_hash,
)
from accounts.time_zones import main_time_zone
from symptoms.instruments.definitions import DAILY, instrument_get
from symptoms.instruments.scoring import score
from symptoms.models import ReminderSchedule, Report, ReportMode, ReportScore, ScheduleOrigin
from symptoms.reminders.schedules import default_schedules
from symptoms.reports.bulk import BulkWriter, Table
from symptoms.reports.demo import MONTHLY, Course, burden, daily_answers, questionnaire_answers
from symptoms.research.demo import profile_draw

BATCH = 100  # people per round of COPY statements
RESEARCH_CONSENT = 0.8  # share of people who consent to research when they join
WITHDRAWS = 0.08  # share of those who withdraw later
STOPS = 0.1  # share of people who stop reporting at some point
LANGUAGE_OF = {"IT": "it", "FR": "fr"}  # everyone else answers in English

TABLES = {
    User: Table(
        User,
        ("id", "password", "last_login", "is_superuser", "public_id", "email", "full_name",
         "role", "is_active", "is_staff", "date_joined"),
    ),
    PatientProfile: Table(
        PatientProfile,
        ("user_id", "birth_year", "sex", "ms_type", "diagnosis_year", "country", "time_zone",
         "language", "updated_at"),
    ),
    EmailAddress: Table(EmailAddress, ("id", "user_id", "email", "verified", "primary")),
    Consent: Table(
        Consent,
        ("id", "public_id", "user_id", "purpose", "text_version", "granted_at", "withdrawn_at"),
    ),
    ReminderSchedule: Table(
        ReminderSchedule,
        ("id", "public_id", "patient_id", "instrument", "frequency", "local_time", "weekday",
         "every_n_weeks", "day_of_month", "quiet_start", "quiet_end", "paused_until",
         "is_active", "starts_on", "planned_until", "created_at", "updated_at", "origin",
         "channel"),
    ),
    ShareCode: Table(
        ShareCode,
        ("id", "public_id", "patient_id", "code_hash", "created_at", "expires_at",
         "redeemed_at", "redeemed_by_id"),
    ),
    SharingLink: Table(
        SharingLink,
        ("id", "public_id", "patient_id", "clinician_id", "source", "created_at", "revoked_at",
         "revoked_by_id"),
    ),
    AuditEvent: Table(
        AuditEvent,
        ("id", "public_id", "actor_id", "action", "subject_patient_id", "detail", "created_at"),
    ),
    Report: Table(
        Report,
        ("id", "public_id", "patient_id", "instrument", "instrument_version", "scoring_version",
         "client_id", "answers", "scores", "context_tags", "note", "language", "mode",
         "local_date", "time_zone", "completed_at", "created_at", "supersedes_id"),
    ),
    ReportScore: Table(
        ReportScore,
        ("id", "report_id", "patient_id", "instrument", "instrument_version", "scale", "value",
         "local_date"),
    ),
}  # fmt: skip


def cohort_email(seed: int, number: int) -> str:
    return f"cohort-{seed}-{number}@example.org"


@dataclass
class Batch:
    """The rows of some people, in write order; a row's own id is filled in at write time
    where it is ``None`` (reports, score rows), and a score row names its report by position."""

    rows: dict[type[Any], list[tuple[Any, ...]]] = field(
        default_factory=lambda: {model: [] for model in TABLES}
    )
    report_of_score: list[int] = field(default_factory=list)

    def add(self, model: type[Any], row: tuple[Any, ...]) -> None:
        self.rows[model].append(row)


@dataclass(frozen=True)
class Person:
    user_id: int
    number: int
    email: str
    profile: Mapping[str, Any]
    joined_at: datetime


@lru_cache(maxsize=65536)
def _scored(code: str, answers: tuple[tuple[str, int | str], ...]) -> dict[str, float | None]:
    """The scoring engine's scores for these answers; the same dict for the same answers
    (the bulk writer then serialises it once)."""
    definition = instrument_get(code)
    if definition is None:
        raise LookupError(code)
    return score(definition, dict(answers)).scores


class CohortBuilder:
    """Makes the rows of one cohort, person by person, from one random generator."""

    def __init__(self, *, seed: int, weeks: int, today: date, clinician: User | None) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - made-up data, not security
        self.seed = seed
        self.today = today
        self.days = weeks * 7
        self.first_day = today - timedelta(days=self.days)
        self.clinician = clinician
        self.password = UNUSABLE_PASSWORD_PREFIX + "".join(
            self.rng.choices(string.ascii_letters + string.digits, k=40)
        )
        self.definitions = {}
        for code in (DAILY, *MONTHLY):
            definition = instrument_get(code)
            if definition is None:
                raise LookupError(code)
            self.definitions[code] = definition
        self.monthly_days = {
            schedule.day_of_month: schedule.instrument
            for schedule in default_schedules(patient=None, starts_on=today)
            if schedule.day_of_month is not None and schedule.instrument in MONTHLY
        }

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    # --- one person ------------------------------------------------------------------------

    def person(self, batch: Batch, *, user_id: int, number: int) -> int:
        """Add one person's rows to ``batch``; returns how many reports they made."""
        rng = self.rng
        profile = profile_draw(rng, this_year=self.today.year - 1)
        profile["time_zone"] = main_time_zone(profile["country"]) or "UTC"
        profile["language"] = LANGUAGE_OF.get(profile["country"], "en")
        zone = ZoneInfo(profile["time_zone"])
        joined_at = datetime.combine(
            self.first_day - timedelta(days=1), time(rng.randint(8, 21), rng.randint(0, 59)), zone
        ).astimezone(UTC)
        person = Person(user_id, number, cohort_email(self.seed, number), profile, joined_at)
        self._account(batch, person)
        self._consent(batch, person)
        if self.clinician is not None:
            self._share(batch, person, self.clinician)
        return self._reports(batch, person, zone)

    def _audit(
        self, batch: Batch, *, actor: int, action: str, person: Person, detail: dict[str, str],
        at: datetime,
    ) -> None:  # fmt: skip
        batch.add(AuditEvent, (None, self.uuid(), actor, action, person.user_id, detail, at))

    def _account(self, batch: Batch, person: Person) -> None:
        """What sign-up with a profile writes (``accounts.services.patient_sign_up``), and the
        confirmed email address."""
        at, user_id = person.joined_at, person.user_id
        batch.add(
            User,
            (user_id, self.password, None, False, self.uuid(), person.email, "",
             Role.PATIENT.value, True, False, at),
        )  # fmt: skip
        p = person.profile
        batch.add(
            PatientProfile,
            (user_id, p["birth_year"], p["sex"], p["ms_type"], p["diagnosis_year"],
             p["country"], p["time_zone"], p["language"], at),
        )  # fmt: skip
        batch.add(EmailAddress, (None, user_id, person.email, True, True))
        fields = ",".join(sorted(set(p) & PROFILE_FIELDS))
        self._audit(
            batch, actor=user_id, action=AuditAction.PROFILE_UPDATED.value, person=person,
            detail={"fields": fields}, at=at,
        )  # fmt: skip
        starts_on = at.astimezone(ZoneInfo(p["time_zone"])).date()
        for schedule in default_schedules(patient=None, starts_on=starts_on):
            batch.add(
                ReminderSchedule,
                (None, self.uuid(), user_id, schedule.instrument, schedule.frequency,
                 schedule.local_time, schedule.weekday, schedule.every_n_weeks,
                 schedule.day_of_month, None, None, None, True, starts_on, None, at, at,
                 ScheduleOrigin.SIGN_UP.value, schedule.channel),
            )  # fmt: skip

    def _consent(self, batch: Batch, person: Person) -> None:
        """Research consent when they join (``accounts.services.consent_set``), and for some a
        withdrawal later."""
        if self.rng.random() >= RESEARCH_CONSENT:
            return
        purpose = ConsentPurpose.RESEARCH
        version = CURRENT_VERSION[purpose]
        granted_at = person.joined_at + timedelta(minutes=2)
        withdrawn_at = None
        if self.rng.random() < WITHDRAWS:
            withdrawn_at = granted_at + timedelta(days=self.rng.randint(1, self.days))
        detail = {"purpose": purpose.value, "text_version": version}
        batch.add(
            Consent, (None, self.uuid(), person.user_id, purpose.value, version, granted_at,
                      withdrawn_at),
        )  # fmt: skip
        self._audit(
            batch, actor=person.user_id, action=AuditAction.CONSENT_GRANTED.value,
            person=person, detail=detail, at=granted_at,
        )  # fmt: skip
        if withdrawn_at is not None:
            self._audit(
                batch, actor=person.user_id, action=AuditAction.CONSENT_WITHDRAWN.value,
                person=person, detail=detail, at=withdrawn_at,
            )  # fmt: skip

    def _share(self, batch: Batch, person: Person, clinician: User) -> None:
        """A share code made by the person and redeemed by the clinician a few minutes later
        (``share_code_create``, ``share_code_redeem``)."""
        code = "".join(self.rng.choices(SHARE_CODE_ALPHABET, k=SHARE_CODE_LENGTH))
        made_at = person.joined_at + timedelta(minutes=5)
        redeemed_at = made_at + timedelta(minutes=3)
        code_id, link_id = self.uuid(), self.uuid()
        batch.add(
            ShareCode,
            (None, code_id, person.user_id, share_code_hash(code), made_at,
             made_at + timedelta(minutes=settings.SHARE_CODE_TTL_MINUTES), redeemed_at,
             clinician.pk),
        )  # fmt: skip
        self._audit(
            batch, actor=person.user_id, action=AuditAction.SHARE_CODE_CREATED.value,
            person=person, detail={"share_code": str(code_id)}, at=made_at,
        )  # fmt: skip
        batch.add(
            SharingLink,
            (None, link_id, person.user_id, clinician.pk, SharingLink.Source.CODE.value,
             redeemed_at, None, None),
        )  # fmt: skip
        self._audit(
            batch, actor=clinician.pk, action=AuditAction.SHARING_LINK_CREATED.value,
            person=person, at=redeemed_at,
            detail={"link": str(link_id), "clinician": str(clinician.public_id)},
        )  # fmt: skip

    def course(self, ms_type: str) -> Course:
        """A personal course: progressive MS worsens about three times as fast."""
        rng = self.rng
        pace = 1.0 if ms_type in ("spms", "ppms") else 0.35
        start = {
            domain: min(8.5, max(0.5, rng.gauss(level, 1.5)))
            for domain, level in (
                ("fatigue", 4.5), ("mobility", 4.8), ("upper_limb", 3.0), ("pain", 3.2),
                ("cognition", 3.5),
            )
        }  # fmt: skip
        per_year = {
            domain: pace * rng.uniform(low, high)
            for domain, low, high in (
                ("fatigue", 0.3, 1.0), ("mobility", 0.8, 2.0), ("upper_limb", 0.2, 0.8),
                ("pain", 0.0, 0.4), ("cognition", 0.1, 0.5),
            )
        }  # fmt: skip
        infection = (rng.randint(1, 12), rng.randint(1, 28)) if rng.random() < 0.6 else None
        return Course(
            start=start,
            per_year=per_year,
            pain_wave=rng.uniform(0.0, 1.5),
            heat=rng.uniform(0.3, 1.5),
            infection_on=infection,
        )

    def _reports(self, batch: Batch, person: Person, zone: ZoneInfo) -> int:
        rng = self.rng
        course = self.course(person.profile["ms_type"])
        answers_daily = rng.uniform(0.55, 0.97)  # this person's share of days with a check-in
        last_day = self.days
        if rng.random() < STOPS:
            last_day = rng.randint(self.days // 4, self.days)
        made = 0
        for offset in range(last_day):
            day = self.first_day + timedelta(days=offset)
            day_burden, summer, infection = burden(day, self.first_day, rng, course)
            evening = datetime.combine(day, time(rng.randint(18, 22), rng.randint(0, 59)), zone)
            if rng.random() < answers_daily:
                answers, tags = daily_answers(day_burden, summer, infection, rng)
                self._report(batch, person, DAILY, answers, tags, evening, zone)
                made += 1
            code = self.monthly_days.get(day.day)
            if code is not None and rng.random() < answers_daily:
                domain = MONTHLY[code]
                level = day_burden[domain]
                if code == "pdds":  # disease steps follow the slow course, not the day
                    level = course.start[domain] + course.per_year[domain] * offset / 365
                answers = questionnaire_answers(code, min(1.0, max(0.0, level / 10)), rng)
                self._report(batch, person, code, answers, [], evening + timedelta(minutes=10),
                             zone)  # fmt: skip
                made += 1
        return made

    def _report(
        self, batch: Batch, person: Person, code: str, answers: dict[str, int | str],
        tags: list[str], local_moment: datetime, zone: ZoneInfo,
    ) -> None:  # fmt: skip
        """One report as ``report_submit`` stores it (``is_import``): scored, its local date
        in the person's zone, and its non-empty scores in the narrow table."""
        definition = self.definitions[code]
        scores = _scored(code, tuple(answers.items()))
        completed_at = local_moment.astimezone(UTC)
        local_date = completed_at.astimezone(zone).date()
        position = len(batch.rows[Report])
        batch.add(
            Report,
            (None, self.uuid(), person.user_id, code, definition.version,
             definition.scoring_version, self.uuid(), answers, scores, tags, "",
             person.profile["language"], ReportMode.SELF.value, local_date,
             person.profile["time_zone"], completed_at, completed_at, None),
        )  # fmt: skip
        for scale, value in scores.items():
            if value is not None:
                batch.add(
                    ReportScore,
                    (None, None, person.user_id, code, definition.version, scale, value,
                     local_date),
                )  # fmt: skip
                batch.report_of_score.append(position)


def _with_ids(writer: BulkWriter, batch: Batch) -> Iterator[tuple[Table, list[tuple[Any, ...]]]]:
    """Each table's rows with their primary keys filled in, in an order foreign keys allow."""
    report_ids: list[int] = []
    for model, table in TABLES.items():
        rows = batch.rows[model]
        if model is ReportScore:
            ids = writer.ids(model, len(rows))
            rows = [
                (pk, report_ids[at], *row[2:])
                for pk, at, row in zip(ids, batch.report_of_score, rows, strict=True)
            ]
        elif model not in (User, PatientProfile):  # those come with the person's id
            ids = writer.ids(model, len(rows))
            rows = [(pk, *row[1:]) for pk, row in zip(ids, rows, strict=True)]
            if model is Report:
                report_ids = ids
        yield table, rows


@dataclass(frozen=True)
class Loaded:
    patients: int
    reports: int
    rows: int  # every row written, in every table


@transaction.atomic
def cohort_create(
    *,
    patients: int,
    weeks: int,
    seed: int,
    today: date,
    clinician: User | None = None,
    progress: Callable[[int, int, int], None] | None = None,
) -> Loaded:
    """Write a cohort of ``patients`` people with ``weeks`` weeks of reports ending the day
    before ``today``, all in one transaction. ``progress(people, of, reports)`` is called
    after each batch."""
    if User.objects.filter(email=cohort_email(seed, 0)).exists():
        raise ValueError(f"A cohort made with seed {seed} is already loaded.")
    if clinician is not None and clinician.role != Role.CLINICIAN:
        raise ValueError("Patients can only share with a clinician.")
    builder = CohortBuilder(seed=seed, weeks=weeks, today=today, clinician=clinician)
    writer = BulkWriter()
    user_ids = writer.ids(User, patients)

    def build(first: int) -> tuple[Batch, int]:
        batch, made = Batch(), 0
        for number in range(first, min(first + BATCH, patients)):
            made += builder.person(batch, user_id=user_ids[number], number=number)
        return batch, made

    reports = rows = 0
    # People are made in a thread while the previous batch is written: the database works
    # through one COPY while Python makes the next (one thread, so the order of random draws,
    # and the rows, stay the same).
    with ThreadPoolExecutor(max_workers=1) as maker:
        next_batch = maker.submit(build, 0)
        for first in range(0, patients, BATCH):
            batch, made = next_batch.result()
            if first + BATCH < patients:
                next_batch = maker.submit(build, first + BATCH)
            reports += made
            for table, table_rows in _with_ids(writer, batch):
                rows += writer.write(table, table_rows)
            if progress is not None:
                progress(min(first + BATCH, patients), patients, reports)
    return Loaded(patients=patients, reports=reports, rows=rows)
