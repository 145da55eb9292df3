"""The write service of self-reports, called directly: what ``report_submit`` stores, what it
refuses, and the drafts it clears. Races between submissions are in test_races_live.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, transaction

from accounts.models import User
from config.service_errors import ServiceError
from symptoms.instruments.scoring import AnswerProblem
from symptoms.models import (
    OccurrenceStatus,
    ReminderOccurrence,
    Report,
    ReportDraft,
    ReportMode,
    ReportScore,
)
from symptoms.reports import errors
from symptoms.reports.services import (
    PROBLEM_MESSAGES,
    Submitted,
    draft_discard,
    draft_save,
    report_submit,
)
from tests.symptoms.factories import DAILY, ReminderOccurrenceFactory

# 23:30 in UTC is already the next day in Auckland (UTC+13 in March): 12:30 on 11 March.
NOW = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
MFIS = {"instrument": "mfis", "answers": {str(n): 2 for n in range(1, 22)}}
MSWS12 = {"instrument": "msws12", "answers": {str(n): 1 for n in range(1, 13)}}
LONG_AGO = datetime(2020, 5, 1, 12, tzinfo=UTC)
SKIPPING = {"fatigue": 7, "mobility": "unable", "upper_limb": "too_tired", "pain": 0}


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as frozen:
        yield frozen


@pytest.fixture
def alice_in_auckland(alice: User) -> User:
    alice.patient_profile.time_zone = "Pacific/Auckland"
    alice.patient_profile.save()
    return alice


def submit(patient: User, **overrides: Any) -> Submitted:
    arguments = {"instrument": "daily", "answers": DAILY, "client_id": uuid.uuid4()} | overrides
    return report_submit(patient=patient, **arguments)


def refused(error: type[ServiceError], patient: User, **overrides: Any) -> ServiceError:
    """Submit, expect ``error``, and check that nothing was stored or cleared."""
    counts = (Report.objects.count(), ReportScore.objects.count(), ReportDraft.objects.count())
    with pytest.raises(error) as raised:
        submit(patient, **overrides)
    after = (Report.objects.count(), ReportScore.objects.count(), ReportDraft.objects.count())
    assert after == counts
    return raised.value


def scores_of(report: Report) -> dict[str, float]:
    return dict(ReportScore.objects.filter(report=report).values_list("scale", "value"))


class TestStoring:
    def test_it_stores_a_daily_check_in_on_the_local_day_of_the_profile_zone(
        self, alice_in_auckland: User
    ) -> None:
        alice = alice_in_auckland
        alice.patient_profile.language = "fr"
        alice.patient_profile.save()
        client_id = uuid.uuid4()

        submitted = submit(
            alice,
            answers=SKIPPING,
            client_id=client_id,
            context_tags=["heat", "poor_sleep", "heat"],
            note="Hot day.",
            mode=ReportMode.PROXY,
        )

        stored = Report.objects.get()
        assert submitted.created is True
        assert submitted.report.pk == stored.pk
        assert (stored.patient, stored.instrument, stored.client_id) == (alice, "daily", client_id)
        assert (stored.instrument_version, stored.scoring_version) == ("1", "1")
        assert stored.answers == SKIPPING
        assert stored.scores == dict.fromkeys(DAILY) | {"fatigue": 7.0, "pain": 0.0}
        assert stored.context_tags == ["heat", "poor_sleep"]
        assert (stored.note, stored.language, stored.mode) == ("Hot day.", "fr", "proxy")
        assert stored.local_date == date(2026, 3, 11)  # the UTC date is still 10 March
        assert stored.time_zone == "Pacific/Auckland"
        assert stored.completed_at == stored.created_at == NOW
        assert stored.supersedes is None

    def test_it_stores_one_score_row_per_scale_with_a_value(self, alice: User) -> None:
        daily = submit(alice, answers=DAILY | {"mobility": "unable", "pain": "too_tired"}).report

        rows = ReportScore.objects.filter(report=daily).values_list(
            "patient", "instrument", "scale", "value", "local_date"
        )
        assert sorted(rows) == [
            (alice.pk, "daily", "cognition", 4.0, date(2026, 3, 10)),
            (alice.pk, "daily", "fatigue", 6.0, date(2026, 3, 10)),
            (alice.pk, "daily", "upper_limb", 3.0, date(2026, 3, 10)),
        ]

    def test_it_stores_a_questionnaires_subscales(self, alice: User) -> None:
        mfis = submit(alice, **MFIS).report

        # 21 items x 2 = 42; physical 9 x 2; cognitive 10 x 2; psychosocial 2 x 2.
        expected = {"total": 42.0, "physical": 18.0, "cognitive": 20.0, "psychosocial": 4.0}
        assert scores_of(mfis) == expected
        assert {key: mfis.scores[key] for key in expected} == expected

    def test_it_completes_the_open_reminder_of_that_instrument(self, alice: User) -> None:
        daily = ReminderOccurrenceFactory(schedule__patient=alice, due_at=NOW - timedelta(hours=1))
        mfis = ReminderOccurrenceFactory(
            schedule__patient=alice, schedule__instrument="mfis", due_at=NOW
        )

        stored = submit(alice).report

        daily.refresh_from_db()
        assert daily.status == OccurrenceStatus.COMPLETED
        assert (daily.report, daily.completed_at) == (stored, NOW)
        assert ReminderOccurrence.objects.get(pk=mfis.pk).status == OccurrenceStatus.PLANNED

    def test_a_correction_leaves_today_s_reminder_open(
        self, alice: User, clock: time_machine.Traveller
    ) -> None:
        # Yesterday's check-in completed yesterday's reminder; correcting it today is about
        # yesterday, so today's reminder must still go out.
        yesterday = report_submit(
            patient=alice,
            instrument="daily",
            answers=DAILY,
            client_id=uuid.uuid4(),
            completed_at=NOW - timedelta(days=1),
        ).report
        today = ReminderOccurrenceFactory(schedule__patient=alice, due_at=NOW - timedelta(hours=1))

        submit(alice, answers=DAILY | {"pain": 9}, supersedes=yesterday.public_id)

        today.refresh_from_db()
        assert (today.status, today.report) == (OccurrenceStatus.PLANNED, None)


class TestClientId:
    def test_it_returns_the_stored_report_for_a_repeated_request(self, alice: User) -> None:
        client_id = uuid.uuid4()
        first = submit(alice, client_id=client_id)

        again = submit(alice, client_id=client_id, answers=dict(reversed(DAILY.items())))

        assert (first.created, again.created) == (True, False)
        assert again.report.pk == first.report.pk
        assert (Report.objects.count(), ReportScore.objects.count()) == (1, 5)

    @pytest.mark.parametrize(
        "other", [{"answers": DAILY | {"pain": 9}}, MFIS], ids=["other-answers", "other-instrument"]
    )
    def test_it_refuses_the_same_client_id_for_another_report(
        self, alice: User, other: dict[str, Any]
    ) -> None:
        client_id = uuid.uuid4()
        submit(alice, client_id=client_id)

        error = refused(errors.ClientIdConflict, alice, client_id=client_id, **other)

        assert error.code == "client_id_conflict"
        assert Report.objects.get().answers == DAILY

    def test_client_ids_are_per_person(self, alice: User, bob: User) -> None:
        client_id = uuid.uuid4()
        submit(alice, client_id=client_id)

        assert submit(bob, client_id=client_id).created is True
        assert Report.objects.count() == 2


class TestOneDailyCheckInADay:
    def test_it_refuses_a_second_daily_check_in_on_the_same_local_day(
        self, alice_in_auckland: User, clock: time_machine.Traveller
    ) -> None:
        submit(alice_in_auckland)
        clock.move_to(datetime(2026, 3, 11, 10, 59, tzinfo=UTC))  # 23:59 in Auckland

        error = refused(errors.DailyAlreadySubmitted, alice_in_auckland)

        assert error.code == "daily_already_submitted"

    def test_it_accepts_one_on_the_next_local_day(
        self, alice_in_auckland: User, clock: time_machine.Traveller
    ) -> None:
        submit(alice_in_auckland)
        clock.move_to(datetime(2026, 3, 11, 11, 0, tzinfo=UTC))  # midnight in Auckland

        stored = submit(alice_in_auckland).report

        assert stored.local_date == date(2026, 3, 12)
        assert Report.objects.count() == 2

    def test_other_questionnaires_and_other_people_are_not_limited(
        self, alice: User, bob: User
    ) -> None:
        submit(alice)
        submit(alice, **MFIS)
        submit(alice, **MFIS)
        submit(bob)

        assert Report.objects.count() == 4


class TestCorrections:
    def test_it_keeps_the_earlier_report_and_moves_its_scores_to_the_correction(
        self, alice_in_auckland: User, clock: time_machine.Traveller
    ) -> None:
        alice = alice_in_auckland
        first = submit(alice).report
        clock.shift(timedelta(days=1))
        alice.patient_profile.time_zone = "Europe/London"
        alice.patient_profile.save()

        correction = submit(alice, answers=DAILY | {"pain": 8}, supersedes=first.public_id).report

        first.refresh_from_db()
        assert correction.supersedes == first
        assert first.superseded_by == correction
        assert first.answers == DAILY  # the history keeps what was first answered
        assert list(Report.objects.current()) == [correction]
        # A correction is about the day it corrects, in that day's zone.
        assert correction.local_date == date(2026, 3, 11)
        assert correction.time_zone == "Pacific/Auckland"
        assert scores_of(first) == {}
        assert scores_of(correction) == {k: float(v) for k, v in (DAILY | {"pain": 8}).items()}
        assert set(ReportScore.objects.values_list("local_date", flat=True)) == {date(2026, 3, 11)}

    def test_it_refuses_to_correct_a_report_twice(self, alice: User) -> None:
        first = submit(alice).report
        submit(alice, supersedes=first.public_id)

        error = refused(errors.SupersedesInvalid, alice, supersedes=first.public_id)

        assert error.code == "invalid_supersedes"

    def test_it_refuses_to_correct_another_persons_or_an_unknown_report(
        self, alice: User, bob: User
    ) -> None:
        bobs = submit(bob).report

        refused(errors.SupersedesInvalid, alice, supersedes=bobs.public_id)
        refused(errors.SupersedesInvalid, alice, supersedes=uuid.uuid4())

        assert list(Report.objects.current()) == [bobs]

    @pytest.mark.parametrize(
        ("earlier", "correction"), [({}, MFIS), (MFIS, {})], ids=["daily-by-mfis", "mfis-by-daily"]
    )
    def test_it_refuses_a_correction_of_another_instrument(
        self, alice: User, earlier: dict[str, Any], correction: dict[str, Any]
    ) -> None:
        stored = submit(alice, **earlier).report

        refused(errors.SupersedesInvalid, alice, supersedes=stored.public_id, **correction)


class TestBadInput:
    @pytest.fixture(autouse=True)
    def _alice_has_a_draft(self, alice: User, settings: Any) -> None:
        settings.LICENSED_INSTRUMENTS = frozenset()
        draft_save(patient=alice, instrument="mfis", answers={"1": 3}, position=4)

    @pytest.mark.parametrize(
        ("overrides", "error", "code"),
        [
            ({"instrument": "nope"}, errors.UnknownInstrument, "unknown_instrument"),
            (MSWS12, errors.InstrumentNotLicensed, "instrument_not_licensed"),
            ({"answers": {}}, errors.NoAnswers, "no_answers"),
            ({"context_tags": ["full_moon"]}, errors.ContextTagsInvalid, "invalid_context_tags"),
            (MFIS | {"context_tags": ["heat"]}, errors.ContextTagsInvalid, "invalid_context_tags"),
            (MFIS | {"note": "x"}, errors.NoteInvalid, "invalid_note"),
            ({"note": "x" * 501}, errors.NoteInvalid, "invalid_note"),
        ],
        ids=[
            "unknown-instrument",
            "unlicensed-instrument",
            "no-answers",
            "unknown-tag",
            "tag-on-questionnaire",
            "note-on-questionnaire",
            "note-too-long",
        ],
    )
    def test_it_refuses_bad_input_and_stores_nothing(
        self, alice: User, overrides: dict[str, Any], error: type[ServiceError], code: str
    ) -> None:
        raised = refused(error, alice, **overrides)

        assert raised.code == code

    @pytest.mark.parametrize(
        ("completed_at", "is_import"),
        [
            (NOW - timedelta(days=14, seconds=1), False),
            (NOW + timedelta(minutes=5, seconds=1), False),
            (NOW + timedelta(minutes=6), True),
        ],
        ids=["too-long-ago", "in-the-future", "imported-from-the-future"],
    )
    def test_it_refuses_a_completion_time_outside_the_limits(
        self, alice: User, completed_at: datetime, is_import: bool
    ) -> None:
        error = refused(
            errors.CompletedAtInvalid, alice, completed_at=completed_at, is_import=is_import
        )

        assert error.code == "invalid_completed_at"

    def test_it_names_each_bad_answer(self, alice: User) -> None:
        error = refused(
            errors.AnswersInvalid, alice, answers={"fatigue": 11, "nope": 1, "pain": "3"}
        )

        assert error.code == "invalid_answers"
        assert error.field_errors == {
            "fatigue": ("out_of_range", PROBLEM_MESSAGES[AnswerProblem.OUT_OF_RANGE]),
            "nope": ("unknown_item", PROBLEM_MESSAGES[AnswerProblem.UNKNOWN_ITEM]),
            "pain": ("wrong_type", PROBLEM_MESSAGES[AnswerProblem.WRONG_TYPE]),
        }

    def test_a_licensed_site_accepts_an_instrument_needing_permission(
        self, alice: User, settings: Any
    ) -> None:
        settings.LICENSED_INSTRUMENTS = frozenset({"msws12"})

        stored = submit(alice, **MSWS12).report

        assert scores_of(stored) == {"total": 0.0}  # (12 - 12) / 48 x 100

    @pytest.mark.parametrize(
        ("completed_at", "is_import", "stored_at", "on"),
        [
            (NOW - timedelta(days=14), False, NOW - timedelta(days=14), date(2026, 2, 24)),
            (NOW + timedelta(minutes=5), False, NOW, date(2026, 3, 10)),  # clock skew: now
            (LONG_AGO, True, LONG_AGO, date(2020, 5, 1)),
        ],
        ids=["fourteen-days-ago", "five-minutes-ahead", "imported-years-ago"],
    )
    def test_it_accepts_completion_times_within_the_limits(
        self, alice: User, completed_at: datetime, is_import: bool, stored_at: datetime, on: date
    ) -> None:
        stored = submit(alice, completed_at=completed_at, is_import=is_import).report

        assert stored.completed_at == stored_at
        assert stored.local_date == on
        assert stored.created_at == NOW


@pytest.mark.parametrize("person", ["charlie", "sam"])
def test_it_lets_only_patients_submit(person: str, request: pytest.FixtureRequest) -> None:
    user: User = request.getfixturevalue(person)

    with pytest.raises(PermissionError):
        submit(user)

    assert Report.objects.count() == 0


class TestDrafts:
    def test_submitting_deletes_the_persons_draft_of_that_instrument_only(
        self, alice: User, bob: User
    ) -> None:
        draft_save(patient=alice, instrument="mfis", answers={"1": 2}, position=1)
        draft_save(patient=alice, instrument="pdds", answers={"1": 2}, position=1)
        draft_save(patient=bob, instrument="mfis", answers={"1": 2}, position=1)

        submit(alice, **MFIS)

        left = ReportDraft.objects.values_list("patient", "instrument")
        assert sorted(left) == sorted([(alice.pk, "pdds"), (bob.pk, "mfis")])

    def test_the_daily_check_in_has_no_drafts(self, alice: User) -> None:
        with pytest.raises(ValueError, match="no drafts"):
            draft_save(patient=alice, instrument="daily", answers={"pain": 2}, position=1)

        assert not ReportDraft.objects.exists()

    def test_a_draft_is_saved_updated_and_discarded(
        self, alice: User, clock: time_machine.Traveller
    ) -> None:
        first = draft_save(patient=alice, instrument="mfis", answers={"1": 2}, position=1)
        clock.shift(timedelta(minutes=3))

        again = draft_save(patient=alice, instrument="mfis", answers={"1": 2, "2": 3}, position=99)

        stored = ReportDraft.objects.get()
        assert again.pk == first.pk == stored.pk
        assert (stored.patient, stored.instrument) == (alice, "mfis")
        assert stored.instrument_version == "1"
        assert stored.answers == {"1": 2, "2": 3}
        assert stored.position == 21  # past the last question: kept at the end
        assert stored.client_id == first.client_id  # the report's, chosen when it started
        assert stored.updated_at == NOW + timedelta(minutes=3)

        draft_discard(patient=alice, instrument="mfis")
        draft_discard(patient=alice, instrument="mfis")  # discarding twice is harmless

        assert ReportDraft.objects.count() == 0

    def test_a_draft_may_be_empty_but_not_wrong(self, alice: User) -> None:
        empty = draft_save(patient=alice, instrument="mfis", answers={}, position=-1)

        assert (empty.answers, empty.position) == ({}, 0)
        with pytest.raises(errors.AnswersInvalid) as raised:
            draft_save(patient=alice, instrument="mfis", answers={"1": 11}, position=1)
        assert list(raised.value.field_errors) == ["1"]
        with pytest.raises(errors.UnknownInstrument):
            draft_save(patient=alice, instrument="nope", answers={}, position=0)
        assert ReportDraft.objects.get().answers == {}


def test_only_a_patient_keeps_a_draft(charlie: User) -> None:
    with pytest.raises(PermissionError):
        draft_save(patient=charlie, instrument="mfis", answers={"1": 2}, position=1)
    assert not ReportDraft.objects.exists()


def test_the_database_keeps_one_daily_check_in_a_day(alice: User) -> None:
    """The guard behind the service's check (racing tabs: test_races_live.py)."""
    first = submit(alice).report
    submit(alice, answers=DAILY | {"pain": 9}, supersedes=first.public_id)  # a correction

    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(
            patient=alice,
            instrument="daily",
            instrument_version="1",
            scoring_version="1",
            client_id=uuid.uuid4(),
            answers=DAILY,
            scores={},
            language="en",
            local_date=first.local_date,
            time_zone=first.time_zone,
            completed_at=first.completed_at,
        )
    assert Report.objects.filter(local_date=first.local_date).count() == 2
