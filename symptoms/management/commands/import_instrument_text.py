"""Load an instrument's licensed official wording from a FHIR R4 Questionnaire file.

The repository ships structure, scoring and short labels in the project's own words only; a
site that holds a licence imports the wording with this command (docs/instruments.md).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from symptoms.instruments.definitions import current
from symptoms.instruments.services import QuestionnaireFileInvalid, instrument_text_import


class Command(BaseCommand):
    help = "Import licensed item wording for one instrument from a FHIR R4 Questionnaire (JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--instrument",
            help="Instrument code; default: the Questionnaire's name, or its url's last part.",
        )
        parser.add_argument(
            "--instrument-version", dest="instrument_version", help="Default: its version."
        )
        parser.add_argument("--language", help="Default: the Questionnaire's language, or en.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            questionnaire = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise CommandError(f"{path} is not JSON: {error}") from None
        if not isinstance(questionnaire, dict):
            raise CommandError(f"{path} does not hold a JSON object")

        code = options["instrument"] or self._code(questionnaire)
        if code not in current():
            raise CommandError(
                f"unknown instrument {code!r}; pass --instrument (one of "
                f"{', '.join(sorted(current()))})"
            )
        version = options["instrument_version"] or str(
            questionnaire.get("version") or current()[code].version
        )
        language = (options["language"] or questionnaire.get("language") or "en").split("-")[0]
        if language not in dict(settings.LANGUAGES):
            raise CommandError(f"language {language!r} is not one of the site's languages")
        try:
            text = instrument_text_import(
                questionnaire=questionnaire, instrument=code, version=version, language=language
            )
        except QuestionnaireFileInvalid as error:
            raise CommandError(f"{path}: {error}") from None
        self.stdout.write(f"Imported {len(text.items)} items of {code} v{version} ({language}).")

    @staticmethod
    def _code(questionnaire: dict[str, Any]) -> str:
        name = str(questionnaire.get("name") or "")
        if name:
            return name.lower()
        url = str(questionnaire.get("url") or "")
        match = re.search(r"/Questionnaire/([^/|]+)", url)
        return match.group(1).lower() if match else ""
