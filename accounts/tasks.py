"""Celery tasks for accounts. Each receives ids only and calls a service or a mail helper."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from accounts import mail, services
from accounts.models import ClinicianInvite

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def invite_send(invite_id: int) -> None:
    # A retry or a late message may come after the patient answered or the invitation expired.
    invite = (
        ClinicianInvite.objects.pending_at(timezone.now())
        .select_related("clinician")
        .filter(pk=invite_id)
        .first()
    )
    if invite is None:
        logger.info("invite_send: nothing to send for invite id=%s", invite_id)
        return
    mail.invite_email_send(invite=invite)


@shared_task
def share_codes_purge_expired() -> int:
    return services.share_codes_purge_expired()
