"""Reminder planning: when is a reminder due, as aware UTC instants?

No Django here (like :mod:`symptoms.trends.change`), so the calendar rules can be tested on plain
values.
A reminder is a wall-clock time plus an IANA zone (:class:`Rule`); every occurrence is converted
to UTC on its own with :func:`local_to_utc`, so 19:00 stays 19:00 local across DST changes.

How ``occurrences`` plans (``next_occurrence`` is the first of them within ``SEARCH_HORIZON``):

1. A local date is *scheduled* when it is on or after ``starts_on`` and matches the frequency:
   every day; the rule's ``weekday`` in every ``every_n_weeks``-th week, counting weeks from the
   Monday of ``starts_on``'s week; or ``day_of_month``, clamped to the month's last day (31 → 28
   or 29 in February, 30 in April).
2. Quiet hours are a local window ``[quiet_start, quiet_end)`` that may wrap midnight
   (22:00-07:00). A ``local_time`` inside it moves to ``quiet_end``: the same morning when it is
   after midnight (06:00 → 07:00), the next morning when it is before midnight (23:00 → 07:00
   the next day). A window whose start equals its end is empty.
3. The (possibly moved) local date and time become a UTC instant with :func:`local_to_utc`: a
   skipped local time fires when the clocks jump, a repeated one fires at its first occurrence.
4. A local date (of the instant, in the rule's zone) gets at most one occurrence: the first one
   planned for it wins, whatever window is asked for, so adjacent windows never disagree.
5. Nothing fires on a local date before ``paused_until``; it resumes on that date.
6. Only instants with ``after < instant <= until`` are returned, in order.

A change of time zone is a new ``Rule`` with another ``time_zone``: callers re-plan every future
occurrence with it (occurrences already sent are history and are not moved).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# "Every N weeks" goes up to this: a quarter, the longest interval any of our questionnaires
# suggests. The model's constraint, the service, the API, the form and Rule all use it.
MAX_EVERY_N_WEEKS = 12
# How far next_occurrence looks: more than a year, so the sparsest schedule (every
# MAX_EVERY_N_WEEKS weeks, or a month's 31st) always has an occurrence within it unless paused.
SEARCH_HORIZON = timedelta(days=400)
# next_occurrence plans in chunks of this size so a daily rule does not plan 400 days.
_SEARCH_CHUNK = timedelta(days=35)


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True, kw_only=True)
class Rule:
    frequency: Frequency
    local_time: time
    time_zone: str
    starts_on: date
    weekday: int | None = None  # 0 = Monday; weekly only
    every_n_weeks: int = 1  # weekly only; weeks counted from the Monday of starts_on's week
    day_of_month: int | None = None  # monthly only; past the month's end means its last day
    quiet_start: time | None = None
    quiet_end: time | None = None
    paused_until: date | None = None

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from error
        if self.local_time.tzinfo is not None:
            raise ValueError("local_time is a wall-clock time and must be naive")
        if self.frequency is Frequency.WEEKLY:
            if self.weekday is None or not 0 <= self.weekday <= 6:
                raise ValueError("a weekly rule needs a weekday from 0 (Monday) to 6")
            if not 1 <= self.every_n_weeks <= MAX_EVERY_N_WEEKS:
                raise ValueError(f"every_n_weeks must be from 1 to {MAX_EVERY_N_WEEKS}")
        elif self.weekday is not None or self.every_n_weeks != 1:
            raise ValueError("weekday and every_n_weeks are for weekly rules only")
        if self.frequency is Frequency.MONTHLY:
            if self.day_of_month is None or not 1 <= self.day_of_month <= 31:
                raise ValueError("a monthly rule needs a day_of_month from 1 to 31")
        elif self.day_of_month is not None:
            raise ValueError("day_of_month is for monthly rules only")
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValueError("quiet hours need both a start and an end")

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of the wall-clock time ``at`` on ``day`` in ``zone``.

    DST traps, the reason this is the only place local times become instants:

    - A *repeated* local time (the clocks fall back, e.g. 01:30 on the first Sunday of November
      in New York happens in EDT and again in EST) fires once, at its first occurrence: that is
      ``fold=0``, the offset in force before the transition.
    - A *skipped* local time (the clocks spring forward, e.g. 02:30 on the last Sunday of March
      in Rome never happens) fires at the first valid local time after the gap, the instant the
      clocks jump (03:00 CEST in Rome). A skipped time is recognised because its ``fold=0``
      reading does not survive the round trip through UTC.
    """
    wall = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # Skipped. fold=0 reads the wall time with the offset before the gap, fold=1 with the offset
    # after it; the two instants straddle the transition, which a binary search on whole seconds
    # finds (tz transitions fall on whole seconds).
    other = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    before, after = sorted((instant, other))
    offset_after = after.astimezone(zone).utcoffset()
    low, high = int(before.timestamp()), int(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == offset_after:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def occurrences(rule: Rule, *, after: datetime, until: datetime) -> list[datetime]:
    """Every due instant (aware, UTC) with ``after < instant <= until``, in order.

    See the module docstring for the rules.
    """
    _require_aware(after, "after")
    _require_aware(until, "until")
    if until <= after:
        return []
    zone = rule.zone
    days_later, wall_time = _quiet_shift(rule)
    # A scheduled date fires on its own date or days_later after it, and a skipped time can push
    # it one more day at most; start early enough to see every candidate for the window's first
    # local date, so point 4 (first one wins) holds whatever window is asked for.
    day = max(after.astimezone(zone).date() - timedelta(days=days_later + 1), rule.starts_on)
    last_day = until.astimezone(zone).date()
    due: list[datetime] = []
    planned_on: set[date] = set()
    while day <= last_day:
        if _is_scheduled_on(rule, day):
            due_at = local_to_utc(day + timedelta(days=days_later), wall_time, zone)
            due_on = due_at.astimezone(zone).date()
            is_paused = rule.paused_until is not None and due_on < rule.paused_until
            if due_on not in planned_on:
                planned_on.add(due_on)
                if not is_paused and after < due_at <= until:
                    due.append(due_at)
        day += timedelta(days=1)
    return sorted(due)


def next_occurrence(rule: Rule, *, after: datetime) -> datetime | None:
    """The first due instant strictly after ``after``, or None if none within SEARCH_HORIZON."""
    _require_aware(after, "after")
    horizon = after + SEARCH_HORIZON
    start = after
    while start < horizon:
        end = min(start + _SEARCH_CHUNK, horizon)
        found = occurrences(rule, after=start, until=end)
        if found:
            return found[0]
        start = end
    return None


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def quiet_end(start: time | None, end: time | None, at: time) -> tuple[int, time] | None:
    """When the quiet hours that the wall time ``at`` falls in end: (days later, wall time), or
    None when ``at`` is outside them or there are none. Quiet hours include their start and
    exclude their end; they may wrap midnight (22:00-07:00). The planner moves a scheduled time
    with this, and sending holds back a late message with it."""
    if start is None or end is None or start == end:
        return None
    if start < end:  # a daytime window, e.g. 13:00-15:00
        return (0, end) if start <= at < end else None
    if at >= start:  # wraps midnight and at is in the evening part: the next morning
        return 1, end
    if at < end:  # wraps midnight and at is in the morning part: the same morning
        return 0, end
    return None


def _quiet_shift(rule: Rule) -> tuple[int, time]:
    """Days to add to a scheduled date, and the wall time to fire at, after quiet hours."""
    return quiet_end(rule.quiet_start, rule.quiet_end, rule.local_time) or (0, rule.local_time)


def _is_scheduled_on(rule: Rule, day: date) -> bool:
    if day < rule.starts_on:
        return False
    if rule.frequency is Frequency.DAILY:
        return True
    if rule.frequency is Frequency.WEEKLY:
        if day.weekday() != rule.weekday:
            return False
        anchor = rule.starts_on - timedelta(days=rule.starts_on.weekday())
        weeks = (day - timedelta(days=day.weekday()) - anchor).days // 7
        return weeks % rule.every_n_weeks == 0
    if rule.day_of_month is None:  # unreachable: Rule.__post_init__ requires it
        raise ValueError("a monthly rule needs a day_of_month")
    return day.day == min(rule.day_of_month, _last_day_of_month(day))


def _last_day_of_month(day: date) -> int:
    first_of_next = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (first_of_next - timedelta(days=1)).day
