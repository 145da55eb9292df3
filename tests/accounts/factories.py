from __future__ import annotations

import time
from typing import Any

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value

from accounts.models import Role, SharingLink, User
from accounts.second_factor import needs_second_factor

# A fixed authenticator-app secret for test accounts (base32), so a test can compute a code.
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def current_totp_code(secret: str = TEST_TOTP_SECRET) -> str:
    """What an authenticator app holding ``secret`` shows now."""
    counter = int(time.time()) // 30
    return format_hotp_value(hotp_value(secret, counter))


class UserFactory(factory.django.DjangoModelFactory[User]):
    """Builds complete accounts through ``User.objects.create_user``, as the product does, with
    a confirmed email address and, for the roles that must have one, an authenticator app
    (``TEST_TOTP_SECRET``). ``email_verified=False`` or ``second_factor=False`` leave them out.
    """

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    role = Role.PATIENT
    password = "correct horse battery"

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        email_verified = kwargs.pop("email_verified", True)
        second_factor = kwargs.pop("second_factor", None)
        user = model_class.objects.create_user(*args, **kwargs)
        EmailAddress.objects.create(
            user=user, email=user.email, verified=email_verified, primary=True
        )
        if second_factor if second_factor is not None else needs_second_factor(user):
            TOTP.activate(user, TEST_TOTP_SECRET)
        return user


class PatientFactory(UserFactory):
    role = Role.PATIENT


class ClinicianFactory(UserFactory):
    role = Role.CLINICIAN


class ResearcherFactory(UserFactory):
    role = Role.RESEARCHER


class StaffFactory(UserFactory):
    role = Role.STAFF


class SharingLinkFactory(factory.django.DjangoModelFactory[SharingLink]):
    class Meta:
        model = SharingLink

    patient = factory.SubFactory(PatientFactory)
    clinician = factory.SubFactory(ClinicianFactory)
    source = SharingLink.Source.CODE
