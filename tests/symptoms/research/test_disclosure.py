"""Disclosure control, tested by trying to break it: an intruder who holds a release and its
layout solves the linear programme the published cells imply, for every suppressed cell."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from symptoms.research.disclosure import (
    Cell,
    Dimension,
    Layout,
    LayoutError,
    PersonValue,
    ScaleSpec,
    Table,
    Threshold,
    cells_build,
    measures_of,
)

PERIOD = "2026-Q1"
Keys = frozenset[tuple[str, str]]


# --- The intruder -----------------------------------------------------------------------------


def true_count(values: Sequence[PersonValue], period: str, scale: str, keys: Keys) -> int:
    return sum(
        1 for v in values if v.period == period and v.scale == scale and keys <= set(v.keys.items())
    )


def intruder_bounds(
    layout: Layout, cells: Sequence[Cell], period: str, scale: str, lower: dict[Keys, float]
) -> dict[Keys, tuple[float, float]]:
    """The interval each suppressed cell's n must lie in, given every published n of the
    release for this period and scale, built from the published rows alone."""
    rows = [c for c in cells if c.period == period and c.scale == scale]
    published: dict[Keys, int] = {}
    hidden: set[Keys] = set()
    by_table: dict[str, dict[Keys, Cell]] = defaultdict(dict)
    for cell in rows:
        by_table[cell.table][cell.key_set] = cell
        if cell.suppressed:
            hidden.add(cell.key_set)
        else:
            assert cell.n is not None
            published[cell.key_set] = cell.n
    unknowns = sorted(hidden, key=sorted)
    index = {k: i for i, k in enumerate(unknowns)}
    equations: list[tuple[list[float], float]] = []
    for table in layout.tables:
        table_rows = by_table[table.key]
        for cell in table_rows.values():
            for dim, category in cell.keys:
                if category is not None:
                    continue
                row = [0.0] * len(unknowns)
                known = 0.0
                members = [(cell.key_set, 1.0)]
                for child in layout.dimension(dim).categories:
                    keys = dict(cell.keys)
                    keys[dim] = child
                    child_set = frozenset((d, c) for d, c in keys.items() if c is not None)
                    if child_set in table_rows:  # absent: a structural zero
                        members.append((child_set, -1.0))
                for keys, sign in members:
                    if keys in index:
                        row[index[keys]] += sign
                    else:
                        known += sign * published[keys]
                if any(row):
                    equations.append((row, -known))
    bounds: dict[Keys, tuple[float, float]] = {}
    for target in unknowns:
        if not equations:
            bounds[target] = (lower[target], math.inf)
            continue
        a = np.array([e[0] for e in equations])
        b = np.array([e[1] for e in equations])
        limits = [(lower[k], None) for k in unknowns]
        found = []
        for sign in (1.0, -1.0):
            objective = np.zeros(len(unknowns))
            objective[index[target]] = sign
            result = linprog(objective, A_eq=a, b_eq=b, bounds=limits, method="highs")
            if result.status == 3:
                found.append(math.inf)
            else:
                assert result.status == 0, result.message
                found.append(sign * result.fun)
        bounds[target] = (found[0], found[1])
    return bounds


# --- Random layouts and cohorts -------------------------------------------------------------


@st.composite
def layouts(draw: Any) -> Layout:
    count = draw(st.integers(1, 3))
    dimensions = tuple(
        Dimension(f"d{i}", tuple(f"c{j}" for j in range(draw(st.integers(2, 4)))))
        for i in range(count)
    )
    keys = [d.key for d in dimensions]
    table_dims = draw(
        st.lists(
            st.lists(st.sampled_from(keys), min_size=1, max_size=3, unique=True),
            min_size=1,
            max_size=3,
        )
    )
    tables = tuple(Table(f"t{i}", tuple(dims)) for i, dims in enumerate(table_dims))
    scales = (
        ScaleSpec("a.one", "a", Threshold(5, "gte")),
        ScaleSpec("a.two", "a"),
        ScaleSpec("b.one", "b", Threshold(3, "lt")),
    )
    return Layout(dimensions, tables, scales)


@st.composite
def cohorts(draw: Any, layout: Layout) -> list[PersonValue]:
    people = draw(st.integers(0, 160))
    # Skewed category weights make both big and small cells.
    weights = {
        d.key: draw(
            st.lists(st.integers(1, 12), min_size=len(d.categories), max_size=len(d.categories))
        )
        for d in layout.dimensions
    }
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    values = []
    for person in range(people):
        keys = {
            d.key: str(rng.choice(d.categories, p=np.array(weights[d.key]) / sum(weights[d.key])))
            for d in layout.dimensions
        }
        answered_a = rng.random() < 0.9
        for scale in layout.scales:
            group_answered = answered_a if scale.group == "a" else rng.random() < 0.5
            if group_answered and rng.random() < 0.97:
                values.append(
                    PersonValue(person, PERIOD, scale.key, float(rng.integers(0, 11)), keys)
                )
    return values


@st.composite
def releases(draw: Any) -> tuple[Layout, list[PersonValue]]:
    layout = draw(layouts())
    return layout, draw(cohorts(layout))


# Examples per property: the Hypothesis profile's (tests/conftest.py), full strength in CI.
PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(releases())
def test_it_publishes_no_cell_about_fewer_than_11_people(
    release: tuple[Layout, list[PersonValue]],
) -> None:
    layout, values = release
    outcome = cells_build(layout, values, [PERIOD])

    for cell in outcome.cells:
        truth = true_count(values, cell.period, cell.scale, cell.key_set)
        if cell.suppressed:
            assert cell.n is None
            assert cell.measures is None
        else:
            assert cell.n == truth
            assert truth == 0 or truth >= 11
            assert (cell.measures is None) == (truth == 0)


@PROPERTY
@given(releases())
def test_it_leaves_no_suppressed_cell_recoverable_from_the_release(
    release: tuple[Layout, list[PersonValue]],
) -> None:
    layout, values = release
    outcome = cells_build(layout, values, [PERIOD])

    for scale in layout.scales:
        truth = {
            cell.key_set: true_count(values, PERIOD, scale.key, cell.key_set)
            for cell in outcome.cells
            if cell.scale == scale.key
        }
        # The intruder is told which hidden cells are empty and that the others hold someone.
        lower = {k: 1.0 if n >= 1 else 0.0 for k, n in truth.items()}
        bounds = intruder_bounds(layout, outcome.cells, PERIOD, scale.key, lower)
        for keys, (low, high) in bounds.items():
            assert low - 1e-6 <= truth[keys] <= high + 1e-6  # the intruder's model is right
            if truth[keys] == 0:
                continue  # hidden to share another scale's pattern; zeros are published anyway
            assert high >= 11 - 1e-6, f"{sorted(keys)} bounded to [{low}, {high}]"
            assert high - low >= 1 - 1e-6


@PROPERTY
@given(releases())
def test_it_uses_one_suppression_pattern_for_the_scales_of_one_instrument(
    release: tuple[Layout, list[PersonValue]],
) -> None:
    layout, values = release
    outcome = cells_build(layout, values, [PERIOD])

    hidden: dict[str, set[tuple[str, Keys]]] = defaultdict(set)
    for cell in outcome.cells:
        if cell.suppressed:
            hidden[cell.scale].add((cell.table, cell.key_set))
    assert hidden["a.one"] == hidden["a.two"]


@PROPERTY
@given(releases())
def test_it_names_only_declared_tables_dimensions_categories_and_scales(
    release: tuple[Layout, list[PersonValue]],
) -> None:
    layout, values = release
    outcome = cells_build(layout, values, [PERIOD])

    expected_rows = 0
    for table in layout.tables:
        rows = 1
        for dim in table.dimensions:
            rows *= len(layout.dimension(dim).categories) + 1  # each category and the margin
        expected_rows += rows * len(layout.scales)
    assert len(outcome.cells) == expected_rows
    tables = {t.key: t for t in layout.tables}
    for cell in outcome.cells:
        assert cell.period == PERIOD
        assert cell.scale in {s.key for s in layout.scales}
        assert tuple(d for d, _ in cell.keys) == tables[cell.table].dimensions
        for dim, category in cell.keys:
            assert category is None or category in layout.dimension(dim).categories


@settings(PROPERTY, max_examples=max(3, settings.default.max_examples // 3))  # an LP per cell
@given(releases(), st.data())
def test_it_drops_a_person_whose_values_are_withdrawn(
    release: tuple[Layout, list[PersonValue]], data: st.DataObject
) -> None:
    layout, values = release
    people = sorted({v.person for v in values if v.scale == "a.one"})
    if not people:
        return
    leaver = data.draw(st.sampled_from(people))
    before = cells_build(layout, values, [PERIOD])
    after = cells_build(layout, [v for v in values if v.person != leaver], [PERIOD])

    def grand_total(cells: list[Cell]) -> int | None:
        return next(c.n for c in cells if c.scale == "a.one" and not c.key_set)

    n_before, n_after = grand_total(before.cells), grand_total(after.cells)
    if n_before is not None and n_after is not None:
        assert n_after == n_before - 1
    for cell in after.cells:
        if cell.scale == "a.one" and cell.n is not None:
            others = [v for v in values if v.person != leaver]
            assert cell.n == true_count(others, PERIOD, "a.one", cell.key_set)


# --- Worked examples ----------------------------------------------------------------------


def cohort_of(layout: Layout, groups: dict[tuple[str, ...], int]) -> list[PersonValue]:
    values = []
    person = 0
    dims = [d.key for d in layout.dimensions]
    for combo, count in groups.items():
        for _ in range(count):
            keys = dict(zip(dims, combo, strict=True))
            values.append(PersonValue(person, PERIOD, "a.one", float(person % 11), keys))
            person += 1
    return values


TWO_BY_TWO = Layout(
    dimensions=(Dimension("sex", ("f", "m")), Dimension("type", ("pp", "sp"))),
    tables=(Table("sex_type", ("sex", "type")),),
    scales=(ScaleSpec("a.one", "a", Threshold(5, "gte")),),
)


def _cell(cells: list[Cell], **keys: str) -> Cell:
    wanted = frozenset(keys.items())
    return next(c for c in cells if c.key_set == wanted)


def test_it_hides_a_small_cell_and_enough_others_that_margins_do_not_give_it_away() -> None:
    values = cohort_of(
        TWO_BY_TWO, {("f", "pp"): 3, ("f", "sp"): 40, ("m", "pp"): 30, ("m", "sp"): 50}
    )
    cells = cells_build(TWO_BY_TWO, values, [PERIOD]).cells

    assert _cell(cells, sex="f", type="pp").suppressed
    # Its row and column each need a second hidden cell, and those meet in m/sp.
    assert _cell(cells, sex="f", type="sp").suppressed
    assert _cell(cells, sex="m", type="pp").suppressed
    assert _cell(cells, sex="m", type="sp").suppressed
    assert _cell(cells).n == 123
    assert _cell(cells, sex="f").n == 43


def test_it_publishes_a_declared_category_with_nobody_in_it_as_zero() -> None:
    values = cohort_of(TWO_BY_TWO, {("f", "pp"): 20, ("f", "sp"): 40, ("m", "sp"): 50})
    cells = cells_build(TWO_BY_TWO, values, [PERIOD]).cells

    empty = _cell(cells, sex="m", type="pp")
    assert (empty.suppressed, empty.n, empty.measures) == (False, 0, None)
    assert _cell(cells, sex="m").n == 50


def test_it_leaves_out_a_structural_zero_and_its_relation_stays_exact() -> None:
    layout = Layout(
        dimensions=TWO_BY_TWO.dimensions,
        tables=TWO_BY_TWO.tables,
        scales=TWO_BY_TWO.scales,
        structural_zeros=({"sex": "m", "type": "pp"},),
    )
    values = cohort_of(layout, {("f", "pp"): 20, ("f", "sp"): 40, ("m", "sp"): 50})
    cells = cells_build(layout, values, [PERIOD]).cells

    assert not [c for c in cells if c.key_set == {("sex", "m"), ("type", "pp")}]
    assert _cell(cells, sex="m").n == _cell(cells, sex="m", type="sp").n == 50


def test_it_hides_every_cell_when_the_whole_cohort_is_small() -> None:
    values = cohort_of(TWO_BY_TWO, {("f", "pp"): 4, ("m", "sp"): 5})
    cells = cells_build(TWO_BY_TWO, values, [PERIOD]).cells

    assert {c.suppressed for c in cells if c.n != 0} == {True}
    assert all(c.measures is None for c in cells)


def test_it_computes_the_measures_of_a_cell() -> None:
    measures = measures_of(
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 10.0], Threshold(5, "gte")
    )

    assert measures.n == 11
    assert measures.mean == pytest.approx(65 / 11, abs=0.005)
    assert measures.median == 6.0
    assert (measures.q1, measures.q3) == (3.5, 8.5)
    assert measures.share_past_threshold == round(7 / 11, 3)
    mean = 65 / 11
    squares = sum((v - mean) ** 2 for v in [*range(1, 11), 10])
    assert measures.sd == pytest.approx(math.sqrt(squares / 10), abs=0.005)


def test_it_refuses_a_table_with_four_breakdown_dimensions() -> None:
    dims = tuple(Dimension(f"d{i}", ("x", "y")) for i in range(4))
    layout = Layout(dims, (Table("wide", tuple(d.key for d in dims)),), TWO_BY_TWO.scales)

    with pytest.raises(LayoutError, match="at most three"):
        cells_build(layout, [], [PERIOD])


def test_it_refuses_a_value_in_an_undeclared_category() -> None:
    value = PersonValue(1, PERIOD, "a.one", 3.0, {"sex": "x", "type": "pp"})

    with pytest.raises(LayoutError, match="undeclared category"):
        cells_build(TWO_BY_TWO, [value], [PERIOD])


def test_it_refuses_two_values_for_one_person_period_and_scale() -> None:
    value = PersonValue(1, PERIOD, "a.one", 3.0, {"sex": "f", "type": "pp"})

    with pytest.raises(LayoutError, match="more than one value"):
        cells_build(TWO_BY_TWO, [value, value], [PERIOD])


@given(
    st.lists(st.integers(0, 20).map(lambda v: v / 2), max_size=30),
    st.sampled_from(["gte", "gt", "lte", "lt"]),
    st.integers(0, 20).map(lambda v: v / 2),
)
def test_it_counts_values_past_a_threshold_as_comparing_each_would(
    values: list[float], comparison: Any, value: float
) -> None:
    threshold = Threshold(value, comparison)

    assert threshold.count_met(sorted(values)) == sum(1 for v in values if threshold.is_met(v))


@given(st.lists(st.floats(0, 84, allow_nan=False), min_size=2, max_size=40))
def test_its_sd_agrees_with_the_standard_library(values: list[float]) -> None:
    import statistics

    assert measures_of(values, None).sd == pytest.approx(statistics.stdev(values), abs=0.0051)


def test_it_counts_the_linear_programmes_the_audit_solves() -> None:
    values = cohort_of(
        TWO_BY_TWO, {("f", "pp"): 30, ("f", "sp"): 3, ("m", "pp"): 25, ("m", "sp"): 40}
    )

    outcome = cells_build(TWO_BY_TWO, values, [PERIOD])

    assert outcome.primary >= 1
    assert outcome.lp_solves >= 2 * outcome.primary  # at least a max and a min per hidden cell
