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


def test_schedules_from_before_sign_up_asked_say_they_were_given() -> None:
    """Migration symptoms.0009: every existing schedule is the site's default (its emails must
    not say the person set it up); new ones are the person's unless a service says otherwise."""
    before, after = (
        [("symptoms", "0010_reminder_one_tap")],
        [("symptoms", "0011_reminderschedule_origin")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    patient = old.get_model("accounts", "User").objects.create(
        email="p@example.org", role="patient"
    )
    old.get_model("symptoms", "ReminderSchedule").objects.create(
        patient=patient, instrument="daily", frequency="daily", local_time="19:00",
        starts_on="2026-01-01",
    )  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("symptoms", "ReminderSchedule")

    assert list(new.objects.values_list("origin", flat=True)) == ["default"]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the database as we found it
