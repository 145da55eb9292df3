"""Building research releases: who is in them, one row per person per quarter, immutability."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts import services as account_services
from accounts.models import AuditAction, AuditEvent, User
from symptoms.models import Release, ReleaseCell, ReleaseStatus
from symptoms.research import ledger, services
from symptoms.research.errors import ReleaseParametersInvalid, UnknownSpec
from symptoms.research.specs import age_band, duration_band, last_complete_quarters
from tests.accounts.factories import PatientFactory
from tests.symptoms.factories import DAILY, report

pytestmark = pytest.mark.django_db
ON = date(2026, 2, 10)  # 2026-Q1


CONSENTED_AT = datetime(2026, 1, 1, tzinfo=UTC)  # before every report of these tests


def consenting_patients(count: int, at: datetime = CONSENTED_AT) -> list[User]:
    """Patients who consented at ``at``: a release counts their reports dated from then."""
    people = []
    with time_machine.travel(at, tick=False):
        for _ in range(count):
            person = PatientFactory()
            account_services.consent_set(user=person, granted=True)
            people.append(person)
    return people


def build(**kwargs: Any) -> Release:
    release = services.release_request(
        requested_by=None, first_quarter="2026-Q1", queue=False, **kwargs
    )
    built = services.release_build(release_id=release.pk)
    assert built is not None
    return built


def overall(release: Release, scale: str = "daily.fatigue") -> ReleaseCell:
    return ReleaseCell.objects.get(release=release, table="overall", scale=scale)


def test_it_counts_only_people_with_active_research_consent() -> None:
    people = consenting_patients(12)
    outsiders = [PatientFactory() for _ in range(3)]
    for i, person in enumerate([*people, *outsiders]):
        report(person, answers={**DAILY, "fatigue": i % 11}, on=ON)

    release = build()

    cell = overall(release)
    assert (cell.n, cell.suppressed) == (12, False)
    assert cell.mean == pytest.approx(statistics.fmean(i % 11 for i in range(12)), abs=0.005)
    assert release.status == ReleaseStatus.PUBLISHED
    assert release.number == 1
    assert release.cell_count == ReleaseCell.objects.filter(release=release).count()


def test_it_leaves_out_consenting_accounts_whose_email_is_not_confirmed() -> None:
    people = consenting_patients(12)
    unconfirmed = PatientFactory(email_verified=False)
    account_services.consent_set(user=unconfirmed, granted=True)
    for person in [*people, unconfirmed]:
        report(person, on=ON)

    assert overall(build()).n == 12


def test_it_drops_a_person_who_withdrew_consent_from_quarters_not_yet_published() -> None:
    people = consenting_patients(13)
    for person in people:
        report(person, on=ON)
        report(person, on=date(2026, 5, 5))
    first = build()

    account_services.consent_set(user=people[0], granted=False)
    second = build(last_quarter="2026-Q2")

    q1, q2 = (
        ReleaseCell.objects.get(release=second, period=p, table="overall", scale="daily.fatigue")
        for p in ("2026-Q1", "2026-Q2")
    )
    assert (overall(first).n, q1.n, q2.n) == (13, 13, 12)  # published once, then frozen
    assert (first.number, second.number) == (1, 2)


def test_it_takes_one_mean_per_person_per_quarter() -> None:
    people = consenting_patients(11)
    for person in people[1:]:
        report(person, answers={**DAILY, "fatigue": 2}, on=ON)
    for day, rating in ((3, 10), (4, 4), (5, 7)):
        report(people[0], answers={**DAILY, "fatigue": rating}, on=date(2026, 3, day))

    cell = overall(build())

    assert cell.n == 11  # the person with three check-ins is one person
    assert cell.mean == pytest.approx((10 * 2 + 7) / 11, abs=0.005)


def test_it_suppresses_a_quarter_with_fewer_than_eleven_people() -> None:
    for person in consenting_patients(10):
        report(person, on=ON)

    cell = overall(build())

    assert cell.suppressed
    assert (cell.n, cell.mean, cell.median) == (None, None, None)


def test_it_publishes_a_release_whose_cells_cannot_change() -> None:
    for person in consenting_patients(11):
        report(person, on=ON)
    cell = overall(build())

    with pytest.raises(PermissionError):
        ReleaseCell.objects.filter(pk=cell.pk).update(n=1)
    with pytest.raises(PermissionError):
        cell.save()


def test_it_builds_a_queued_release_once() -> None:
    release = services.release_request(requested_by=None, first_quarter="2026-Q1", queue=False)
    assert services.release_build(release_id=release.pk) is not None

    assert services.release_build(release_id=release.pk) is None
    assert Release.objects.get(pk=release.pk).number == 1


def test_it_marks_a_build_that_fails_and_keeps_no_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    release = services.release_request(requested_by=None, first_quarter="2026-Q1", queue=False)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise ArithmeticError("boom")

    monkeypatch.setattr("symptoms.research.disclosure.cells_build", broken)
    with pytest.raises(ArithmeticError):
        services.release_build(release_id=release.pk)

    release.refresh_from_db()
    assert (release.status, release.error, release.number) == (
        ReleaseStatus.FAILED,
        "ArithmeticError",
        None,
    )
    assert not ReleaseCell.objects.filter(release=release).exists()


def _building(release: Release, *, lease_age: timedelta, attempts: int = 1) -> None:
    """As if a worker claimed it and last renewed its lease ``lease_age`` ago."""
    renewed = timezone.now() - lease_age
    Release.objects.filter(pk=release.pk).update(
        status=ReleaseStatus.BUILDING,
        started_at=renewed - timedelta(minutes=5),
        heartbeat_at=renewed,
        attempts=attempts,
    )


def test_the_reaper_queues_again_a_build_whose_worker_died_and_a_lost_one() -> None:
    now = timezone.now()
    died, lost, live, fresh, hopeless = (
        services.release_request(requested_by=None, first_quarter="2026-Q1", queue=False)
        for _ in range(5)
    )
    _building(died, lease_age=services.build_lease() + timedelta(seconds=1))
    _building(live, lease_age=services.build_lease() - timedelta(seconds=5))
    _building(
        hopeless, lease_age=timedelta(minutes=10), attempts=services.BUILD_ATTEMPTS
    )  # killed its worker every time
    Release.objects.filter(pk=lost.pk).update(requested_at=now - timedelta(minutes=31))
    queued: list[int] = []

    assert services.releases_reap_stuck(enqueue=queued.append, now=now) == (1, 2)

    statuses = dict(Release.objects.values_list("pk", "status"))
    assert statuses[died.pk] == ReleaseStatus.QUEUED
    assert (statuses[hopeless.pk], Release.objects.get(pk=hopeless.pk).error) == (
        ReleaseStatus.FAILED,
        "WorkerLost",
    )
    assert (statuses[live.pk], statuses[fresh.pk]) == (ReleaseStatus.BUILDING, ReleaseStatus.QUEUED)
    assert sorted(queued) == sorted([died.pk, lost.pk])  # each sent once
    assert services.releases_reap_stuck(enqueue=queued.append, now=now) == (0, 0)  # not twice
    resent: list[int] = []
    services.releases_reap_stuck(
        enqueue=resent.append, now=now + services.QUEUED_STUCK_AFTER + timedelta(seconds=1)
    )
    assert {died.pk, lost.pk} <= set(resent)  # still queued two minutes on: sent again
    for pk in queued:  # the resent tasks build them
        built = services.release_build(release_id=pk)
        assert built is not None
        assert built.status == ReleaseStatus.PUBLISHED
    assert Release.objects.get(pk=died.pk).attempts == 2


def test_a_build_whose_lease_was_taken_back_publishes_nothing() -> None:
    """The attack: a worker that only stalled (not died) comes back after the reaper gave its
    build to another attempt; it must not publish over the new claim, nor mark it failed."""
    consenting_patients(12)
    release = services.release_request(requested_by=None, first_quarter="2026-Q1", queue=False)
    original = services._fresh_cells

    def stall_then_lose_the_lease(*args: Any, **kwargs: Any) -> Any:
        cells = original(*args, **kwargs)
        # Meanwhile the reaper saw the lease lapse and another worker claimed the build.
        Release.objects.filter(pk=release.pk).update(started_at=timezone.now(), attempts=2)
        return cells

    services._fresh_cells = stall_then_lose_the_lease  # type: ignore[assignment]
    try:
        assert services.release_build(release_id=release.pk) is None
    finally:
        services._fresh_cells = original  # type: ignore[assignment]

    release.refresh_from_db()
    assert release.status == ReleaseStatus.BUILDING  # still the other attempt's
    assert release.number is None
    assert not ReleaseCell.objects.filter(release=release).exists()


def test_a_build_holds_a_lease_while_it_works() -> None:
    consenting_patients(12)
    release = services.release_request(requested_by=None, first_quarter="2026-Q1", queue=False)
    seen: list[tuple[int, datetime, str]] = []
    original = services._Heartbeat

    class Recording(original):  # type: ignore[misc, valid-type]
        def run(self) -> None:  # no second connection in this test's transaction
            seen.append((self.release_id, self.claimed_at, "started"))
            self.stopped.wait()
            seen.append((self.release_id, self.claimed_at, "stopped"))

    services._Heartbeat = Recording  # type: ignore[misc]
    try:
        built = services.release_build(release_id=release.pk)
    finally:
        services._Heartbeat = original  # type: ignore[misc]
    assert built is not None
    assert seen == [
        (release.pk, built.started_at, "started"),
        (release.pk, built.started_at, "stopped"),
    ]
    assert built.attempts == 1


def test_the_heartbeat_renews_only_its_own_claim() -> None:
    release = services.release_request(requested_by=None, first_quarter="2026-Q1", queue=False)
    claimed = timezone.now() - timedelta(minutes=1)
    Release.objects.filter(pk=release.pk).update(
        status=ReleaseStatus.BUILDING, started_at=claimed, heartbeat_at=claimed
    )
    heartbeat = services._Heartbeat(release.pk, claimed)

    assert heartbeat.beat()
    release.refresh_from_db()
    assert release.heartbeat_at is not None
    assert release.heartbeat_at > claimed

    Release.objects.filter(pk=release.pk).update(started_at=timezone.now())  # claimed again
    assert not heartbeat.beat()


def test_it_audits_who_asked_for_a_release(sam: User) -> None:
    release = services.release_request(requested_by=sam, first_quarter="2026-Q1", queue=False)

    event = AuditEvent.objects.get(action=AuditAction.RELEASE_REQUESTED)
    assert (event.actor, event.detail) == (sam, {"release": str(release.public_id)})


@pytest.mark.parametrize(
    ("first", "last"),
    [("2026-Q5", None), ("2026-Q3", "2026-Q1"), ("2020-Q1", "2026-Q4"), ("soon", None)],
)
def test_it_refuses_quarters_that_make_no_release(first: str, last: str | None) -> None:
    with pytest.raises(ReleaseParametersInvalid):
        services.release_request(
            requested_by=None, first_quarter=first, last_quarter=last, queue=False
        )
    assert not Release.objects.exists()


def test_it_refuses_an_unknown_specification() -> None:
    with pytest.raises(UnknownSpec):
        services.release_request(requested_by=None, spec_version="99", queue=False)


def test_it_defaults_to_the_last_four_complete_quarters() -> None:
    assert last_complete_quarters(date(2026, 12, 1)) == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
    assert last_complete_quarters(date(2026, 1, 1), 1) == ["2025-Q4"]


@pytest.mark.parametrize(
    ("born", "year", "band"),
    [(None, 2026, "unknown"), (2010, 2026, "unknown"), (2008, 2026, "18-39"), (1987, 2026, "18-39"),
     (1986, 2026, "40-49"), (1967, 2026, "50-59"), (1957, 2026, "60-69"), (1956, 2026, "70+")],
)  # fmt: skip
def test_it_bands_age_at_the_period(born: int | None, year: int, band: str) -> None:
    assert age_band(born, year) == band


@pytest.mark.parametrize(
    ("diagnosed", "band"),
    [(None, "unknown"), (2026, "<5"), (2022, "<5"), (2021, "5-9"), (2012, "10-14"),
     (2007, "15-19"), (2006, "20+")],
)  # fmt: skip
def test_it_bands_disease_duration_at_the_period(diagnosed: int | None, band: str) -> None:
    assert duration_band(diagnosed, 2026) == band


def test_the_command_builds_a_release_and_says_what_it_holds() -> None:
    for person in consenting_patients(11):
        report(person, on=ON)
    out = StringIO()

    call_command("build_release", "--from", "2026-Q1", stdout=out)

    release = Release.objects.get()
    assert out.getvalue().startswith(f"Release 1 ({release.public_id}) over 2026-Q1: ")
    assert f"{release.cell_count} cells, {release.suppressed_count} suppressed" in out.getvalue()


def test_the_command_refuses_bad_quarters() -> None:
    with pytest.raises(CommandError, match="calendar quarters"):
        call_command("build_release", "--from", "2026-Q9")


def test_the_quarterly_schedule_queues_a_release_of_the_last_four_quarters() -> None:
    from config.celery import app
    from symptoms.research.tasks import release_build_scheduled

    entry = app.conf.beat_schedule["research-release-quarterly"]
    assert entry["task"] == release_build_scheduled.name
    assert entry["schedule"].month_of_year == {1, 4, 7, 10}

    release_build_scheduled()

    release = Release.objects.get()
    assert release.status == ReleaseStatus.QUEUED
    assert entry["schedule"].day_of_month == {16}  # after the 14 days quarters settle
    assert release.parameters["periods"] == ledger.last_releasable_quarters(
        today=timezone.localdate(), count=4
    )


def test_it_reads_scores_without_joining_the_reports() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for person in consenting_patients(11):
        report(person, on=ON)
    queued = services.release_request(requested_by=None, first_quarter="2026-Q1", queue=False)

    with CaptureQueriesContext(connection) as queries:
        services.release_build(release_id=queued.pk)

    reads = [q["sql"] for q in queries if 'FROM "symptoms_reportscore"' in q["sql"]]
    assert len(reads) == 1
    assert 'JOIN "symptoms_report" ' not in reads[0]
    assert '"symptoms_reportscore"."instrument_version"' in reads[0]
    if connection.vendor == "postgresql":  # the sort of the read stays in memory
        assert any("set_config('work_mem'" in q["sql"] for q in queries)
