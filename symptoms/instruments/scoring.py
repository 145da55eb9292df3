"""The scoring engine: instrument definitions as plain data and one pure scoring function.

No Django here, so the rules are easy to test against worked examples and to reuse (the research
releases and change detection read the same definitions). Definitions are loaded from the TOML
files in ``symptoms/definitions/`` by :mod:`symptoms.instruments.definitions`.

How a scale is scored (``scale_score``):

1. Take the scale's items. Special answers ("not applicable", "unable", "too tired to answer")
   and items left out count as unanswered; reverse-keyed items are flipped.
2. If fewer items were answered than the scale's ``min_answered``, the scale has no score. A
   missing item never silently lowers a score.
3. Aggregate: ``sum`` (prorated to the full item count when the definition's published rule
   allows a partial form) or ``mean`` of the answered items.
4. Transform: none, ``linear`` (rescale a range onto another, e.g. 12-60 onto 0-100) or
   ``lookup`` (a raw-sum-to-T-score table from a scoring manual).
5. Round to the scale's published precision.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

Answer = int | str
Answers = Mapping[str, Answer]

# The Progressive MS Alliance's five symptom areas, in its order (Zackowski et al. 2021), then
# "cross_cutting" for instruments and check-ins that span them. Every list by domain follows it.
SYMPTOM_DOMAINS = ("fatigue", "mobility", "upper_limb", "pain", "cognition")
DOMAINS = (*SYMPTOM_DOMAINS, "cross_cutting")
SPECIAL_ANSWERS = ("na", "unable", "too_tired")


class Direction(StrEnum):
    HIGHER_IS_WORSE = "higher_is_worse"
    HIGHER_IS_BETTER = "higher_is_better"


class Aggregate(StrEnum):
    SUM = "sum"
    MEAN = "mean"


class Missing(StrEnum):
    """What a scale does when some of its items are unanswered (and at least ``min_answered``
    are answered)."""

    NONE_ALLOWED = "none_allowed"  # every item is needed: min_answered equals the item count
    PRORATE = "prorate"  # sum of answered items x item count / answered, then rounded
    MEAN_OF_ANSWERED = "mean_of_answered"  # the mean aggregate over the answered items


@dataclass(frozen=True)
class Option:
    value: int
    label: str


@dataclass(frozen=True)
class Item:
    id: str
    label: str  # a short reference label in the project's own words, never published wording
    options: tuple[Option, ...]
    special: tuple[str, ...] = ()  # allowed non-numeric answers, from SPECIAL_ANSWERS
    is_reversed: bool = False

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(option.value for option in self.options)

    def keyed(self, value: int) -> int:
        """The value as scored: reverse-keyed items count backwards over the option range."""
        if not self.is_reversed:
            return value
        return min(self.values) + max(self.values) - value


@dataclass(frozen=True)
class Source:
    id: str
    citation: str
    url: str = ""


Comparison = Literal["gte", "lte", "gt", "lt"]


def compares(score: float, comparison: Comparison, value: float) -> bool:
    match comparison:
        case "gte":
            return score >= value
        case "lte":
            return score <= value
        case "gt":
            return score > value
        case "lt":
            return score < value


@dataclass(frozen=True)
class Cutoff:
    """A published threshold: scores ``comparison`` ``value`` meet ``label``."""

    value: float
    comparison: Comparison
    label: str
    source: str  # a Source id

    def is_met(self, score: float) -> bool:
        return compares(score, self.comparison, self.value)


@dataclass(frozen=True)
class Mcid:
    """The minimal clinically important difference on the scale's reported metric."""

    value: float
    source: str  # a Source id
    note: str = ""
    is_relative: bool = False  # value is a fraction of the baseline (e.g. 0.3 for 30%)


@dataclass(frozen=True)
class Mdc:
    """The minimal detectable change: the smallest change in one person's score that exceeds
    measurement error (a published test-retest value), on the scale's reported metric. Used to
    judge a scale that has no MCID (``symptoms.trends.change``)."""

    value: float
    source: str  # a Source id
    note: str = ""


@dataclass(frozen=True)
class LookupRow:
    raw: int
    score: float
    standard_error: float | None = None


@dataclass(frozen=True)
class Transform:
    kind: Literal["none", "linear", "lookup"] = "none"
    source_range: tuple[float, float] | None = None  # linear: raw range...
    target_range: tuple[float, float] | None = None  # ...mapped onto this one
    table: tuple[LookupRow, ...] = ()  # lookup: raw sum -> score


@dataclass(frozen=True)
class Scale:
    key: str
    label: str
    items: tuple[str, ...]
    aggregate: Aggregate
    min_answered: int
    missing: Missing
    range: tuple[float, float]
    direction: Direction
    decimals: int = 0
    transform: Transform = field(default_factory=Transform)
    prorate_rounding: Literal["up", "nearest", "none"] = "none"
    cutoffs: tuple[Cutoff, ...] = ()
    mcid: Mcid | None = None
    mdc: Mdc | None = None
    is_primary: bool = False  # the instrument's main score ("total")
    domain: str = ""  # the symptom domain this scale measures (the daily check-in has five)
    loinc: str = ""  # a LOINC code verified for this score (FHIR export), else none


@dataclass(frozen=True)
class Instrument:
    code: str
    version: str
    scoring_version: str
    name: str
    short_name: str
    domain: str
    recall_period: str  # e.g. "past 4 weeks"; "today" for the daily check-in
    recall_days: int
    items: tuple[Item, ...]
    scales: tuple[Scale, ...]
    licence: str
    licence_note: str
    sources: tuple[Source, ...]
    uncertainties: tuple[str, ...] = ()
    context_tags: tuple[str, ...] = ()  # the daily check-in's optional context
    allows_note: bool = False
    suggested_interval_days: int = 0  # how often it makes sense to repeat (0: on demand)
    is_in_default_set: bool = False  # due for everyone until reminder schedules say otherwise
    requires_permission: bool = False  # offered only where the site has the rights holder's OK
    description: str = ""
    loinc_note: str = ""  # why a score has no LOINC code, with the source that says so

    def item(self, item_id: str) -> Item | None:
        return next((item for item in self.items if item.id == item_id), None)

    def scale(self, key: str) -> Scale | None:
        return next((scale for scale in self.scales if scale.key == key), None)

    def source(self, source_id: str) -> Source | None:
        return next((source for source in self.sources if source.id == source_id), None)


# --- Validation -----------------------------------------------------------------------------


class AnswerProblem(StrEnum):
    UNKNOWN_ITEM = "unknown_item"
    WRONG_TYPE = "wrong_type"
    OUT_OF_RANGE = "out_of_range"
    SPECIAL_NOT_ALLOWED = "special_not_allowed"


def answers_problems(
    instrument: Instrument, answers: Mapping[str, object]
) -> dict[str, AnswerProblem]:
    """Each item id at fault and what is wrong with it; empty when every answer is valid.

    Values must be whole JSON numbers among the item's option values, or one of the item's
    allowed special answers. Booleans are not numbers here, and nor are strings of digits: a
    string that is not one of ``SPECIAL_ANSWERS`` at all (``"3"``) is the wrong type, while a
    known special answer the item does not offer is ``special_not_allowed``.
    """
    problems: dict[str, AnswerProblem] = {}
    for item_id, value in answers.items():
        item = instrument.item(item_id)
        if item is None:
            problems[item_id] = AnswerProblem.UNKNOWN_ITEM
        elif isinstance(value, str):
            if value not in SPECIAL_ANSWERS:
                problems[item_id] = AnswerProblem.WRONG_TYPE
            elif value not in item.special:
                problems[item_id] = AnswerProblem.SPECIAL_NOT_ALLOWED
        elif isinstance(value, bool) or not isinstance(value, int):
            problems[item_id] = AnswerProblem.WRONG_TYPE
        elif value not in item.values:
            problems[item_id] = AnswerProblem.OUT_OF_RANGE
    return problems


# --- Scoring --------------------------------------------------------------------------------


class NoScore(StrEnum):
    TOO_FEW_ANSWERED = "too_few_answered"
    OUTSIDE_TABLE = "outside_table"


@dataclass(frozen=True)
class ScaleResult:
    key: str
    value: float | None
    answered: int
    expected: int
    is_prorated: bool = False
    raw: float | None = None  # before the transform
    reason: NoScore | None = None


def _round(value: float, decimals: int) -> float:
    # Half away from zero, as the manuals' worked examples do (Python's round() is banker's).
    factor = 10.0**decimals
    return math.floor(abs(value) * factor + 0.5) / factor * (1 if value >= 0 else -1)


def _prorated_sum(total: float, expected: int, answered: int, rounding: str) -> float:
    prorated = total * expected / answered
    if rounding == "up":
        # Guard against 27.000000000004 becoming 28.
        return float(math.ceil(round(prorated, 9)))
    if rounding == "nearest":
        return _round(prorated, 0)
    return prorated


def scale_score(instrument: Instrument, scale: Scale, answers: Answers) -> ScaleResult:
    values: list[int] = []
    for item_id in scale.items:
        answer = answers.get(item_id)
        if isinstance(answer, int) and not isinstance(answer, bool):
            item = instrument.item(item_id)
            if item is None:  # definitions are checked when loaded, so only a bad Instrument
                raise ValueError(f"scale {scale.key} lists unknown item {item_id!r}")
            values.append(item.keyed(answer))
    answered, expected = len(values), len(scale.items)
    if answered < scale.min_answered or answered == 0:
        return ScaleResult(scale.key, None, answered, expected, reason=NoScore.TOO_FEW_ANSWERED)

    is_prorated = False
    if scale.aggregate is Aggregate.MEAN:
        raw = sum(values) / answered
    else:
        raw = float(sum(values))
        if answered < expected:
            # Only reachable when the definition allows missing items (min_answered < count).
            raw = _prorated_sum(raw, expected, answered, scale.prorate_rounding)
            is_prorated = True

    transform = scale.transform
    if transform.kind == "linear":
        if transform.source_range is None or transform.target_range is None:
            raise ValueError(f"scale {scale.key}: linear transform without ranges")
        (low, high), (to_low, to_high) = transform.source_range, transform.target_range
        value = to_low + (raw - low) / (high - low) * (to_high - to_low)
    elif transform.kind == "lookup":
        row = next((row for row in transform.table if row.raw == raw), None)
        if row is None:
            return ScaleResult(
                scale.key, None, answered, expected, is_prorated, raw, NoScore.OUTSIDE_TABLE
            )
        value = row.score
    else:
        value = raw
    return ScaleResult(
        scale.key, _round(value, scale.decimals), answered, expected, is_prorated, raw
    )


@dataclass(frozen=True)
class Scored:
    instrument: str
    version: str
    scoring_version: str
    results: tuple[ScaleResult, ...]

    @property
    def scores(self) -> dict[str, float | None]:
        return {result.key: result.value for result in self.results}


def score(instrument: Instrument, answers: Answers) -> Scored:
    """Score every scale of ``instrument``. Answers must have passed ``answers_problems``."""
    return Scored(
        instrument.code,
        instrument.version,
        instrument.scoring_version,
        tuple(scale_score(instrument, scale, answers) for scale in instrument.scales),
    )


def domain_rank(domain: str) -> int:
    """A domain's place in ``DOMAINS``, for sorting; an unknown one sorts after them all."""
    return DOMAINS.index(domain) if domain in DOMAINS else len(DOMAINS)


def cutoffs_met(scale: Scale, value: float) -> list[Cutoff]:
    return [cutoff for cutoff in scale.cutoffs if cutoff.is_met(value)]
