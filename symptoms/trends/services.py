"""Writes of the clinician's view: resetting the baseline a scale's change is measured from."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from accounts import services as account_services
from accounts.models import AuditAction, User
from symptoms.models import BaselineReset


@transaction.atomic
def baseline_reset(
    *, clinician: User, patient: User, instrument: str, scale: str, since: date
) -> BaselineReset:
    """Measure ``patient``'s change on one scale from reports on or after ``since``, for every
    clinician who sees them (the patient's trends are one picture). Audited. The caller has
    checked that the patient shares with ``clinician`` (``clinician_patient_get``)."""
    reset = BaselineReset.objects.create(
        patient=patient, set_by=clinician, instrument=instrument, scale=scale, since=since
    )
    account_services.audit_record(
        actor=clinician,
        action=AuditAction.BASELINE_RESET,
        subject_patient=patient,
        detail={"instrument": instrument, "scale": scale},
    )
    return reset
