"""Build a research release from the command line (docs/research.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.service_errors import ServiceError
from symptoms.models import ReleaseStatus
from symptoms.research import services


class Command(BaseCommand):
    help = (
        "Build an anonymised research release of the current table specification, here and "
        "now (or on the worker with --queue)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="first", help="First quarter, e.g. 2026-Q1.")
        parser.add_argument("--to", dest="last", help="Last quarter; default: --from.")
        parser.add_argument("--spec", default=None, help="Specification version.")
        parser.add_argument(
            "--epsilon",
            type=float,
            help="Make it differentially private, spending this epsilon of the year's budget.",
        )
        parser.add_argument(
            "--queue", action="store_true", help="Queue it for the Celery worker instead."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        extra = {"spec_version": options["spec"]} if options["spec"] else {}
        try:
            release = services.release_request(
                requested_by=None,
                first_quarter=options["first"],
                last_quarter=options["last"],
                epsilon=options["epsilon"],
                queue=options["queue"],
                **extra,
            )
        except ServiceError as error:
            raise CommandError(str(error.message)) from None
        periods = ", ".join(release.parameters["periods"])
        if options["queue"]:
            self.stdout.write(f"Queued release {release.public_id} over {periods}.")
            return
        built = services.release_build(release_id=release.pk)
        if built is None or built.status != ReleaseStatus.PUBLISHED:
            raise CommandError("The release was not built.")
        self.stdout.write(
            f"Release {built.number} ({built.public_id}) over {periods}: "
            f"{built.cell_count} cells, {built.suppressed_count} suppressed, "
            f"built in {built.build_seconds:.1f} s."
        )
