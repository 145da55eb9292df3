from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.conf import LazySettings
from django.core.management import call_command
from django.db.models import Count, Max, Min

from accounts.models import User
from symptoms.models import Report, ReportScore

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_the_demo_patient_a_year_of_history(settings: LazySettings) -> None:
    settings.DEBUG = True

    with time_machine.travel(datetime(2026, 11, 24, 9, tzinfo=UTC), tick=False):
        call_command("seed_demo")
        count = Report.objects.count()
        call_command("seed_demo")

    assert Report.objects.count() == count  # idempotent
    patient = User.objects.get(email="patient@demo.example")
    daily = Report.objects.filter(patient=patient, instrument="daily")
    span = daily.aggregate(first=Min("local_date"), last=Max("local_date"))
    assert span["first"] >= date(2025, 11, 24)
    assert date(2026, 11, 16) <= span["last"] <= date(2026, 11, 23)  # ends yesterday at latest
    assert 250 <= daily.count() <= 340  # most days, not every day
    monthly = dict(
        Report.objects.exclude(instrument="daily")
        .values_list("instrument")
        .annotate(n=Count("id"))
        .values_list("instrument", "n")
    )
    # Every 28 days over 365 days: 13 times each.
    assert monthly == {code: 13 for code in ("mfis", "pdds", "neuroqol_ue", "pes", "pdq")}
    assert any("heat" in tags for tags in daily.values_list("context_tags", flat=True))
    # Every daily report's scores are in the narrow table, skipped ratings excluded.
    assert ReportScore.objects.filter(instrument="daily").count() == sum(
        sum(value is not None for value in scores.values())
        for scores in daily.values_list("scores", flat=True)
    )
