"""Reminder occurrences: planning rows, dispatch, sending, retries, the reaper, completion.

Time is frozen with time-machine; the tick runs the real tasks eagerly (CELERY_TASK_ALWAYS_EAGER
in the test settings), so "one tick" is what beat's minute does in production.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import LazySettings
from django.core import mail
from django.db import connection

from accounts import services as account_services
from accounts.models import User
from symptoms.models import (
    OccurrenceStatus,
    ReminderDelivery,
    ReminderOccurrence,
    ReminderSchedule,
)
from symptoms.reminders import channels, links, occurrences, sending, tasks
from symptoms.reminders.channels import PermanentDeliveryError, TransientDeliveryError
from symptoms.reminders.one_tap import one_tap_find
from symptoms.reminders.schedules import (
    ScheduleInvalid,
    reminder_schedule_delete,
    reminder_schedule_update,
)
from symptoms.reminders.sending import Outcome
from symptoms.reminders.tasks import reminders_dispatch_due, reminders_reap_stuck
from tests.accounts.factories import PatientFactory
from tests.symptoms.factories import report
from tests.symptoms.reminders.support import ScriptedChannel, message_ids, schedule_make

pytestmark = pytest.mark.django_db
Status = OccurrenceStatus


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def tick(at: datetime) -> None:
    """One beat tick at ``at``: plan, expire, dispatch and (eagerly) send."""
    with time_machine.travel(at, tick=False):
        reminders_dispatch_due.delay()


def in_zone(patient: User, time_zone: str) -> User:
    patient.patient_profile.time_zone = time_zone
    patient.patient_profile.save()
    return patient


def log(occurrence: ReminderOccurrence) -> list[tuple[str, str]]:
    return [(row.event, row.reason) for row in occurrence.deliveries.order_by("created_at", "id")]


@pytest.fixture
def scripted(settings: LazySettings) -> Iterator[type[ScriptedChannel]]:
    settings.REMINDER_CHANNELS = ["tests.symptoms.reminders.support.ScriptedChannel"]
    channels._channel.cache_clear()
    ScriptedChannel.script, ScriptedChannel.sent = [], []
    yield ScriptedChannel
    channels._channel.cache_clear()


# --- Due times across DST, through the whole tick -------------------------------------------

DST_CASES = [
    # zone, local time, local date, the UTC instant it must fire at (worked out by hand)
    # Rome springs forward 02:00 → 03:00 on 29 March 2026: 02:30 does not exist and fires at
    # the jump, 03:00 CEST (UTC+2) = 01:00 UTC.
    ("Europe/Rome", time(2, 30), date(2026, 3, 29), utc(2026, 3, 29, 1, 0)),
    # Rome falls back 03:00 → 02:00 on 25 October: 02:30 happens twice, fires at the first,
    # CEST: 00:30 UTC.
    ("Europe/Rome", time(2, 30), date(2026, 10, 25), utc(2026, 10, 25, 0, 30)),
    # New York springs forward 8 March: 02:30 → 03:00 EDT (UTC-4) = 07:00 UTC.
    ("America/New_York", time(2, 30), date(2026, 3, 8), utc(2026, 3, 8, 7, 0)),
    # New York falls back 1 November: 01:30 happens in EDT then EST; the first, 05:30 UTC.
    ("America/New_York", time(1, 30), date(2026, 11, 1), utc(2026, 11, 1, 5, 30)),
    # Sydney falls back 03:00 → 02:00 on 5 April: 02:30 AEDT (UTC+11) = 15:30 UTC the day before.
    ("Australia/Sydney", time(2, 30), date(2026, 4, 5), utc(2026, 4, 4, 15, 30)),
    # Sydney springs forward 02:00 → 03:00 on 4 October: fires at 03:00 AEDT = 16:00 UTC on 3rd.
    ("Australia/Sydney", time(2, 30), date(2026, 10, 4), utc(2026, 10, 3, 16, 0)),
    # Kolkata has no DST: 19:00 IST (UTC+5:30) = 13:30 UTC.
    ("Asia/Kolkata", time(19, 0), date(2026, 3, 29), utc(2026, 3, 29, 13, 30)),
]


@pytest.mark.parametrize(("time_zone", "at", "on", "fires_at"), DST_CASES)
def test_it_sends_one_reminder_at_the_right_instant_across_dst(
    alice: User, time_zone: str, at: time, on: date, fires_at: datetime
) -> None:
    schedule_make(in_zone(alice, time_zone), local_time=at)

    tick(fires_at - timedelta(minutes=1))
    assert mail.outbox == []
    tick(fires_at)
    assert len(mail.outbox) == 1
    # Every later minute of the repeated hour, and the hour after, sends nothing more.
    for minutes in range(1, 122, 15):
        tick(fires_at + timedelta(minutes=minutes))
    assert len(mail.outbox) == 1

    (sent,) = ReminderOccurrence.objects.filter(status=Status.SENT)
    assert sent.due_at == fires_at
    assert sent.due_at.astimezone(ZoneInfo(time_zone)).date() == on
    assert log(sent) == [("planned", ""), ("sent", "")]


def test_it_plans_each_row_once_with_its_local_day_as_the_window(alice: User) -> None:
    schedule = schedule_make(in_zone(alice, "Europe/Rome"))

    with time_machine.travel(utc(2026, 3, 27, 12), tick=False):
        assert occurrences.reminders_plan() == 5  # five days ahead
        assert occurrences.reminders_plan() == 0  # planned_until still far enough
    with time_machine.travel(utc(2026, 3, 28, 13), tick=False):
        assert occurrences.reminders_plan() == 1  # a day later: extended by one more day

    rows = list(ReminderOccurrence.objects.filter(schedule=schedule).order_by("due_at"))
    rome = ZoneInfo("Europe/Rome")
    assert [(r.due_at.astimezone(rome).isoformat()) for r in rows] == [
        "2026-03-27T19:00:00+01:00",
        "2026-03-28T19:00:00+01:00",
        "2026-03-29T19:00:00+02:00",  # after the change: still 19:00 local
        "2026-03-30T19:00:00+02:00",
        "2026-03-31T19:00:00+02:00",
        "2026-04-01T19:00:00+02:00",
    ]
    # The window of the short day (23 hours) runs from its midnight to the next.
    last = rows[2]
    assert last.opens_at == utc(2026, 3, 28, 23, 0)
    assert last.closes_at == utc(2026, 3, 29, 22, 0)
    assert [r.send_after for r in rows] == [r.due_at for r in rows]


def test_a_monthly_window_opens_three_days_early_and_closes_a_week_late(alice: User) -> None:
    schedule_make(
        in_zone(alice, "Asia/Kolkata"), instrument="mfis", frequency="monthly", day_of_month=8
    )

    with time_machine.travel(utc(2026, 6, 7, 12), tick=False):
        occurrences.reminders_plan()

    (row,) = ReminderOccurrence.objects.all()
    assert row.due_at == utc(2026, 6, 8, 13, 30)
    assert row.opens_at == utc(2026, 6, 4, 18, 30)  # 5 June 00:00 IST
    assert row.closes_at == utc(2026, 6, 14, 18, 30)  # 15 June 00:00 IST


# --- Quiet hours, pause, answered already ----------------------------------------------------


def test_a_time_inside_quiet_hours_fires_at_their_end(alice: User) -> None:
    schedule_make(
        in_zone(alice, "Europe/Rome"),
        instrument="fss",
        frequency="weekly",
        weekday=2,
        local_time=time(23, 0),
        quiet_start=time(22, 0),
        quiet_end=time(7, 0),
    )

    tick(utc(2026, 6, 2, 12))  # a Tuesday: plans Wednesday's
    (row,) = ReminderOccurrence.objects.all()
    assert row.due_at == utc(2026, 6, 4, 5, 0)  # Thursday 07:00 CEST


def test_a_late_send_waits_for_the_end_of_quiet_hours(alice: User) -> None:
    schedule_make(
        in_zone(alice, "Europe/Rome"),
        instrument="fss",
        frequency="weekly",
        weekday=2,
        local_time=time(21, 30),
        quiet_start=time(22, 0),
        quiet_end=time(7, 0),
    )
    with time_machine.travel(utc(2026, 6, 2, 12), tick=False):
        occurrences.reminders_plan()

    # The workers were down at 21:30; they are back at 23:00 local, inside quiet hours.
    tick(utc(2026, 6, 3, 21, 0))
    (row,) = ReminderOccurrence.objects.all()
    assert mail.outbox == []
    assert row.status == Status.PLANNED
    assert row.send_after == utc(2026, 6, 4, 5, 0)  # 07:00 CEST
    assert row.attempts == 0  # nothing was tried on a channel

    tick(utc(2026, 6, 4, 4, 59))
    assert mail.outbox == []
    tick(utc(2026, 6, 4, 5, 0))
    assert len(mail.outbox) == 1
    assert log(row) == [("planned", ""), ("skipped", "quiet_hours"), ("sent", "")]


def test_a_daily_reminder_late_into_quiet_hours_expires_at_midnight(alice: User) -> None:
    schedule_make(
        in_zone(alice, "Europe/Rome"),
        local_time=time(21, 30),
        quiet_start=time(22, 0),
        quiet_end=time(7, 0),
    )
    with time_machine.travel(utc(2026, 6, 3, 12), tick=False):
        occurrences.reminders_plan()

    tick(utc(2026, 6, 3, 21, 0))  # 23:00 local: today's window closes before 07:00

    row = ReminderOccurrence.objects.order_by("due_at").first()
    assert row is not None
    assert (row.status, row.reason) == (Status.EXPIRED, "quiet_hours")
    assert mail.outbox == []


def test_nothing_is_planned_or_sent_while_paused(alice: User) -> None:
    schedule = schedule_make(in_zone(alice, "America/New_York"))
    tick(utc(2026, 6, 1, 12))
    assert ReminderOccurrence.objects.filter(status=Status.PLANNED).count() == 5

    with time_machine.travel(utc(2026, 6, 1, 13), tick=False):
        reminder_schedule_update(schedule=schedule, data={"paused_until": date(2026, 6, 10)})
    assert not ReminderOccurrence.objects.filter(status=Status.PLANNED).exists()
    assert set(ReminderDelivery.objects.values_list("event", "reason")) >= {
        ("skipped", "rescheduled")
    }

    for day in range(1, 10):
        tick(utc(2026, 6, day, 23, 0))  # 19:00 EDT each evening
    assert mail.outbox == []
    tick(utc(2026, 6, 10, 23, 0))  # the pause ends on the 10th: it resumes that evening
    assert len(mail.outbox) == 1


def test_a_pause_set_after_the_row_was_queued_stops_the_send(alice: User) -> None:
    schedule = schedule_make(in_zone(alice, "Europe/Rome"))
    with time_machine.travel(utc(2026, 6, 3, 17, 0), tick=False):
        occurrences.reminders_plan(now=utc(2026, 6, 3, 16, 0))
        queued: list[int] = []
        occurrences.reminders_dispatch_due(enqueue=queued.append)
        ReminderSchedule.objects.filter(pk=schedule.pk).update(paused_until=date(2026, 6, 5))

        (result,) = [sending.reminder_send(occurrence_id=pk) for pk in queued]

    assert result.outcome is Outcome.SKIPPED
    assert ReminderOccurrence.objects.get(pk=queued[0]).reason == "paused"
    assert mail.outbox == []


def test_a_check_in_done_before_the_reminder_means_no_reminder(alice: User) -> None:
    schedule_make(in_zone(alice, "Europe/Rome"))
    tick(utc(2026, 6, 3, 6, 0))

    with time_machine.travel(utc(2026, 6, 3, 8, 0), tick=False):
        report(alice)  # 10:00 in Rome
    tick(utc(2026, 6, 3, 17, 0))  # 19:00 in Rome

    assert mail.outbox == []
    row = ReminderOccurrence.objects.get(due_at=utc(2026, 6, 3, 17, 0))
    assert row.status == Status.COMPLETED
    assert row.report is not None
    assert row.completed_at == utc(2026, 6, 3, 8, 0)
    assert log(row) == [("planned", ""), ("completed", "")]
    # The next evening's reminder is untouched.
    assert ReminderOccurrence.objects.get(due_at=utc(2026, 6, 4, 17, 0)).status == Status.PLANNED


def test_an_answer_that_arrives_after_the_claim_stops_the_send(alice: User) -> None:
    schedule_make(in_zone(alice, "Europe/Rome"))
    with time_machine.travel(utc(2026, 6, 3, 17, 0), tick=False):
        occurrences.reminders_plan(now=utc(2026, 6, 3, 16, 0))
        queued: list[int] = []
        occurrences.reminders_dispatch_due(enqueue=queued.append)
        report(alice)
        result = sending.reminder_send(occurrence_id=queued[0])

    assert result.outcome is Outcome.NOT_CLAIMED
    assert ReminderOccurrence.objects.get(pk=queued[0]).status == Status.COMPLETED
    assert mail.outbox == []


def test_a_report_sent_late_from_an_offline_phone_completes_a_sent_reminder(alice: User) -> None:
    schedule_make(in_zone(alice, "Europe/Rome"))
    tick(utc(2026, 6, 3, 12, 0))  # plans the day
    tick(utc(2026, 6, 3, 17, 0))
    assert len(mail.outbox) == 1

    with time_machine.travel(utc(2026, 6, 4, 7, 0), tick=False):
        # Answered at 21:00 on the 3rd, uploaded the next morning.
        report(alice, completed_at=utc(2026, 6, 3, 19, 0))

    row = ReminderOccurrence.objects.get(due_at=utc(2026, 6, 3, 17, 0))
    assert row.status == Status.COMPLETED
    assert row.sent_at == utc(2026, 6, 3, 17, 0)


def test_an_answer_given_in_the_window_but_uploaded_after_it_closed_still_counts(
    alice: User,
) -> None:
    schedule_make(in_zone(alice, "Europe/Rome"))
    tick(utc(2026, 6, 3, 12, 0))
    tick(utc(2026, 6, 3, 17, 0))
    tick(utc(2026, 6, 3, 22, 0))  # midnight in Rome: expired
    row = ReminderOccurrence.objects.get(due_at=utc(2026, 6, 3, 17, 0))
    assert row.status == Status.EXPIRED

    with time_machine.travel(utc(2026, 6, 5, 9, 0), tick=False):  # back online two days later
        report(alice, completed_at=utc(2026, 6, 3, 20, 0))

    row.refresh_from_db()
    assert row.status == Status.COMPLETED
    assert log(row)[-2:] == [("expired", ""), ("completed", "")]


def test_an_unanswered_window_expires(alice: User) -> None:
    schedule_make(in_zone(alice, "Europe/Rome"))
    tick(utc(2026, 6, 3, 12, 0))  # plans the day
    tick(utc(2026, 6, 3, 17, 0))
    tick(utc(2026, 6, 3, 22, 0))  # midnight in Rome

    row = ReminderOccurrence.objects.get(due_at=utc(2026, 6, 3, 17, 0))
    assert (row.status, row.reason) == (Status.EXPIRED, "")
    assert log(row) == [("planned", ""), ("sent", ""), ("expired", "")]


def test_a_scheduled_questionnaire_is_due_on_the_home_page_while_its_window_is_open(
    alice: User,
) -> None:
    from symptoms.reports.selectors import questionnaires_due

    schedule_make(
        in_zone(alice, "Europe/Rome"), instrument="fss", frequency="monthly", day_of_month=10
    )
    tick(utc(2026, 6, 5, 12))  # plans nothing: the 10th is more than 4 days ahead

    def fss_is_due(at: datetime) -> bool:
        tick(at)
        with time_machine.travel(at, tick=False):
            due = questionnaires_due(patient=alice, today=at.date())
        return next(row.is_due for row in due if row.instrument.code == "fss")

    assert fss_is_due(utc(2026, 6, 6, 12)) is False  # its window opens on the 7th
    assert fss_is_due(utc(2026, 6, 6, 22)) is True  # midnight in Rome: the tick planned it
    with time_machine.travel(utc(2026, 6, 8, 12), tick=False):
        report(alice, "fss", {str(item): 4 for item in range(1, 10)})
    assert fss_is_due(utc(2026, 6, 10, 18)) is False  # answered early: no reminder, not due
    assert mail.outbox == []


# --- Time-zone change, schedule changes ----------------------------------------------------


def test_a_new_time_zone_replans_the_future_at_the_same_local_time(alice: User) -> None:
    schedule_make(in_zone(alice, "Europe/Rome"))
    tick(utc(2026, 6, 3, 12, 0))
    assert sorted(
        ReminderOccurrence.objects.filter(status=Status.PLANNED).values_list("due_at", flat=True)
    ) == [utc(2026, 6, day, 17) for day in range(3, 8)]

    with time_machine.travel(utc(2026, 6, 3, 13, 0), tick=False):
        account_services.profile_update(
            user=alice, actor=alice, data={"time_zone": "America/New_York"}
        )

    planned = sorted(
        ReminderOccurrence.objects.filter(status=Status.PLANNED).values_list("due_at", flat=True)
    )
    assert planned == [utc(2026, 6, day, 23) for day in range(3, 8)]  # 19:00 EDT
    skipped = ReminderOccurrence.objects.filter(status=Status.SKIPPED, reason="rescheduled")
    assert skipped.count() == 5

    tick(utc(2026, 6, 3, 17, 0))  # 19:00 in Rome: nothing now
    assert mail.outbox == []
    tick(utc(2026, 6, 3, 23, 0))
    assert len(mail.outbox) == 1


def test_changing_back_revives_the_rescheduled_row(alice: User) -> None:
    schedule = schedule_make(in_zone(alice, "Europe/Rome"))
    with time_machine.travel(utc(2026, 6, 3, 12, 0), tick=False):
        occurrences.reminders_plan()
        reminder_schedule_update(schedule=schedule, data={"local_time": time(20, 0)})
        reminder_schedule_update(schedule=schedule, data={"local_time": time(19, 0)})

    at_19 = ReminderOccurrence.objects.get(due_at=utc(2026, 6, 3, 17, 0))
    at_20 = ReminderOccurrence.objects.get(due_at=utc(2026, 6, 3, 18, 0))
    assert (at_19.status, at_20.status) == (Status.PLANNED, Status.SKIPPED)
    assert log(at_19) == [("planned", ""), ("skipped", "rescheduled"), ("planned", "rescheduled")]


def test_a_refused_change_leaves_the_schedule_as_it_was(alice: User) -> None:
    schedule = schedule_make(alice)

    with pytest.raises(ScheduleInvalid) as refused:
        reminder_schedule_update(schedule=schedule, data={"frequency": "weekly", "weekday": None})

    assert refused.value.field == "weekday"
    assert schedule.frequency == "daily"  # the caller's object, too
    schedule.refresh_from_db()
    assert schedule.frequency == "daily"


def test_a_stopped_schedule_sends_nothing_and_says_why(alice: User) -> None:
    schedule = schedule_make(in_zone(alice, "Europe/Rome"))
    tick(utc(2026, 6, 3, 12, 0))
    with time_machine.travel(utc(2026, 6, 3, 13, 0), tick=False):
        reminder_schedule_update(schedule=schedule, data={"is_active": False})
    tick(utc(2026, 6, 3, 17, 0))

    assert mail.outbox == []
    assert not ReminderOccurrence.objects.filter(status=Status.PLANNED).exists()


def test_deleting_a_schedule_keeps_its_log(alice: User) -> None:
    schedule = schedule_make(in_zone(alice, "Europe/Rome"))
    tick(utc(2026, 6, 3, 12, 0))  # plans the day
    tick(utc(2026, 6, 3, 17, 0))
    with time_machine.travel(utc(2026, 6, 3, 18, 0), tick=False):
        reminder_schedule_delete(schedule=schedule)

    rows = ReminderOccurrence.objects.filter(patient=alice).order_by("due_at")
    assert [(r.status, r.reason, r.schedule_id) for r in rows] == [
        (Status.SENT, "", None),
    ] + [(Status.SKIPPED, "schedule_deleted", None)] * 4


# --- Claims: many dispatchers, duplicate messages ----------------------------------------------


def test_two_dispatchers_never_queue_one_row_twice(alice: User, bob: User) -> None:
    """The second dispatcher runs while the first is half-way (inside its enqueue, with the
    first of its batches of three claimed)."""
    for patient in (alice, bob):
        for instrument in ("daily", "fss", "mfis"):
            schedule_make(in_zone(patient, "Europe/Rome"), instrument=instrument)
    queued: list[tuple[str, int]] = []

    def second(pk: int) -> None:
        queued.append(("second", pk))

    def first(pk: int) -> None:
        queued.append(("first", pk))
        if len(queued) == 1:
            occurrences.reminders_dispatch_due(enqueue=second, batch=3)

    with time_machine.travel(utc(2026, 6, 3, 17, 0), tick=False):
        occurrences.reminders_plan(now=utc(2026, 6, 3, 16, 0))
        occurrences.reminders_dispatch_due(enqueue=first, batch=3)

    ids = [pk for _who, pk in queued]
    assert len(ids) == len(set(ids)) == 6
    assert [who for who, _pk in queued].count("first") == 3
    assert [who for who, _pk in queued].count("second") == 3


def people_due(count: int, at: datetime) -> list[User]:
    """``count`` people in Rome with a daily reminder due at ``at``, planned."""
    patients = [
        in_zone(PatientFactory(email=f"due{number}@example.org"), "Europe/Rome")
        for number in range(count)
    ]
    local = at.astimezone(ZoneInfo("Europe/Rome")).time()
    for patient in patients:
        schedule_make(patient, local_time=local)
    occurrences.reminders_plan(now=at - timedelta(hours=1))
    return patients


def test_one_tick_queues_every_due_row_batch_after_batch() -> None:
    due = utc(2026, 6, 3, 17, 0)
    people_due(7, due)
    claims: list[str] = []
    queued: list[int] = []

    def count_claims(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if "UPDATE" in sql:
            claims.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count_claims):
        assert occurrences.reminders_dispatch_due(enqueue=queued.append, now=due, batch=3) == 7

    assert len(queued) == len(set(queued)) == 7
    assert len(claims) == 3  # 3 + 3 + 1 rows: one UPDATE per batch, and none per row
    assert set(ReminderOccurrence.objects.filter(due_at=due).values_list("status", flat=True)) == {
        Status.QUEUED
    }
    assert set(
        ReminderOccurrence.objects.filter(due_at=due).values_list("queued_at", flat=True)
    ) == {due}


def test_a_tick_stops_claiming_once_its_budget_is_spent() -> None:
    due = utc(2026, 6, 3, 17, 0)
    people_due(7, due)
    seconds = iter(range(0, 100, 20))  # the clock advances 20 s per look
    queued: list[int] = []

    occurrences.reminders_dispatch_due(
        enqueue=queued.append, now=due, batch=2, budget=timedelta(seconds=30),
        monotonic=lambda: next(seconds),
    )  # fmt: skip

    assert len(queued) == 4  # two batches: 20 s spent after the first, 40 s after the second
    assert ReminderOccurrence.objects.filter(due_at=due, status=Status.PLANNED).count() == 3
    queued.clear()
    occurrences.reminders_dispatch_due(enqueue=queued.append, now=due, batch=2)  # the next tick
    assert len(queued) == 3


@pytest.mark.parametrize(("setting", "tick", "budget"), [(45, 60, 45), (45, 1, 0.75)])
def test_the_tick_s_budget_stays_below_the_tick_interval(
    settings: LazySettings, monkeypatch: pytest.MonkeyPatch, setting: int, tick: int, budget: float
) -> None:
    settings.REMINDER_DISPATCH_BUDGET_SECONDS = setting
    monkeypatch.setattr(tasks, "REMINDER_TICK_SECONDS", tick)
    given: list[timedelta | None] = []

    def dispatch(**arguments: Any) -> int:
        given.append(arguments["budget"])
        return 0

    monkeypatch.setattr(occurrences, "reminders_dispatch_due", dispatch)
    tasks.reminders_queue_due()
    assert given == [timedelta(seconds=budget)]


def test_a_broker_that_refuses_mid_batch_returns_the_rest_to_planned() -> None:
    due = utc(2026, 6, 3, 17, 0)
    people_due(5, due)
    queued: list[int] = []

    def refuse_the_third(pk: int) -> None:
        if len(queued) == 2:
            raise ConnectionError("broker down")
        queued.append(pk)

    with pytest.raises(occurrences.BrokerUnavailable):
        occurrences.reminders_dispatch_due(enqueue=refuse_the_third, now=due, batch=4)

    rows = ReminderOccurrence.objects.filter(due_at=due)
    assert sorted(rows.filter(status=Status.QUEUED).values_list("pk", flat=True)) == sorted(queued)
    assert rows.filter(status=Status.PLANNED).count() == 3  # the refused one, one more, the fifth


def test_a_duplicate_task_message_sends_nothing_more(alice: User) -> None:
    schedule_make(in_zone(alice, "Europe/Rome"))
    with time_machine.travel(utc(2026, 6, 3, 17, 0), tick=False):
        occurrences.reminders_plan(now=utc(2026, 6, 3, 16, 0))
        queued: list[int] = []
        occurrences.reminders_dispatch_due(enqueue=queued.append)
        first = sending.reminder_send(occurrence_id=queued[0])
        again = sending.reminder_send(occurrence_id=queued[0])  # redelivered by the broker

    assert (first.outcome, again.outcome) == (Outcome.SENT, Outcome.NOT_CLAIMED)
    assert len(mail.outbox) == 1


def test_a_broker_that_refuses_leaves_the_row_planned(alice: User) -> None:
    schedule_make(in_zone(alice, "Europe/Rome"))

    def refuse(pk: int) -> None:
        raise ConnectionError("broker down")

    with time_machine.travel(utc(2026, 6, 3, 17, 0), tick=False):
        occurrences.reminders_plan(now=utc(2026, 6, 3, 16, 0))
        with pytest.raises(occurrences.BrokerUnavailable):
            occurrences.reminders_dispatch_due(enqueue=refuse)
    assert ReminderOccurrence.objects.get(due_at=utc(2026, 6, 3, 17)).status == Status.PLANNED

    tick(utc(2026, 6, 3, 17, 5))  # the broker is back five minutes later
    assert len(mail.outbox) == 1


def test_the_tick_publishes_ids_through_one_producer(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a real (in-memory) broker instead of eager tasks: one producer for every row, one
    message per row carrying only its id, and the reaper can count what waits in the queue."""
    due = utc(2026, 6, 3, 17, 0)
    people_due(5, due)
    app = tasks.reminder_send.app
    acquired: list[object] = []
    acquire = app.producer_or_acquire

    def counting_acquire(producer: Any = None) -> Any:
        acquired.append(producer)
        return acquire(producer)

    monkeypatch.setattr(app, "producer_or_acquire", counting_acquire)
    queue = app.conf.task_default_queue
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    with app.connection_for_write() as broker:
        broker.default_channel.queue_declare(queue=queue)
        broker.default_channel.queue_purge(queue)
        try:
            assert tasks.reminders_queue_due(now=due) == 5
            # The tick acquires one; each of the five publishes is handed that same one.
            first, *handed = acquired
            assert first is None
            assert len(handed) == 5
            assert len({id(producer) for producer in handed}) == 1
            assert tasks.broker_backlog() == 5
            messages = [broker.default_channel.basic_get(queue, no_ack=True) for _ in range(5)]
        finally:
            app.conf.task_always_eager = eager
            broker.default_channel.queue_purge(queue)
    rows = ReminderOccurrence.objects.filter(due_at=due)
    assert sorted(message.decode()[0] for message in messages) == sorted(
        [pk] for pk in rows.values_list("pk", flat=True)
    )
    assert {message.headers["task"] for message in messages} == {"symptoms.tasks.reminder_send"}
    assert tasks.broker_backlog() == 0


# --- Failures and retries ----------------------------------------------------------------------


def dispatch_one(now: datetime) -> int:
    occurrences.reminders_plan(now=now - timedelta(hours=1))
    queued: list[int] = []
    occurrences.reminders_dispatch_due(enqueue=queued.append, now=now)
    (pk,) = queued
    return pk


def test_a_transient_failure_is_retried_with_backoff_then_sent(
    alice: User, scripted: type[ScriptedChannel]
) -> None:
    schedule_make(in_zone(alice, "Europe/Rome"), local_time=time(19, 0))
    scripted.script = [TransientDeliveryError("smtp_451"), TransientDeliveryError("timeouterror")]
    now = utc(2026, 6, 3, 17, 0)
    pk = dispatch_one(now)

    first = sending.reminder_send(occurrence_id=pk, now=now)
    second = sending.reminder_send(occurrence_id=pk, now=now + timedelta(seconds=30))
    third = sending.reminder_send(occurrence_id=pk, now=now + timedelta(seconds=150))

    assert [(r.outcome, r.retry_in) for r in (first, second, third)] == [
        (Outcome.RETRY, 30),
        (Outcome.RETRY, 120),
        (Outcome.SENT, 0),
    ]
    row = ReminderOccurrence.objects.get(pk=pk)
    assert (row.status, row.attempts) == (Status.SENT, 3)
    assert len(scripted.sent) == 1
    assert list(
        row.deliveries.order_by("created_at", "id").values_list("event", "reason", "attempt")
    ) == [
        ("planned", "", 0),
        ("failed", "smtp_451", 1),
        ("failed", "timeouterror", 2),
        ("sent", "", 3),
    ]


def test_transient_failures_stop_after_five_attempts(
    alice: User, scripted: type[ScriptedChannel]
) -> None:
    schedule_make(in_zone(alice, "Europe/Rome"))
    scripted.script = [TransientDeliveryError("smtp_421") for _ in range(10)]
    now = utc(2026, 6, 3, 17, 0)
    pk = dispatch_one(now)

    outcomes = [
        sending.reminder_send(occurrence_id=pk, now=now + timedelta(minutes=i)).outcome
        for i in range(6)
    ]

    assert outcomes == [Outcome.RETRY] * 4 + [Outcome.FAILED, Outcome.NOT_CLAIMED]
    row = ReminderOccurrence.objects.get(pk=pk)
    assert (row.status, row.reason, row.attempts) == (Status.FAILED, "gave_up", 5)
    assert scripted.sent == []


def test_a_permanent_failure_is_recorded_and_not_retried(
    alice: User, scripted: type[ScriptedChannel]
) -> None:
    schedule_make(in_zone(alice, "Europe/Rome"))
    scripted.script = [PermanentDeliveryError("smtp_550")]
    now = utc(2026, 6, 3, 17, 0)
    pk = dispatch_one(now)

    result = sending.reminder_send(occurrence_id=pk, now=now)

    assert result.outcome is Outcome.FAILED
    row = ReminderOccurrence.objects.get(pk=pk)
    assert (row.status, row.reason, row.attempts) == (Status.FAILED, "smtp_550", 1)
    assert log(row)[-1] == ("failed", "smtp_550")
    tick(now + timedelta(minutes=5))
    assert ReminderOccurrence.objects.get(pk=pk).status == Status.FAILED


@pytest.mark.parametrize(
    ("error", "kind", "code"),
    [
        (smtplib.SMTPServerDisconnected("gone"), TransientDeliveryError, "smtpserverdisconnected"),
        (smtplib.SMTPConnectError(421, b"busy"), TransientDeliveryError, "smtpconnecterror"),
        (smtplib.SMTPDataError(451, b"try later"), TransientDeliveryError, "smtp_451"),
        (smtplib.SMTPDataError(554, b"rejected"), PermanentDeliveryError, "smtp_554"),
        (smtplib.SMTPAuthenticationError(535, b"bad"), PermanentDeliveryError, "smtp_auth_failed"),
        (
            smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no such user")}),
            PermanentDeliveryError,
            "smtp_recipient_refused",
        ),
        (
            smtplib.SMTPRecipientsRefused({"a@example.org": (452, b"mailbox full")}),
            TransientDeliveryError,
            "smtp_recipient_deferred",
        ),
        (TimeoutError(), TransientDeliveryError, "timeouterror"),
        (ConnectionRefusedError(), TransientDeliveryError, "connectionrefusederror"),
    ],
)
def test_the_email_channel_names_transient_and_permanent_errors(
    alice: User, monkeypatch: pytest.MonkeyPatch, error: Exception, kind: type, code: str
) -> None:
    def fail(self: Any, messages: Any) -> int:
        raise error

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", fail)
    schedule_make(in_zone(alice, "Europe/Rome"))
    now = utc(2026, 6, 3, 17, 0)
    pk = dispatch_one(now)
    row = ReminderOccurrence.objects.select_related("schedule", "patient__patient_profile")

    with pytest.raises(kind) as raised:
        channels.EmailChannel().send(sending._message(row.get(pk=pk)))
    assert raised.value.code == code
    assert "example.org" not in str(raised.value)  # the provider's words stay out of the log


def test_no_channel_that_can_reach_the_person_is_a_permanent_failure(
    alice: User, settings: LazySettings
) -> None:
    settings.REMINDER_CHANNELS = ["tests.symptoms.reminders.support.UnreachableChannel"]
    channels._channel.cache_clear()
    schedule_make(in_zone(alice, "Europe/Rome"))
    now = utc(2026, 6, 3, 17, 0)
    pk = dispatch_one(now)
    try:
        result = sending.reminder_send(occurrence_id=pk, now=now)
    finally:
        channels._channel.cache_clear()

    assert result.outcome is Outcome.FAILED
    assert ReminderOccurrence.objects.get(pk=pk).reason == "no_channel"


# --- The reaper --------------------------------------------------------------------------------


def test_the_reaper_returns_rows_a_crash_left_behind(alice: User) -> None:
    schedule_make(in_zone(alice, "Europe/Rome"))
    schedule_make(alice, instrument="fss")
    schedule_make(alice, instrument="mfis")
    schedule_make(alice, instrument="pdds")
    now = utc(2026, 6, 3, 17, 0)
    occurrences.reminders_plan(now=now - timedelta(hours=1))
    occurrences.reminders_dispatch_due(enqueue=lambda pk: None, now=now)
    today = ReminderOccurrence.objects.filter(due_at=now).order_by("instrument")
    crashed, lost, fresh, tired = list(today)
    # daily: a worker died mid-send 2 minutes ago; fss: its message vanished (queued 2 minutes
    # ago, never taken); mfis: being sent for 60 s, within the send task's time limit; pdds:
    # died mid-send on its fifth attempt.
    ReminderOccurrence.objects.filter(pk=crashed.pk).update(
        status=Status.SENDING, sending_at=now, attempts=1
    )
    ReminderOccurrence.objects.filter(pk=fresh.pk).update(
        status=Status.SENDING, sending_at=now + timedelta(minutes=1), attempts=1
    )
    ReminderOccurrence.objects.filter(pk=tired.pk).update(
        status=Status.SENDING, sending_at=now, attempts=5
    )

    later = now + timedelta(minutes=2)
    assert occurrences.reminders_reap_stuck(now=later) == 3

    def state(row: ReminderOccurrence) -> tuple[str, str]:
        row.refresh_from_db()
        return row.status, row.reason

    assert state(crashed) == (Status.PLANNED, "")
    assert state(lost) == (Status.PLANNED, "")
    assert state(fresh) == (Status.SENDING, "")
    assert state(tired) == (Status.FAILED, "worker_lost")
    assert log(crashed)[-1] == ("planned", "worker_lost")
    assert log(lost)[-1] == ("planned", "message_lost")

    tick(later)  # the next tick sends the two returned rows, once each
    assert len(mail.outbox) == 2


def test_a_lost_message_goes_out_within_90_seconds_of_its_time(alice: User) -> None:
    schedule_make(in_zone(alice, "Europe/Rome"))
    due = utc(2026, 6, 3, 17, 0)
    with time_machine.travel(due - timedelta(hours=1), tick=False):
        occurrences.reminders_plan(now=due - timedelta(hours=1))
    # The dispatcher queued it, and Redis lost the message.
    occurrences.reminders_dispatch_due(enqueue=lambda pk: None, now=due)
    # Reaper ticks every 30 s: the first after 60 s of waiting sends it.
    for seconds in (30, 60):
        with time_machine.travel(due + timedelta(seconds=seconds), tick=False):
            reminders_reap_stuck()
        assert len(mail.outbox) == 0
    with time_machine.travel(due + timedelta(seconds=90), tick=False):
        reminders_reap_stuck()
    assert len(mail.outbox) == 1
    with time_machine.travel(due + timedelta(minutes=5), tick=False):
        reminders_reap_stuck()
        tick(due + timedelta(minutes=5))
    assert len(mail.outbox) == 1


def test_a_queued_row_behind_a_backlog_waits_for_the_queue_to_drain(alice: User) -> None:
    """20,000 reminders due in one minute take the workers minutes: a row queued two minutes
    ago while the queue still holds messages is waiting, not lost."""
    schedule_make(in_zone(alice, "Europe/Rome"))
    now = utc(2026, 6, 3, 17, 0)
    occurrences.reminders_plan(now=now - timedelta(hours=1))
    occurrences.reminders_dispatch_due(enqueue=lambda pk: None, now=now)

    later = now + timedelta(minutes=2)
    assert occurrences.reminders_reap_stuck(now=later, backlog=3_000) == 0
    assert occurrences.reminders_reap_stuck(now=now + timedelta(minutes=16), backlog=3_000) == 1


def test_a_queued_row_is_lost_once_the_queue_is_empty(alice: User) -> None:
    schedule_make(in_zone(alice, "Europe/Rome"))
    now = utc(2026, 6, 3, 17, 0)
    occurrences.reminders_plan(now=now - timedelta(hours=1))
    occurrences.reminders_dispatch_due(enqueue=lambda pk: None, now=now)

    assert occurrences.reminders_reap_stuck(now=now + timedelta(minutes=2), backlog=0) == 1
    assert ReminderOccurrence.objects.get(due_at=now).status == Status.PLANNED


def test_the_reaper_leaves_a_row_waiting_for_its_retry_countdown(alice: User) -> None:
    schedule_make(in_zone(alice, "Europe/Rome"))
    now = utc(2026, 6, 3, 17, 0)
    occurrences.reminders_plan(now=now - timedelta(hours=1))
    occurrences.reminders_dispatch_due(enqueue=lambda pk: None, now=now)
    row = ReminderOccurrence.objects.get(due_at=now)
    # A transient failure on attempt 2: queued again, its retry comes in up to 10 minutes.
    ReminderOccurrence.objects.filter(pk=row.pk).update(attempts=2, queued_at=now)

    assert occurrences.reminders_reap_stuck(now=now + timedelta(minutes=11)) == 0
    assert occurrences.reminders_reap_stuck(now=now + timedelta(minutes=16)) == 1


# --- The email ---------------------------------------------------------------------------------


def test_the_email_links_to_the_questionnaire_and_to_a_signed_pause_page(alice: User) -> None:
    alice.full_name = "Alice Patient"
    alice.save()
    schedule = schedule_make(
        in_zone(alice, "Europe/Rome"), instrument="mfis", frequency="monthly", day_of_month=3
    )
    tick(utc(2026, 6, 3, 12, 0))  # plans the day
    tick(utc(2026, 6, 3, 17, 0))

    (message,) = mail.outbox
    row = ReminderOccurrence.objects.get(status=Status.SENT)
    assert message.to == ["alice@example.org"]
    assert message.subject == "A questionnaire is ready for you"
    # "Answer now" is a one-tap link for this questionnaire (tests/symptoms/reminders/
    # test_one_tap.py attacks it).
    (answer,) = re.findall(r"http://127\.0\.0\.1:8000/one-tap/([\w-]+)/", message.body)
    one_tap = one_tap_find(answer)
    assert one_tap is not None
    assert (one_tap.instrument, one_tap.patient, one_tap.occurrence) == ("mfis", alice, row)
    assert "/reminders/link/" in message.body
    html, mimetype = message.alternatives[0]  # type: ignore[attr-defined]
    assert mimetype == "text/html"
    assert f"/one-tap/{answer}/" in str(html)
    assert message_ids([message]) == [f"<reminder-{row.public_id}@127.0.0.1>"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    stop = message.extra_headers["List-Unsubscribe"].strip("<>")
    token = stop.rstrip("/").split("/")[-2]
    with time_machine.travel(utc(2026, 7, 30), tick=False):
        assert links.reminder_link_schedule(token) == schedule
    with time_machine.travel(utc(2026, 8, 3), tick=False):  # 61 days later
        assert links.reminder_link_schedule(token) is None


def test_the_daily_email_says_check_in(alice: User) -> None:
    schedule_make(in_zone(alice, "Europe/Rome"))
    tick(utc(2026, 6, 3, 12, 0))  # plans the day
    tick(utc(2026, 6, 3, 17, 0))

    (message,) = mail.outbox
    assert message.subject == "Time for your daily check-in"
    (answer,) = re.findall(r"/one-tap/([\w-]+)/", message.body)
    one_tap = one_tap_find(answer)
    assert one_tap is not None
    assert one_tap.instrument == "daily"


def test_nothing_about_health_reaches_the_task_or_the_log(
    alice: User, caplog: pytest.LogCaptureFixture
) -> None:
    schedule_make(in_zone(alice, "Europe/Rome"))
    sent_args: list[tuple[Any, ...]] = []
    with time_machine.travel(utc(2026, 6, 3, 8, 0), tick=False):
        report(alice, note="private words")
    with (
        caplog.at_level("DEBUG"),
        time_machine.travel(utc(2026, 6, 4, 17, 0), tick=False),
    ):
        occurrences.reminders_plan(now=utc(2026, 6, 4, 16, 0))
        occurrences.reminders_dispatch_due(enqueue=lambda pk: sent_args.append((pk,)))
        sending.reminder_send(occurrence_id=sent_args[0][0])

    assert all(isinstance(arg, int) for args in sent_args for arg in args)
    text = caplog.text
    assert "alice@example.org" not in text
    assert "private words" not in text
    assert "Alice" not in text
