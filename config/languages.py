"""Which languages the site offers: English, and each language whose catalogue is complete.

A language is offered only when every message of ``locale/<code>/LC_MESSAGES/django.po`` is
translated and none is fuzzy: a half-translated page read aloud by a screen reader in the wrong
voice is worse than an English one (WCAG 3.1.1). ``SHIPPED`` lists the languages that must stay
complete; ``manage.py messages_check`` (``make messages-check``, run in CI after
``makemessages``) fails when one of them is not (docs/translation.md).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
# The language the templates and code are written in; it needs no catalogue.
SOURCE = "en"
# The languages the project promises: CI fails when one of their catalogues is incomplete.
SHIPPED = ("it", "fr")
# Each language's name in that language, as the language menu shows it to someone who may not
# read the page's current language.
NATIVE_NAMES = {
    "en": "English",
    "it": "Italiano",
    "fr": "Français",
    "de": "Deutsch",
    "es": "Español",
    "nl": "Nederlands",
}


@dataclass(frozen=True)
class CatalogueState:
    language: str
    total: int
    untranslated: tuple[str, ...]
    fuzzy: tuple[str, ...]

    @property
    def is_complete(self) -> bool:
        return self.total > 0 and not self.untranslated and not self.fuzzy


def catalogue_path(locale_dir: Path, language: str) -> Path:
    return locale_dir / language / "LC_MESSAGES" / "django.po"


def catalogue_state(path: Path, language: str) -> CatalogueState:
    """What is left to translate in one ``.po`` file (obsolete entries do not count)."""
    catalogue = polib.pofile(str(path))
    entries = [entry for entry in catalogue if not entry.obsolete]
    return CatalogueState(
        language=language,
        total=len(entries),
        untranslated=tuple(e.msgid for e in entries if not e.translated() and not e.fuzzy),
        fuzzy=tuple(e.msgid for e in entries if e.fuzzy),
    )


def catalogue_states(locale_dir: Path) -> list[CatalogueState]:
    return [
        catalogue_state(catalogue_path(locale_dir, folder.name), folder.name)
        for folder in sorted(locale_dir.iterdir() if locale_dir.is_dir() else [])
        if catalogue_path(locale_dir, folder.name).is_file()
    ]


def offered_languages(locale_dir: Path) -> list[tuple[str, str]]:
    """``LANGUAGES``: English first, then each language with a complete catalogue."""
    complete = [state.language for state in catalogue_states(locale_dir) if state.is_complete]
    return [(code, NATIVE_NAMES.get(code, code)) for code in [SOURCE, *complete]]


def catalogues_compile(locale_dir: Path) -> list[Path]:
    """Write each catalogue's ``.mo`` beside its ``.po`` with polib, so that ``make run`` and
    ``make test`` need no GNU gettext on the machine (extraction, ``make messages``, does)."""
    written = []
    for state in catalogue_states(locale_dir):
        po_path = catalogue_path(locale_dir, state.language)
        mo_path = po_path.with_suffix(".mo")
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


def main() -> int:
    """``python -m config.languages``: fail when a shipped language's catalogue is incomplete.
    ``python -m config.languages --compile``: build the ``.mo`` files."""
    locale_dir = LOCALE_DIR
    if "--compile" in sys.argv[1:]:
        for path in catalogues_compile(locale_dir):
            print(f"compiled {path.relative_to(locale_dir.parent)}")
        return 0
    states = {state.language: state for state in catalogue_states(locale_dir)}
    failed = False
    for language in SHIPPED:
        state = states.get(language)
        if state is None:
            print(f"{language}: no catalogue at {catalogue_path(locale_dir, language)}")
            failed = True
            continue
        for msgid in state.untranslated:
            print(f"{language}: untranslated: {msgid!r}")
        for msgid in state.fuzzy:
            print(f"{language}: fuzzy: {msgid!r}")
        failed = failed or not state.is_complete
        print(
            f"{language}: {state.total} messages, {len(state.untranslated)} untranslated, "
            f"{len(state.fuzzy)} fuzzy"
        )
    for language, state in states.items():
        if language not in SHIPPED:
            offered = "offered" if state.is_complete else "not offered until complete"
            print(f"{language}: not shipped yet, {offered}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
