"""The research priorities picture: the symptom burden from the latest release, beside where
research money went. Burden comes from the release's published cells only (the ``overall``
table), so the page can show nothing a researcher could not download; funding comes from
``symptoms/data/funding.toml``, which staff update when a newer portfolio analysis appears."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext, gettext_noop

from symptoms.instruments.definitions import DAILY
from symptoms.instruments.scoring import SYMPTOM_DOMAINS
from symptoms.models import Release, ReleaseCell
from symptoms.research.specs import spec_get

FUNDING_FILE = Path(__file__).resolve().parent.parent / "data" / "funding.toml"
# The funding file's title and area labels, for makemessages: the page translates them as it
# shows them (a test checks every one of the file's texts is listed here).
FUNDING_TEXTS = (
    gettext_noop(
        "Research funded by the International Progressive MS Alliance and its five managing members"
    ),
    gettext_noop("Fatigue or pain"),
    gettext_noop("Mobility and/or upper-limb dysfunction"),
    gettext_noop("Cognitive dysfunction"),
)


@dataclass(frozen=True)
class FundingArea:
    key: str
    label: str
    share_percent: float
    domains: tuple[str, ...]


@dataclass(frozen=True)
class Funding:
    title: str
    year: int
    total_usd_millions: float
    citation: str
    url: str
    areas: tuple[FundingArea, ...]

    def area_of(self, domain: str) -> FundingArea | None:
        return next((area for area in self.areas if domain in area.domains), None)


def funding_load(path: Path = FUNDING_FILE) -> Funding:
    with path.open("rb") as file:
        data: dict[str, Any] = tomllib.load(file)
    areas = tuple(
        FundingArea(
            key=str(area["key"]),
            label=str(area["label"]),
            share_percent=float(area["share_percent"]),
            domains=tuple(area["domains"]),
        )
        for area in data["areas"]
    )
    unknown = {d for area in areas for d in area.domains} - set(SYMPTOM_DOMAINS)
    if unknown:
        raise ValueError(f"{path.name}: unknown domains {sorted(unknown)}")
    return Funding(
        title=str(data["title"]),
        year=int(data["year"]),
        total_usd_millions=float(data["total_usd_millions"]),
        citation=str(data["citation"]),
        url=str(data["url"]),
        areas=areas,
    )


@dataclass(frozen=True)
class DomainBurden:
    domain: str
    label: str
    n: int | None  # None: suppressed or nobody
    mean: float | None  # on the 0-10 daily scale
    share_5_or_above: float | None  # 0-1
    funding: FundingArea | None


@dataclass(frozen=True)
class InstrumentBurden:
    label: str
    domain: str
    threshold: str
    source: str
    n: int | None
    share_past: float | None


@dataclass(frozen=True)
class Priorities:
    release: Release
    period: str
    domains: list[DomainBurden]
    instruments: list[InstrumentBurden]
    funding: Funding


def priorities_get(release: Release, funding: Funding | None = None) -> Priorities:
    """Burden per domain in the release's latest period: one query."""
    funding = funding or funding_load()
    spec = spec_get(release.spec_version)
    period = release.parameters["periods"][-1]
    cells = {
        cell.scale: cell
        for cell in ReleaseCell.objects.filter(release=release, table="overall", period=period)
    }
    domains = []
    for domain in SYMPTOM_DOMAINS:
        scale = spec.scale(f"{DAILY}.{domain}")
        cell = cells.get(f"{DAILY}.{domain}")
        shown = cell is not None and not cell.suppressed and bool(cell.n)
        domains.append(
            DomainBurden(
                domain=domain,
                label=gettext(scale.scale.label) if scale else domain,
                n=cell.n if shown and cell else None,
                mean=cell.mean if shown and cell else None,
                share_5_or_above=cell.share_past_cutoff if shown and cell else None,
                funding=funding.area_of(domain),
            )
        )
    instruments = []
    for scale in spec.scales:
        if scale.instrument.code == DAILY or scale.threshold is None:
            continue
        cell = cells.get(scale.key)
        shown = cell is not None and not cell.suppressed and bool(cell.n)
        source = scale.instrument.source(scale.threshold_source)
        instruments.append(
            InstrumentBurden(
                label=f"{gettext(scale.instrument.short_name)}: {gettext(scale.scale.label)}",
                domain=scale.scale.domain,
                threshold=gettext(scale.threshold_label),
                source=source.citation if source else "",
                n=cell.n if shown and cell else None,
                share_past=cell.share_past_cutoff if shown and cell else None,
            )
        )
    return Priorities(release, period, domains, instruments, funding)
