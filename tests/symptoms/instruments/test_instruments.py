"""Every shipped instrument definition, checked against worked examples computed by hand from
the published scoring rules (the arithmetic is in the comments), plus the contract that API
clients rely on: instrument codes, versions and score keys.
"""

from __future__ import annotations

import itertools

import pytest

from symptoms.instruments import definitions
from symptoms.instruments.scoring import (
    AnswerProblem,
    Instrument,
    NoScore,
    answers_problems,
    cutoffs_met,
    score,
)

LOADED = definitions.load()
BY_CODE = {code: instrument for (code, _), instrument in LOADED.items()}

# The contract with API clients: code -> (version, score keys). Keep exactly.
CONTRACT: dict[str, tuple[str, set[str]]] = {
    "daily": ("1", {"fatigue", "mobility", "upper_limb", "pain", "cognition"}),
    "mfis": ("1", {"total", "physical", "cognitive", "psychosocial"}),
    "mfis5": ("1", {"total"}),
    "fss": ("1", {"total"}),
    "msws12": ("1", {"total"}),
    "pdds": ("1", {"total"}),
    "neuroqol_ue": ("1", {"raw", "total"}),
    "pes": ("1", {"total"}),
    "bpi": ("1", {"severity", "interference"}),
    "pdq": ("1", {"total"}),
    "pdq5": ("1", {"total"}),
    "msis29": ("2", {"physical", "psychological"}),
}

# Item ids in published order.
NUMBERED = [str(n) for n in range(1, 30)]
ITEM_IDS: dict[str, list[str]] = {
    "daily": ["fatigue", "mobility", "upper_limb", "pain", "cognition"],
    "mfis": NUMBERED[:21],
    "mfis5": ["1", "9", "10", "17", "19"],
    "fss": NUMBERED[:9],
    "msws12": NUMBERED[:12],
    "pdds": ["1"],
    "neuroqol_ue": [
        "NQUEX29",
        "NQUEX20",
        "NQUEX44",
        "NQUEX36",
        "NQUEX30",
        "NQUEX28",
        "NQUEX33",
        "NQUEX37",
    ],
    "pes": NUMBERED[:6],
    "bpi": ["3", "4", "5", "6", "9a", "9b", "9c", "9d", "9e", "9f", "9g"],
    "pdq": NUMBERED[:20],
    "pdq5": NUMBERED[:5],
    "msis29": NUMBERED[:29],
}

DOMAINS = {
    "daily": "cross_cutting",
    "mfis": "fatigue",
    "mfis5": "fatigue",
    "fss": "fatigue",
    "msws12": "mobility",
    "pdds": "mobility",
    "neuroqol_ue": "upper_limb",
    "pes": "pain",
    "bpi": "pain",
    "pdq": "cognition",
    "pdq5": "cognition",
    "msis29": "cross_cutting",
}

# Recall window (days) and suggested interval: daily 1; 7-day recall 7; 2-week 14; 4-week 28;
# no recall (current state) 0 days, asked every 28.
RECALL_AND_INTERVAL = {
    "daily": (1, 1),
    "mfis": (28, 28),
    "mfis5": (28, 28),
    "fss": (7, 7),
    "msws12": (14, 14),
    "pdds": (0, 28),
    "neuroqol_ue": (0, 28),
    "pes": (28, 28),
    "bpi": (1, 7),
    "pdq": (28, 28),
    "pdq5": (28, 28),
    "msis29": (14, 14),
}


def instrument(code: str) -> Instrument:
    return BY_CODE[code]


def scores(code: str, answers: dict[str, int | str]) -> dict[str, float | None]:
    definition = instrument(code)
    assert answers_problems(definition, answers) == {}
    return score(definition, answers).scores


def without(answers: dict[str, int | str], *item_ids: str) -> dict[str, int | str]:
    return {key: answer for key, answer in answers.items() if key not in item_ids}


# --- Every definition ------------------------------------------------------------------------


def test_every_definition_in_the_folder_loads() -> None:
    files = sorted(path.stem for path in definitions.INSTRUMENTS_DIR.glob("*.toml"))
    assert files == sorted(f"{code}-v{version}" for code, version in LOADED)


def test_the_shipped_codes_versions_and_score_keys_match_the_api_contract() -> None:
    shipped = {
        code: (version, {scale.key for scale in definition.scales})
        for (code, version), definition in LOADED.items()
    }
    assert shipped == CONTRACT


def test_msis29_has_no_combined_total() -> None:
    assert instrument("msis29").scale("total") is None


def test_bpi_has_no_total_without_a_published_main_score() -> None:
    assert instrument("bpi").scale("total") is None


@pytest.mark.parametrize("code", sorted(ITEM_IDS))
def test_items_are_unique_and_in_published_order(code: str) -> None:
    ids = [item.id for item in instrument(code).items]
    assert len(ids) == len(set(ids))
    assert ids == ITEM_IDS[code]


@pytest.mark.parametrize("code", sorted(DOMAINS))
def test_each_instrument_has_its_domain_recall_and_interval(code: str) -> None:
    definition = instrument(code)
    assert definition.domain == DOMAINS[code]
    assert (definition.recall_days, definition.suggested_interval_days) == (
        RECALL_AND_INTERVAL[code]
    )
    assert definition.recall_period


@pytest.mark.parametrize("code", sorted(BY_CODE))
def test_every_instrument_has_a_licence_and_cited_sources(code: str) -> None:
    definition = instrument(code)
    assert definition.licence
    assert definition.licence_note
    assert definition.sources
    for source in definition.sources:
        assert source.citation
        assert source.url.startswith("https://")


@pytest.mark.parametrize("code", sorted(BY_CODE))
def test_every_cutoff_and_mcid_cites_a_listed_source(code: str) -> None:
    definition = instrument(code)
    for scale in definition.scales:
        cited = [cutoff.source for cutoff in scale.cutoffs]
        cited += [scale.mcid.source] if scale.mcid else []
        for source_id in cited:
            assert definition.source(source_id) is not None, (scale.key, source_id)


@pytest.mark.parametrize("code", sorted(BY_CODE))
def test_item_labels_are_short_descriptions_not_published_wording(code: str) -> None:
    for item in instrument(code).items:
        assert 0 < len(item.label) <= 60, item.label
        assert not item.label.endswith("?"), item.label


@pytest.mark.parametrize("code", sorted(set(BY_CODE) - {"daily"}))
def test_every_licensed_instrument_lists_what_remains_uncertain(code: str) -> None:
    assert instrument(code).uncertainties


@pytest.mark.parametrize("code", sorted(set(BY_CODE) - {"daily"}))
def test_questionnaires_take_no_special_answers(code: str) -> None:
    definition = instrument(code)
    first = definition.items[0].id
    assert answers_problems(definition, {first: "na"}) == {first: AnswerProblem.SPECIAL_NOT_ALLOWED}


def test_mcids_are_where_the_literature_publishes_them() -> None:
    mcids = {
        (code, scale.key): (scale.mcid.value, scale.mcid.is_relative)
        for code, definition in BY_CODE.items()
        for scale in definition.scales
        if scale.mcid
    }
    assert mcids == {
        ("daily", "fatigue"): (1, False),
        ("daily", "pain"): (2, False),
        ("mfis", "total"): (4, False),
        ("fss", "total"): (0.45, False),
        ("msws12", "total"): (8, False),
        ("bpi", "severity"): (0.3, True),
        ("bpi", "interference"): (1, False),
        ("msis29", "physical"): (8, False),
    }


# --- Daily check-in --------------------------------------------------------------------------


def test_the_daily_check_in_scores_each_domain_on_its_own() -> None:
    answers: dict[str, int | str] = {
        "fatigue": 7,
        "mobility": "unable",
        "upper_limb": 3,
        "pain": "too_tired",
        "cognition": 0,
    }
    # "unable" and "too tired to answer" leave that domain without a score; never 0 or 10.
    assert scores("daily", answers) == {
        "fatigue": 7,
        "mobility": None,
        "upper_limb": 3,
        "pain": None,
        "cognition": 0,
    }


def test_the_daily_check_in_does_not_take_not_applicable() -> None:
    assert answers_problems(instrument("daily"), {"pain": "na"}) == {
        "pain": AnswerProblem.SPECIAL_NOT_ALLOWED
    }


def test_the_daily_check_in_rejects_ratings_outside_0_to_10() -> None:
    assert answers_problems(instrument("daily"), {"pain": 11}) == {
        "pain": AnswerProblem.OUT_OF_RANGE
    }


# --- MFIS ------------------------------------------------------------------------------------

MFIS = {
    "1": 1, "2": 2, "3": 3, "4": 4, "5": 0, "6": 1, "7": 2, "8": 3, "9": 4, "10": 0, "11": 1,
    "12": 2, "13": 3, "14": 4, "15": 0, "16": 1, "17": 2, "18": 3, "19": 4, "20": 0, "21": 1,
}  # fmt: skip


def test_it_scores_the_mfis_total_and_subscales() -> None:
    # physical = items 4, 6, 7, 10, 13, 14, 17, 20, 21 = 4+1+2+0+3+4+2+0+1 = 17
    # cognitive = items 1, 2, 3, 5, 11, 12, 15, 16, 18, 19 = 1+2+3+0+1+2+0+1+3+4 = 17
    # psychosocial = items 8, 9 = 3+4 = 7
    # total = 17 + 17 + 7 = 41
    assert scores("mfis", MFIS) == {
        "total": 41,
        "physical": 17,
        "cognitive": 17,
        "psychosocial": 7,
    }


def test_it_scores_mfis_extremes() -> None:
    assert scores("mfis", dict.fromkeys(MFIS, 0))["total"] == 0
    # 21 x 4 = 84; physical 9 x 4 = 36; cognitive 10 x 4 = 40; psychosocial 2 x 4 = 8
    assert scores("mfis", dict.fromkeys(MFIS, 4)) == {
        "total": 84,
        "physical": 36,
        "cognitive": 40,
        "psychosocial": 8,
    }


def test_it_gives_no_mfis_total_with_an_item_missing_but_keeps_complete_subscales() -> None:
    # Item 8 is psychosocial: that subscale and the total need it; the others are complete.
    assert scores("mfis", without(MFIS, "8")) == {
        "total": None,
        "physical": 17,
        "cognitive": 17,
        "psychosocial": None,
    }


def test_the_mfis_cutoff_is_38() -> None:
    total = instrument("mfis").scale("total")
    assert total is not None
    assert [cutoff.value for cutoff in cutoffs_met(total, 38)] == [38]
    assert cutoffs_met(total, 37) == []
    # The worked example above: 41 >= 38.
    assert cutoffs_met(total, 41)


# --- MFIS-5 ----------------------------------------------------------------------------------


def test_it_scores_the_mfis5() -> None:
    # items 1, 9, 10, 17, 19 = 1 + 4 + 0 + 2 + 4 = 11
    answers: dict[str, int | str] = {"1": 1, "9": 4, "10": 0, "17": 2, "19": 4}
    assert scores("mfis5", answers) == {"total": 11}
    assert scores("mfis5", dict.fromkeys(answers, 4)) == {"total": 20}


def test_mfis5_answers_line_up_with_the_mfis_item_numbers() -> None:
    # The same answers to items 1, 9, 10, 17, 19 of the full MFIS score the MFIS-5 directly.
    short = {item.id: MFIS[item.id] for item in instrument("mfis5").items}
    # 1 + 4 + 0 + 2 + 4 = 11
    assert scores("mfis5", short) == {"total": 11}
    assert answers_problems(instrument("mfis5"), {"2": 1}) == {"2": AnswerProblem.UNKNOWN_ITEM}


def test_it_gives_no_mfis5_total_with_an_item_missing() -> None:
    assert scores("mfis5", {"1": 1, "9": 4, "10": 0, "17": 2}) == {"total": None}


# --- FSS -------------------------------------------------------------------------------------


def test_it_scores_the_fss_as_the_mean_to_two_decimals() -> None:
    answers: dict[str, int | str] = dict(
        zip(ITEM_IDS["fss"], [4, 5, 6, 3, 4, 5, 6, 7, 2], strict=True)
    )
    # (4+5+6+3+4+5+6+7+2) / 9 = 42 / 9 = 4.666... -> 4.67
    assert scores("fss", answers) == {"total": 4.67}


def test_it_scores_fss_extremes_and_a_whole_mean() -> None:
    assert scores("fss", dict.fromkeys(ITEM_IDS["fss"], 1)) == {"total": 1.0}
    assert scores("fss", dict.fromkeys(ITEM_IDS["fss"], 7)) == {"total": 7.0}
    # 9 x 4 = 36; 36 / 9 = 4.00 exactly: meets the cut-off of 4
    total = instrument("fss").scale("total")
    assert total is not None
    four = scores("fss", dict.fromkeys(ITEM_IDS["fss"], 4))["total"]
    assert four == 4.0
    assert [cutoff.label for cutoff in cutoffs_met(total, four)] == ["Substantial fatigue"]
    # (8 x 4 + 3) / 9 = 35 / 9 = 3.888... -> 3.89: below the cut-off
    below = scores("fss", {**dict.fromkeys(ITEM_IDS["fss"], 4), "9": 3})["total"]
    assert below == 3.89
    assert cutoffs_met(total, below) == []


def test_it_gives_no_fss_score_with_an_item_missing() -> None:
    answers: dict[str, int | str] = dict.fromkeys(ITEM_IDS["fss"][:8], 5)
    assert scores("fss", answers) == {"total": None}


# --- MSWS-12 ---------------------------------------------------------------------------------


def test_it_rescales_the_msws12_sum_to_0_100() -> None:
    # six items at 1 and six at 4: sum = 6 + 24 = 30; (30 - 12) / 48 x 100 = 37.5
    answers: dict[str, int | str] = {
        item_id: 1 if n < 6 else 4 for n, item_id in enumerate(ITEM_IDS["msws12"])
    }
    assert scores("msws12", answers) == {"total": 37.5}


def test_it_scores_msws12_extremes() -> None:
    # all 1: (12 - 12) / 48 x 100 = 0; all 5: (60 - 12) / 48 x 100 = 100
    assert scores("msws12", dict.fromkeys(ITEM_IDS["msws12"], 1)) == {"total": 0.0}
    assert scores("msws12", dict.fromkeys(ITEM_IDS["msws12"], 5)) == {"total": 100.0}


def test_it_rounds_an_msws12_half_tenth_away_from_zero() -> None:
    # nine items at 1 and three at 2: sum = 9 + 6 = 15; (15 - 12) / 48 x 100 = 6.25 -> 6.3
    answers: dict[str, int | str] = {
        item_id: 1 if n < 9 else 2 for n, item_id in enumerate(ITEM_IDS["msws12"])
    }
    assert scores("msws12", answers) == {"total": 6.3}


def test_it_gives_no_msws12_score_with_an_item_missing() -> None:
    answers: dict[str, int | str] = dict.fromkeys(ITEM_IDS["msws12"][1:], 3)
    assert scores("msws12", answers) == {"total": None}


def test_msws12_benchmarks_place_a_score_in_one_band() -> None:
    total = instrument("msws12").scale("total")
    assert total is not None
    # 37.5 is in 25-49.99 (gait disability): it meets ">= 25" only.
    assert [cutoff.value for cutoff in cutoffs_met(total, 37.5)] == [25]
    assert [cutoff.comparison for cutoff in cutoffs_met(total, 24.9)] == ["lt"]
    assert [cutoff.value for cutoff in cutoffs_met(total, 75)] == [25, 50, 75]


# --- PDDS ------------------------------------------------------------------------------------


def test_it_scores_pdds_as_the_level_chosen() -> None:
    assert scores("pdds", {"1": 4}) == {"total": 4}
    assert scores("pdds", {"1": 0}) == {"total": 0}
    assert scores("pdds", {"1": 8}) == {"total": 8}
    assert scores("pdds", {}) == {"total": None}


def test_pdds_has_nine_levels_with_our_own_labels() -> None:
    [item] = instrument("pdds").items
    assert [option.label for option in item.options] == [
        "Normal",
        "Mild disability",
        "Moderate disability",
        "Gait disability",
        "Early cane",
        "Late cane",
        "Bilateral support",
        "Wheelchair or scooter",
        "Bedridden",
    ]
    assert answers_problems(instrument("pdds"), {"1": 9}) == {"1": AnswerProblem.OUT_OF_RANGE}


def test_pdds_groups_levels_as_mild_moderate_and_severe() -> None:
    total = instrument("pdds").scale("total")
    assert total is not None
    assert [cutoff.label for cutoff in cutoffs_met(total, 2)] == ["Mild (0-2)"]
    assert [cutoff.label for cutoff in cutoffs_met(total, 4)] == ["Moderate (3-5)"]
    assert [cutoff.label for cutoff in cutoffs_met(total, 7)] == [
        "Moderate (3-5)",
        "Severe (6-8)",
    ]


# --- Neuro-QoL Upper Extremity ---------------------------------------------------------------

UE = ITEM_IDS["neuroqol_ue"]


def ue(*values: int) -> dict[str, int | str]:
    return dict(zip(UE, values, strict=False))


@pytest.mark.parametrize(
    ("raw", "t_score", "standard_error"),
    # Rows of the Neuro-QoL manual v2.0 (March 2015) table for this short form.
    [(8, 12.8, 2.0), (20, 23.9, 2.0), (30, 30.9, 2.1), (36, 37.1, 3.2), (40, 53.8, 7.8)],
)
def test_the_neuroqol_upper_extremity_table_has_the_manual_rows(
    raw: int, t_score: float, standard_error: float
) -> None:
    total = instrument("neuroqol_ue").scale("total")
    assert total is not None
    row = next(row for row in total.transform.table if row.raw == raw)
    assert (row.score, row.standard_error) == (t_score, standard_error)


def test_the_neuroqol_upper_extremity_table_covers_8_to_40_and_rises() -> None:
    total = instrument("neuroqol_ue").scale("total")
    assert total is not None
    table = total.transform.table
    assert [row.raw for row in table] == list(range(8, 41))
    assert all(low.score < high.score for low, high in itertools.pairwise(table))


def test_it_looks_up_the_neuroqol_upper_extremity_t_score() -> None:
    # all "without any difficulty" (5): raw 8 x 5 = 40 -> T 53.8
    assert scores("neuroqol_ue", ue(5, 5, 5, 5, 5, 5, 5, 5)) == {"raw": 40, "total": 53.8}
    # all "unable to do" (1): raw 8 -> T 12.8
    assert scores("neuroqol_ue", ue(1, 1, 1, 1, 1, 1, 1, 1)) == {"raw": 8, "total": 12.8}
    # 4+4+4+4+4+4+3+3 = 30 -> T 30.9
    assert scores("neuroqol_ue", ue(4, 4, 4, 4, 4, 4, 3, 3)) == {"raw": 30, "total": 30.9}
    # 2+2+2+2+3+3+3+3 = 20 -> T 23.9
    assert scores("neuroqol_ue", ue(2, 2, 2, 2, 3, 3, 3, 3)) == {"raw": 20, "total": 23.9}


def test_it_prorates_neuroqol_upper_extremity_with_four_answers() -> None:
    # 5 + 5 + 4 + 4 = 18; 18 x 8 / 4 = 36 exactly -> T 37.1
    result = score(instrument("neuroqol_ue"), ue(5, 5, 4, 4))
    assert result.scores == {"raw": 36, "total": 37.1}
    assert all(scale.is_prorated for scale in result.results)


def test_it_rounds_a_prorated_neuroqol_upper_extremity_sum_up() -> None:
    # 4 + 4 + 4 + 3 + 3 = 18; 18 x 8 / 5 = 28.8 -> rounded up to 29 -> T 30.2
    assert scores("neuroqol_ue", ue(4, 4, 4, 3, 3)) == {"raw": 29, "total": 30.2}
    # seven at 5: 35 x 8 / 7 = 40 -> T 53.8
    assert scores("neuroqol_ue", ue(5, 5, 5, 5, 5, 5, 5)) == {"raw": 40, "total": 53.8}


def test_it_gives_no_neuroqol_upper_extremity_score_with_three_answers() -> None:
    result = score(instrument("neuroqol_ue"), ue(5, 5, 5))
    assert result.scores == {"raw": None, "total": None}
    assert {scale.reason for scale in result.results} == {NoScore.TOO_FEW_ANSWERED}


def test_neuroqol_upper_extremity_is_higher_is_better() -> None:
    assert {scale.direction for scale in instrument("neuroqol_ue").scales} == {"higher_is_better"}


# --- MOS Pain Effects Scale ------------------------------------------------------------------


def test_it_sums_the_pain_effects_scale() -> None:
    answers: dict[str, int | str] = dict(zip(ITEM_IDS["pes"], [1, 2, 3, 4, 5, 2], strict=True))
    # 1 + 2 + 3 + 4 + 5 + 2 = 17
    assert scores("pes", answers) == {"total": 17}
    # 6 x 1 = 6; 6 x 5 = 30
    assert scores("pes", dict.fromkeys(ITEM_IDS["pes"], 1)) == {"total": 6}
    assert scores("pes", dict.fromkeys(ITEM_IDS["pes"], 5)) == {"total": 30}


def test_it_gives_no_pain_effects_score_with_an_item_missing() -> None:
    assert scores("pes", dict.fromkeys(ITEM_IDS["pes"][:5], 3)) == {"total": None}


# --- Brief Pain Inventory --------------------------------------------------------------------

BPI_SEVERITY: dict[str, int | str] = {"3": 8, "4": 2, "5": 5, "6": 4}
BPI_INTERFERENCE: dict[str, int | str] = {
    "9a": 3, "9b": 5, "9c": 6, "9d": 2, "9e": 0, "9f": 7, "9g": 4,
}  # fmt: skip


def test_it_scores_bpi_severity_and_interference_as_means() -> None:
    # severity = (8 + 2 + 5 + 4) / 4 = 19 / 4 = 4.75
    # interference = (3 + 5 + 6 + 2 + 0 + 7 + 4) / 7 = 27 / 7 = 3.857... -> 3.86
    assert scores("bpi", {**BPI_SEVERITY, **BPI_INTERFERENCE}) == {
        "severity": 4.75,
        "interference": 3.86,
    }


def test_it_scores_bpi_interference_from_four_of_seven_items() -> None:
    four = without(BPI_INTERFERENCE, "9e", "9f", "9g")
    # (3 + 5 + 6 + 2) / 4 = 16 / 4 = 4.0, the mean of the answered items
    assert scores("bpi", four)["interference"] == 4.0
    # five answered: (3 + 5 + 6 + 2 + 0) / 5 = 3.2
    assert scores("bpi", without(BPI_INTERFERENCE, "9f", "9g"))["interference"] == 3.2


def test_it_gives_no_bpi_interference_from_three_items() -> None:
    three = without(BPI_INTERFERENCE, "9d", "9e", "9f", "9g")
    assert scores("bpi", three)["interference"] is None


def test_it_needs_all_four_bpi_severity_items() -> None:
    assert scores("bpi", without(BPI_SEVERITY, "6"))["severity"] is None


def test_bpi_interference_does_not_need_the_severity_items() -> None:
    assert scores("bpi", BPI_INTERFERENCE) == {"severity": None, "interference": 3.86}


# --- PDQ-20 and PDQ-5 ------------------------------------------------------------------------


def test_it_sums_the_pdq20() -> None:
    answers: dict[str, int | str] = {
        item_id: 0 if n < 5 else 4 for n, item_id in enumerate(ITEM_IDS["pdq"])
    }
    # items 1-5 at 0, items 6-20 at 4: 15 x 4 = 60
    assert scores("pdq", answers) == {"total": 60}
    assert scores("pdq", dict.fromkeys(ITEM_IDS["pdq"], 4)) == {"total": 80}


def test_it_gives_no_pdq20_total_with_an_item_missing() -> None:
    assert scores("pdq", dict.fromkeys(ITEM_IDS["pdq"][:19], 2)) == {"total": None}


def test_it_sums_the_pdq5() -> None:
    # 0 + 1 + 2 + 3 + 4 = 10
    assert scores("pdq5", dict(zip(ITEM_IDS["pdq5"], [0, 1, 2, 3, 4], strict=True))) == {
        "total": 10
    }
    assert scores("pdq5", dict.fromkeys(ITEM_IDS["pdq5"], 4)) == {"total": 20}
    assert scores("pdq5", dict.fromkeys(ITEM_IDS["pdq5"][:4], 4)) == {"total": None}


# --- MSIS-29 version 2 -----------------------------------------------------------------------

PSYCHOLOGICAL = dict(zip(NUMBERED[20:29], [1, 2, 3, 4, 1, 2, 3, 4, 4], strict=True))


def test_it_rescales_both_msis29_scales() -> None:
    answers: dict[str, int | str] = {**dict.fromkeys(NUMBERED[:20], 2), **PSYCHOLOGICAL}
    # physical: 20 items at 2 = 40; (40 - 20) / 60 x 100 = 33.333... -> 33.3
    # psychological: 1+2+3+4+1+2+3+4+4 = 24; (24 - 9) / 27 x 100 = 55.555... -> 55.6
    assert scores("msis29", answers) == {"physical": 33.3, "psychological": 55.6}


def test_it_scores_msis29_extremes_and_a_round_value() -> None:
    assert scores("msis29", dict.fromkeys(NUMBERED[:29], 1)) == {
        "physical": 0.0,
        "psychological": 0.0,
    }
    assert scores("msis29", dict.fromkeys(NUMBERED[:29], 4)) == {
        "physical": 100.0,
        "psychological": 100.0,
    }
    # physical: ten at 2 and ten at 3 = 50; (50 - 20) / 60 x 100 = 50.0
    # psychological: nine at 2 = 18; (18 - 9) / 27 x 100 = 33.333... -> 33.3
    answers: dict[str, int | str] = {
        **dict.fromkeys(NUMBERED[:10], 2),
        **dict.fromkeys(NUMBERED[10:20], 3),
        **dict.fromkeys(NUMBERED[20:29], 2),
    }
    assert scores("msis29", answers) == {"physical": 50.0, "psychological": 33.3}


def test_it_scores_one_msis29_scale_when_the_other_has_a_missing_item() -> None:
    answers: dict[str, int | str] = {**dict.fromkeys(NUMBERED[:20], 2), **PSYCHOLOGICAL}
    assert scores("msis29", without(answers, "29")) == {"physical": 33.3, "psychological": None}
    assert scores("msis29", without(answers, "1")) == {"physical": None, "psychological": 55.6}


def test_msis29_uses_the_version_2_response_scale() -> None:
    definition = instrument("msis29")
    assert definition.version == "2"
    assert all(item.values == (1, 2, 3, 4) for item in definition.items)
    assert answers_problems(definition, {"1": 5}) == {"1": AnswerProblem.OUT_OF_RANGE}
