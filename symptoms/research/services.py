"""Writes for research releases: asking for a build and building one.

Each quarter is published once (``ledger``): a build computes only the quarters no earlier
release published, and copies the frozen cells of the others. For those it reads people whose
research consent is active at the moment the build starts, and of each person only the reports
dated on or after that consent; it reduces their scores to one mean per person, scale and quarter
in SQL, coarsens their profile into the specification's bands, and hands that to the pure
disclosure control. The cells, the quarters' freezing and the release's number are written in
one transaction, after which the release never changes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Avg, F, Max, Q, QuerySet
from django.db.models.functions import ExtractQuarter, ExtractYear
from django.utils import timezone

from accounts import services as account_services
from accounts.models import AuditAction, Consent, PatientProfile, User
from symptoms.models import Release, ReleaseCell, ReleaseStatus, ReportScore
from symptoms.research import disclosure, ledger
from symptoms.research.errors import ReleaseParametersInvalid, UnknownSpec
from symptoms.research.specs import (
    CURRENT_SPEC,
    ReleaseSpec,
    age_band,
    country_category,
    duration_band,
    ms_type_category,
    quarter_bounds,
    quarters_between,
    sex_category,
    spec_get,
)

logger = logging.getLogger(__name__)

LOADED_AT = 20  # progress (percent) once the values are read; the tables take it to 90
# The build's read sorts and groups every score of its quarters; PostgreSQL's default 4 MB of
# work_mem made it spill hundreds of MB to disk (issue 13). Set for the read's transaction only.
BUILD_WORK_MEM = "256MB"
# A building worker renews its lease (``heartbeat_at``) every fifth of the lease
# (RESEARCH_RELEASE_LEASE_SECONDS), from a thread of its own, whatever phase the build is in. A
# build whose lease is older than that has lost its worker (killed, out of memory, machine gone)
# and the reaper, every 30 seconds, queues it again: a killed build runs again within about two
# minutes. After BUILD_ATTEMPTS claims it is marked failed instead, so a build that kills its
# worker every time stops trying.
BUILD_ATTEMPTS = 3


def build_lease() -> timedelta:
    return timedelta(seconds=settings.RESEARCH_RELEASE_LEASE_SECONDS)


# A queued release whose task message was lost (Redis restarted without persistence) has its
# task sent again after this long, and again every this long while it stays queued (behind a
# long build, say); the build's atomic claim makes a second message harmless.
QUEUED_STUCK_AFTER = timedelta(minutes=2)


@transaction.atomic
def release_request(
    *,
    requested_by: User | None,
    first_quarter: str | None = None,
    last_quarter: str | None = None,
    spec_version: str = CURRENT_SPEC,
    epsilon: float | None = None,
    queue: bool = True,
) -> Release:
    """A queued release of ``spec_version`` over the quarters given (default: the last four
    releasable ones); the worker builds it after this transaction commits. With ``epsilon`` it
    is differentially private, and the epsilon is charged now to each quarter it will measure
    (``ledger.quarters_claim``, which also refuses quarters not yet releasable, published
    under another specification, or published as the other kind)."""
    try:
        spec_get(spec_version)
    except KeyError:
        raise UnknownSpec from None
    if first_quarter is None and last_quarter is None:
        periods = ledger.last_releasable_quarters(
            today=timezone.localdate(), count=settings.RESEARCH_RELEASE_QUARTERS
        )
    else:
        try:
            periods = quarters_between(first_quarter or "", last_quarter or first_quarter or "")
        except ValueError:
            raise ReleaseParametersInvalid() from None
        if not periods or len(periods) > settings.RESEARCH_RELEASE_MAX_QUARTERS:
            raise ReleaseParametersInvalid()
    charged = ledger.quarters_claim(
        periods=periods, spec_version=spec_version, epsilon=epsilon, today=timezone.localdate()
    )
    parameters: dict[str, Any] = {"periods": periods, "min_cell_size": disclosure.MIN_CELL}
    if epsilon is not None:
        parameters |= {
            "epsilon": epsilon,
            "mechanism": "discrete Laplace (OpenDP)",
            "charged_quarters": charged,
        }
    release = Release.objects.create(
        spec_version=spec_version, parameters=parameters, requested_by=requested_by
    )
    if requested_by is not None:
        account_services.audit_record(
            actor=requested_by,
            action=AuditAction.RELEASE_REQUESTED,
            detail={"release": str(release.public_id)},
        )
    if queue:
        from symptoms.research.tasks import release_build as release_build_task

        release_build_task.delay_on_commit(release.pk)  # type: ignore[attr-defined]  # DjangoTask
    return release


def _counted_reports(consents: QuerySet[Consent], first_day: date) -> Q:
    """Score rows of the people whose consent is in ``consents``, dated on or after that
    consent's (UTC) day. Those who consented before ``first_day`` are one subquery; the others
    are grouped by the day they consented, so the database compares plain dates (no per-row
    time-zone conversion, which made SQLite's read take minutes)."""
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=UTC)
    counted = Q(patient_id__in=consents.filter(granted_at__lt=start).values("user_id"))
    since: dict[date, list[int]] = defaultdict(list)
    for user_id, granted_at in consents.filter(granted_at__gte=start).values_list(
        "user_id", "granted_at"
    ):
        since[granted_at.astimezone(UTC).date()].append(user_id)
    for day, people in since.items():
        counted |= Q(patient_id__in=people, local_date__gte=day)
    return counted


def _person_period_values(
    *, spec: ReleaseSpec, periods: list[str], at: datetime
) -> list[disclosure.PersonValue]:
    """One value per person, scale and quarter: the mean of that person's scores in it, for
    people counted in research at ``at`` only (consent in force, confirmed email), and of their
    reports only those dated on or after that consent (a new consent does not pull in the
    past)."""
    consents = Consent.objects.counted_in_research_at(at)
    consenting = consents.values("user_id")
    first_day, _ = quarter_bounds(periods[0])
    _, last_day = quarter_bounds(periods[-1])
    which = Q()
    for scale in spec.scales:
        which |= Q(
            instrument=scale.instrument.code,
            scale=scale.scale.key,
            instrument_version=scale.instrument.version,  # on the row: no join with reports
        )
    means = (
        ReportScore.objects.filter(which, _counted_reports(consents, first_day))
        .filter(local_date__gte=first_day, local_date__lte=last_day)
        .annotate(year=ExtractYear("local_date"), quarter=ExtractQuarter("local_date"))
        .values("patient_id", "instrument", "scale", "year", "quarter")
        .annotate(mean=Avg("value"))
        .order_by()
    )
    profiles = {
        row["user_id"]: row
        for row in PatientProfile.objects.filter(user_id__in=consenting).values(
            "user_id", "birth_year", "sex", "ms_type", "diagnosis_year", "country"
        )
    }
    values = []
    for row in means:
        profile = profiles.get(row["patient_id"])
        period = f"{row['year']}-Q{row['quarter']}"
        if profile is None or period not in periods:  # a frozen quarter between fresh ones
            continue
        year = int(row["year"])
        keys = {
            "ms_type": ms_type_category(profile["ms_type"]),
            "age_band": age_band(profile["birth_year"], year),
            "sex": sex_category(profile["sex"]),
            "disease_duration": duration_band(profile["diagnosis_year"], year),
            "country": country_category(str(profile["country"] or "")),
        }
        values.append(
            disclosure.PersonValue(
                person=row["patient_id"],
                period=period,
                scale=f"{row['instrument']}.{row['scale']}",
                value=float(row["mean"]),
                keys=keys,
            )
        )
    return values


def _progress_setter(release_id: int) -> Callable[[float], None]:
    def report(fraction: float) -> None:
        percent = LOADED_AT + int(fraction * (90 - LOADED_AT))
        Release.objects.filter(pk=release_id, status=ReleaseStatus.BUILDING).update(
            progress=percent
        )

    return report


def _cell_row(release: Release, position: int, cell: disclosure.Cell) -> ReleaseCell:
    m = cell.measures
    return ReleaseCell(
        release=release,
        position=position,
        table=cell.table,
        period=cell.period,
        keys=dict(cell.keys),
        scale=cell.scale,
        suppressed=cell.suppressed,
        n=cell.n,
        mean=m.mean if m else None,
        sd=m.sd if m else None,
        median=m.median if m else None,
        q1=m.q1 if m else None,
        q3=m.q3 if m else None,
        share_past_cutoff=m.share_past_threshold if m else None,
    )


class LeaseLost(Exception):
    """This build's claim was taken back (its lease ran out) and given to another attempt."""


def _publish(
    release_id: int,
    fresh: dict[str, list[disclosure.Cell]],
    started: float,
    privacy: dict[str, Any],
    claimed_at: datetime,
) -> Release:
    """Cells, the quarters' freezing, number and status in one transaction; a number taken by
    a concurrent build (unique constraint) is retried with the next one. A quarter that a
    concurrent build froze while this one computed is copied from it, not from ``fresh``.
    Raises LeaseLost, publishing nothing, if the release is no longer this build's claim."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                release = Release.objects.select_for_update().get(pk=release_id)
                if release.status != ReleaseStatus.BUILDING or release.started_at != claimed_at:
                    raise LeaseLost
                periods: list[str] = release.parameters["periods"]
                is_noisy = "epsilon" in release.parameters
                cells, copied = ledger.quarters_freeze(
                    release=release, fresh=fresh, periods=periods, is_noisy=is_noisy
                )
                latest = Release.objects.aggregate(latest=Max("number"))["latest"] or 0
                ReleaseCell.objects.bulk_create(
                    (_cell_row(release, i, c) for i, c in enumerate(cells)), batch_size=2000
                )
                release.number = latest + 1
                release.status = ReleaseStatus.PUBLISHED
                release.progress = 100
                release.built_at = timezone.now()
                release.build_seconds = round(time.monotonic() - started, 2)
                release.cell_count = len(cells)
                release.suppressed_count = sum(1 for c in cells if c.suppressed)
                parameters = {**release.parameters, "first_published_in": copied}
                if privacy:  # the accuracy is published with the release
                    parameters["privacy"] = privacy
                elif is_noisy and copied:  # every quarter reused: so is its accuracy
                    source = Release.objects.get(number=next(iter(copied.values())))
                    parameters["privacy"] = source.parameters.get("privacy", {})
                release.parameters = parameters
                release.save()
                return release
        except IntegrityError:
            continue
    raise IntegrityError("could not number the release")


def _fresh_cells(
    release: Release, spec: ReleaseSpec, periods: list[str], at: datetime
) -> tuple[dict[str, list[disclosure.Cell]], dict[str, Any]]:
    """The cells of the quarters no release has published yet, by period, and the privacy
    report of a noisy build."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('work_mem', %s, true)", [BUILD_WORK_MEM])
        values = _person_period_values(spec=spec, periods=periods, at=at)
    Release.objects.filter(pk=release.pk).update(progress=LOADED_AT)
    epsilon = release.parameters.get("epsilon")
    privacy: dict[str, Any] = {}
    if epsilon is None:
        outcome = disclosure.cells_build(
            spec.layout, values, periods, progress=_progress_setter(release.pk)
        )
    else:
        from symptoms.research.privacy import noisy_cells_build  # loads OpenDP's library

        noisy = noisy_cells_build(
            spec.layout,
            values,
            periods,
            ranges={s.key: s.scale.range for s in spec.scales},
            epsilon=float(epsilon),
            progress=_progress_setter(release.pk),
        )
        outcome = noisy.outcome
        privacy = {
            "epsilon_per_measurement": noisy.epsilon_per_measurement,
            "library": noisy.library,
            "accuracy": [asdict(a) for a in noisy.accuracy],
        }
    by_period: dict[str, list[disclosure.Cell]] = {p: [] for p in periods}
    for cell in outcome.cells:
        by_period[cell.period].append(cell)
    return by_period, privacy


class _Heartbeat(threading.Thread):
    """Renews a build's lease every fifth of the lease until stopped, on its own connection."""

    def __init__(self, release_id: int, claimed_at: datetime) -> None:
        super().__init__(name=f"release-{release_id}-heartbeat", daemon=True)
        self.release_id, self.claimed_at = release_id, claimed_at
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(build_lease().total_seconds() / 5) and self.beat():
                pass
        finally:
            connection.close()

    def beat(self) -> bool:
        """Renew the lease once; false when the build is no longer this claim's."""
        try:
            return bool(
                Release.objects.filter(
                    pk=self.release_id, status=ReleaseStatus.BUILDING, started_at=self.claimed_at
                ).update(heartbeat_at=timezone.now())
            )
        except DatabaseError:  # the database is away: the lease may lapse, and then
            logger.warning("release id=%s: lease not renewed", self.release_id)
            return True  # publication refuses to publish over a new claim

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def release_build(*, release_id: int) -> Release | None:
    """Build a queued release. Another worker that claimed it first wins; this one returns
    None. A failure marks the release failed with the error's class name and re-raises.

    1. Claim the release (queued -> building) atomically, taking a lease that a thread renews
       while the build runs (every fifth of the lease).
    2. For the quarters not published yet (of this kind): read one mean per consenting person,
       scale and quarter, and compute every cell with suppression or noise (progress 20-90%).
    3. Publish: cells (the published quarters' copied), the quarters' freezing, number, status
       and counts in one transaction, only if the claim is still this build's (a build whose
       lease ran out was queued again by the reaper and may be running elsewhere).
    """
    started_at = timezone.now()
    claimed = Release.objects.filter(pk=release_id, status=ReleaseStatus.QUEUED).update(
        status=ReleaseStatus.BUILDING,
        started_at=started_at,
        heartbeat_at=started_at,
        attempts=F("attempts") + 1,
        progress=1,
    )
    if claimed != 1:
        logger.info("release_build: release id=%s is not queued", release_id)
        return None
    started = time.monotonic()
    heartbeat = _Heartbeat(release_id, started_at)
    heartbeat.start()
    try:
        release = Release.objects.get(pk=release_id)
        spec = spec_get(release.spec_version)
        periods: list[str] = release.parameters["periods"]
        frozen = ledger.frozen_sources(
            periods=periods,
            spec_version=release.spec_version,
            is_noisy="epsilon" in release.parameters,
        )
        fresh_periods = [p for p in periods if p not in frozen]
        fresh: dict[str, list[disclosure.Cell]] = {}
        privacy: dict[str, Any] = {}
        if fresh_periods:
            fresh, privacy = _fresh_cells(release, spec, fresh_periods, started_at)
        published = _publish(release_id, fresh, started, privacy, started_at)
    except LeaseLost:
        logger.warning("release_build: release id=%s was claimed again; not published", release_id)
        return None
    except Exception as exc:
        Release.objects.filter(
            pk=release_id, status=ReleaseStatus.BUILDING, started_at=started_at
        ).update(status=ReleaseStatus.FAILED, error=type(exc).__name__[:64])
        logger.exception("release_build failed for release id=%s", release_id)
        raise
    finally:
        heartbeat.stop()
    logger.info(
        "release published id=%s number=%s cells=%d suppressed=%d seconds=%.2f",
        release_id,
        published.number,
        published.cell_count,
        published.suppressed_count,
        published.build_seconds or 0,
    )
    return published


def releases_reap_stuck(
    *, enqueue: Callable[[int], object], now: datetime | None = None
) -> tuple[int, int]:
    """Builds a crash left behind, and queued builds whose message was lost.

    A release still ``building`` whose lease is older than ``build_lease()`` lost its worker (killed
    or out of memory; nothing was published, one transaction): it is queued again and its task
    sent, or, after BUILD_ATTEMPTS claims, marked failed so staff see it. A release still
    ``queued`` after QUEUED_STUCK_AFTER has its build task sent again (then every
    QUEUED_STUCK_AFTER while it stays queued). The build's atomic claim
    makes a second message harmless. Returns (failed, queued again)."""
    now = now or timezone.now()
    lease = build_lease()
    lapsed = Q(status=ReleaseStatus.BUILDING) & (
        Q(heartbeat_at__lt=now - lease) | Q(heartbeat_at__isnull=True, started_at__lt=now - lease)
    )
    failed = Release.objects.filter(lapsed, attempts__gte=BUILD_ATTEMPTS).update(
        status=ReleaseStatus.FAILED, error="WorkerLost"
    )
    again = []
    for pk, heartbeat_at in Release.objects.filter(lapsed).values_list("pk", "heartbeat_at"):
        # Only if the lease is still the lapsed one: a worker renewing it now keeps its build.
        if Release.objects.filter(lapsed, pk=pk, heartbeat_at=heartbeat_at).update(
            status=ReleaseStatus.QUEUED, started_at=None, heartbeat_at=now, progress=0
        ):
            again.append(pk)
    # While queued, ``heartbeat_at`` is when its task was last sent again.
    waiting = Q(status=ReleaseStatus.QUEUED, requested_at__lt=now - QUEUED_STUCK_AFTER) & (
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - QUEUED_STUCK_AFTER)
    )
    stale = list(Release.objects.filter(waiting).exclude(pk__in=again).values_list("pk", flat=True))
    Release.objects.filter(waiting, pk__in=stale).update(heartbeat_at=now)
    for pk in [*again, *stale]:
        enqueue(pk)
    if failed or again or stale:
        logger.warning(
            "release reaper: %d failed after %d attempts, %d building again, %d queued again",
            failed,
            BUILD_ATTEMPTS,
            len(again),
            len(stale),
        )
    return failed, len(again) + len(stale)
