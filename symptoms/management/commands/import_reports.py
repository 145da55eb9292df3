"""Load reports from another system: ``symptoms.reports.imports`` and docs/import.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from symptoms.reports.imports import ImportFailed, reports_import


class Command(BaseCommand):
    help = (
        "Import reports from a CSV or NDJSON file (docs/import.md), checked and scored as the "
        "API does. All or nothing; a report already stored (same client_id) is not stored again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The file to import.")
        parser.add_argument(
            "--format",
            choices=("csv", "ndjson"),
            help="The file's format (default: csv for a .csv file, else ndjson).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            imported = reports_import(path, kind=options["format"])
        except ImportFailed as failed:
            for error in failed.errors:
                self.stderr.write(str(error))
            lines = len({error.line for error in failed.errors})
            raise CommandError(f"Nothing imported: {lines} lines have errors.") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {imported.created} reports; {imported.already_stored} were already "
                "stored."
            )
        )
