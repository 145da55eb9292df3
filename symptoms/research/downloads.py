"""A release as researchers download it: tidy rows (one per cell) and the codebook.

CSV and JSON carry the same rows. The JSON download is ``{"release", "codebook", "rows"}``;
the CSV is the rows alone, and its codebook is the release's detail (API) or page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.utils.translation import gettext_noop

from symptoms.models import Release, ReleaseCell
from symptoms.research import disclosure, selectors
from symptoms.research.specs import ReleaseSpec, spec_get

MEASURES = ("n", "mean", "sd", "median", "q1", "q3", "share_past_cutoff")

_MEANINGS = {
    "table": (gettext_noop("The table of the specification this row belongs to."), ""),
    "period": (
        gettext_noop("The calendar quarter, e.g. 2026-Q1, of the reports' local dates."),
        "",
    ),
    "scale": (gettext_noop("The scale, as <instrument>.<scale>; see the scales section."), ""),
    "n": (
        gettext_noop("Number of people in the cell (each person counts once per period)."),
        gettext_noop("people"),
    ),
    "mean": (gettext_noop("Mean of the people's period means."), gettext_noop("scale units")),
    "sd": (
        gettext_noop("Sample standard deviation of the people's period means."),
        gettext_noop("scale units"),
    ),
    "median": (gettext_noop("Median of the people's period means."), gettext_noop("scale units")),
    "q1": (
        gettext_noop("First quartile (25th percentile, inclusive method)."),
        gettext_noop("scale units"),
    ),
    "q3": (
        gettext_noop("Third quartile (75th percentile, inclusive method)."),
        gettext_noop("scale units"),
    ),
    "share_past_cutoff": (
        gettext_noop(
            "Share of people whose period mean is past the scale's threshold; empty where the "
            "scale has none."
        ),
        gettext_noop("proportion 0-1"),
    ),
    "suppressed": (
        gettext_noop(
            "true when the cell is hidden to protect small groups: n and every measure are then "
            "empty."
        ),
        gettext_noop("true/false"),
    ),
}

_DIMENSIONS = {
    "ms_type": gettext_noop(
        "MS type from the person's profile (other: other, unknown or not stated)."
    ),
    "age_band": gettext_noop(
        "Age in the period's year (year minus birth year), in bands; unknown: not stated or "
        "under 18."
    ),
    "sex": gettext_noop(
        "Sex from the profile (other_or_undisclosed: other, prefer not to say, not stated)."
    ),
    "disease_duration": gettext_noop("Years since diagnosis in the period's year, in bands."),
    "country": gettext_noop(
        "Country (ISO 3166-1 alpha-2) for the listed countries; other; unknown."
    ),
}
_MARGIN = gettext_noop("Empty where the row is a margin over it.")
_NOISY = gettext_noop("Noisy: this release is differentially private (see privacy).")


def _as_written(text: str) -> str:
    return text


def release_parameters(release: Release) -> dict[str, Any]:
    """What a release was built with, as published beside its cells."""
    return {
        "spec_version": release.spec_version,
        **release.parameters,
        "consent": "research consent active when the quarter was first published; of each "
        "person, the reports dated on or after the consent",
        "publication": "each quarter is published once: a later release covering it repeats "
        "the cells of the release that first published it (first_published_in)",
        "unit": "one row per person per period: the mean of the person's scores in it",
    }


def columns(spec: ReleaseSpec) -> list[str]:
    dims = [d.key for d in spec.layout.dimensions]
    return ["table", "period", *dims, "scale", *MEASURES, "suppressed"]


def codebook(release: Release, translate: Callable[[str], str] = _as_written) -> dict[str, Any]:
    """The codebook as published (English, the same for everyone); a page passes ``gettext``
    as ``translate`` to show its texts in the reader's language. Codes stay as they are."""
    t = translate
    spec = spec_get(release.spec_version)
    described = []
    for name in columns(spec):
        if name in _DIMENSIONS:
            meaning = f"{t(_DIMENSIONS[name])} {t(_MARGIN)}"
            described.append(
                {"name": name, "meaning": meaning, "units": t(gettext_noop("category"))}
            )
        else:
            meaning, units = _MEANINGS[name]
            meaning = t(meaning)
            if name in MEASURES and "epsilon" in release.parameters:
                meaning += f" {t(_NOISY)}"
            described.append({"name": name, "meaning": meaning, "units": t(units) if units else ""})
    return {
        "spec_version": spec.version,
        "title": t(spec.title),
        "columns": described,
        "dimensions": [
            {"key": d.key, "categories": list(d.categories)} for d in spec.layout.dimensions
        ],
        "tables": [{"key": t.key, "dimensions": list(t.dimensions)} for t in spec.layout.tables],
        "scales": [
            {
                "key": s.key,
                "label": t(s.scale.label),
                "domain": s.scale.domain,
                "instrument": t(s.instrument.name),
                "instrument_version": s.instrument.version,
                "range": list(s.scale.range),
                "direction": str(s.scale.direction),
                "licence": t(s.instrument.licence),
                "threshold": (
                    {
                        "comparison": s.threshold.comparison,
                        "value": s.threshold.value,
                        "label": t(s.threshold_label),
                        "source": _citation(s.instrument, s.threshold_source),
                    }
                    if s.threshold
                    else None
                ),
                "sources": [src.citation for src in s.instrument.sources],
            }
            for s in spec.scales
        ],
        "suppression": {
            "marker": t(gettext_noop("suppressed = true, with n and every measure empty")),
            "min_cell_size": disclosure.MIN_CELL,
            "zeros": t(
                gettext_noop(
                    "A declared category with nobody in it is published as n = 0 (a sampling "
                    "zero); measures are then empty."
                )
            ),
            "method": t(
                gettext_noop(
                    "Cells about 1-10 people are suppressed, then further cells so that no "
                    "suppressed cell can be bounded below 11 people or pinned from the published "
                    "cells and margins of the release (docs/research.md)."
                )
            ),
        },
        "parameters": release_parameters(release),
        "privacy": _privacy(release, t),
    }


def _privacy(release: Release, t: Callable[[str], str]) -> dict[str, Any] | None:
    """How a differentially private release was made, and how accurate it is."""
    epsilon = release.parameters.get("epsilon")
    if epsilon is None:
        return None
    return {
        "epsilon": epsilon,
        "delta": 0,
        "unit": "one person",
        "mechanism": release.parameters.get("mechanism"),
        "measurements": "count, sum and count past the threshold per period and scale, over "
        "every cell at every margin level; epsilon is spent on each quarter, split evenly over its "
        "measurements",
        "post_processing": t(
            gettext_noop(
                "counts below the minimum cell size are shown as suppressed; means are noisy "
                "sum / noisy count, clamped to the range; no SD, median or quartiles"
            )
        ),
        "accuracy_95": release.parameters.get("privacy", {}).get("accuracy", []),
        "library": release.parameters.get("privacy", {}).get("library"),
    }


def _citation(instrument: Any, source_id: str) -> str:
    if not source_id:
        return "MS Symptom Tracker research specification"
    source = instrument.source(source_id)
    return source.citation if source else source_id


def release_summary(release: Release) -> dict[str, Any]:
    return {
        "id": str(release.public_id),
        "number": release.number,
        "spec_version": release.spec_version,
        "periods": release.parameters.get("periods", []),
        "built_at": release.built_at.isoformat() if release.built_at else None,
        "cell_count": release.cell_count,
        "suppressed_count": release.suppressed_count,
    }


def _row(spec: ReleaseSpec, cell: ReleaseCell) -> dict[str, Any]:
    keys = cell.keys
    row: dict[str, Any] = {"table": cell.table, "period": cell.period}
    for dimension in spec.layout.dimensions:
        row[dimension.key] = keys.get(dimension.key)  # absent or None: a margin
    row["scale"] = cell.scale
    for measure in MEASURES:
        row[measure] = getattr(cell, measure)
    row["suppressed"] = cell.suppressed
    return row


def release_rows(release: Release) -> Iterator[dict[str, Any]]:
    spec = spec_get(release.spec_version)
    for cell in selectors.release_cells(release=release).iterator(chunk_size=2000):
        yield _row(spec, cell)


def release_json(release: Release) -> dict[str, Any]:
    return {
        "release": release_summary(release),
        "codebook": codebook(release),
        "rows": list(release_rows(release)),
    }


def release_csv_rows(release: Release) -> Iterator[list[str]]:
    spec = spec_get(release.spec_version)
    header = columns(spec)
    yield header
    for row in release_rows(release):
        yield [_csv_value(row[name]) for name in header]


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
