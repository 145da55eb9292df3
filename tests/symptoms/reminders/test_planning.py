"""Reminder planning on plain values (no database).

Expected instants are written in UTC with the hand conversion beside them. DST dates used:
EU 2026: 29 March (CET +1 → CEST +2) and 25 October; US 2026: 8 March (EST -5 → EDT -4) and
1 November; Sydney: DST ends 5 April 2026 (AEDT +11 → AEST +10), starts 4 October 2026.
Asia/Kolkata is +05:30 all year.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from symptoms.reminders.planning import (
    Frequency,
    Rule,
    local_to_utc,
    next_occurrence,
    occurrences,
    quiet_end,
)

ROME = "Europe/Rome"
NEW_YORK = "America/New_York"
SYDNEY = "Australia/Sydney"
KOLKATA = "Asia/Kolkata"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def daily(at: time, zone: str, **fields: object) -> Rule:
    return Rule(
        frequency=Frequency.DAILY,
        local_time=at,
        time_zone=zone,
        starts_on=date(2026, 1, 1),
        **fields,  # type: ignore[arg-type]
    )


def local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


# Daily 19:00 across the DST changes: same wall time, different UTC offset.


def test_it_keeps_19_00_local_in_rome_across_both_dst_changes() -> None:
    rule = daily(time(19), ROME)
    spring = occurrences(rule, after=utc(2026, 3, 27), until=utc(2026, 3, 31))
    # 19:00 CET = 18:00 UTC; from 29 March, 19:00 CEST = 17:00 UTC.
    assert spring == [
        utc(2026, 3, 27, 18),
        utc(2026, 3, 28, 18),
        utc(2026, 3, 29, 17),
        utc(2026, 3, 30, 17),
    ]
    autumn = occurrences(rule, after=utc(2026, 10, 24), until=utc(2026, 10, 27))
    # 19:00 CEST = 17:00 UTC; from 25 October, 19:00 CET = 18:00 UTC.
    assert autumn == [utc(2026, 10, 24, 17), utc(2026, 10, 25, 18), utc(2026, 10, 26, 18)]
    assert {local(moment, ROME).time() for moment in spring + autumn} == {time(19)}
    assert [local(moment, ROME).utcoffset() for moment in spring] == [
        timedelta(hours=1),
        timedelta(hours=1),
        timedelta(hours=2),
        timedelta(hours=2),
    ]


def test_it_keeps_19_00_local_in_new_york_across_both_dst_changes() -> None:
    rule = daily(time(19), NEW_YORK)
    # 7 March 19:00 EST = 8 March 00:00 UTC; 8 March 19:00 EDT = 23:00 UTC.
    assert occurrences(rule, after=utc(2026, 3, 7, 12), until=utc(2026, 3, 9, 12)) == [
        utc(2026, 3, 8, 0),
        utc(2026, 3, 8, 23),
    ]
    # 31 October 19:00 EDT = 23:00 UTC; 1 November 19:00 EST = 2 November 00:00 UTC.
    assert occurrences(rule, after=utc(2026, 10, 31, 12), until=utc(2026, 11, 2, 12)) == [
        utc(2026, 10, 31, 23),
        utc(2026, 11, 2, 0),
    ]


def test_it_keeps_19_00_local_in_sydney_across_southern_dst_changes() -> None:
    rule = daily(time(19), SYDNEY)
    # DST ends 5 April: 4 April 19:00 AEDT (+11) = 08:00 UTC; 5 April 19:00 AEST (+10) = 09:00.
    assert occurrences(rule, after=utc(2026, 4, 4), until=utc(2026, 4, 6)) == [
        utc(2026, 4, 4, 8),
        utc(2026, 4, 5, 9),
    ]
    # DST starts 4 October: 3 October 19:00 AEST = 09:00 UTC; 4 October 19:00 AEDT = 08:00 UTC.
    assert occurrences(rule, after=utc(2026, 10, 3), until=utc(2026, 10, 5)) == [
        utc(2026, 10, 3, 9),
        utc(2026, 10, 4, 8),
    ]


def test_it_keeps_the_same_utc_time_all_year_in_a_zone_without_dst() -> None:
    rule = daily(time(19), KOLKATA)
    planned = occurrences(rule, after=utc(2026, 1, 1), until=utc(2027, 1, 1))
    # 19:00 IST = 13:30 UTC, every day of 2026.
    assert len(planned) == 365
    assert {(moment.hour, moment.minute) for moment in planned} == {(13, 30)}


# Skipped local times (spring forward) fire when the clocks jump.


def test_it_fires_a_skipped_02_30_at_03_00_in_rome_and_at_02_30_the_day_after() -> None:
    rule = daily(time(2, 30), ROME)
    # 28 March 02:30 CET = 01:30 UTC; 29 March 02:30 does not exist: 03:00 CEST = 01:00 UTC;
    # 30 March 02:30 CEST = 00:30 UTC.
    planned = occurrences(rule, after=utc(2026, 3, 28), until=utc(2026, 3, 31))
    assert planned == [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1), utc(2026, 3, 30, 0, 30)]
    assert [local(moment, ROME).time() for moment in planned] == [
        time(2, 30),
        time(3),
        time(2, 30),
    ]


def test_it_fires_a_skipped_02_30_at_03_00_in_new_york() -> None:
    rule = daily(time(2, 30), NEW_YORK)
    # 8 March 02:30 does not exist: 03:00 EDT = 07:00 UTC; 9 March 02:30 EDT = 06:30 UTC.
    assert occurrences(rule, after=utc(2026, 3, 8), until=utc(2026, 3, 10)) == [
        utc(2026, 3, 8, 7),
        utc(2026, 3, 9, 6, 30),
    ]


def test_it_fires_a_skipped_02_30_at_03_00_in_sydney_in_october() -> None:
    rule = daily(time(2, 30), SYDNEY)
    # 4 October 02:30 does not exist: 03:00 AEDT = 3 October 16:00 UTC;
    # 5 October 02:30 AEDT = 4 October 15:30 UTC.
    assert occurrences(rule, after=utc(2026, 10, 3, 12), until=utc(2026, 10, 5)) == [
        utc(2026, 10, 3, 16),
        utc(2026, 10, 4, 15, 30),
    ]


def test_it_converts_a_skipped_time_to_the_instant_the_clocks_jump() -> None:
    # 29 March 2026 in Rome: 02:00 CET jumps to 03:00 CEST at 01:00 UTC.
    zone = ZoneInfo(ROME)
    assert local_to_utc(date(2026, 3, 29), time(2), zone) == utc(2026, 3, 29, 1)
    assert local_to_utc(date(2026, 3, 29), time(2, 59), zone) == utc(2026, 3, 29, 1)
    assert local_to_utc(date(2026, 3, 29), time(3), zone) == utc(2026, 3, 29, 1)
    assert local_to_utc(date(2026, 3, 29), time(3, 1), zone) == utc(2026, 3, 29, 1, 1)


# Repeated local times (fall back) fire once, at the first of the two.


def test_it_fires_a_repeated_01_30_once_at_the_first_one_in_new_york() -> None:
    rule = daily(time(1, 30), NEW_YORK)
    # 31 October 01:30 EDT = 05:30 UTC; 1 November 01:30 happens twice, the first is EDT =
    # 05:30 UTC (not 06:30 UTC, the EST one); 2 November 01:30 EST = 06:30 UTC.
    assert occurrences(rule, after=utc(2026, 10, 31), until=utc(2026, 11, 3)) == [
        utc(2026, 10, 31, 5, 30),
        utc(2026, 11, 1, 5, 30),
        utc(2026, 11, 2, 6, 30),
    ]


def test_it_fires_a_repeated_02_30_once_at_the_first_one_in_rome_and_sydney() -> None:
    # 25 October 02:30 in Rome: first CEST = 00:30 UTC (the CET one would be 01:30 UTC).
    assert occurrences(
        daily(time(2, 30), ROME), after=utc(2026, 10, 25), until=utc(2026, 10, 25, 12)
    ) == [utc(2026, 10, 25, 0, 30)]
    # 5 April 02:30 in Sydney: first AEDT = 4 April 15:30 UTC (AEST would be 16:30 UTC).
    assert occurrences(
        daily(time(2, 30), SYDNEY), after=utc(2026, 4, 4, 12), until=utc(2026, 4, 5, 12)
    ) == [utc(2026, 4, 4, 15, 30)]


@pytest.mark.parametrize("zone", [ROME, NEW_YORK, SYDNEY, KOLKATA])
@pytest.mark.parametrize("at", [time(0), time(1, 30), time(2, 30), time(19)])
def test_it_plans_exactly_one_reminder_per_local_day_for_a_whole_year(zone: str, at: time) -> None:
    planned = occurrences(daily(at, zone), after=utc(2026, 1, 1, 12), until=utc(2027, 1, 1, 12))
    local_days = [local(moment, zone).date() for moment in planned]
    assert len(planned) == 365
    assert len(set(local_days)) == 365
    assert planned == sorted(planned)


# Weekly and monthly.


def test_it_plans_a_weekly_reminder_on_its_weekday() -> None:
    rule = Rule(
        frequency=Frequency.WEEKLY,
        local_time=time(19),
        time_zone=ROME,
        starts_on=date(2026, 1, 5),
        weekday=2,
    )
    # Wednesdays 7, 14, 21, 28 January 2026; 19:00 CET = 18:00 UTC.
    assert occurrences(rule, after=utc(2026, 1, 1), until=utc(2026, 2, 1)) == [
        utc(2026, 1, 7, 18),
        utc(2026, 1, 14, 18),
        utc(2026, 1, 21, 18),
        utc(2026, 1, 28, 18),
    ]


def test_it_plans_every_two_weeks_counting_from_the_monday_of_the_start_week() -> None:
    # starts_on Thursday 8 January 2026: week 0 begins Monday 5 January.
    every_other_monday = Rule(
        frequency=Frequency.WEEKLY,
        local_time=time(9),
        time_zone=NEW_YORK,
        starts_on=date(2026, 1, 8),
        weekday=0,
        every_n_weeks=2,
    )
    # Monday 5 January is week 0 but before starts_on; 12 January is week 1; then 19 January,
    # 2 February, 16 February. 09:00 EST = 14:00 UTC.
    assert occurrences(every_other_monday, after=utc(2026, 1, 1), until=utc(2026, 3, 1)) == [
        utc(2026, 1, 19, 14),
        utc(2026, 2, 2, 14),
        utc(2026, 2, 16, 14),
    ]
    every_other_friday = dataclasses.replace(every_other_monday, weekday=4)
    # Friday 9 January is week 0 and after starts_on; then 23 January, 6 February, 20 February.
    assert occurrences(every_other_friday, after=utc(2026, 1, 1), until=utc(2026, 3, 1)) == [
        utc(2026, 1, 9, 14),
        utc(2026, 1, 23, 14),
        utc(2026, 2, 6, 14),
        utc(2026, 2, 20, 14),
    ]


def test_it_plans_day_31_on_the_last_day_of_shorter_months() -> None:
    rule = Rule(
        frequency=Frequency.MONTHLY,
        local_time=time(9),
        time_zone=NEW_YORK,
        starts_on=date(2026, 1, 1),
        day_of_month=31,
    )
    # 09:00 EST = 14:00 UTC until 8 March, then 09:00 EDT = 13:00 UTC.
    assert occurrences(rule, after=utc(2026, 1, 1), until=utc(2026, 5, 1)) == [
        utc(2026, 1, 31, 14),
        utc(2026, 2, 28, 14),
        utc(2026, 3, 31, 13),
        utc(2026, 4, 30, 13),
    ]
    # 2028 is a leap year: 29 February.
    assert occurrences(rule, after=utc(2028, 2, 1), until=utc(2028, 3, 1)) == [utc(2028, 2, 29, 14)]


def test_it_plans_a_monthly_reminder_on_the_15th() -> None:
    rule = Rule(
        frequency=Frequency.MONTHLY,
        local_time=time(8),
        time_zone=KOLKATA,
        starts_on=date(2026, 1, 1),
        day_of_month=15,
    )
    # 08:00 IST = 02:30 UTC.
    assert occurrences(rule, after=utc(2026, 1, 1), until=utc(2026, 4, 1)) == [
        utc(2026, 1, 15, 2, 30),
        utc(2026, 2, 15, 2, 30),
        utc(2026, 3, 15, 2, 30),
    ]


# Quiet hours.


def test_it_moves_a_23_00_reminder_in_quiet_hours_to_07_00_the_next_morning() -> None:
    rule = daily(time(23), ROME, quiet_start=time(22), quiet_end=time(7))
    # The 23:00 of 1, 2 and 3 January fires at 07:00 CET = 06:00 UTC on 2, 3 and 4 January.
    assert occurrences(rule, after=utc(2026, 1, 1), until=utc(2026, 1, 4, 12)) == [
        utc(2026, 1, 2, 6),
        utc(2026, 1, 3, 6),
        utc(2026, 1, 4, 6),
    ]


def test_it_moves_a_06_00_reminder_in_quiet_hours_to_07_00_the_same_morning() -> None:
    rule = daily(time(6), ROME, quiet_start=time(22), quiet_end=time(7))
    # 07:00 CET = 06:00 UTC.
    assert occurrences(rule, after=utc(2026, 1, 1), until=utc(2026, 1, 3)) == [
        utc(2026, 1, 1, 6),
        utc(2026, 1, 2, 6),
    ]


def test_it_leaves_reminders_outside_quiet_hours_and_at_their_end_alone() -> None:
    at_the_end = daily(time(7), ROME, quiet_start=time(22), quiet_end=time(7))
    # 07:00 CET = 06:00 UTC, unmoved: the window is [22:00, 07:00).
    assert occurrences(at_the_end, after=utc(2026, 1, 1), until=utc(2026, 1, 2)) == [
        utc(2026, 1, 1, 6)
    ]
    daytime = daily(time(14), ROME, quiet_start=time(13), quiet_end=time(15))
    # 14:00 inside a 13:00-15:00 window moves to 15:00 CET = 14:00 UTC the same day.
    assert occurrences(daytime, after=utc(2026, 1, 1), until=utc(2026, 1, 2)) == [
        utc(2026, 1, 1, 14)
    ]


# Pause and time-zone change.


def test_it_plans_nothing_before_the_pause_ends_and_resumes_on_that_day() -> None:
    rule = daily(time(19), ROME, paused_until=date(2026, 1, 15))
    # 19:00 CET = 18:00 UTC, from 15 January.
    assert occurrences(rule, after=utc(2026, 1, 10), until=utc(2026, 1, 17)) == [
        utc(2026, 1, 15, 18),
        utc(2026, 1, 16, 18),
    ]
    assert next_occurrence(rule, after=utc(2026, 1, 1)) == utc(2026, 1, 15, 18)


def test_it_plans_19_00_local_in_the_new_zone_after_a_time_zone_change() -> None:
    in_rome = daily(time(19), ROME)
    in_new_york = dataclasses.replace(in_rome, time_zone=NEW_YORK)
    moved_at = utc(2026, 1, 16, 12)
    # Before the move 19:00 CET = 18:00 UTC; after it 19:00 EST = 00:00 UTC the next day.
    assert occurrences(in_rome, after=utc(2026, 1, 14), until=moved_at) == [
        utc(2026, 1, 14, 18),
        utc(2026, 1, 15, 18),
    ]
    assert occurrences(in_new_york, after=moved_at, until=utc(2026, 1, 18, 12)) == [
        utc(2026, 1, 17, 0),
        utc(2026, 1, 18, 0),
    ]
    assert local(utc(2026, 1, 17, 0), NEW_YORK).time() == time(19)


# Bounds.


def test_it_excludes_after_and_includes_until() -> None:
    rule = daily(time(19), ROME)
    # 19:00 CET = 18:00 UTC.
    assert occurrences(rule, after=utc(2026, 1, 10, 18), until=utc(2026, 1, 12, 18)) == [
        utc(2026, 1, 11, 18),
        utc(2026, 1, 12, 18),
    ]
    assert occurrences(rule, after=utc(2026, 1, 12, 18), until=utc(2026, 1, 12, 18)) == []


def test_it_gives_the_next_occurrence_strictly_after_the_one_just_sent() -> None:
    rule = daily(time(19), ROME)
    # 28 March 19:00 CET = 18:00 UTC; the next is 29 March 19:00 CEST = 17:00 UTC.
    assert next_occurrence(rule, after=utc(2026, 3, 28, 18)) == utc(2026, 3, 29, 17)


def test_it_plans_the_same_instants_whatever_the_window() -> None:
    rule = daily(time(23), SYDNEY, quiet_start=time(22), quiet_end=time(7))
    whole = occurrences(rule, after=utc(2026, 3, 1), until=utc(2026, 11, 1))
    pieces: list[datetime] = []
    start = utc(2026, 3, 1)
    while start < utc(2026, 11, 1):
        pieces += occurrences(rule, after=start, until=start + timedelta(hours=7))
        start += timedelta(hours=7)
    assert pieces == whole
    assert len(set(whole)) == len(whole)


def test_it_returns_none_when_paused_beyond_the_search_horizon() -> None:
    rule = daily(time(19), ROME, paused_until=date(2028, 1, 1))
    assert next_occurrence(rule, after=utc(2026, 1, 1)) is None


def test_it_refuses_naive_bounds() -> None:
    rule = daily(time(19), ROME)
    with pytest.raises(ValueError, match="aware"):
        occurrences(rule, after=datetime(2026, 1, 1), until=utc(2026, 1, 2))  # noqa: DTZ001


@pytest.mark.parametrize(
    "fields",
    [
        {"frequency": Frequency.WEEKLY},
        {"frequency": Frequency.WEEKLY, "weekday": 7},
        {"frequency": Frequency.WEEKLY, "weekday": 0, "every_n_weeks": 0},
        {"frequency": Frequency.MONTHLY, "day_of_month": 32},
        {"frequency": Frequency.DAILY, "weekday": 1},
        {"frequency": Frequency.DAILY, "quiet_start": time(22)},
        {"frequency": Frequency.DAILY, "time_zone": "Mars/Olympus_Mons"},
    ],
)
def test_it_refuses_an_inconsistent_rule(fields: dict[str, object]) -> None:
    values: dict[str, object] = {
        "local_time": time(19),
        "time_zone": ROME,
        "starts_on": date(2026, 1, 1),
        **fields,
    }
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        Rule(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("start", "end", "at", "expected"),
    [
        (time(22), time(7), time(23), (1, time(7))),  # the evening part: the next morning
        (time(22), time(7), time(22), (1, time(7))),  # the start is quiet
        (time(22), time(7), time(6, 59), (0, time(7))),  # the morning part: the same morning
        (time(22), time(7), time(7), None),  # the end is not
        (time(22), time(7), time(12), None),
        (time(13), time(15), time(14), (0, time(15))),  # a daytime window
        (time(13), time(15), time(15), None),
        (time(13), time(13), time(13), None),  # an empty window
        (None, None, time(13), None),
    ],
)
def test_quiet_hours_end_where_both_planning_and_sending_look(
    start: time | None, end: time | None, at: time, expected: tuple[int, time] | None
) -> None:
    assert quiet_end(start, end, at) == expected
