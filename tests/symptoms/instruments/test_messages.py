"""The instruments' texts reach makemessages, and the loader translates them."""

from __future__ import annotations

from django.utils import translation

from symptoms.instruments import definitions
from symptoms.instruments.catalogue import MESSAGES_PATH, messages_module


def test_it_keeps_the_generated_messages_module_current() -> None:
    assert MESSAGES_PATH.read_text(encoding="utf-8") == messages_module(), (
        "run `make messages` (manage.py write_instrument_messages) and commit the result"
    )


def test_it_lists_every_text_people_read_once() -> None:
    module = MESSAGES_PATH.read_text(encoding="utf-8")
    daily = definitions.load()[("daily", "1")]
    for text in [
        daily.name,
        daily.description,
        daily.recall_period,
        daily.items[0].label,
        daily.items[0].options[0].label,
        daily.scales[0].label,
        daily.licence_note,
    ]:
        assert module.count(f'gettext_noop("{text}")') == 1, text
    # Numbers read the same in every language; citations are not translated.
    assert 'gettext_noop("1")' not in module
    assert "Zackowski" not in module


def test_it_passes_every_text_through_the_translation() -> None:
    loaded = definitions.load(translate=lambda text: f"<{text}>")
    daily = loaded[("daily", "1")]
    assert daily.name == "<Daily check-in>"
    assert daily.recall_period == "<today>"
    assert daily.items[0].label == "<Tiredness or lack of energy today>"
    assert daily.items[0].options[0].label == "<0 - none>"
    assert daily.scales[0].label == "<Fatigue (0-10)>"
    fss = loaded[("fss", "1")]
    assert fss.scales[-1].cutoffs[0].label == "<Substantial fatigue>"
    # Codes and scoring are untouched.
    assert daily.code == "daily"
    assert daily.items[0].id == "fatigue"


def test_it_loads_the_registry_in_the_active_language() -> None:
    with translation.override("it"):
        italian = definitions.current()["daily"]
    with translation.override("en"):
        english = definitions.current()["daily"]

    assert (english.name, english.items[0].options[0].label) == ("Daily check-in", "0 - none")
    assert (italian.name, italian.items[0].options[0].label) == (
        "Check-in giornaliero",
        "0 - per niente",
    )
    # Data artefacts (research codebooks) keep the definitions' own words in any language.
    with translation.override("it"):
        assert definitions.current_as_written()["daily"].name == "Daily check-in"
