"""Emails from accounts. Plain text and HTML; no health data in any of them."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import ClinicianInvite, PatientProfile


def _invite_language(invite: ClinicianInvite, language: str) -> str:
    """The invited person's own language if they have an account, else the clinician's."""
    chosen = (
        PatientProfile.objects.filter(user__email__iexact=invite.email)
        .values_list("language", flat=True)
        .first()
    )
    offered = dict(settings.LANGUAGES)
    for candidate in (chosen, language):
        if candidate and candidate in offered:
            return candidate
    return settings.LANGUAGE_CODE


def invite_email_send(*, invite: ClinicianInvite, language: str = "") -> None:
    context = {
        "clinician_name": invite.clinician.get_full_name(),
        "accept_url": settings.SITE_URL + reverse("accounts:sharing"),
        "signup_url": settings.SITE_URL + reverse("accounts:signup"),
        "expires_at": invite.expires_at,
    }
    with translation.override(_invite_language(invite, language)):
        subject = render_to_string("accounts/email/invite_subject.txt", context).strip()
        text = render_to_string("accounts/email/invite.txt", context)
        html = render_to_string("accounts/email/invite.html", context)
    message = EmailMultiAlternatives(subject, text, to=[invite.email])
    message.attach_alternative(html, "text/html")
    message.send()
