"""The generic scoring engine, on small synthetic definitions written to a temporary folder.

Each test builds a definition in the same TOML format as ``symptoms/instruments/`` and loads it
with ``definitions.load``, so the loader's checks are exercised too. Real instruments have their
own worked examples in ``test_instruments.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from symptoms.instruments import definitions
from symptoms.instruments.definitions import DefinitionError
from symptoms.instruments.scoring import (
    DOMAINS,
    SYMPTOM_DOMAINS,
    AnswerProblem,
    Instrument,
    NoScore,
    answers_problems,
    cutoffs_met,
    domain_rank,
    scale_score,
    score,
)
from symptoms.instruments.selectors import instrument_list

HEADER = """
code = "demo"
version = "1"
scoring_version = "1"
name = "Demo"
short_name = "Demo"
domain = "fatigue"
recall_period = "past week"
recall_days = 7
licence = "Test only"

[[sources]]
id = "src"
citation = "A source"
url = "https://example.org/"

[response_sets]
five = [[0, "0"], [1, "1"], [2, "2"], [3, "3"], [4, "4"]]
"""

# Four 0-4 items; "d" is reverse-keyed; "e" is a 0-4 item that allows every special answer.
ITEMS = """
[[items]]
id = "a"
label = "A"
options = "five"

[[items]]
id = "b"
label = "B"
options = "five"

[[items]]
id = "c"
label = "C"
options = "five"

[[items]]
id = "d"
label = "D"
options = "five"
reversed = true
"""

SPECIAL_ITEMS = """
[[items]]
id = "a"
label = "A"
options = "five"
special = ["na", "unable", "too_tired"]

[[items]]
id = "b"
label = "B"
options = "five"
special = ["na", "unable", "too_tired"]
"""


def load(tmp_path: Path, scales: str, items: str = ITEMS, name: str = "demo-v1.toml") -> Instrument:
    (tmp_path / name).write_text(HEADER + items + scales)
    [instrument] = definitions.load(tmp_path).values()
    return instrument


def value(
    instrument: Instrument, answers: dict[str, int | str], key: str = "total"
) -> float | None:
    return score(instrument, answers).scores[key]


# --- Aggregates and transforms ---------------------------------------------------------------


def test_it_sums_the_items_of_a_scale(tmp_path: Path) -> None:
    demo = load(
        tmp_path,
        """
[[scales]]
key = "total"
label = "Total"
items = ["a", "b", "c"]
aggregate = "sum"
range = [0, 12]
direction = "higher_is_worse"
""",
    )
    # 1 + 2 + 4 = 7
    assert value(demo, {"a": 1, "b": 2, "c": 4}) == 7


def test_it_takes_the_mean_of_the_items_to_the_scale_precision(tmp_path: Path) -> None:
    demo = load(
        tmp_path,
        """
[[scales]]
key = "total"
label = "Mean"
items = ["a", "b", "c"]
aggregate = "mean"
range = [0, 4]
direction = "higher_is_worse"
decimals = 2
""",
    )
    # (1 + 2 + 2) / 3 = 1.6666... -> 1.67
    assert value(demo, {"a": 1, "b": 2, "c": 2}) == 1.67


def test_it_rescales_a_sum_linearly(tmp_path: Path) -> None:
    demo = load(
        tmp_path,
        """
[[scales]]
key = "total"
label = "Rescaled"
items = ["a", "b", "c"]
aggregate = "sum"
transform = { kind = "linear", from = [0, 12], to = [0, 100] }
range = [0, 100]
direction = "higher_is_worse"
decimals = 1
""",
    )
    # (1 + 2 + 2 - 0) / 12 x 100 = 41.666... -> 41.7
    assert value(demo, {"a": 1, "b": 2, "c": 2}) == 41.7
    assert value(demo, {"a": 4, "b": 4, "c": 4}) == 100.0
    assert value(demo, {"a": 0, "b": 0, "c": 0}) == 0.0


LOOKUP = """
[[scales]]
key = "total"
label = "T-score"
items = ["a", "b"]
aggregate = "sum"
min_answered = 1
missing = "prorate"
prorate_rounding = "{rounding}"
decimals = 1
range = [20.0, 60.0]
direction = "higher_is_better"
transform = {{ kind = "lookup", table = [
  [0, 20.0, 4.0], [1, 30.0, 3.0], [2, 35.5, 2.5], [3, 40.0], [4, 45.0],
  [5, 50.0], [6, 52.5], [7, 55.0], [8, 60.0],
] }}
"""


def test_it_looks_up_the_raw_sum_in_a_table(tmp_path: Path) -> None:
    demo = load(tmp_path, LOOKUP.format(rounding="up"))
    # raw 1 + 1 = 2 -> 35.5 in the table
    result = scale_score(demo, demo.scales[0], {"a": 1, "b": 1})
    assert result.value == 35.5
    assert result.raw == 2
    assert not result.is_prorated
    assert demo.scales[0].transform.table[0].standard_error == 4.0
    assert demo.scales[0].transform.table[3].standard_error is None


def test_it_gives_no_score_when_a_prorated_raw_sum_is_not_in_the_table(tmp_path: Path) -> None:
    demo = load(
        tmp_path,
        """
[[scales]]
key = "total"
label = "T-score"
items = ["a", "b", "c"]
aggregate = "sum"
min_answered = 2
missing = "prorate"
range = [10.0, 22.0]
direction = "higher_is_better"
transform = { kind = "lookup", table = [
  [0, 10.0], [1, 11.0], [2, 12.0], [3, 13.0], [4, 14.0], [5, 15.0], [6, 16.0],
  [7, 17.0], [8, 18.0], [9, 19.0], [10, 20.0], [11, 21.0], [12, 22.0],
] }
""",
    )
    # Without rounding, (1 + 2) x 3 / 2 = 4.5 has no row.
    result = scale_score(demo, demo.scales[0], {"a": 1, "b": 2})
    assert result.value is None
    assert result.reason is NoScore.OUTSIDE_TABLE
    assert result.raw == 4.5


def test_it_flips_reverse_keyed_items(tmp_path: Path) -> None:
    demo = load(
        tmp_path,
        """
[[scales]]
key = "total"
label = "Total"
items = ["a", "d"]
aggregate = "sum"
range = [0, 8]
direction = "higher_is_worse"
""",
    )
    # d is reversed over 0-4: 1 counts as 0 + 4 - 1 = 3, so 2 + 3 = 5.
    assert value(demo, {"a": 2, "d": 1}) == 5
    # 4 counts as 0 and 0 counts as 4.
    assert value(demo, {"a": 0, "d": 4}) == 0
    assert value(demo, {"a": 0, "d": 0}) == 4


def test_it_scores_every_scale_and_reports_the_versions(tmp_path: Path) -> None:
    demo = load(
        tmp_path,
        """
[[scales]]
key = "total"
label = "Total"
aggregate = "sum"
range = [0, 16]
direction = "higher_is_worse"

[[scales]]
key = "first_two"
label = "First two"
items = ["a", "b"]
aggregate = "sum"
range = [0, 8]
direction = "higher_is_worse"
""",
    )
    scored = score(demo, {"a": 1, "b": 2, "c": 3, "d": 4})
    # total: 1 + 2 + 3 + (4 reversed = 0) = 6; first_two: 1 + 2 = 3
    assert scored.scores == {"total": 6, "first_two": 3}
    assert (scored.instrument, scored.version, scored.scoring_version) == ("demo", "1", "1")
    assert demo.scale("total") is not None
    assert demo.scale("total").is_primary  # type: ignore[union-attr]
    assert not demo.scale("first_two").is_primary  # type: ignore[union-attr]


# --- Missing items ---------------------------------------------------------------------------

ALL_OR_NOTHING = """
[[scales]]
key = "total"
label = "Total"
items = ["a", "b", "c"]
aggregate = "sum"
range = [0, 12]
direction = "higher_is_worse"
"""


def test_it_needs_every_item_when_no_missing_items_are_allowed(tmp_path: Path) -> None:
    demo = load(tmp_path, ALL_OR_NOTHING)
    assert demo.scales[0].min_answered == 3
    result = scale_score(demo, demo.scales[0], {"a": 4, "b": 4})
    assert result.value is None
    assert result.reason is NoScore.TOO_FEW_ANSWERED
    assert (result.answered, result.expected) == (2, 3)


def test_it_gives_no_score_when_nothing_is_answered(tmp_path: Path) -> None:
    demo = load(tmp_path, ALL_OR_NOTHING)
    assert value(demo, {}) is None


PRORATED = """
[[scales]]
key = "total"
label = "Total"
items = ["a", "b", "c", "d"]
aggregate = "sum"
min_answered = 2
missing = "prorate"
prorate_rounding = "{rounding}"
range = [0, 16]
direction = "higher_is_worse"
"""


def test_it_gives_no_score_below_min_answered(tmp_path: Path) -> None:
    demo = load(tmp_path, PRORATED.format(rounding="up"))
    result = scale_score(demo, demo.scales[0], {"a": 3})
    assert result.value is None
    assert result.reason is NoScore.TOO_FEW_ANSWERED


def test_it_prorates_a_partial_sum_and_rounds_up(tmp_path: Path) -> None:
    demo = load(tmp_path, PRORATED.format(rounding="up"))
    # (1 + 2 + 4) x 4 / 3 = 9.33... -> rounded up to 10
    result = scale_score(demo, demo.scales[0], {"a": 1, "b": 2, "c": 4})
    assert result.value == 10
    assert result.is_prorated
    assert (result.answered, result.expected) == (3, 4)


def test_it_does_not_round_up_a_prorated_sum_that_is_already_whole(tmp_path: Path) -> None:
    demo = load(tmp_path, PRORATED.format(rounding="up"))
    # (1 + 2 + 3) x 4 / 3 = 8 exactly, so it stays 8
    assert value(demo, {"a": 1, "b": 2, "c": 3}) == 8


def test_it_can_prorate_to_the_nearest_whole_number(tmp_path: Path) -> None:
    demo = load(tmp_path, PRORATED.format(rounding="nearest"))
    # (1 + 2 + 4) x 4 / 3 = 9.33... -> 9
    assert value(demo, {"a": 1, "b": 2, "c": 4}) == 9


def test_it_does_not_flag_a_complete_form_as_prorated(tmp_path: Path) -> None:
    demo = load(tmp_path, PRORATED.format(rounding="up"))
    # 1 + 2 + 4 + (3 reversed = 1) = 8
    result = scale_score(demo, demo.scales[0], {"a": 1, "b": 2, "c": 4, "d": 3})
    assert result.value == 8
    assert not result.is_prorated


def test_it_prorates_before_looking_up_the_table(tmp_path: Path) -> None:
    demo = load(tmp_path, LOOKUP.format(rounding="up"))
    # one of two answered: 3 x 2 / 1 = 6 -> 52.5 in the table
    result = scale_score(demo, demo.scales[0], {"a": 3})
    assert result.value == 52.5
    assert result.raw == 6
    assert result.is_prorated


MEAN_OF_ANSWERED = """
[[scales]]
key = "total"
label = "Mean"
items = ["a", "b", "c", "d"]
aggregate = "mean"
min_answered = 2
missing = "mean_of_answered"
range = [0, 4]
direction = "higher_is_worse"
decimals = 2
"""


def test_it_takes_the_mean_of_the_answered_items_when_allowed(tmp_path: Path) -> None:
    demo = load(tmp_path, MEAN_OF_ANSWERED)
    # (1 + 4 + 2) / 3 = 2.333... -> 2.33, not (1 + 4 + 2 + 0) / 4
    result = scale_score(demo, demo.scales[0], {"a": 1, "b": 4, "c": 2})
    assert result.value == 2.33
    assert not result.is_prorated
    assert value(demo, {"a": 1}) is None


@pytest.mark.parametrize("special", ["na", "unable", "too_tired"])
def test_it_counts_a_special_answer_as_unanswered(tmp_path: Path, special: str) -> None:
    demo = load(
        tmp_path,
        """
[[scales]]
key = "total"
label = "Total"
aggregate = "sum"
range = [0, 8]
direction = "higher_is_worse"

[[scales]]
key = "a_only"
label = "A"
items = ["a"]
aggregate = "sum"
range = [0, 4]
direction = "higher_is_worse"
""",
        items=SPECIAL_ITEMS,
    )
    assert answers_problems(demo, {"a": 3, "b": special}) == {}
    result = scale_score(demo, demo.scales[0], {"a": 3, "b": special})
    assert result.value is None
    assert result.answered == 1
    # It never counts as 0: the other scale is unaffected.
    assert value(demo, {"a": 3, "b": special}, "a_only") == 3


# --- Rounding --------------------------------------------------------------------------------

MEAN_OF_TWO = """
[[scales]]
key = "total"
label = "Mean"
items = ["a", "b"]
aggregate = "mean"
range = [0, 4]
direction = "higher_is_worse"
decimals = {decimals}
"""


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (0, 1, 1),  # 0.5 -> 1 (Python's round() gives 0)
        (2, 3, 3),  # 2.5 -> 3 (round() gives 2)
        (1, 2, 2),  # 1.5 -> 2
        (1, 1, 1),
    ],
)
def test_it_rounds_halves_away_from_zero(tmp_path: Path, a: int, b: int, expected: int) -> None:
    demo = load(tmp_path, MEAN_OF_TWO.format(decimals=0))
    assert value(demo, {"a": a, "b": b}) == expected


def test_it_rounds_halves_away_from_zero_at_one_decimal(tmp_path: Path) -> None:
    demo = load(
        tmp_path,
        """
[[scales]]
key = "total"
label = "Mean"
items = ["a", "b", "c"]
aggregate = "mean"
range = [0, 4]
direction = "higher_is_worse"
decimals = 1
""",
    )
    # (0 + 0 + 1) / 3 = 0.333... -> 0.3; (1 + 1 + 2) / 3 = 1.333... -> 1.3
    assert value(demo, {"a": 0, "b": 0, "c": 1}) == 0.3
    assert value(demo, {"a": 1, "b": 1, "c": 2}) == 1.3


def test_it_rounds_a_quarter_up_to_the_next_tenth(tmp_path: Path) -> None:
    demo = load(
        tmp_path,
        """
[[scales]]
key = "total"
label = "Mean"
aggregate = "mean"
range = [0, 4]
direction = "higher_is_worse"
decimals = 1
""",
    )
    # (0 + 0 + 0 + (3 reversed = 1)) / 4 = 0.25 -> 0.3 (round() gives 0.2)
    assert value(demo, {"a": 0, "b": 0, "c": 0, "d": 3}) == 0.3


# --- Validating answers ----------------------------------------------------------------------


@pytest.fixture
def validated(tmp_path: Path) -> Instrument:
    items = ITEMS + SPECIAL_ITEMS.replace('id = "a"', 'id = "e"').replace('id = "b"', 'id = "f"')
    return load(tmp_path, ALL_OR_NOTHING, items=items)


def test_it_accepts_whole_numbers_among_the_options_and_allowed_special_answers(
    validated: Instrument,
) -> None:
    assert answers_problems(validated, {"a": 0, "b": 4, "e": "na", "f": "too_tired"}) == {}


def test_it_flags_an_unknown_item(validated: Instrument) -> None:
    assert answers_problems(validated, {"zz": 1}) == {"zz": AnswerProblem.UNKNOWN_ITEM}


@pytest.mark.parametrize("wrong", [True, False, 2.0, 1.5, "3", "", None, [1]])
def test_it_flags_an_answer_of_the_wrong_type(validated: Instrument, wrong: object) -> None:
    assert answers_problems(validated, {"a": wrong}) == {"a": AnswerProblem.WRONG_TYPE}


@pytest.mark.parametrize("out", [-1, 5, 10])
def test_it_flags_a_number_outside_the_options(validated: Instrument, out: int) -> None:
    assert answers_problems(validated, {"a": out}) == {"a": AnswerProblem.OUT_OF_RANGE}


def test_it_flags_a_special_answer_the_item_does_not_allow(validated: Instrument) -> None:
    assert answers_problems(validated, {"a": "na", "e": "na"}) == {
        "a": AnswerProblem.SPECIAL_NOT_ALLOWED
    }


def test_it_reports_every_problem_at_once(validated: Instrument) -> None:
    assert answers_problems(validated, {"a": 9, "b": "unable", "c": True, "x": 1}) == {
        "a": AnswerProblem.OUT_OF_RANGE,
        "b": AnswerProblem.SPECIAL_NOT_ALLOWED,
        "c": AnswerProblem.WRONG_TYPE,
        "x": AnswerProblem.UNKNOWN_ITEM,
    }


# --- Cut-offs --------------------------------------------------------------------------------


def test_it_lists_the_cutoffs_a_score_meets(tmp_path: Path) -> None:
    demo = load(
        tmp_path,
        """
[[scales]]
key = "total"
label = "Total"
items = ["a", "b", "c"]
aggregate = "sum"
range = [0, 12]
direction = "higher_is_worse"
cutoffs = [
  { value = 4, comparison = "lt", label = "Low", source = "src" },
  { value = 4, comparison = "gte", label = "Raised", source = "src" },
  { value = 8, comparison = "gt", label = "High", source = "src" },
  { value = 2, comparison = "lte", label = "Very low", source = "src" },
]
""",
    )
    scale = demo.scales[0]
    assert [cutoff.label for cutoff in cutoffs_met(scale, 2)] == ["Low", "Very low"]
    assert [cutoff.label for cutoff in cutoffs_met(scale, 4)] == ["Raised"]
    assert [cutoff.label for cutoff in cutoffs_met(scale, 8)] == ["Raised"]
    assert [cutoff.label for cutoff in cutoffs_met(scale, 9)] == ["Raised", "High"]


# --- Definition errors -----------------------------------------------------------------------


def test_it_refuses_a_declared_range_the_items_cannot_produce(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match=r"range \(0.0, 10.0\) but scores span"):
        load(tmp_path, ALL_OR_NOTHING.replace("range = [0, 12]", "range = [0, 10]"))


def test_it_refuses_a_linear_transform_from_the_wrong_raw_range(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="linear transform from"):
        load(
            tmp_path,
            """
[[scales]]
key = "total"
label = "Total"
items = ["a", "b", "c"]
aggregate = "sum"
transform = { kind = "linear", from = [3, 15], to = [0, 100] }
range = [0, 100]
direction = "higher_is_worse"
""",
        )


def test_it_refuses_a_lookup_table_that_does_not_cover_every_raw_sum(tmp_path: Path) -> None:
    short_table = LOOKUP.format(rounding="up").replace("[8, 60.0],", "")
    with pytest.raises(DefinitionError, match="lookup table must cover raw 0-8"):
        load(tmp_path, short_table)


def test_it_refuses_an_unknown_item_in_a_scale(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="unknown item 'z'"):
        load(tmp_path, ALL_OR_NOTHING.replace('items = ["a", "b", "c"]', 'items = ["a", "z"]'))


def test_it_refuses_a_cited_source_that_is_not_listed(tmp_path: Path) -> None:
    scales = ALL_OR_NOTHING + 'mcid = { value = 2, source = "nowhere" }\n'
    with pytest.raises(DefinitionError, match="cites 'nowhere'"):
        load(tmp_path, scales)


def test_it_refuses_a_cutoff_citing_a_missing_source(tmp_path: Path) -> None:
    scales = ALL_OR_NOTHING + (
        'cutoffs = [{ value = 2, comparison = "gte", label = "X", source = "nowhere" }]\n'
    )
    with pytest.raises(DefinitionError, match="cites 'nowhere'"):
        load(tmp_path, scales)


def test_it_refuses_a_file_named_differently_from_its_code_and_version(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="file must be named <code>-v<version>"):
        load(tmp_path, ALL_OR_NOTHING, name="demo-v2.toml")


def test_it_refuses_none_allowed_with_fewer_than_every_item(tmp_path: Path) -> None:
    scales = ALL_OR_NOTHING.replace('aggregate = "sum"', 'aggregate = "sum"\nmin_answered = 2')
    with pytest.raises(DefinitionError, match="none_allowed needs every item"):
        load(tmp_path, scales)


def test_it_refuses_to_prorate_a_mean(tmp_path: Path) -> None:
    scales = MEAN_OF_ANSWERED.replace('missing = "mean_of_answered"', 'missing = "prorate"')
    with pytest.raises(DefinitionError, match="only a sum can be prorated"):
        load(tmp_path, scales)


def test_it_refuses_an_item_listed_twice(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="listed twice"):
        load(tmp_path, ALL_OR_NOTHING, items=ITEMS + ITEMS)


def test_it_refuses_an_unknown_special_answer(tmp_path: Path) -> None:
    items = SPECIAL_ITEMS.replace('"too_tired"]', '"maybe"]')
    with pytest.raises(DefinitionError, match="bad special"):
        load(tmp_path, ALL_OR_NOTHING.replace('["a", "b", "c"]', '["a", "b"]'), items=items)


def test_every_list_by_domain_follows_the_alliance_s_order() -> None:
    assert SYMPTOM_DOMAINS == ("fatigue", "mobility", "upper_limb", "pain", "cognition")
    assert (*SYMPTOM_DOMAINS, "cross_cutting") == DOMAINS
    assert sorted(["cross_cutting", "unknown", "pain", "fatigue"], key=domain_rank) == [
        "fatigue",
        "pain",
        "cross_cutting",
        "unknown",
    ]
    questionnaires = [i.domain for i in instrument_list() if i.code != "daily"]
    assert questionnaires == sorted(questionnaires, key=domain_rank)
