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

from accounts.models import Role, User
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


@dataclass(frozen=True)
class _Attempt:
    """What a submission asked for, to tell a retry from a different report under a reused
    ``client_id``."""

    instrument: str
    answers: object
    tags: list[str]
    note: str
    mode: str
    completed_at: datetime | None
    supersedes: uuid.UUID | None

    def replayed(self, stored: Report) -> Submitted:
        """The report an earlier attempt with this ``client_id`` stored, if this attempt asked
        for the same report; anything else is a client bug that must not overwrite it (409)."""
        if not self._is_same(stored):
            raise errors.ClientIdConflict()
        return Submitted(stored, created=False)

    def _is_same(self, stored: Report) -> bool:
        return (
            stored.instrument == self.instrument
            and isinstance(self.answers, Mapping)
            and stored.answers == dict(self.answers)
            and stored.context_tags == self.tags
            and stored.note == self.note
            and stored.mode == self.mode
            and self.supersedes in _supersedes_seen(stored)
            and (self.completed_at is None or _same_time(self.completed_at, stored))
        )


def _supersedes_seen(stored: Report) -> tuple[uuid.UUID | None, uuid.UUID]:
    """What a retry of ``stored`` may name as the report it corrects: what the first attempt
    named, or ``stored`` itself (a page sent twice finds its first send as today's report)."""
    return (stored.supersedes.public_id if stored.supersedes else None), stored.public_id


def _same_time(completed_at: datetime, stored: Report) -> bool:
    if completed_at == stored.completed_at:
        return True
    # A completion time a little ahead of the server's clock was stored as the server's time
    # then, which is also (within a moment) when the report was created.
    return completed_at > stored.completed_at and (
        abs(stored.created_at - stored.completed_at) < timedelta(seconds=1)
    )


def _stored(patient: User, client_id: uuid.UUID) -> Report | None:
    return (
        Report.objects.select_related("supersedes", "superseded_by")
        .filter(patient=patient, client_id=client_id)
        .first()
    )


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

    1. Check the instrument, answers, context and note; nothing is stored if any is wrong
       (unless the ``client_id`` already stored this report: a retry gets it back).
    2. Store the report with its scores, and its non-empty scores in ``ReportScore``; a
       correction removes the superseded report's rows from that table.
    3. Complete the open reminder whose window holds ``completed_at``, so it is not sent (not for
       a correction, which is about the day of the report it replaces).
    4. The database's unique constraints are the guards against racing attempts, and the
       first insert is the check: one report per ``client_id``, one daily check-in per local
       day (``report_daily_once_a_day``), one correction per report. An attempt that loses
       finds out why afterwards: a ``client_id`` seen before returns the report it made (a
       retry) or 409 if it asked for something else (a client bug that must not overwrite
       anything); otherwise 409 ``daily_already_submitted`` or 400 ``invalid_supersedes``.

    On the daily check-in's path this is three statements (the report, its score rows, the
    reminder look-up) inside one transaction, plus the profile if the caller has not read it
    (the API's authentication reads it with the token). See docs/performance.md, "submit".

    ``is_import`` lets trusted callers (``seed_demo``, imports from another tracker) record
    reports completed longer ago than a client may queue them.
    """
    if patient.role != Role.PATIENT:
        raise PermissionError("Only patients submit reports.")
    tags = list(dict.fromkeys(context_tags))
    attempt = _Attempt(instrument, answers, tags, note, mode, completed_at, supersedes)
    now = timezone.now()
    try:
        definition = _instrument(instrument)
        _answers_check(definition, answers)
        if any(tag not in definition.context_tags for tag in tags):
            raise errors.ContextTagsInvalid()
        if note and (not definition.allows_note or len(note) > NOTE_MAX_LENGTH):
            raise errors.NoteInvalid()
        if completed_at is not None and (
            not (is_import or now - COMPLETED_AT_MAX_AGE <= completed_at)
            or completed_at > now + CLOCK_SKEW
        ):
            raise errors.CompletedAtInvalid()
    except errors.SymptomsError:
        # A retry of a report stored earlier is answered with it even if it would not pass
        # today (a completion time now more than 14 days back, a licence withdrawn since).
        stored = _stored(patient, client_id)
        if stored is not None:
            return attempt.replayed(stored)
        raise
    completed_at = min(completed_at or now, now)
    try:
        return _store(
            patient=patient,
            definition=definition,
            attempt=attempt,
            client_id=client_id,
            completed_at=completed_at,
            now=now,
        )
    except IntegrityError:
        # Another attempt committed first (the transaction above is rolled back whole).
        stored = _stored(patient, client_id)
        if stored is not None:
            return attempt.replayed(stored)
        if supersedes is not None:
            raise errors.SupersedesInvalid() from None  # corrected by someone else first
        if definition.code == DAILY and (
            Report.objects.filter(
                patient=patient,
                instrument=DAILY,
                local_date=completed_at.astimezone(
                    ZoneInfo(patient.patient_profile.time_zone)
                ).date(),
            ).exists()
        ):
            raise errors.DailyAlreadySubmitted() from None
        raise


@transaction.atomic
def _store(
    *,
    patient: User,
    definition: Instrument,
    attempt: _Attempt,
    client_id: uuid.UUID,
    completed_at: datetime,
    now: datetime,
) -> Submitted:
    profile = patient.patient_profile  # read with the API's token, or by the page already
    previous = None
    if attempt.supersedes is not None:
        previous = (
            Report.objects.current()
            .select_related("supersedes")
            .filter(patient=patient, public_id=attempt.supersedes, instrument=definition.code)
            .first()
        )
        if previous is None:
            # Not current any more: perhaps this very attempt's first try corrected it.
            stored = _stored(patient, client_id)
            if stored is not None:
                return attempt.replayed(stored)
            raise errors.SupersedesInvalid()
        # A correction is about the same day as the report it corrects.
        local_date, time_zone = previous.local_date, previous.time_zone
    else:
        time_zone = profile.time_zone
        local_date = completed_at.astimezone(ZoneInfo(time_zone)).date()

    scored = score(definition, attempt.answers)  # type: ignore[arg-type]  # checked above
    report = Report.objects.create(
        patient=patient,
        instrument=definition.code,
        instrument_version=definition.version,
        scoring_version=definition.scoring_version,
        client_id=client_id,
        answers=dict(attempt.answers),  # type: ignore[call-overload]  # checked above
        scores=scored.scores,
        context_tags=attempt.tags,
        note=attempt.note,
        language=profile.language,
        mode=attempt.mode,
        local_date=local_date,
        time_zone=time_zone,
        completed_at=completed_at,
        created_at=now,
        supersedes=previous,
    )
    # Nothing supersedes a report just made: say so, so that reading it costs no query.
    Report.superseded_by.related.set_cached_value(report, None)

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
    if definition.code != DAILY:  # the daily check-in is one page: it has no drafts
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
    if definition.code == DAILY:
        # One page, sent whole; report_submit relies on this and skips the draft delete.
        raise ValueError("The daily check-in has no drafts.")
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
