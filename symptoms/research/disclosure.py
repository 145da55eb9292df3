"""Disclosure control for research releases: every cell of a table, with its margins, and the
suppression that keeps small groups hidden. Pure Python plus HiGHS (highspy); no Django.

Input is one value per person, period and scale (the person's mean over the period), with the
person's coarsened keys for that period. How a release's cells are made (``cells_build``):

1. For each table, each subset of its breakdown dimensions is a margin level: the cells of the
   table are every combination of declared categories at every level, down to the grand total.
   A cell is named by the dimensions it fixes, so the "PPMS, all ages" cell of one table and of
   another table is the same cell with the same people (linked tables are protected together).
2. Measures per cell over the people in it: n, mean, SD, median, quartiles, and the share past
   the scale's threshold where one exists.
3. Primary suppression: a cell about 1 to 10 people (``min_cell - 1``) is suppressed. A declared
   category with nobody in it is a sampling zero and is published as n = 0; a combination a
   layout declares impossible (a structural zero) is not a cell at all.
4. Complementary suppression, until nothing changes:
   a. in every linear relation of the release (a margin cell equals the sum of the cells one
      dimension below it, for every dimension at every margin level), a relation with one
      suppressed member gets a second one, and one whose suppressed members hold fewer than
      ``min_cell`` people in all gets more, choosing the smallest non-empty published cell;
   b. then an audit by linear programming: for every suppressed cell, the largest n the
      published cells allow (over all relations at once, with every suppressed cell at least 1
      when it is not empty) must reach ``min_cell``. Where it does not, the smallest non-empty
      published cell next to it is suppressed too, and the loop goes round again. Each
      connected component of suppressed cells is one HiGHS model, built once per round and
      re-solved with only its objective changed (warm-started from the previous basis); a
      component already found safe, whose cells and neighbours did not change, is not
      audited again.
5. Scales of one instrument (answered on the same form, so about the same people) share one
   suppression pattern; so a cell hidden for one of them is hidden for all, and one scale's
   published counts cannot be used to undo another's suppression. A suppressed cell hides every
   measure, not only n.

The guarantee, per period and suppression group: from the published counts of a release, an
intruder who knows the layout and that counts are whole and non-negative cannot bound the n of
any suppressed cell below ``min_cell`` (so cannot show it is a small cell, nor recover its
value), as measured by the LP relaxation. Limits: the integer bound may be tighter than the LP
one in three-dimensional tables; sums recovered from mean x n (and counts from share x n) obey
the same relations with the same suppressed cells, so they are never pinned by relations alone,
but their bounds are not audited separately; a published cell whose people all share one value
(for example all at the scale's floor) tells that value about each of them. Separate releases
are protected against each other outside this module: each quarter is published once
(symptoms/research/ledger.py).
"""

from __future__ import annotations

import bisect
import itertools
import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import highspy

from symptoms.instruments.scoring import Comparison, compares

MIN_CELL = 11

Keys = frozenset[tuple[str, str]]  # the dimensions a cell fixes, as (dimension, category)


class LayoutError(ValueError):
    """The layout or the values given do not match what the layout declares."""


@dataclass(frozen=True)
class Threshold:
    value: float
    comparison: Comparison

    def is_met(self, score: float) -> bool:
        return compares(score, self.comparison, self.value)

    def count_met(self, ordered: Sequence[float]) -> int:
        """How many of ``ordered`` (sorted ascending) meet it: ``is_met`` by bisection."""
        match self.comparison:
            case "gte":
                return len(ordered) - bisect.bisect_left(ordered, self.value)
            case "gt":
                return len(ordered) - bisect.bisect_right(ordered, self.value)
            case "lte":
                return bisect.bisect_right(ordered, self.value)
            case "lt":
                return bisect.bisect_left(ordered, self.value)


@dataclass(frozen=True)
class Dimension:
    key: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    key: str
    dimensions: tuple[str, ...]  # at most three besides the period


@dataclass(frozen=True)
class ScaleSpec:
    key: str  # e.g. "daily.fatigue"
    group: str  # scales of one group share a suppression pattern: the instrument's code
    threshold: Threshold | None = None


@dataclass(frozen=True)
class Layout:
    dimensions: tuple[Dimension, ...]
    tables: tuple[Table, ...]
    scales: tuple[ScaleSpec, ...]
    # Combinations that cannot exist, e.g. ({"age_band": "18-39", "duration": "40+"}): no cell.
    structural_zeros: tuple[Mapping[str, str], ...] = ()
    min_cell: int = MIN_CELL

    def dimension(self, key: str) -> Dimension:
        for dimension in self.dimensions:
            if dimension.key == key:
                return dimension
        raise LayoutError(f"unknown dimension {key!r}")

    def check(self) -> None:
        keys = [d.key for d in self.dimensions]
        if len(set(keys)) != len(keys):
            raise LayoutError("dimension keys must be unique")
        for dimension in self.dimensions:
            if not dimension.categories or len(set(dimension.categories)) != len(
                dimension.categories
            ):
                raise LayoutError(f"dimension {dimension.key}: categories must be unique")
        for table in self.tables:
            if len(table.dimensions) > 3:
                raise LayoutError(f"table {table.key}: at most three breakdown dimensions")
            if len(set(table.dimensions)) != len(table.dimensions):
                raise LayoutError(f"table {table.key}: a dimension is listed twice")
            for key in table.dimensions:
                self.dimension(key)
        if len({t.key for t in self.tables}) != len(self.tables):
            raise LayoutError("table keys must be unique")
        if len({s.key for s in self.scales}) != len(self.scales):
            raise LayoutError("scale keys must be unique")
        if self.min_cell < 2:
            raise LayoutError("min_cell must be at least 2")


@dataclass(frozen=True)
class PersonValue:
    """One person's value on one scale in one period: their mean over the period."""

    person: int
    period: str
    scale: str
    value: float
    keys: Mapping[str, str]  # a declared category for every dimension of the layout


@dataclass(frozen=True)
class Measures:
    n: int
    mean: float
    sd: float | None  # sample SD; None for one person (and in noisy releases)
    median: float | None  # None in noisy releases, as are the quartiles
    q1: float | None
    q3: float | None
    share_past_threshold: float | None


@dataclass(frozen=True)
class Cell:
    table: str
    period: str
    keys: tuple[tuple[str, str | None], ...]  # each table dimension in order; None: margin
    scale: str
    measures: Measures | None  # None when suppressed or n = 0
    suppressed: bool
    n: int | None  # None when suppressed

    @property
    def key_set(self) -> Keys:
        return frozenset((d, c) for d, c in self.keys if c is not None)


@dataclass
class Outcome:
    cells: list[Cell]  # rows: a margin shared by two tables is a row of each
    primary: int = 0  # distinct cells (per scale) suppressed because they are small
    complementary: int = 0  # distinct cells (per scale) suppressed to protect others
    audit_rounds: int = 0
    lp_solves: int = 0  # linear programmes solved by the audit (one per min or max)

    @property
    def suppressed_rows(self) -> int:
        return sum(1 for cell in self.cells if cell.suppressed)


def round_half_up(value: float, decimals: int) -> float:
    factor = 10.0**decimals
    return math.floor(value * factor + 0.5) / factor


def measures_of(values: Sequence[float], threshold: Threshold | None) -> Measures:
    ordered = sorted(values)
    n = len(ordered)
    if n == 1:
        q1 = median = q3 = ordered[0]
    else:
        q1, median, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    share = None
    if threshold is not None:
        share = round_half_up(threshold.count_met(ordered) / n, 3)
    mean = math.fsum(ordered) / n
    # Two passes with exact summation: as accurate as statistics.stdev at 2 decimals, without
    # its exact fractions (which took most of a large build's time).
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in ordered) / (n - 1)) if n > 1 else None
    return Measures(
        n=n,
        mean=round_half_up(mean, 2),
        sd=round_half_up(sd, 2) if sd is not None else None,
        median=round_half_up(median, 2),
        q1=round_half_up(q1, 2),
        q3=round_half_up(q3, 2),
        share_past_threshold=share,
    )


# --- Cells and relations ------------------------------------------------------------------


def _is_structural_zero(layout: Layout, keys: Keys) -> bool:
    return any(set(zero.items()) <= keys for zero in layout.structural_zeros)


def table_cells(layout: Layout, table: Table) -> list[Keys]:
    """Every cell of a table, each margin level included, structural zeros left out."""
    cells: list[Keys] = []
    for size in range(len(table.dimensions) + 1):
        for dims in itertools.combinations(table.dimensions, size):
            categories = [layout.dimension(d).categories for d in dims]
            for combo in itertools.product(*categories):
                keys = frozenset(zip(dims, combo, strict=True))
                if not _is_structural_zero(layout, keys):
                    cells.append(keys)
    return cells


@dataclass(frozen=True)
class Relation:
    """``total`` holds the same people as ``parts`` together."""

    total: Keys
    parts: frozenset[Keys]

    @property
    def members(self) -> frozenset[Keys]:
        return self.parts | {self.total}


def relations_of(layout: Layout) -> list[Relation]:
    """Every additive relation among the layout's cells: for each table, margin level and
    dimension not fixed at that level, the margin cell is the sum of its cells one level down.
    Together these generate every linear relation between a table's cells."""
    found: dict[tuple[Keys, frozenset[Keys]], Relation] = {}
    for table in layout.tables:
        dims = table.dimensions
        for size in range(len(dims)):
            for fixed in itertools.combinations(dims, size):
                categories = [layout.dimension(d).categories for d in fixed]
                for combo in itertools.product(*categories):
                    total = frozenset(zip(fixed, combo, strict=True))
                    if _is_structural_zero(layout, total):
                        continue
                    for free in dims:
                        if free in fixed:
                            continue
                        parts = frozenset(
                            total | {(free, category)}
                            for category in layout.dimension(free).categories
                            if not _is_structural_zero(layout, total | {(free, category)})
                        )
                        found.setdefault((total, parts), Relation(total, parts))
    return list(found.values())


# --- Suppression ------------------------------------------------------------------------------


def _audit_model(
    component: Sequence[Keys],
    relations: Sequence[Relation],
    counts: Mapping[Keys, int],
    suppressed: set[Keys],
) -> highspy.Highs | None:
    """The intruder's linear programme over one component: a variable per suppressed cell (at
    least 1 when the cell is not empty), an equality per relation touching it, no objective
    yet. None when no relation touches it."""
    index = {keys: i for i, keys in enumerate(component)}
    starts: list[int] = []
    columns: list[int] = []
    coefficients: list[float] = []
    rhs: list[float] = []
    for relation in relations:
        row: dict[int, float] = defaultdict(float)
        known = 0.0
        for member in relation.members:
            sign = 1.0 if member == relation.total else -1.0
            if member in suppressed:
                row[index[member]] += sign
            else:
                known += sign * counts.get(member, 0)
        starts.append(len(columns))
        for column, coefficient in row.items():
            if coefficient:
                columns.append(column)
                coefficients.append(coefficient)
        rhs.append(-known)
    if not rhs:
        return None
    model = highspy.Highs()
    model.setOptionValue("output_flag", False)
    model.setOptionValue("presolve", "off")  # tiny models, re-solved many times: keep the basis
    # Only the objective changes between solves, so the last basis stays primal feasible and
    # the primal simplex goes on from it (half the time of the default dual simplex here).
    model.setOptionValue("simplex_strategy", 4)
    lower = [1.0 if counts.get(k, 0) >= 1 else 0.0 for k in component]
    model.addVars(len(component), lower, [highspy.kHighsInf] * len(component))
    model.addRows(len(rhs), rhs, rhs, len(columns), starts, columns, coefficients)
    return model


_DECIDED = (
    highspy.HighsModelStatus.kOptimal,
    highspy.HighsModelStatus.kUnbounded,
    highspy.HighsModelStatus.kUnboundedOrInfeasible,
)


def _extreme(model: highspy.Highs, *, maximise: bool) -> float:
    sense = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
    model.changeObjectiveSense(sense)
    model.run()
    status = model.getModelStatus()
    if status not in _DECIDED:
        # A warm start now and then ends undecided ("unknown"), typically on the way to an
        # unbounded ray; solved again from scratch, it is decided.
        model.clearSolver()
        model.run()
        status = model.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return float(model.getInfo().objective_function_value)
    unbounded = (
        highspy.HighsModelStatus.kUnbounded,
        highspy.HighsModelStatus.kUnboundedOrInfeasible,  # feasible: the true counts fit
    )
    if maximise and status in unbounded:
        return math.inf  # nothing caps this cell
    raise ArithmeticError(f"suppression audit failed: {model.modelStatusToString(status)}")


def _first_unprotected(
    component: Sequence[Keys],
    relations: Sequence[Relation],
    counts: Mapping[Keys, int],
    suppressed: set[Keys],
    min_cell: int,
    outcome: Outcome | None = None,
) -> Keys | None:
    """The first cell of ``component`` the published cells pin down or show to be small.

    For each suppressed cell two LPs (relaxations of the intruder's integer problem) give the
    largest and smallest n consistent with every relation touching the component, where a
    non-empty hidden cell holds at least one person: one model, whose objective alone changes
    from cell to cell. Unprotected: the largest is below ``min_cell``, or the interval is
    narrower than one person. Empty hidden cells are not checked: a sampling zero is published
    anyway."""
    model = _audit_model(component, relations, counts, suppressed)
    if model is None:
        return None
    previous: int | None = None
    for column, target in enumerate(component):
        if counts.get(target, 0) == 0:
            # Hidden only to share a pattern with another scale: that it is empty is no more
            # than a published zero would say.
            continue
        if previous is not None:
            model.changeColCost(previous, 0.0)
        model.changeColCost(column, 1.0)
        previous = column
        high = _extreme(model, maximise=True)
        if outcome is not None:
            outcome.lp_solves += 1
        if high < min_cell - 1e-6:
            return target
        if math.isinf(high):
            continue  # nothing caps it, so nothing pins it either: no need for the minimum
        low = _extreme(model, maximise=False)
        if outcome is not None:
            outcome.lp_solves += 1
        if high - low < 1 - 1e-6:
            return target
    return None


def _components(
    suppressed: set[Keys], relations: Sequence[Relation]
) -> list[tuple[list[Keys], list[Relation]]]:
    """Suppressed cells linked by relations, each with the relations that touch it."""
    parent: dict[Keys, Keys] = {k: k for k in suppressed}

    def find(k: Keys) -> Keys:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    touching: list[tuple[Relation, list[Keys]]] = []
    for relation in relations:
        hidden = [m for m in relation.members if m in suppressed]
        if hidden:
            touching.append((relation, hidden))
            for other in hidden[1:]:
                parent[find(other)] = find(hidden[0])
    groups: dict[Keys, tuple[list[Keys], list[Relation]]] = {}
    for k in sorted(suppressed, key=sorted):
        groups.setdefault(find(k), ([], []))[0].append(k)
    for relation, hidden in touching:
        groups[find(hidden[0])][1].append(relation)
    return list(groups.values())


def _smallest(candidates: Iterable[Keys], counts: Mapping[Keys, int]) -> Keys | None:
    nonempty = [k for k in candidates if counts.get(k, 0) >= 1]
    if not nonempty:
        return None
    return min(nonempty, key=lambda k: (counts.get(k, 0), len(k), sorted(k)))


def _any(candidates: set[Keys]) -> Keys | None:
    return min(candidates, key=lambda k: (len(k), sorted(k))) if candidates else None


def suppress(
    counts_by_scale: Sequence[Mapping[Keys, int]],
    cells: Iterable[Keys],
    relations: Sequence[Relation],
    min_cell: int = MIN_CELL,
    outcome: Outcome | None = None,
) -> tuple[set[Keys], int]:
    """One pattern for scales that share it: (the suppressed cells, audit rounds).

    ``counts_by_scale`` gives each scale's n per cell (missing means 0); ``outcome``, when
    given, counts the LP solves."""
    suppressed = {
        k for k in cells if any(1 <= counts.get(k, 0) < min_cell for counts in counts_by_scale)
    }
    distinct = list({frozenset(c.items()): c for c in counts_by_scale}.values())
    by_member: dict[Keys, list[Relation]] = defaultdict(list)
    for relation in relations:
        for member in relation.members:
            by_member[member].append(relation)
    passed: set[tuple[int, frozenset[Keys]]] = set()  # components already audited as safe
    rounds = 0
    while True:
        changed = True
        while changed:  # (a) the quick rules, to a fixed point
            changed = False
            for relation in relations:
                for counts in distinct:
                    hidden = [m for m in relation.members if m in suppressed]
                    if not hidden:
                        break
                    if len(hidden) >= 2 and sum(counts.get(m, 0) for m in hidden) >= min_cell:
                        continue
                    pick = _smallest((m for m in relation.members if m not in suppressed), counts)
                    if pick is not None:
                        suppressed.add(pick)
                        changed = True
        rounds += 1  # (b) the audit, one LP per suppressed cell and scale
        added: set[Keys] = set()
        handled: set[frozenset[Keys]] = set()  # given a new cell this round already
        for number, counts in enumerate(distinct):
            for component, touching in _components(suppressed, relations):
                marker = (number, frozenset(component))
                if marker in passed or marker[1] in handled:
                    continue
                failing = _first_unprotected(
                    component, touching, counts, suppressed, min_cell, outcome
                )
                if failing is None:
                    passed.add(marker)
                    continue
                near = {m for r in by_member[failing] for m in r.members if m not in suppressed}
                around = {
                    m for k in component for r in by_member[k] for m in r.members
                } - suppressed
                # A non-empty neighbour first; failing that an empty one (it may hold people
                # on another scale of the group, and hiding it still widens the intervals).
                pick = _smallest(near, counts) or _smallest(around, counts) or _any(around)
                if pick is None:
                    # Cannot happen: with every neighbour hidden the relations are homogeneous,
                    # so a non-empty cell can grow without bound. Never publish if it did.
                    raise ArithmeticError("suppression could not protect a cell")
                added.add(pick)
                handled.add(marker[1])
        if not added:
            return suppressed, rounds
        suppressed |= added


# --- A whole release ------------------------------------------------------------------------


def values_check(layout: Layout, values: Sequence[PersonValue]) -> None:
    declared = {d.key: set(d.categories) for d in layout.dimensions}
    scales = {s.key for s in layout.scales}
    seen: set[tuple[int, str, str]] = set()
    for value in values:
        if value.scale not in scales:
            raise LayoutError("a value is on an undeclared scale")
        if set(value.keys) != set(declared):
            raise LayoutError("a value's keys do not name exactly the layout's dimensions")
        for dim, category in value.keys.items():
            if category not in declared[dim]:
                raise LayoutError(f"undeclared category in dimension {dim}")
        marker = (value.person, value.period, value.scale)
        if marker in seen:
            raise LayoutError("more than one value for a person, period and scale")
        seen.add(marker)
        if _is_structural_zero(layout, frozenset(value.keys.items())):
            raise LayoutError("a value falls in a structural zero")


def cells_build(
    layout: Layout,
    values: Sequence[PersonValue],
    periods: Sequence[str],
    progress: Callable[[float], None] | None = None,
) -> Outcome:
    """Every cell of every table, for each period and scale, with suppression applied.

    Periods are independent: nobody's values are pooled across periods (no all-periods margin),
    so each period is protected on its own."""
    layout.check()
    values_check(layout, values)
    relations = relations_of(layout)
    all_cells = {k for table in layout.tables for k in table_cells(layout, table)}
    levels = {
        frozenset(dims)
        for table in layout.tables
        for size in range(len(table.dimensions) + 1)
        for dims in itertools.combinations(table.dimensions, size)
    }
    buckets: dict[tuple[str, str, Keys], list[float]] = defaultdict(list)
    cells_of: dict[tuple[tuple[str, str], ...], list[Keys]] = {}  # a person's cells, per keys
    for value in values:
        person_keys = tuple(sorted(value.keys.items()))
        cells = cells_of.get(person_keys)
        if cells is None:
            cells = cells_of[person_keys] = [
                frozenset((d, value.keys[d]) for d in level) for level in levels
            ]
        for keys in cells:
            buckets[(value.period, value.scale, keys)].append(value.value)

    groups: dict[str, list[ScaleSpec]] = defaultdict(list)
    for scale in layout.scales:
        groups[scale.group].append(scale)
    outcome = Outcome(cells=[])
    steps = max(1, len(periods) * len(groups))
    done = 0
    for period in periods:
        for members in groups.values():
            counts = [
                {k: len(buckets.get((period, s.key, k), ())) for k in all_cells} for s in members
            ]
            suppressed, rounds = suppress(counts, all_cells, relations, layout.min_cell, outcome)
            outcome.audit_rounds += rounds
            for scale, scale_counts in zip(members, counts, strict=True):
                small = sum(1 for k in suppressed if 1 <= scale_counts[k] < layout.min_cell)
                outcome.primary += small
                outcome.complementary += len(suppressed) - small
                for table in layout.tables:
                    for keys in table_cells(layout, table):
                        named = dict(keys)
                        ordered = tuple((d, named.get(d)) for d in table.dimensions)
                        hidden = keys in suppressed
                        people = buckets.get((period, scale.key, keys), [])
                        outcome.cells.append(
                            Cell(
                                table=table.key,
                                period=period,
                                keys=ordered,
                                scale=scale.key,
                                measures=(
                                    measures_of(people, scale.threshold)
                                    if people and not hidden
                                    else None
                                ),
                                suppressed=hidden,
                                n=None if hidden else len(people),
                            )
                        )
            done += 1
            if progress is not None:
                progress(done / steps)
    return outcome
