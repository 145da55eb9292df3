"""The audit trail in PostgreSQL: the database refuses what the model refuses."""

from __future__ import annotations

import pytest
from django.db import transaction

from accounts.models import (
    AuditAction,
    AuditEvent,
    User,
)


class TestAuditTrailInPostgreSQL:
    """The database refuses what the model refuses, even for raw SQL."""

    def test_it_refuses_raw_updates_and_deletes(self, live_services: None, alice: User) -> None:
        from django.db import DatabaseError, connection

        AuditEvent.objects.create(actor=alice, action=AuditAction.CONSENT_GRANTED)

        for statement in (
            "UPDATE accounts_auditevent SET action = 'consent_withdrawn'",
            "DELETE FROM accounts_auditevent",
        ):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
        assert AuditEvent.objects.get().action == AuditAction.CONSENT_GRANTED

    def test_deleting_an_account_keeps_its_events(self, live_services: None, alice: User) -> None:
        event = AuditEvent.objects.create(
            actor=alice, subject_patient=alice, action=AuditAction.CONSENT_GRANTED
        )

        alice.delete()

        event = AuditEvent.objects.get(pk=event.pk)
        assert (event.actor_id, event.subject_patient_id) == (None, None)
