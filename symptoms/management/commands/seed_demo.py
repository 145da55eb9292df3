"""Create the demo accounts (one per role), a sharing link, research consent and a year of the
demo patient's reports. Idempotent.

Only allowed with DEBUG on: the passwords are published in the README.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts import services
from accounts.models import ResearcherProfile, Role, SharingLink, User
from symptoms.reminders.schedules import reminder_defaults_create
from symptoms.reports.demo import demo_history_create

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - documented demo credential, DEBUG only
DEMO_ACCOUNTS = (
    ("patient@demo.example", Role.PATIENT, "Pat Demo"),
    ("clinician@demo.example", Role.CLINICIAN, "Dr Cleo Demo"),
    ("researcher@demo.example", Role.RESEARCHER, "Ren Demo"),
    ("staff@demo.example", Role.STAFF, "Stef Demo"),
)
DEMO_PROFILE = {
    "birth_year": 1968,
    "sex": "female",
    "ms_type": "spms",
    "diagnosis_year": 1999,
    "country": "IT",
    "time_zone": "Europe/Rome",
    "language": "en",
}


class Command(BaseCommand):
    help = "Create demo accounts for every role (DEBUG only). Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG=1: its passwords are public.")
        with transaction.atomic():
            users = {role: self._account(email, role, name) for email, role, name in DEMO_ACCOUNTS}
            patient, clinician = users[Role.PATIENT], users[Role.CLINICIAN]
            staff, researcher = users[Role.STAFF], users[Role.RESEARCHER]
            if not patient.patient_profile.ms_type:
                services.profile_update(user=patient, actor=patient, data=DEMO_PROFILE)
            services.consent_set(user=patient, granted=True)
            if not SharingLink.objects.filter(
                patient=patient, clinician=clinician, revoked_at__isnull=True
            ).exists():
                SharingLink.objects.create(
                    patient=patient, clinician=clinician, source=SharingLink.Source.DEMO
                )
            if researcher.researcher_profile.status != ResearcherProfile.Status.APPROVED:
                services.researcher_decide(researcher=researcher, staff=staff, approve=True)
            today = timezone.localdate(timezone=ZoneInfo(str(DEMO_PROFILE["time_zone"])))
            reports = demo_history_create(patient=patient, today=today)
            reminder_defaults_create(patient=patient, today=today)
        if reports:
            self.stdout.write(f"Created a year of history for the demo patient: {reports} reports.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo accounts ready (password {DEMO_PASSWORD!r}): "
                + ", ".join(email for email, _, _ in DEMO_ACCOUNTS)
                + ". For the second factor of the others: manage.py demo_code EMAIL"
            )
        )

    def _account(self, email: str, role: str, full_name: str) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            extra = {"is_superuser": True} if role == Role.STAFF else {}
            user = User.objects.create_user(
                email=email, password=DEMO_PASSWORD, role=role, full_name=full_name, **extra
            )
        services.email_confirm(user=user)
        if role != Role.PATIENT:
            # The roles that must have a second factor; `manage.py demo_code` shows its code.
            services.totp_ensure(user=user)
        return user
