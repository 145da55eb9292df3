"""Migration symptoms.0004 gives people who signed up before schedules existed the defaults."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("symptoms", "0003_reminderschedule"), ("accounts", "0004_auditaction_baseline_reset")]
AFTER = [("symptoms", "0004_reminder_occurrences")]


def test_people_without_schedules_get_the_defaults_and_others_keep_theirs() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    users = old.get_model("accounts", "User")
    schedules = old.get_model("symptoms", "ReminderSchedule")
    early = users.objects.create(email="early@example.org", role="patient")
    chose = users.objects.create(email="chose@example.org", role="patient")
    schedules.objects.create(
        patient=chose, instrument="fss", frequency="daily", local_time="08:00",
        starts_on="2026-01-01",
    )  # fmt: skip
    clinician = users.objects.create(email="doc@example.org", role="clinician")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("symptoms", "ReminderSchedule")

    def instruments(user_id: int) -> list[str]:
        return sorted(new.objects.filter(patient_id=user_id).values_list("instrument", flat=True))

    assert instruments(early.pk) == ["daily", "mfis", "neuroqol_ue", "pdds", "pdq", "pes"]
    assert instruments(chose.pk) == ["fss"]
    assert instruments(clinician.pk) == []
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the database as we found it
