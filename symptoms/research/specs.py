"""Versioned table specifications of research releases, and the coarsening they publish.

A release is built from one specification version and carries it, so a researcher can always
tell what a column meant. Changing a band, a table or a scale is a new version, never an edit.
Pure Python: no Django.

Coarsening (every person's keys are computed per period, from the profile at build time):

- ``age_band``: the period's calendar year minus the birth year (the age reached that year; no
  birth date is held), in 18-39, 40-49, 50-59, 60-69, 70+; ``unknown`` when no birth year is
  given or the age is under 18.
- ``disease_duration``: the period's year minus the diagnosis year, in <5, 5-9, 10-14, 15-19,
  20+ years; ``unknown`` without a diagnosis year.
- ``ms_type``: ppms, spms, rrms, other (the profile's "other or unknown", and not stated).
- ``sex``: female, male, other_or_undisclosed (other, prefer not to say, not stated).
- ``country``: the countries listed below; ``other`` for the rest, ``unknown`` when not stated.
- period: the calendar quarter of the report's local date, e.g. ``2026-Q1``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_noop

from symptoms.instruments.definitions import DAILY, current_as_written
from symptoms.instruments.scoring import Direction, Instrument, Scale
from symptoms.research.disclosure import (
    Dimension,
    Layout,
    ScaleSpec,
    Table,
    Threshold,
)

UNKNOWN = "unknown"
AGE_BANDS = ("18-39", "40-49", "50-59", "60-69", "70+", UNKNOWN)
DURATION_BANDS = ("<5", "5-9", "10-14", "15-19", "20+", UNKNOWN)
MS_TYPES = ("ppms", "spms", "rrms", "other")
SEXES = ("female", "male", "other_or_undisclosed")
COUNTRIES = (
    *("AT", "AU", "BE", "CA", "CH", "DE", "DK", "ES", "FI", "FR"),
    *("GB", "IE", "IT", "NL", "NO", "NZ", "PL", "PT", "SE", "US"),
    "other",
    UNKNOWN,
)
DAILY_THRESHOLD = Threshold(5, "gte")  # "5 or above" on the common 0-10 daily scale


def age_band(birth_year: int | None, year: int) -> str:
    if birth_year is None:
        return UNKNOWN
    age = year - birth_year
    if age < 18:
        return UNKNOWN
    if age < 40:
        return "18-39"
    if age >= 70:
        return "70+"
    low = age // 10 * 10
    return f"{low}-{low + 9}"


def duration_band(diagnosis_year: int | None, year: int) -> str:
    if diagnosis_year is None:
        return UNKNOWN
    years = max(0, year - diagnosis_year)
    if years < 5:
        return "<5"
    if years >= 20:
        return "20+"
    low = years // 5 * 5
    return f"{low}-{low + 4}"


def ms_type_category(ms_type: str) -> str:
    return ms_type if ms_type in MS_TYPES else "other"


def sex_category(sex: str) -> str:
    return sex if sex in ("female", "male") else "other_or_undisclosed"


def country_category(country: str) -> str:
    if not country:
        return UNKNOWN
    return country if country in COUNTRIES else "other"


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """The first and last day of ``2026-Q1``; ValueError for anything else."""
    year_text, _, number_text = quarter.partition("-Q")
    year, number = int(year_text), int(number_text)
    if not (1 <= number <= 4) or not (1900 <= year <= 9999):
        raise ValueError(quarter)
    first = date(year, 3 * number - 2, 1)
    last = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return first, date.fromordinal(last.toordinal() - 1)


def quarters_between(first: str, last: str) -> list[str]:
    start, _ = quarter_bounds(first)
    end, _ = quarter_bounds(last)
    quarters = []
    year, number = start.year, (start.month - 1) // 3 + 1
    while (year, number) <= (end.year, (end.month - 1) // 3 + 1):
        quarters.append(f"{year}-Q{number}")
        year, number = (year + 1, 1) if number == 4 else (year, number + 1)
    return quarters


def last_complete_quarters(today: date, count: int = 4) -> list[str]:
    current_quarter = quarter_of(today)
    start, _ = quarter_bounds(current_quarter)
    last = quarter_of(date.fromordinal(start.toordinal() - 1))
    year, number = int(last[:4]), int(last[-1])
    for _ in range(count - 1):
        year, number = (year - 1, 4) if number == 1 else (year, number - 1)
    return quarters_between(f"{year}-Q{number}", last)


@dataclass(frozen=True)
class SpecScale:
    """A scale a specification publishes, with where its threshold comes from."""

    instrument: Instrument
    scale: Scale
    threshold: Threshold | None
    threshold_label: str
    threshold_source: str

    @property
    def key(self) -> str:
        return f"{self.instrument.code}.{self.scale.key}"


@dataclass(frozen=True)
class ReleaseSpec:
    version: str
    title: str
    layout: Layout
    scales: tuple[SpecScale, ...]

    def scale(self, key: str) -> SpecScale | None:
        return next((s for s in self.scales if s.key == key), None)


def clinical_cutoff(scale: Scale) -> tuple[Threshold, str, str] | None:
    """The scale's first published cut-off that points towards worse (for a higher-is-worse
    scale a ``gte``/``gt`` one), as (threshold, label, source id)."""
    worse = ("gte", "gt") if scale.direction is Direction.HIGHER_IS_WORSE else ("lte", "lt")
    for cutoff in scale.cutoffs:
        if cutoff.comparison in worse:
            return Threshold(cutoff.value, cutoff.comparison), cutoff.label, cutoff.source
    return None


def _spec_scales() -> tuple[SpecScale, ...]:
    """The daily check-in's five domain ratings, then the main score of each instrument the
    site may offer without a rights holder's permission. In the definitions' own (English)
    words: the specification is cached and published with each release, the same in every
    language."""
    instruments = current_as_written()
    daily = instruments[DAILY]
    scales = [
        SpecScale(daily, scale, DAILY_THRESHOLD, gettext_noop("5 or above (0-10)"), "")
        for scale in daily.scales
    ]
    for code, instrument in sorted(instruments.items()):
        if code == DAILY or instrument.requires_permission:
            continue
        main = next((s for s in instrument.scales if s.is_primary), None)
        if main is None:
            continue
        cutoff = clinical_cutoff(main)
        if cutoff is None:
            scales.append(SpecScale(instrument, main, None, "", ""))
        else:
            scales.append(SpecScale(instrument, main, *cutoff))
    return tuple(scales)


@functools.cache
def spec_v1() -> ReleaseSpec:
    scales = _spec_scales()
    layout = Layout(
        dimensions=(
            Dimension("ms_type", MS_TYPES),
            Dimension("age_band", AGE_BANDS),
            Dimension("sex", SEXES),
            Dimension("disease_duration", DURATION_BANDS),
            Dimension("country", COUNTRIES),
        ),
        tables=(
            Table("overall", ()),
            Table("ms_type_age_sex", ("ms_type", "age_band", "sex")),
            Table("ms_type_duration", ("ms_type", "disease_duration")),
            Table("country_ms_type", ("country", "ms_type")),
        ),
        scales=tuple(ScaleSpec(s.key, s.instrument.code, s.threshold) for s in scales),
    )
    layout.check()
    return ReleaseSpec(
        version="1",
        title=gettext_noop("Symptom burden by MS type, age, sex, disease duration and country"),
        layout=layout,
        scales=scales,
    )


SPECS = {"1": spec_v1}
CURRENT_SPEC = "1"


def spec_get(version: str = CURRENT_SPEC) -> ReleaseSpec:
    """KeyError for a version that does not exist."""
    return SPECS[version]()
