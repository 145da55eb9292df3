"""Only languages whose catalogue is complete are offered, and CI's check says what is missing."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

from config import languages

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%%")
HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'


def catalogue(locale_dir: Path, language: str, body: str) -> None:
    path = languages.catalogue_path(locale_dir, language)
    path.parent.mkdir(parents=True)
    path.write_text(HEADER + body, encoding="utf-8")


def test_it_offers_english_and_only_the_complete_catalogues(tmp_path: Path) -> None:
    catalogue(tmp_path, "it", 'msgid "Pain"\nmsgstr "Dolore"\n')
    catalogue(tmp_path, "fr", 'msgid "Pain"\nmsgstr ""\n')
    catalogue(tmp_path, "de", '#, fuzzy\nmsgid "Pain"\nmsgstr "Brot"\n')
    catalogue(tmp_path, "es", "")

    assert languages.offered_languages(tmp_path) == [("en", "English"), ("it", "Italiano")]


def test_it_counts_untranslated_plurals_and_ignores_obsolete_entries(tmp_path: Path) -> None:
    catalogue(
        tmp_path,
        "it",
        'msgid "Pain"\nmsgstr "Dolore"\n\n'
        'msgid "%(n)s week"\nmsgid_plural "%(n)s weeks"\nmsgstr[0] "%(n)s settimana"\n'
        'msgstr[1] ""\n\n'
        '#~ msgid "Gone"\n#~ msgstr ""\n',
    )

    [state] = languages.catalogue_states(tmp_path)

    assert (state.total, state.untranslated, state.fuzzy) == (2, ("%(n)s week",), ())
    assert not state.is_complete


def test_the_check_fails_on_an_incomplete_shipped_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    catalogue(tmp_path, "it", 'msgid "Pain"\nmsgstr "Dolore"\n\nmsgid "Walking"\nmsgstr ""\n')
    monkeypatch.setattr(languages, "LOCALE_DIR", tmp_path)

    assert languages.main() == 1
    assert "it: untranslated: 'Walking'" in capsys.readouterr().out


def test_every_shipped_language_is_complete_and_offered() -> None:
    offered = dict(settings.LANGUAGES)
    states = {state.language: state for state in languages.catalogue_states(languages.LOCALE_DIR)}
    for language in languages.SHIPPED:
        assert states[language].is_complete, (language, states[language])
        assert language in offered
    assert next(iter(offered)) == "en"


def test_the_italian_catalogue_is_valid_gettext() -> None:
    # Placeholders must survive translation, or a page raises when it formats the message.
    path = languages.catalogue_path(languages.LOCALE_DIR, "it")
    for entry in polib.pofile(str(path)):
        if "python-format" not in entry.flags:
            continue
        if entry.msgid_plural:
            # A plural form may name the count that the English singular spells out ("One").
            allowed = set(placeholders(entry.msgid)) | set(placeholders(entry.msgid_plural))
            for text in entry.msgstr_plural.values():
                assert set(placeholders(text)) <= allowed, entry.msgid
        else:
            assert sorted(placeholders(entry.msgid)) == sorted(placeholders(entry.msgstr)), (
                entry.msgid
            )


def placeholders(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


def test_it_compiles_catalogues_without_gnu_gettext(tmp_path: Path) -> None:
    catalogue(
        tmp_path,
        "it",
        'msgid "Pain"\nmsgstr "Dolore"\n\n'
        'msgid "%(n)s week"\nmsgid_plural "%(n)s weeks"\nmsgstr[0] "%(n)s settimana"\n'
        'msgstr[1] "%(n)s settimane"\n',
    )
    (written,) = languages.catalogues_compile(tmp_path)

    with written.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    assert compiled.gettext("Pain") == "Dolore"
    assert compiled.ngettext("%(n)s week", "%(n)s weeks", 3) == "%(n)s settimane"
