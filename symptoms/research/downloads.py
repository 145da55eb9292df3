"""A release as researchers download it: tidy rows (one per cell) and the codebook.

CSV and JSON carry the same rows. The JSON download is ``{"release", "codebook", "rows"}``;
the CSV is the rows alone, and its codebook is the release's detail (API) or page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from symptoms.models import Release, ReleaseCell
from symptoms.research import disclosure, selectors
from symptoms.research.specs import ReleaseSpec, spec_get

MEASURES = ("n", "mean", "sd", "median", "q1", "q3", "share_past_cutoff")

_MEANINGS = {
    "table": ("The table of the specification this row belongs to.", ""),
    "period": ("The calendar quarter, e.g. 2026-Q1, of the reports' local dates.", ""),
    "scale": ("The scale, as <instrument>.<scale>; see the scales section.", ""),
    "n": ("Number of people in the cell (each person counts once per period).", "people"),
    "mean": ("Mean of the people's period means.", "scale units"),
    "sd": ("Sample standard deviation of the people's period means.", "scale units"),
    "median": ("Median of the people's period means.", "scale units"),
    "q1": ("First quartile (25th percentile, inclusive method).", "scale units"),
    "q3": ("Third quartile (75th percentile, inclusive method).", "scale units"),
    "share_past_cutoff": (
        "Share of people whose period mean is past the scale's threshold; empty where the "
        "scale has none.",
        "proportion 0-1",
    ),
    "suppressed": (
        "true when the cell is hidden to protect small groups: n and every measure are then empty.",
        "true/false",
    ),
}

_DIMENSIONS = {
    "ms_type": "MS type from the person's profile (other: other, unknown or not stated).",
    "age_band": "Age in the period's year (year minus birth year), in bands; unknown: not "
    "stated or under 18.",
    "sex": "Sex from the profile (other_or_undisclosed: other, prefer not to say, not stated).",
    "disease_duration": "Years since diagnosis in the period's year, in bands.",
    "country": "Country (ISO 3166-1 alpha-2) for the listed countries; other; unknown.",
}


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


def codebook(release: Release) -> dict[str, Any]:
    spec = spec_get(release.spec_version)
    described = []
    for name in columns(spec):
        if name in _DIMENSIONS:
            meaning = _DIMENSIONS[name] + " Empty where the row is a margin over it."
            described.append({"name": name, "meaning": meaning, "units": "category"})
        else:
            meaning, units = _MEANINGS[name]
            if name in MEASURES and "epsilon" in release.parameters:
                meaning += " Noisy: this release is differentially private (see privacy)."
            described.append({"name": name, "meaning": meaning, "units": units})
    return {
        "spec_version": spec.version,
        "title": spec.title,
        "columns": described,
        "dimensions": [
            {"key": d.key, "categories": list(d.categories)} for d in spec.layout.dimensions
        ],
        "tables": [{"key": t.key, "dimensions": list(t.dimensions)} for t in spec.layout.tables],
        "scales": [
            {
                "key": s.key,
                "label": s.scale.label,
                "domain": s.scale.domain,
                "instrument": s.instrument.name,
                "instrument_version": s.instrument.version,
                "range": list(s.scale.range),
                "direction": str(s.scale.direction),
                "licence": s.instrument.licence,
                "threshold": (
                    {
                        "comparison": s.threshold.comparison,
                        "value": s.threshold.value,
                        "label": s.threshold_label,
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
            "marker": "suppressed = true, with n and every measure empty",
            "min_cell_size": disclosure.MIN_CELL,
            "zeros": "A declared category with nobody in it is published as n = 0 (a sampling "
            "zero); measures are then empty.",
            "method": "Cells about 1-10 people are suppressed, then further cells so that no "
            "suppressed cell can be bounded below 11 people or pinned from the published cells "
            "and margins of the release (docs/research.md).",
        },
        "parameters": release_parameters(release),
        "privacy": _privacy(release),
    }


def _privacy(release: Release) -> dict[str, Any] | None:
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
        "post_processing": "counts below the minimum cell size are shown as suppressed; "
        "means are noisy sum / noisy count, clamped to the range; no SD, median or quartiles",
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
