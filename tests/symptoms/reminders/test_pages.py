"""The patient's reminder pages: their schedules in words, how often they answered, the log of
what happened to each reminder, and the form that changes one schedule (through the service,
which re-plans it). Who may see each page, and another patient's schedule is a 404."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import User
from symptoms.models import (
    DeliveryEvent,
    OccurrenceStatus,
    ReminderDelivery,
    ReminderOccurrence,
    ReminderSchedule,
)
from symptoms.reminders.occurrences import PLAN_AHEAD
from symptoms.reminders.schedules import reminder_schedule_create
from symptoms.reminders.views import delivery_words, schedule_when
from tests.accounts.test_pages import assert_accessible_page, html_of, title_of
from tests.symptoms.factories import (
    ReminderDeliveryFactory,
    ReminderOccurrenceFactory,
    ReminderScheduleFactory,
)

# A Wednesday evening in Rome (CEST, UTC+2).
NOW = datetime(2025, 6, 18, 18, 30, tzinfo=UTC)
TODAY = NOW.date()
URL = "/reminders/"


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def alice_in_rome(alice: User) -> User:
    alice.patient_profile.time_zone = "Europe/Rome"
    alice.patient_profile.save()
    return alice


@pytest.fixture
def alice_client(client: Client, alice_in_rome: User) -> Client:
    client.force_login(alice_in_rome)
    return client


def edit_url(schedule: ReminderSchedule) -> str:
    return reverse("symptoms:reminder_edit", args=[schedule.public_id])


def rows_of(html: str, caption: str) -> list[list[str]]:
    """The body rows of the table with this caption, each cell's text without tags."""
    table = html.split(f'<caption class="visually-hidden">{caption}</caption>', 1)[1]
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [
            html_lib.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
    ]


def occurrence(
    patient: User, instrument: str, due_at: datetime, status: str, **fields: Any
) -> ReminderOccurrence:
    schedule = ReminderSchedule.objects.filter(patient=patient, instrument=instrument).first()
    return ReminderOccurrenceFactory(
        schedule=schedule or ReminderScheduleFactory(patient=patient, instrument=instrument),
        due_at=due_at,
        status=status,
        **fields,
    )


EDIT = {
    "frequency": "weekly",
    "local_time": "08:30",
    "weekday": "0",
    "every_n_weeks": "2",
    "day_of_month": "",
    "quiet_start": "",
    "quiet_end": "",
    "paused_until": "",
    "is_active": "on",
}


# --- Who may see the pages ---------------------------------------------------------------------


def test_it_refuses_both_pages_to_a_clinician(client: Client, charlie: User, alice: User) -> None:
    schedule = ReminderScheduleFactory(patient=alice)
    client.force_login(charlie)

    assert client.get(URL).status_code == 403
    assert client.get(edit_url(schedule)).status_code == 403
    assert client.post(edit_url(schedule), EDIT).status_code == 403
    schedule.refresh_from_db()
    assert schedule.frequency == "daily"


def test_it_sends_anonymous_visitors_to_log_in(client: Client, alice: User) -> None:
    schedule = ReminderScheduleFactory(patient=alice)
    for url in (URL, edit_url(schedule)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_it_answers_404_for_another_patient_s_schedule(alice_client: Client, bob: User) -> None:
    bobs = ReminderScheduleFactory(patient=bob, local_time=time(21, 0))

    assert alice_client.get(edit_url(bobs)).status_code == 404
    assert alice_client.post(edit_url(bobs), EDIT).status_code == 404
    bobs.refresh_from_db()
    assert (bobs.frequency, bobs.local_time, bobs.weekday) == ("daily", time(21, 0), None)


def test_it_links_the_page_from_the_navigation_and_the_home_page(alice_client: Client) -> None:
    nav = html_of(alice_client.get(URL)).split("</nav>")[0]
    assert '<a href="/reminders/" aria-current="page">Reminders</a>' in nav
    home = html_of(alice_client.get(reverse("accounts:home")))
    assert '<h3><a href="/reminders/">Your reminders</a></h3>' in home


# --- The reminders page ------------------------------------------------------------------------


def test_it_shows_each_schedule_in_words(alice_client: Client, alice: User) -> None:
    daily = ReminderScheduleFactory(patient=alice)
    ReminderScheduleFactory(
        patient=alice,
        instrument="fss",
        frequency="weekly",
        weekday=0,
        every_n_weeks=2,
        local_time=time(18, 15),
        quiet_start=time(22, 0),
        quiet_end=time(7, 30),
    )
    ReminderScheduleFactory(
        patient=alice, instrument="mfis", frequency="monthly", day_of_month=8,
        paused_until=date(2025, 7, 1),
    )  # fmt: skip
    ReminderScheduleFactory(
        patient=alice, instrument="pdds", frequency="monthly", day_of_month=31, is_active=False,
        paused_until=TODAY,  # a pause that ends today is over
    )  # fmt: skip

    response = alice_client.get(URL)

    assert response.status_code == 200
    html = html_of(response)
    assert_accessible_page(html, "Reminders")
    assert title_of(html).startswith("Reminders")
    assert "Times are in your time zone, Europe/Rome." in html
    assert rows_of(html, "Your reminders") == [
        ["Daily check-in", "Every day at 19:00", "None", "Not paused", "On",
         "Change the reminder for Daily check-in"],
        ["Fatigue Severity Scale", "Every 2 weeks on Monday at 18:15", "22:00 to 07:30",
         "Not paused", "On", "Change the reminder for Fatigue Severity Scale"],
        ["Modified Fatigue Impact Scale", "Monthly on day 8 at 19:00", "None", "July 1, 2025",
         "On", "Change the reminder for Modified Fatigue Impact Scale"],
        ["Patient Determined Disease Steps", "Monthly on day 31 (or the month's last day) at 19:00",
         "None", "Not paused", "Off", "Change the reminder for Patient Determined Disease Steps"],
    ]  # fmt: skip
    assert (
        f'<a class="table-action" href="/reminders/{daily.public_id}/">Change<span '
        'class="visually-hidden"> the reminder for Daily check-in</span></a>'
    ) in html


def test_it_says_when_there_is_nothing_to_show(alice_client: Client) -> None:
    html = html_of(alice_client.get(URL))

    assert "You have no reminders." in html
    assert "Nothing due yet." in html
    assert "No reminder has been planned or sent yet." in html
    assert "<table" not in html


def test_it_shows_how_often_each_reminder_was_answered_in_4_and_12_weeks(
    alice_client: Client, alice: User
) -> None:
    for days, status in (
        (1, OccurrenceStatus.COMPLETED),
        (2, OccurrenceStatus.COMPLETED),
        (3, OccurrenceStatus.EXPIRED),
        (4, OccurrenceStatus.COMPLETED),
        (5, OccurrenceStatus.SKIPPED),  # paused: does not count
        (40, OccurrenceStatus.EXPIRED),  # in the 12 weeks only
        (100, OccurrenceStatus.COMPLETED),  # older than 12 weeks
    ):
        occurrence(alice, "daily", NOW - timedelta(days=days), status)
    occurrence(alice, "mfis", NOW - timedelta(days=20), OccurrenceStatus.FAILED)
    ReminderScheduleFactory(patient=alice, instrument="fss", frequency="weekly", weekday=2)

    html = html_of(alice_client.get(URL))

    assert rows_of(html, "Reminders answered in the last 4 and 12 weeks") == [
        ["Daily check-in", "3 of 4 (75%)", "3 of 5 (60%)"],
        ["Modified Fatigue Impact Scale", "0 of 1 (0%)", "0 of 1 (0%)"],
        ["Fatigue Severity Scale", "Nothing due yet", "Nothing due yet"],
    ]


def test_it_shows_the_log_in_words_and_in_the_person_s_zone(
    alice_client: Client, alice: User
) -> None:
    due_at = datetime(2025, 6, 17, 17, 0, tzinfo=UTC)  # 19:00 in Rome
    row = occurrence(alice, "daily", due_at, OccurrenceStatus.COMPLETED)
    for minutes, event, reason in (
        (0, DeliveryEvent.PLANNED, ""),
        (60, DeliveryEvent.FAILED, "smtp_421"),
        (61, DeliveryEvent.SENT, ""),
        (90, DeliveryEvent.COMPLETED, ""),
    ):
        ReminderDeliveryFactory(
            occurrence=row, event=event, reason=reason,
            created_at=due_at + timedelta(minutes=minutes),
        )  # fmt: skip
    bobs = ReminderDeliveryFactory(event=DeliveryEvent.SKIPPED, reason="paused")

    html = html_of(alice_client.get(URL))

    assert "Times are in Europe/Rome." in html
    due = "June 17, 2025, 7 p.m."
    assert rows_of(html, "Reminder log, newest first") == [
        [due, "Daily check-in", "Answered", "", "June 17, 2025, 8:30 p.m."],
        [due, "Daily check-in", "Sent", "", "June 17, 2025, 8:01 p.m."],
        [due, "Daily check-in", "Not sent", "the email could not be delivered",
         "June 17, 2025, 8 p.m."],
        [due, "Daily check-in", "Planned", "", "June 17, 2025, 7 p.m."],
    ]  # fmt: skip
    assert '<time datetime="2025-06-17T19:00:00+02:00">' in html
    assert str(bobs.occurrence.public_id) not in html
    assert "Only the 50 newest entries are shown" not in html


@pytest.mark.parametrize(
    ("event", "reason", "words"),
    [
        ("skipped", "already_completed", ("Not sent", "you had already answered")),
        ("skipped", "paused", ("Not sent", "the reminder was paused")),
        ("skipped", "schedule_inactive", ("Not sent", "the reminder was switched off")),
        ("skipped", "rescheduled", ("Not sent", "the reminder's schedule was changed")),
        ("planned", "rescheduled", ("Planned again", "the reminder's schedule was changed")),
        ("skipped", "quiet_hours", ("Moved later", "moved out of your quiet hours")),
        ("expired", "never_sent", ("Closed without an answer", "it could not be sent in time")),
        ("expired", "", ("Closed without an answer", "")),
        ("planned", "worker_lost", ("To be sent again", "a delay on our side; sent again")),
        ("planned", "message_lost", ("To be sent again", "a delay on our side; sent again")),
        ("failed", "message_lost", ("Not sent", "a problem on our side")),
        ("failed", "gave_up", ("Not sent", "we stopped trying after several attempts")),
        ("failed", "smtp_550", ("Not sent", "the email could not be delivered")),
        ("failed", "connection_refused", ("Not sent", "the email could not be delivered")),
        ("skipped", "a_code_from_later", ("Not sent", "")),
    ],
)
def test_it_puts_each_event_and_reason_code_in_words(
    event: str, reason: str, words: tuple[str, str]
) -> None:
    assert delivery_words(event, reason) == words


def test_it_says_when_the_log_has_older_entries(alice_client: Client, alice: User) -> None:
    row = occurrence(alice, "daily", NOW - timedelta(days=1), OccurrenceStatus.EXPIRED)
    ReminderDelivery.objects.bulk_create(
        ReminderDelivery(occurrence=row, event=DeliveryEvent.PLANNED) for _ in range(50)
    )
    html = html_of(alice_client.get(URL))
    assert len(rows_of(html, "Reminder log, newest first")) == 50
    assert "Only the 50 newest entries are shown" not in html

    ReminderDeliveryFactory(occurrence=row, event=DeliveryEvent.EXPIRED)
    html = html_of(alice_client.get(URL))
    assert len(rows_of(html, "Reminder log, newest first")) == 50
    assert "Only the 50 newest entries are shown; older ones are kept." in html


@pytest.mark.parametrize("entries", [1, 30])
def test_it_reads_the_page_in_the_same_number_of_queries_however_long_the_log(
    alice_client: Client, alice: User, entries: int, django_assert_num_queries: Any
) -> None:
    for code in ("daily", "fss", "mfis"):
        ReminderScheduleFactory(patient=alice, instrument=code)
    for number in range(entries):
        row = occurrence(
            alice, ("daily", "fss", "mfis")[number % 3], NOW - timedelta(days=number + 1),
            OccurrenceStatus.COMPLETED,
        )  # fmt: skip
        ReminderDeliveryFactory(occurrence=row, event=DeliveryEvent.COMPLETED)

    # Session, user, profile (the middleware reads it), schedules, the log with its
    # occurrences, adherence, and the session's save (a savepoint, the update, its release).
    with django_assert_num_queries(9):
        response = alice_client.get(URL)
    assert response.status_code == 200
    assert len(rows_of(html_of(response), "Reminder log, newest first")) == entries


# --- Changing a schedule -----------------------------------------------------------------------


def test_it_shows_the_schedule_in_the_form(alice_client: Client, alice: User) -> None:
    schedule = ReminderScheduleFactory(
        patient=alice, instrument="mfis", frequency="monthly", day_of_month=8,
        quiet_start=time(22, 0), quiet_end=time(7, 0), paused_until=date(2025, 7, 1),
    )  # fmt: skip

    response = alice_client.get(edit_url(schedule))

    assert response.status_code == 200
    html = html_of(response)
    assert_accessible_page(html, "Change your reminder for Modified Fatigue Impact Scale")
    assert "Times are in your time zone, Europe/Rome." in html
    assert 'type="radio" name="frequency" value="monthly"' in html
    assert re.search(r'<input type="radio" name="frequency" value="monthly"[^>]* checked>', html)
    assert re.search(r'<input type="time" name="local_time" value="19:00"[^>]*>', html)
    assert re.search(r'<input type="text" name="day_of_month" value="8"[^>]*>', html)
    assert re.search(r'<input type="time" name="quiet_start" value="22:00"[^>]*>', html)
    assert re.search(r'<input type="date" name="paused_until" value="2025-07-01"[^>]*>', html)
    assert re.search(r'<input type="radio" name="is_active" value="on"[^>]* checked>', html)
    assert '<label for="id_local_time">Time</label>' in html
    assert "Days 29, 30 and 31 fall on the last day of shorter months." in html


def test_it_saves_a_change_and_plans_the_new_times(alice_client: Client, alice: User) -> None:
    schedule = reminder_schedule_create(
        patient=alice, instrument="daily", data={"frequency": "daily", "local_time": time(19, 0)}
    )
    old = set(ReminderOccurrence.objects.filter(schedule=schedule).values_list("pk", flat=True))
    assert old  # tonight's and tomorrow's at 19:00 Rome time

    response = alice_client.post(
        edit_url(schedule),
        EDIT | {"day_of_month": "12", "quiet_start": "22:00", "quiet_end": "07:00"},
    )

    assert response.status_code == 302
    assert response["Location"] == URL
    schedule.refresh_from_db()
    assert (
        schedule.frequency, schedule.local_time, schedule.weekday, schedule.every_n_weeks,
        schedule.day_of_month, schedule.quiet_start, schedule.quiet_end, schedule.paused_until,
        schedule.is_active,
    ) == ("weekly", time(8, 30), 0, 2, None, time(22, 0), time(7, 0), None, True)  # fmt: skip
    # The old rows (19:00 every evening) are skipped as rescheduled; any new one is a Monday
    # at 08:30 in Rome (whether one falls within the days planned ahead depends on the week).
    rows = ReminderOccurrence.objects.filter(schedule=schedule)
    assert {row.pk: (row.status, row.reason) for row in rows if row.pk in old} == dict.fromkeys(
        old, (OccurrenceStatus.SKIPPED, "rescheduled")
    )
    rome = ZoneInfo("Europe/Rome")
    assert {
        (row.due_at.astimezone(rome).weekday(), row.due_at.astimezone(rome).time())
        for row in rows.filter(status=OccurrenceStatus.PLANNED)
    } <= {(0, time(8, 30))}
    page = html_of(alice_client.get(response["Location"]))
    assert "Your reminder for “Daily check-in” is saved." in page
    assert "Every 2 weeks on Monday at 08:30" in page


def test_it_plans_a_changed_daily_time_at_once(alice_client: Client, alice: User) -> None:
    schedule = reminder_schedule_create(
        patient=alice, instrument="daily", data={"frequency": "daily", "local_time": time(19, 0)}
    )

    alice_client.post(edit_url(schedule), EDIT | {"frequency": "daily", "local_time": "21:45"})

    planned = ReminderOccurrence.objects.filter(
        schedule=schedule, status=OccurrenceStatus.PLANNED
    ).order_by("due_at")
    # 21:45 in Rome is 19:45 UTC: from tonight, every evening as far as rows are planned.
    tonight = datetime(2025, 6, 18, 19, 45, tzinfo=UTC)
    evenings = [tonight + timedelta(days=days) for days in range(PLAN_AHEAD.days + 1)]
    assert [row.due_at for row in planned] == [at for at in evenings if at <= NOW + PLAN_AHEAD]
    assert len(planned) >= 2


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"weekday": ""}, "weekday", "Choose the day of the week for a weekly reminder."),
        ({"every_n_weeks": "13"}, "every_n_weeks", "Every 1 to 12 weeks."),
        (
            {"frequency": "monthly", "day_of_month": "32"},
            "day_of_month",
            "Choose a day of the month, 1 to 31.",
        ),
        (
            {"quiet_start": "22:00"},
            "quiet_end",
            "Give both the start and the end of quiet hours.",
        ),
        (
            {"local_time": "25:00"},
            "local_time",
            "Enter a time as hours and minutes, for example 19:00.",
        ),
        ({"local_time": ""}, "local_time", "Enter a time, for example 19:00."),
    ],
)
def test_it_shows_an_invalid_change_on_its_field_and_saves_nothing(
    alice_client: Client, alice: User, change: dict[str, str], field: str, message: str
) -> None:
    schedule = reminder_schedule_create(
        patient=alice, instrument="daily", data={"frequency": "daily", "local_time": time(19, 0)}
    )
    before = list(ReminderOccurrence.objects.values_list("pk", "status", "due_at"))

    response = alice_client.post(edit_url(schedule), EDIT | change)

    assert response.status_code == 200
    html = html_of(response)
    assert_accessible_page(html, "Change your reminder for Daily check-in")
    assert title_of(html).startswith("Error:")
    assert f'<li><a href="#id_{field}">{message}</a></li>' in html
    assert re.search(
        rf'<div class="error-message" id="id_{field}_error"><p><span class="visually-hidden">'
        rf"Error: </span>{re.escape(message)}</p></div>",
        html,
    )
    assert html.count('class="error-message"') == 1
    schedule.refresh_from_db()
    assert (schedule.frequency, schedule.local_time, schedule.quiet_start) == (
        "daily", time(19, 0), None,
    )  # fmt: skip
    assert list(ReminderOccurrence.objects.values_list("pk", "status", "due_at")) == before


def test_it_ignores_the_fields_another_frequency_needs(alice_client: Client, alice: User) -> None:
    schedule = ReminderScheduleFactory(patient=alice, frequency="weekly", weekday=4)

    response = alice_client.post(
        edit_url(schedule),
        EDIT | {"frequency": "daily", "weekday": "3", "every_n_weeks": "40", "day_of_month": "99"},
    )

    assert response.status_code == 302
    schedule.refresh_from_db()
    assert (schedule.frequency, schedule.weekday, schedule.every_n_weeks) == ("daily", None, 1)
    assert schedule.day_of_month is None


def test_it_pauses_and_switches_off_a_reminder(alice_client: Client, alice: User) -> None:
    schedule = ReminderScheduleFactory(patient=alice)

    alice_client.post(
        edit_url(schedule),
        EDIT | {"frequency": "daily", "local_time": "19:00", "paused_until": "2025-07-01",
                "is_active": "off"},
    )  # fmt: skip

    schedule.refresh_from_db()
    assert (schedule.paused_until, schedule.is_active) == (date(2025, 7, 1), False)
    assert rows_of(html_of(alice_client.get(URL)), "Your reminders")[0][3:5] == [
        "July 1, 2025",
        "Off",
    ]


def test_it_describes_weekly_schedules_in_the_singular_and_plural(alice: User) -> None:
    weekly = ReminderSchedule(frequency="weekly", weekday=6, every_n_weeks=1, local_time=time(9, 5))
    assert schedule_when(weekly) == "Every week on Sunday at 09:05"
    weekly.every_n_weeks = 3
    assert schedule_when(weekly) == "Every 3 weeks on Sunday at 09:05"
