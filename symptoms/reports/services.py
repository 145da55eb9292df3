"""Every write to self-reports and drafts. Keyword-only, typed, atomic."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import PatientProfile, Role, User
from symptoms.instruments.definitions import DAILY, instrument_get
from symptoms.instruments.scoring import AnswerProblem, Instrument, answers_problems, score
from symptoms.models import Report, ReportDraft, ReportMode, ReportScore
from symptoms.reminders.occurrences import reminder_occurrences_complete
from symptoms.reports import errors

NOTE_MAX_LENGTH = 500
COMPLETED_AT_MAX_AGE = timedelta(days=14)  # an offline phone may queue reports this long
CLOCK_SKEW = timedelta(minutes=5)

PROBLEM_MESSAGES = {
    AnswerProblem.UNKNOWN_ITEM: "This questionnaire has no question with this id.",
    AnswerProblem.WRONG_TYPE: "Must be a whole number, or one of the allowed text answers.",
    AnswerProblem.OUT_OF_RANGE: "Not one of this question's answer values.",
    AnswerProblem.SPECIAL_NOT_ALLOWED: "This question does not take this text answer.",
}

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Submitted:
    report: Report
    created: bool  # False when the same client_id had already stored this report


def _instrument(code: str) -> Instrument:
    instrument = instrument_get(code) if isinstance(code, str) else None
    if instrument is None:
        raise errors.UnknownInstrument()
    if instrument.requires_permission and instrument.code not in settings.LICENSED_INSTRUMENTS:
        raise errors.InstrumentNotLicensed()
    return instrument


def _answers_check(instrument: Instrument, answers: Mapping[str, object]) -> None:
    if not isinstance(answers, Mapping):
        raise errors.AnswersInvalid()
    problems = answers_problems(instrument, answers)
    if problems:
        raise errors.AnswersInvalid(
            field_errors={
                item_id: (str(problem), PROBLEM_MESSAGES[problem])
                for item_id, problem in problems.items()
            }
        )
    if not answers:
        raise errors.NoAnswers()


def _same_request(report: Report, *, instrument: str, answers: Mapping[str, object]) -> bool:
    return report.instrument == instrument and report.answers == dict(answers)


def _already_stored(
    patient: User, client_id: uuid.UUID, instrument: str, answers: Mapping[str, object]
) -> Submitted | None:
    existing = Report.objects.filter(patient=patient, client_id=client_id).first()
    if existing is None:
        return None
    if _same_request(existing, instrument=instrument, answers=answers):
        return Submitted(existing, created=False)
    raise errors.ClientIdConflict()


@transaction.atomic
def report_submit(
    *,
    patient: User,
    instrument: str,
    answers: Mapping[str, int | str],
    client_id: uuid.UUID,
    context_tags: Iterable[str] = (),
    note: str = "",
    mode: ReportMode = ReportMode.SELF,
    completed_at: datetime | None = None,
    supersedes: uuid.UUID | None = None,
    is_import: bool = False,
) -> Submitted:
    """Store and score one report, once per ``client_id``.

    1. A ``client_id`` seen before returns the report it made (a retry), or 409 if the answers
       differ (a client bug that must not overwrite anything).
    2. Check the instrument, answers, context and note; nothing is stored if any is wrong.
    3. Lock the person's profile row so that two submissions (two tabs, a retry racing the
       original) are serialised: one daily check-in per local day, one correction per report.
    4. Store the report with its scores, and its non-empty scores in ``ReportScore``; a
       correction removes the superseded report's rows from that table.
    5. Complete the open reminder whose window holds ``completed_at``, so it is not sent (not for
       a correction, which is about the day of the report it replaces).

    ``is_import`` lets trusted callers (``seed_demo``, imports from another tracker) record
    reports completed longer ago than a client may queue them.
    """
    if patient.role != Role.PATIENT:
        raise PermissionError("Only patients submit reports.")
    existing = _already_stored(patient, client_id, instrument, answers)
    if existing is not None:
        return existing

    definition = _instrument(instrument)
    _answers_check(definition, answers)
    tags = list(dict.fromkeys(context_tags))
    if any(tag not in definition.context_tags for tag in tags):
        raise errors.ContextTagsInvalid()
    if note and (not definition.allows_note or len(note) > NOTE_MAX_LENGTH):
        raise errors.NoteInvalid()
    now = timezone.now()
    if completed_at is None:
        completed_at = now
    elif not (is_import or now - COMPLETED_AT_MAX_AGE <= completed_at) or (
        completed_at > now + CLOCK_SKEW
    ):
        raise errors.CompletedAtInvalid()
    completed_at = min(completed_at, now)

    profile = PatientProfile.objects.select_for_update().get(user=patient)
    # Look again under the lock: a retry that raced the original waits here until the
    # original commits, then finds its report instead of tripping the one-a-day rule.
    existing = _already_stored(patient, client_id, instrument, answers)
    if existing is not None:
        return existing
    previous = None
    if supersedes is not None:
        previous = (
            Report.objects.current()
            .filter(patient=patient, public_id=supersedes, instrument=definition.code)
            .first()
        )
        if previous is None:
            raise errors.SupersedesInvalid()
        # A correction is about the same day as the report it corrects.
        local_date, time_zone = previous.local_date, previous.time_zone
    else:
        time_zone = profile.time_zone
        local_date = completed_at.astimezone(ZoneInfo(time_zone)).date()
        if definition.code == DAILY and (
            Report.objects.current()
            .filter(patient=patient, instrument=DAILY, local_date=local_date)
            .exists()
        ):
            raise errors.DailyAlreadySubmitted()

    scored = score(definition, answers)
    try:
        with transaction.atomic():
            report = Report.objects.create(
                patient=patient,
                instrument=definition.code,
                instrument_version=definition.version,
                scoring_version=definition.scoring_version,
                client_id=client_id,
                answers=dict(answers),
                scores=scored.scores,
                context_tags=tags,
                note=note,
                language=profile.language,
                mode=mode,
                local_date=local_date,
                time_zone=time_zone,
                completed_at=completed_at,
                supersedes=previous,
            )
    except IntegrityError:
        # The same client_id committed between our check and insert (the profile lock makes
        # this rare: another process without it, or a supersedes race on the one-to-one).
        stored = _already_stored(patient, client_id, instrument, answers)
        if stored is None:
            raise errors.SupersedesInvalid() from None
        return stored

    if previous is not None:
        ReportScore.objects.filter(report=previous).delete()
    ReportScore.objects.bulk_create(
        ReportScore(
            report=report,
            patient=patient,
            instrument=definition.code,
            instrument_version=report.instrument_version,
            scale=key,
            value=value,
            local_date=local_date,
        )
        for key, value in scored.scores.items()
        if value is not None
    )
    ReportDraft.objects.filter(patient=patient, instrument=definition.code).delete()
    if previous is None:
        # A correction is about the day of the report it replaces, whose reminder that report
        # already answered; it must not complete the reminder open now (today's, say).
        reminder_occurrences_complete(report=report)
    logger.debug(
        "report stored id=%s instrument=%s supersedes=%s",
        report.public_id,
        report.instrument,
        previous.public_id if previous else None,
    )
    return Submitted(report, created=True)


@transaction.atomic
def draft_save(
    *, patient: User, instrument: str, answers: Mapping[str, Any], position: int
) -> ReportDraft:
    """Keep a questionnaire's answers so far. Answers are checked like a report's."""
    if patient.role != Role.PATIENT:
        raise PermissionError("Only patients keep drafts.")
    definition = _instrument(instrument)
    if answers:
        _answers_check(definition, answers)
    position = max(0, min(position, len(definition.items)))
    draft, _ = ReportDraft.objects.update_or_create(
        patient=patient,
        instrument=definition.code,
        defaults={
            "instrument_version": definition.version,
            "answers": dict(answers),
            "position": position,
            "updated_at": timezone.now(),
        },
    )
    return draft


def draft_discard(*, patient: User, instrument: str) -> None:
    ReportDraft.objects.filter(patient=patient, instrument=instrument).delete()
