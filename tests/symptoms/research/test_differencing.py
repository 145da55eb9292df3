"""Releases cannot be played against each other (docs/research.md, "Each quarter is published
once"): the differencing attack of issue 13, and the invariant behind its fix as a property.

Release 1 is built over two settled quarters; then anything that could change them happens
(withdrawals, new consents, account deletions, corrections of old reports, late reports, new
people); release 2 is built over the same quarters. Every published cell of every shared quarter
must be identical, so comparing the two tells nothing about anyone.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.db.models import Q
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts import services as account_services
from accounts.models import PatientProfile, User
from symptoms.models import Release, ReleaseCell, Report
from symptoms.reports.services import report_submit
from symptoms.research import services
from tests.symptoms.factories import DAILY, report, research_cohort

pytestmark = pytest.mark.django_db

Q2, Q3 = date(2026, 5, 12), date(2026, 8, 18)  # a day in each of 2026-Q2 and 2026-Q3
FIRST_BUILD = datetime(2026, 10, 20, 3, 30, tzinfo=UTC)  # both quarters have settled
EVENTS_AT = datetime(2026, 10, 25, 12, tzinfo=UTC)
SECOND_BUILD = datetime(2026, 11, 2, 3, 30, tzinfo=UTC)
PASSWORD = "the person's own password"
FIELDS = ("table", "keys", "scale", "suppressed", "n", "mean", "sd", "median", "q1", "q3")


def build(at: datetime, **kwargs: Any) -> Release:
    with time_machine.travel(at, tick=False):
        queued = services.release_request(
            requested_by=None,
            first_quarter="2026-Q2",
            last_quarter="2026-Q3",
            queue=False,
            **kwargs,
        )
        release = services.release_build(release_id=queued.pk)
    assert release is not None
    return release


def published(release: Release, period: str) -> list[tuple[Any, ...]]:
    rows = ReleaseCell.objects.filter(release=release, period=period).order_by("position")
    return list(rows.values_list(*FIELDS, "share_past_cutoff"))


def assert_shared_quarters_identical(first: Release, second: Release) -> None:
    # Not vacuously: the first release counted people (a cohort nobody is counted in, say for
    # an unconfirmed email, would make every cell an unsuppressed 0 and every comparison pass).
    counted = ReleaseCell.objects.filter(Q(n__gt=0) | Q(suppressed=True), release=first)
    assert counted.exists()
    for period in ("2026-Q2", "2026-Q3"):
        before, after = published(first, period), published(second, period)
        assert len(before) == first.cell_count // 2 > 0
        assert before == after, f"{period} differs between the releases"


# --- The attack of issue 13 -----------------------------------------------------------------------


def target_in(cohort: list[User]) -> User:
    """A person alone in a small country, with ratings far from everyone's, as in the issue."""
    person = cohort[0]
    PatientProfile.objects.filter(user=person).update(country="NZ", ms_type="rrms")
    ratings = {"fatigue": 9, "mobility": 8, "upper_limb": 7, "pain": 1, "cognition": 2}
    for day in (Q2, Q3):
        Report.objects.filter(patient=person, local_date=day).delete()  # cascades to scores
        report(person, answers=ratings, on=day)
    return person


def withdraw(person: User) -> None:
    account_services.consent_set(user=person, granted=False)


def delete(person: User) -> None:
    person.set_password(PASSWORD)
    person.save()
    account_services.account_delete(user=person, password=PASSWORD)


def correct(person: User) -> None:
    old = Report.objects.current().filter(patient=person, instrument="daily").earliest("local_date")
    report_submit(
        patient=person,
        instrument="daily",
        answers={**DAILY, "fatigue": 0 if old.answers["fatigue"] else 10},
        client_id=uuid.uuid4(),
        supersedes=old.public_id,
        is_import=True,
    )


@pytest.mark.parametrize("event", [withdraw, delete, correct], ids=lambda e: e.__name__)
def test_comparing_two_releases_tells_nothing_about_the_person_who_changed(event: Any) -> None:
    with time_machine.travel(FIRST_BUILD, tick=False):
        cohort = research_cohort(60, on=Q2, also_on=(Q3,), seed=13)
    target = target_in(cohort)
    first = build(FIRST_BUILD)
    with time_machine.travel(EVENTS_AT, tick=False):
        event(target)

    second = build(SECOND_BUILD)

    # The attack: the cells that fell by exactly one between the releases gave the person's
    # keys, and mean x n the ratings. There are none.
    fell = [
        (a[0], a[1], a[2])
        for a, b in zip(published(first, "2026-Q2"), published(second, "2026-Q2"), strict=True)
        if a[4] is not None and b[4] is not None and a[4] - b[4] == 1
    ]
    assert fell == []
    assert_shared_quarters_identical(first, second)


def test_a_new_consent_does_not_pull_in_the_persons_past_reports() -> None:
    with time_machine.travel(FIRST_BUILD, tick=False):
        research_cohort(30, on=Q2, also_on=(Q3,), seed=3)
        newcomer = research_cohort(1, on=Q2, also_on=(Q3,), seed=4)[0]
        withdraw(newcomer)  # had consented before; consents again after the first release
    first = build(FIRST_BUILD)
    with time_machine.travel(EVENTS_AT, tick=False):
        account_services.consent_set(user=newcomer, granted=True)

    second = build(SECOND_BUILD)

    assert_shared_quarters_identical(first, second)


# --- The invariant, as a property -------------------------------------------------------------

EVENTS = st.lists(
    st.tuples(
        st.sampled_from(["withdraw", "grant", "delete", "correct", "add_reports", "add_people"]),
        st.integers(min_value=0, max_value=39),
        st.sampled_from([Q2, Q3]),
    ),
    min_size=1,
    max_size=8,
)


def happen(event: str, person: User, day: date, seed: int) -> None:
    if event == "withdraw":
        withdraw(person)
    elif event == "grant":
        account_services.consent_set(user=person, granted=True)
    elif event == "delete":
        delete(person)
    elif event == "correct":
        correct(person)
    elif event == "add_reports":  # a late upload of a report about a published quarter
        report(person, answers={**DAILY, "pain": 10}, on=day + timedelta(days=1 + seed % 50))
    else:  # new people whose consent (imported) predates the quarter: the worst case
        research_cohort(12, on=day, seed=seed)


@settings(max_examples=max(3, settings.default.max_examples // 3))
@given(events=EVENTS)
def test_every_published_cell_of_a_shared_quarter_survives_any_events(
    events: list[tuple[str, int, date]],
) -> None:
    # One example per savepoint: pytest-django's transaction is per test, not per example.
    with transaction.atomic():
        with time_machine.travel(FIRST_BUILD, tick=False):
            cohort = research_cohort(40, on=Q2, also_on=(Q3,), seed=len(events))
        first = build(FIRST_BUILD)
        gone: set[int] = set()
        with time_machine.travel(EVENTS_AT, tick=False):
            for number, (event, who, day) in enumerate(events):
                person = cohort[who]
                if person.pk in gone:
                    continue
                happen(event, person, day, seed=100 + number)
                if event == "delete":
                    gone.add(person.pk)

        second = build(SECOND_BUILD)

        assert_shared_quarters_identical(first, second)
        transaction.set_rollback(True)
