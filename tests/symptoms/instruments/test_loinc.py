"""LOINC codes in the definitions: only verified ones, each with its proof, else a note why
there is none (reference/instruments.md §8 marks every code it found as unverified)."""

from __future__ import annotations

from pathlib import Path

import pytest

from symptoms.instruments.definitions import DefinitionError, loinc_is_well_formed, registry
from tests.symptoms.instruments.test_scoring import ALL_OR_NOTHING, load

# The codes the reference found, all [U] (unverified): none may ship as LOINC until checked.
UNVERIFIED = {
    "77864-7",
    "77865-4",
    "91721-1",
    "81531-6",
    "71963-3",
    "71961-7",
    "71959-1",
    "61795-1",
    "75262-6",
}


@pytest.mark.parametrize("code", sorted(UNVERIFIED | {"62757-0", "1-8"}))
def test_it_accepts_a_code_with_its_check_digit(code: str) -> None:
    assert loinc_is_well_formed(code)


@pytest.mark.parametrize("code", ["77864-6", "77864", "7786a-7", "12345678-9", "-7", "77864-77"])
def test_it_refuses_a_mistyped_code(code: str) -> None:
    assert not loinc_is_well_formed(code)


def test_a_definition_s_code_must_be_well_formed_and_proven(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="'77864-6' is not a LOINC code"):
        load(tmp_path, ALL_OR_NOTHING + 'loinc = "77864-6"\nloinc_source = "src"\n')
    with pytest.raises(DefinitionError, match="needs loinc_source"):
        load(tmp_path, ALL_OR_NOTHING + 'loinc = "77864-7"\n')
    with pytest.raises(DefinitionError, match="cites 'nowhere'"):
        load(tmp_path, ALL_OR_NOTHING + 'loinc = "77864-7"\nloinc_source = "nowhere"\n')

    demo = load(tmp_path, ALL_OR_NOTHING + 'loinc = "77864-7"\nloinc_source = "src"\n')
    assert demo.scales[0].loinc == "77864-7"


def test_every_instrument_has_verified_codes_or_says_why_it_has_none() -> None:
    for instrument in registry().values():
        codes = {scale.loinc for scale in instrument.scales if scale.loinc}
        assert not codes & UNVERIFIED, instrument.code
        if not codes:
            assert "LOINC" in instrument.loinc_note, instrument.code
