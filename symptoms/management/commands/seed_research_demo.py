"""Load a synthetic consenting cohort and build a research release (DEBUG only), so that the
research pages show real numbers in ``make run``. Safe to run again: it does nothing once a
release is published."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from symptoms.models import Release, ReleaseStatus
from symptoms.research import ledger, services
from symptoms.research.demo import demo_cohort_create


class Command(BaseCommand):
    help = "Load a synthetic research cohort and build a release (DEBUG only). Safe to rerun."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=3000, help="Cohort size.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_research_demo only runs with DEBUG=1: its data is made up.")
        if Release.objects.filter(status=ReleaseStatus.PUBLISHED).exists():
            self.stdout.write("A research release is already published; nothing to do.")
            return
        quarters = ledger.last_releasable_quarters(
            today=timezone.localdate(), count=settings.RESEARCH_RELEASE_QUARTERS
        )
        demo_cohort_create(size=options["people"], quarters=quarters, seed=2026)
        queued = services.release_request(
            requested_by=None, first_quarter=quarters[0], last_quarter=quarters[-1], queue=False
        )
        release = services.release_build(release_id=queued.pk)
        if release is None:
            raise CommandError("The demo release was not built.")
        with_data = release.cells.filter(suppressed=False, n__gt=0).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Research demo: {options['people']} synthetic people; release {release.number} "
                f"over {', '.join(quarters)}: {release.cell_count} cells, {with_data} with data, "
                f"{release.suppressed_count} suppressed."
            )
        )
