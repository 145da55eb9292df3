"""The release quarters' ledger: a quarter is releasable once settled, is published once per
kind, refuses another specification, and is charged the epsilon spent on its data whenever the
request came, with exact and private releases of one quarter excluding each other."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.conf import LazySettings
from django.db import connection

from accounts import services as account_services
from symptoms.models import PrivacyBudgetYear, Release, ReleaseCell, ReleaseQuarter, ReleaseStatus
from symptoms.research import ledger, services
from symptoms.research.errors import (
    EpsilonInvalid,
    ExactAndPrivateRefused,
    PrivacyBudgetExhausted,
    QuarterNotReleasable,
    QuarterPublishedUnderOtherSpec,
)
from symptoms.research.specs import SPECS, spec_v1
from tests.symptoms.factories import report
from tests.symptoms.research.test_releases import consenting_patients

pytestmark = pytest.mark.django_db


def request(first: str, last: str | None = None, **kwargs: Any) -> Release:
    return services.release_request(
        requested_by=None, first_quarter=first, last_quarter=last, queue=False, **kwargs
    )


def built(first: str, last: str | None = None, **kwargs: Any) -> Release:
    release = services.release_build(release_id=request(first, last, **kwargs).pk)
    assert release is not None
    return release


def quarter(period: str) -> ReleaseQuarter:
    return ReleaseQuarter.objects.get(period=period)


def cells_of(release: Release, period: str) -> list[tuple[Any, ...]]:
    fields = ("table", "keys", "scale", "suppressed", "n", "mean", "sd", "median", "q1", "q3")
    rows = ReleaseCell.objects.filter(release=release, period=period).order_by("position")
    return list(rows.values_list(*fields, "share_past_cutoff"))


# --- Settling ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "releasable"),
    [(date(2026, 3, 31), False), (date(2026, 4, 14), False), (date(2026, 4, 15), True)],
)
def test_it_releases_a_quarter_once_it_has_ended_and_settled(
    settings: LazySettings, today: date, releasable: bool
) -> None:
    settings.RESEARCH_RELEASE_SETTLING_DAYS = 14

    assert ledger.is_releasable("2026-Q1", today=today) is releasable


def test_it_refuses_a_quarter_that_has_not_settled(settings: LazySettings) -> None:
    settings.RESEARCH_RELEASE_SETTLING_DAYS = 14
    with time_machine.travel(datetime(2026, 4, 10, 12, tzinfo=UTC), tick=False):
        with pytest.raises(QuarterNotReleasable):
            request("2026-Q1")
        with pytest.raises(QuarterNotReleasable):
            request("2025-Q4", "2026-Q1")

        assert request("2025-Q4").parameters["periods"] == ["2025-Q4"]
    assert Release.objects.count() == 1


def test_the_default_quarters_are_the_last_settled_ones(settings: LazySettings) -> None:
    settings.RESEARCH_RELEASE_SETTLING_DAYS = 14
    settings.RESEARCH_RELEASE_QUARTERS = 2

    with time_machine.travel(datetime(2026, 4, 1, 3, 30, tzinfo=UTC), tick=False):
        early = services.release_request(requested_by=None, queue=False)
    with time_machine.travel(datetime(2026, 4, 15, 3, 30, tzinfo=UTC), tick=False):
        settled = services.release_request(requested_by=None, queue=False)

    assert early.parameters["periods"] == ["2025-Q3", "2025-Q4"]
    assert settled.parameters["periods"] == ["2025-Q4", "2026-Q1"]


# --- Published once ---------------------------------------------------------------------------


def test_a_later_release_copies_the_frozen_cells_of_a_published_quarter() -> None:
    people = consenting_patients(14)
    for person in people:
        report(person, on=date(2026, 2, 10))
        report(person, on=date(2026, 5, 10))
    first = built("2026-Q1")
    for person in people[:3]:  # everything that could change the quarter, changes
        report(person, on=date(2026, 2, 11))
    account_services.consent_set(user=people[5], granted=False)

    second = built("2026-Q1", "2026-Q2")

    assert cells_of(second, "2026-Q1") == cells_of(first, "2026-Q1")
    assert second.parameters["first_published_in"] == {"2026-Q1": first.number}
    assert quarter("2026-Q1").exact_release == first
    assert quarter("2026-Q2").exact_release == second
    q2 = ReleaseCell.objects.get(
        release=second, period="2026-Q2", table="overall", scale="daily.fatigue"
    )
    assert q2.n == 13  # the withdrawal counts where nothing was published yet


def test_a_release_of_published_quarters_reads_no_scores(monkeypatch: pytest.MonkeyPatch) -> None:
    for person in consenting_patients(11):
        report(person, on=date(2026, 2, 10))
    first = built("2026-Q1")
    queued = request("2026-Q1")

    def unexpected(**kwargs: Any) -> None:
        raise AssertionError("a frozen quarter's scores were read again")

    monkeypatch.setattr(services, "_person_period_values", unexpected)
    again = services.release_build(release_id=queued.pk)

    assert again is not None
    assert cells_of(again, "2026-Q1") == cells_of(first, "2026-Q1")
    assert (again.cell_count, again.suppressed_count) == (first.cell_count, first.suppressed_count)


def test_it_counts_only_reports_dated_from_a_new_consent() -> None:
    early = consenting_patients(11)
    [late] = consenting_patients(1, at=datetime(2026, 3, 1, 9, tzinfo=UTC))
    for person in [*early, late]:
        report(person, answers={"fatigue": 10, "mobility": 0, "upper_limb": 0, "pain": 0,
                                "cognition": 0}, on=date(2026, 2, 10))  # fmt: skip
    report(late, on=date(2026, 3, 1))

    release = built("2026-Q1")

    fatigue = ReleaseCell.objects.get(release=release, table="overall", scale="daily.fatigue")
    assert (fatigue.n, fatigue.mean) == (12, pytest.approx((11 * 10 + 6) / 12, abs=0.005))


def test_it_refuses_another_specification_over_a_published_quarter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for person in consenting_patients(11):
        report(person, on=date(2026, 2, 10))
    built("2026-Q1")
    monkeypatch.setitem(SPECS, "2", spec_v1)

    with pytest.raises(QuarterPublishedUnderOtherSpec):
        request("2026-Q1", "2026-Q2", spec_version="2")

    assert request("2026-Q2", spec_version="2").spec_version == "2"  # a fresh quarter is fine


def test_a_build_racing_another_specification_fails_rather_than_publish_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for person in consenting_patients(11):
        report(person, on=date(2026, 2, 10))
    monkeypatch.setitem(SPECS, "2", spec_v1)
    other = request("2026-Q1", spec_version="2")  # both requested before either was built
    built("2026-Q1")

    with pytest.raises(QuarterPublishedUnderOtherSpec):
        services.release_build(release_id=other.pk)

    other.refresh_from_db()
    assert (other.status, other.error) == (ReleaseStatus.FAILED, "QuarterPublishedUnderOtherSpec")


# --- The privacy budget, per quarter of data ----------------------------------------------------


def test_the_budget_is_charged_to_the_data_quarter_across_the_year_boundary(
    settings: LazySettings,
) -> None:
    settings.RESEARCH_DP_EPSILON_PER_QUARTER = 8
    settings.RESEARCH_DP_EPSILON_PER_YEAR = 16
    settings.RESEARCH_RELEASE_SETTLING_DAYS = 14
    with time_machine.travel(datetime(2026, 12, 20, tzinfo=UTC), tick=False):
        request("2026-Q3", epsilon=6)
    with time_machine.travel(datetime(2027, 1, 20, tzinfo=UTC), tick=False):
        with pytest.raises(PrivacyBudgetExhausted):  # a new calendar year is not a new budget
            request("2026-Q3", epsilon=6)
        request("2026-Q4", epsilon=6)
        with pytest.raises(PrivacyBudgetExhausted):  # the quarter has room; 2026 has not
            request("2026-Q2", epsilon=6)
        request("2026-Q2", epsilon=4)

    assert dict(ReleaseQuarter.objects.values_list("period", "epsilon_spent")) == {
        "2026-Q2": 4,
        "2026-Q3": 6,
        "2026-Q4": 6,
    }
    assert dict(PrivacyBudgetYear.objects.values_list("year", "epsilon_spent")) == {2026: 16}


def test_a_refused_request_spends_nothing_on_any_of_its_quarters(settings: LazySettings) -> None:
    settings.RESEARCH_DP_EPSILON_PER_QUARTER = 8
    request("2026-Q2", epsilon=5)

    with pytest.raises(PrivacyBudgetExhausted):
        request("2026-Q1", "2026-Q2", epsilon=4)

    assert not ReleaseQuarter.objects.filter(period="2026-Q1", epsilon_spent__gt=0).exists()
    assert quarter("2026-Q2").epsilon_spent == 5
    assert Release.objects.count() == 1


def test_a_published_private_quarter_is_reused_without_spending_again() -> None:
    for person in consenting_patients(30):
        report(person, on=date(2026, 2, 10))
        report(person, on=date(2026, 5, 10))
    first = built("2026-Q1", epsilon=4)

    queued = request("2026-Q1", "2026-Q2", epsilon=4)
    second = services.release_build(release_id=queued.pk)

    assert second is not None
    assert queued.parameters["charged_quarters"] == ["2026-Q2"]
    assert (quarter("2026-Q1").epsilon_spent, quarter("2026-Q2").epsilon_spent) == (4, 4)
    assert cells_of(second, "2026-Q1") == cells_of(first, "2026-Q1")  # the same noise
    assert quarter("2026-Q1").noisy_release == first


@pytest.mark.parametrize("epsilon", [0, -1, 0.01, 1e-300, 8.5, float("inf"), float("nan")])
def test_the_ledger_refuses_an_epsilon_that_makes_no_sense(epsilon: float) -> None:
    with pytest.raises(EpsilonInvalid):
        request("2026-Q1", epsilon=epsilon)
    assert not Release.objects.exists()
    assert not ReleaseQuarter.objects.filter(epsilon_spent__gt=0).exists()


def test_it_refuses_a_private_release_of_a_quarter_released_exactly() -> None:
    request("2026-Q1")

    with pytest.raises(ExactAndPrivateRefused):
        request("2026-Q1", epsilon=2)
    assert quarter("2026-Q1").epsilon_spent == 0


def test_it_refuses_an_exact_release_of_a_quarter_released_privately() -> None:
    request("2026-Q2", epsilon=2)

    with pytest.raises(ExactAndPrivateRefused):
        request("2026-Q1", "2026-Q2")
    assert not quarter("2026-Q2").exact_requested
    assert not ReleaseQuarter.objects.filter(period="2026-Q1", exact_requested=True).exists()


def test_the_operator_may_allow_exact_and_private_releases_of_one_quarter(
    settings: LazySettings,
) -> None:
    settings.RESEARCH_ALLOW_EXACT_AND_DP = True
    request("2026-Q1")
    request("2026-Q1", epsilon=2)
    request("2026-Q1")

    assert (quarter("2026-Q1").exact_requested, quarter("2026-Q1").epsilon_spent) == (True, 2)


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_cannot_both_pass_the_quarter_cap(
    live_services: None, settings: LazySettings
) -> None:
    """Two transactions on PostgreSQL: the first has charged and not committed; the second's
    conditional update waits on the row lock, then sees the first's spending and is refused."""
    settings.RESEARCH_DP_EPSILON_PER_QUARTER = 8
    charged, proceed = threading.Event(), threading.Event()
    outcomes: dict[str, str] = {}

    def first() -> None:
        try:
            from django.db import transaction

            with transaction.atomic():
                request("2026-Q1", epsilon=5)
                charged.set()
                proceed.wait(timeout=30)
            outcomes["first"] = "passed"
        finally:
            connection.close()

    def second() -> None:
        try:
            request("2026-Q1", epsilon=5)
            outcomes["second"] = "passed"
        except PrivacyBudgetExhausted:
            outcomes["second"] = "refused"
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert charged.wait(timeout=30)
    two = threading.Thread(target=second)
    two.start()
    blocked = False
    with connection.cursor() as cursor:  # wait until it is blocked on the first one's row lock
        while two.is_alive() and not blocked:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            blocked = cursor.fetchone()[0] > 0
    proceed.set()
    one.join(timeout=30)
    two.join(timeout=30)

    assert blocked
    assert outcomes == {"first": "passed", "second": "refused"}
    assert quarter("2026-Q1").epsilon_spent == 5
    assert PrivacyBudgetYear.objects.get(year=2026).epsilon_spent == 5
