"""Load instrument definitions from ``symptoms/instruments/<code>-v<version>.toml``.

One file per instrument version, checked when loaded: a definition whose ranges, subscales or
sources do not add up fails loudly at start-up rather than scoring wrongly. Pure Python (no
Django), like the scoring engine it feeds.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

from symptoms.instruments.scoring import (
    DOMAINS,
    SPECIAL_ANSWERS,
    Aggregate,
    Cutoff,
    Direction,
    Instrument,
    Item,
    LookupRow,
    Mcid,
    Mdc,
    Missing,
    Option,
    Scale,
    Source,
    Transform,
)

INSTRUMENTS_DIR = Path(__file__).resolve().parent
DAILY = "daily"  # the code of the daily check-in, which several rules treat apart


class DefinitionError(ValueError):
    pass


def _require(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise DefinitionError(f"{where}: {message}")


def _transform(where: str, data: dict[str, Any] | None) -> Transform:
    if not data:
        return Transform()
    kind = data.get("kind")
    if kind == "linear":
        low, high = data["from"]
        to_low, to_high = data["to"]
        _require(high > low, where, "linear transform needs from = [low, high]")
        return Transform("linear", (float(low), float(high)), (float(to_low), float(to_high)))
    if kind == "lookup":
        rows = tuple(
            LookupRow(int(row[0]), float(row[1]), float(row[2]) if len(row) > 2 else None)
            for row in data["table"]
        )
        raws = [row.raw for row in rows]
        _require(raws == sorted(set(raws)), where, "lookup table rows must be unique and sorted")
        return Transform("lookup", table=rows)
    raise DefinitionError(f"{where}: unknown transform kind {kind!r}")


def _scale(where: str, data: dict[str, Any], items: dict[str, Item], domain: str) -> Scale:
    key = data["key"]
    where = f"{where} scale {key}"
    item_ids = tuple(items) if data.get("items", "all") == "all" else tuple(data["items"])
    _require(len(set(item_ids)) == len(item_ids), where, "an item is listed twice")
    for item_id in item_ids:
        _require(item_id in items, where, f"unknown item {item_id!r}")
    missing = Missing(data.get("missing", Missing.NONE_ALLOWED))
    min_answered = int(data.get("min_answered", len(item_ids)))
    aggregate = Aggregate(data["aggregate"])
    _require(1 <= min_answered <= len(item_ids), where, "min_answered out of bounds")
    if missing is Missing.NONE_ALLOWED:
        _require(min_answered == len(item_ids), where, "none_allowed needs every item")
    if missing is Missing.PRORATE:
        _require(aggregate is Aggregate.SUM, where, "only a sum can be prorated")
    if missing is Missing.MEAN_OF_ANSWERED:
        _require(aggregate is Aggregate.MEAN, where, "mean_of_answered needs the mean")
    transform = _transform(where, data.get("transform"))
    scale = Scale(
        key=key,
        label=data["label"],
        items=item_ids,
        aggregate=aggregate,
        min_answered=min_answered,
        missing=missing,
        range=(float(data["range"][0]), float(data["range"][1])),
        direction=Direction(data["direction"]),
        decimals=int(data.get("decimals", 0)),
        transform=transform,
        prorate_rounding=data.get("prorate_rounding", "none"),
        cutoffs=tuple(Cutoff(**cutoff) for cutoff in data.get("cutoffs", [])),
        mcid=Mcid(**data["mcid"]) if data.get("mcid") else None,
        mdc=Mdc(**data["mdc"]) if data.get("mdc") else None,
        is_primary=key == "total",
        domain=data.get("domain", domain),
    )
    _check_range(where, scale, items)
    return scale


def _check_range(where: str, scale: Scale, items: dict[str, Item]) -> None:
    """The declared range must be what the items and transform can actually produce."""
    lows = [min(items[i].values) for i in scale.items]
    highs = [max(items[i].values) for i in scale.items]
    if scale.aggregate is Aggregate.SUM:
        raw_low, raw_high = float(sum(lows)), float(sum(highs))
    else:
        raw_low, raw_high = min(lows), max(highs)
    transform = scale.transform
    if transform.kind == "linear":
        if transform.source_range is None or transform.target_range is None:
            raise DefinitionError(f"{where}: linear transform without ranges")
        _require(
            transform.source_range == (raw_low, raw_high),
            where,
            f"linear transform from {transform.source_range} but raw range is "
            f"{(raw_low, raw_high)}",
        )
        produced = transform.target_range
    elif transform.kind == "lookup":
        raws = [row.raw for row in transform.table]
        _require(
            raws == list(range(int(raw_low), int(raw_high) + 1)),
            where,
            f"lookup table must cover raw {raw_low:g}-{raw_high:g} exactly",
        )
        scores = [row.score for row in transform.table]
        produced = (min(scores), max(scores))
    else:
        produced = (raw_low, raw_high)
    _require(produced == scale.range, where, f"range {scale.range} but scores span {produced}")


def _instrument(path: Path, data: dict[str, Any]) -> Instrument:
    where = path.name
    code, version = data["code"], str(data["version"])
    _require(path.stem == f"{code}-v{version}", where, "file must be named <code>-v<version>")
    _require(data["domain"] in DOMAINS, where, f"domain must be one of {DOMAINS}")
    response_sets = {
        name: tuple(Option(int(value), str(label)) for value, label in options)
        for name, options in data.get("response_sets", {}).items()
    }
    items: dict[str, Item] = {}
    for raw in data["items"]:
        item_id = str(raw["id"])
        _require(item_id not in items, where, f"item {item_id!r} listed twice")
        _require(raw["options"] in response_sets, where, f"item {item_id}: unknown options")
        special = tuple(raw.get("special", data.get("special", [])))
        _require(set(special) <= set(SPECIAL_ANSWERS), where, f"item {item_id}: bad special")
        items[item_id] = Item(
            id=item_id,
            label=raw["label"],
            options=response_sets[raw["options"]],
            special=special,
            is_reversed=bool(raw.get("reversed", False)),
        )
    sources = tuple(Source(**source) for source in data["sources"])
    scales = tuple(_scale(where, scale, items, data["domain"]) for scale in data["scales"])
    source_ids = {source.id for source in sources}
    for scale in scales:
        cited = [cutoff.source for cutoff in scale.cutoffs]
        cited += [scale.mcid.source] if scale.mcid else []
        cited += [scale.mdc.source] if scale.mdc else []
        for source_id in cited:
            _require(source_id in source_ids, where, f"scale {scale.key} cites {source_id!r}")
    _require(
        len({scale.key for scale in scales}) == len(scales), where, "scale keys must be unique"
    )
    for scale in scales:
        _require(scale.domain in DOMAINS, where, f"scale {scale.key}: unknown domain")
    return Instrument(
        code=code,
        version=version,
        scoring_version=str(data["scoring_version"]),
        name=data["name"],
        short_name=data["short_name"],
        domain=data["domain"],
        recall_period=data["recall_period"],
        recall_days=int(data["recall_days"]),
        items=tuple(items.values()),
        scales=scales,
        licence=data["licence"],
        licence_note=data.get("licence_note", ""),
        sources=sources,
        uncertainties=tuple(data.get("uncertainties", [])),
        context_tags=tuple(data.get("context_tags", [])),
        allows_note=bool(data.get("allows_note", False)),
        suggested_interval_days=int(data.get("suggested_interval_days", 0)),
        is_in_default_set=bool(data.get("default_set", False)),
        requires_permission=bool(data.get("requires_permission", False)),
        description=data.get("description", ""),
    )


def load(directory: Path = INSTRUMENTS_DIR) -> dict[tuple[str, str], Instrument]:
    """Every definition in ``directory``, keyed by (code, version)."""
    loaded: dict[tuple[str, str], Instrument] = {}
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as file:
            instrument = _instrument(path, tomllib.load(file))
        loaded[(instrument.code, instrument.version)] = instrument
    return loaded


@functools.cache
def registry() -> dict[tuple[str, str], Instrument]:
    return load()


@functools.cache
def current() -> dict[str, Instrument]:
    """The version of each instrument that new reports use: the highest version number."""
    latest: dict[str, Instrument] = {}
    for (code, _), instrument in sorted(
        registry().items(), key=lambda pair: (pair[0][0], int(pair[0][1]))
    ):
        latest[code] = instrument
    return latest


def instrument_get(code: str, version: str | None = None) -> Instrument | None:
    if version is None:
        return current().get(code)
    return registry().get((code, version))
