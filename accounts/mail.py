"""Emails from accounts. Plain text and HTML; no health data in any of them."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import ClinicianInvite


def invite_email_send(*, invite: ClinicianInvite) -> None:
    context = {
        "clinician_name": invite.clinician.get_full_name(),
        "accept_url": settings.SITE_URL + reverse("accounts:sharing"),
        "signup_url": settings.SITE_URL + reverse("accounts:signup"),
        "expires_at": invite.expires_at,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("accounts/email/invite_subject.txt", context).strip()
        text = render_to_string("accounts/email/invite.txt", context)
        html = render_to_string("accounts/email/invite.html", context)
    message = EmailMultiAlternatives(subject, text, to=[invite.email])
    message.attach_alternative(html, "text/html")
    message.send()
