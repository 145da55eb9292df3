"""Celery tasks for accounts. Each receives ids only and calls a service or a mail helper."""

from __future__ import annotations

import logging

from celery import shared_task

from accounts import mail, services

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def invite_send(invite_id: int, language: str = "") -> None:
    # A retry, a late message or the reaper's copy may come after the patient answered, the
    # invitation expired, or another worker sent it: the claim lets exactly one send. The
    # reaper's copy has no language: the email then goes in the invitee's (or the clinician's).
    invite = services.invite_email_claim(invite_id=invite_id)
    if invite is None:
        logger.info("invite_send: nothing to send for invite id=%s", invite_id)
        return
    try:
        mail.invite_email_send(invite=invite, language=language)
    except Exception:
        services.invite_email_release(invite_id=invite_id)  # the retry may claim it again
        raise
    services.invite_emailed(invite_id=invite_id)


@shared_task
def invites_requeue_unsent() -> int:
    return services.invites_requeue_unsent()


@shared_task
def share_codes_purge_expired() -> int:
    return services.share_codes_purge_expired()
