"""Load a synthetic cohort at registry scale (DEBUG only): ``symptoms.reports.cohort``."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from accounts.models import Role, User
from symptoms.reports.cohort import cohort_create


class Command(BaseCommand):
    help = (
        "Load N synthetic patients with W weeks of reports each, in bulk (DEBUG only). "
        "The same seed gives the same people and reports."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, required=True, help="How many people.")
        parser.add_argument("--weeks", type=int, required=True, help="Weeks of history each.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--share-with", metavar="EMAIL", help="A clinician every patient shares with."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_cohort only runs with DEBUG=1: its people are made up.")
        if options["patients"] < 1 or options["weeks"] < 1:
            raise CommandError("--patients and --weeks must be at least 1.")
        clinician = None
        if options["share_with"]:
            clinician = User.objects.filter(
                email__iexact=options["share_with"], role=Role.CLINICIAN
            ).first()
            if clinician is None:
                raise CommandError(f"No clinician has the email {options['share_with']}.")
        start = time.monotonic()

        def progress(done: int, of: int, reports: int) -> None:
            width = 30
            bar = "#" * (width * done // of)
            self.stderr.write(
                f"\r[{bar:<{width}}] {done}/{of} patients, {reports} reports, "
                f"{time.monotonic() - start:.0f} s",
                ending="",
            )
            self.stderr.flush()

        try:
            loaded = cohort_create(
                patients=options["patients"],
                weeks=options["weeks"],
                seed=options["seed"],
                today=timezone.localdate(),
                clinician=clinician,
                progress=progress,
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stderr.write("")
        how = "COPY" if connection.vendor == "postgresql" else "bulk_create"
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {loaded.patients} patients, {loaded.reports} reports, {loaded.rows} rows "
                f"in all, through {how}, in {time.monotonic() - start:.1f} s."
            )
        )
