"""Print the current authenticator-app code of a demo account (DEBUG only), so a newcomer can
sign in as the demo clinician, researcher or staff member without an authenticator app."""

from __future__ import annotations

import time
from typing import Any

from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

DEMO_DOMAIN = "@demo.example"


class Command(BaseCommand):
    help = "Print the current second-factor code of a demo account (DEBUG only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="a demo account, e.g. clinician@demo.example")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_code only runs with DEBUG=1.")
        email = str(options["email"]).strip().lower()
        if not email.endswith(DEMO_DOMAIN):
            raise CommandError(f"Only demo accounts (…{DEMO_DOMAIN}) have a code shown here.")
        authenticator = Authenticator.objects.filter(
            user__email__iexact=email, type=Authenticator.Type.TOTP
        ).first()
        if authenticator is None:
            raise CommandError(f"{email} has no authenticator app. Run `make run` (seed_demo).")
        secret = get_adapter().decrypt(authenticator.data["secret"])
        counter = int(time.time()) // settings.MFA_TOTP_PERIOD
        remaining = settings.MFA_TOTP_PERIOD - int(time.time()) % settings.MFA_TOTP_PERIOD
        self.stdout.write(f"{format_hotp_value(hotp_value(secret, counter))}")
        self.stderr.write(f"(valid for about {remaining} more seconds)")
