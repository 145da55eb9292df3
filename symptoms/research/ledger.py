"""Each quarter is published once: the ledger of release quarters (docs/research.md).

Two releases that cover one quarter must not differ there, or comparing them tells about the
people who withdrew, deleted their account, consented or corrected a report in between (the
differencing attack). So a quarter's cells are computed by the first release that covers it and
frozen (``ReleaseQuarter.exact_release`` / ``noisy_release``); every later release copies them.

Claims made when a release is requested, each one conditional update so that concurrent
requests cannot both pass:

- an exact release marks its quarters ``exact_requested``; a differentially private one adds its
  epsilon to each quarter it will measure and to that quarter's calendar year. The two kinds of
  one quarter exclude each other unless ``RESEARCH_ALLOW_EXACT_AND_DP`` is on;
- a quarter already published under another specification version is refused: we keep no
  frozen copy of the population (it would hold people who withdrew or deleted their account),
  and computing it again from today's data would reopen the differencing attack.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

from django.conf import settings
from django.db.models import F, Q

from symptoms.models import PrivacyBudgetYear, Release, ReleaseCell, ReleaseQuarter
from symptoms.research import disclosure
from symptoms.research.errors import (
    EpsilonInvalid,
    ExactAndPrivateRefused,
    PrivacyBudgetExhausted,
    QuarterNotReleasable,
    QuarterPublishedUnderOtherSpec,
)
from symptoms.research.specs import last_complete_quarters, quarter_bounds


def is_releasable(period: str, *, today: date) -> bool:
    """Whether ``period`` has ended and its settling period for late uploads has passed."""
    _, last_day = quarter_bounds(period)
    return last_day + timedelta(days=settings.RESEARCH_RELEASE_SETTLING_DAYS) < today


def last_releasable_quarters(*, today: date, count: int) -> list[str]:
    """The last ``count`` quarters that are releasable on ``today``."""
    settled = today - timedelta(days=settings.RESEARCH_RELEASE_SETTLING_DAYS)
    return last_complete_quarters(settled, count)


def _rows(periods: Iterable[str]) -> dict[str, ReleaseQuarter]:
    """The quarters' rows, made where missing, locked in period order (so two requests over
    overlapping quarters lock them in the same order and cannot deadlock)."""
    wanted = sorted(set(periods))
    ReleaseQuarter.objects.bulk_create(
        [ReleaseQuarter(period=p) for p in wanted], ignore_conflicts=True
    )
    rows = ReleaseQuarter.objects.select_for_update().filter(period__in=wanted).order_by("period")
    return {row.period: row for row in rows}


def _published_spec(row: ReleaseQuarter) -> str | None:
    if row.exact_release_id is None and row.noisy_release_id is None:
        return None
    return row.spec_version


def quarters_claim(
    *, periods: Sequence[str], spec_version: str, epsilon: float | None, today: date
) -> list[str]:
    """Claim ``periods`` for a release of ``spec_version`` (exact when ``epsilon`` is None),
    or raise. Returns the quarters the release will measure and charge (for a private release,
    those without frozen noisy cells yet). Call inside the request's transaction."""
    if not all(is_releasable(p, today=today) for p in periods):
        raise QuarterNotReleasable
    if epsilon is not None and not (
        settings.RESEARCH_DP_EPSILON_MIN <= epsilon <= settings.RESEARCH_DP_EPSILON_MAX
    ):  # NaN fails this too
        raise EpsilonInvalid
    rows = _rows(periods)
    if any(_published_spec(row) not in (None, spec_version) for row in rows.values()):
        raise QuarterPublishedUnderOtherSpec
    allow_both = settings.RESEARCH_ALLOW_EXACT_AND_DP
    if epsilon is None:
        claim = ReleaseQuarter.objects.filter(period__in=rows)
        if not allow_both:
            claim = claim.filter(epsilon_spent=0)
        if claim.update(exact_requested=True) != len(rows):
            raise ExactAndPrivateRefused
        return list(periods)
    charged = [p for p in periods if rows[p].noisy_release_id is None]
    for period in charged:
        _epsilon_spend(period=period, epsilon=epsilon, allow_exact=allow_both)
    return charged


def _epsilon_spend(*, period: str, epsilon: float, allow_exact: bool) -> None:
    """Charge ``epsilon`` to one quarter and to its calendar year, each with one conditional
    update: a concurrent request that spent first makes this one fail the condition."""
    quarter_cap = float(settings.RESEARCH_DP_EPSILON_PER_QUARTER)
    year_cap = float(settings.RESEARCH_DP_EPSILON_PER_YEAR)
    quarter = ReleaseQuarter.objects.filter(period=period)
    if not allow_exact:
        if quarter.filter(exact_requested=True).exists():
            raise ExactAndPrivateRefused
        quarter = quarter.filter(exact_requested=False)
    if (
        quarter.filter(epsilon_spent__lte=quarter_cap - epsilon).update(
            epsilon_spent=F("epsilon_spent") + epsilon
        )
        != 1
    ):
        raise PrivacyBudgetExhausted
    year = int(period[:4])
    PrivacyBudgetYear.objects.get_or_create(year=year)
    if (
        PrivacyBudgetYear.objects.filter(year=year, epsilon_spent__lte=year_cap - epsilon).update(
            epsilon_spent=F("epsilon_spent") + epsilon
        )
        != 1
    ):
        raise PrivacyBudgetExhausted


def frozen_sources(*, periods: Sequence[str], spec_version: str, is_noisy: bool) -> dict[str, int]:
    """The quarters of ``periods`` already published (of this kind), with the release holding
    their frozen cells. Raises when one was published under another specification."""
    found: dict[str, int] = {}
    for row in ReleaseQuarter.objects.filter(period__in=periods):
        source = row.noisy_release_id if is_noisy else row.exact_release_id
        if source is None:
            continue
        if row.spec_version != spec_version:
            raise QuarterPublishedUnderOtherSpec
        found[row.period] = source
    return found


def frozen_cells(*, release_id: int, period: str) -> list[disclosure.Cell]:
    """A published quarter's cells exactly as its first release wrote them, in its order."""
    cells = []
    rows = ReleaseCell.objects.filter(release_id=release_id, period=period).order_by("position")
    for row in rows:
        has_measures = not row.suppressed and bool(row.n) and row.mean is not None
        cells.append(
            disclosure.Cell(
                table=row.table,
                period=row.period,
                keys=tuple((k, v) for k, v in row.keys.items()),
                scale=row.scale,
                measures=(
                    disclosure.Measures(
                        n=row.n or 0,
                        mean=row.mean or 0.0,
                        sd=row.sd,
                        median=row.median,
                        q1=row.q1,
                        q3=row.q3,
                        share_past_threshold=row.share_past_cutoff,
                    )
                    if has_measures
                    else None
                ),
                suppressed=row.suppressed,
                n=row.n,
            )
        )
    return cells


def quarters_freeze(
    *,
    release: Release,
    fresh: Mapping[str, list[disclosure.Cell]],
    periods: Sequence[str],
    is_noisy: bool,
) -> tuple[list[disclosure.Cell], dict[str, int]]:
    """At publication, inside its transaction: the release's cells in period order, each
    quarter either frozen now from ``fresh`` or copied from the release that froze it first
    (perhaps a concurrent build that published while this one computed). Returns the cells and,
    for each copied quarter, the number of the release it comes from."""
    rows = _rows(periods)
    cells: list[disclosure.Cell] = []
    copied: dict[str, int] = {}
    field = "noisy_release" if is_noisy else "exact_release"
    for period in periods:
        row = rows[period]
        source_id = row.noisy_release_id if is_noisy else row.exact_release_id
        if source_id is not None:
            if row.spec_version != release.spec_version:
                raise QuarterPublishedUnderOtherSpec
            cells.extend(frozen_cells(release_id=source_id, period=period))
            number = Release.objects.values_list("number", flat=True).get(pk=source_id)
            copied[period] = number or 0  # a frozen quarter's release is published: numbered
            continue
        if _published_spec(row) not in (None, release.spec_version):
            raise QuarterPublishedUnderOtherSpec
        cells.extend(fresh[period])
        ReleaseQuarter.objects.filter(pk=row.pk).filter(Q(**{f"{field}__isnull": True})).update(
            **{field: release}, spec_version=release.spec_version
        )
    return cells, copied
