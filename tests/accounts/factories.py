from __future__ import annotations

from typing import Any

import factory

from accounts.models import Role, SharingLink, User


class UserFactory(factory.django.DjangoModelFactory[User]):
    """Builds complete accounts through ``User.objects.create_user``, as the product does."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    role = Role.PATIENT
    password = "correct horse battery"

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        return model_class.objects.create_user(*args, **kwargs)


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
