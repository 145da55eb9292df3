"""Reads of "Your data": who viewed or downloaded the person's data."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import AuditAction, AuditEvent, User

# What the person sees in "Who viewed my data": reads of their data by anyone, and downloads.
DATA_VIEW_ACTIONS = (AuditAction.PATIENT_DATA_VIEWED, AuditAction.PATIENT_DATA_EXPORTED)


def data_view_list(*, patient: User) -> QuerySet[AuditEvent]:
    """Views and downloads of ``patient``'s data, newest first, with who did each."""
    return (
        AuditEvent.objects.filter(subject_patient=patient, action__in=DATA_VIEW_ACTIONS)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
