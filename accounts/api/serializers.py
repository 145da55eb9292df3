"""Input and output shapes of the accounts API. Fields are listed explicitly; ids are public."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from accounts.models import (
    ClinicianInvite,
    Consent,
    MSType,
    PatientProfile,
    Sex,
    SharingLink,
    User,
    validate_past_year,
    validate_time_zone,
)
from config.api import StrictBooleanField, StrictIntegerField


class PersonOut(serializers.Serializer[User]):
    id = serializers.UUIDField(source="public_id")
    full_name = serializers.CharField()
    email = serializers.EmailField()


class ProfileSerializer(serializers.Serializer[PatientProfile]):
    """Both the profile's output and its PATCH input (every field optional)."""

    birth_year = StrictIntegerField(
        allow_null=True, required=False, min_value=1900, validators=[validate_past_year]
    )
    sex = serializers.ChoiceField(choices=Sex.choices, allow_blank=True, required=False)
    ms_type = serializers.ChoiceField(choices=MSType.choices, allow_blank=True, required=False)
    diagnosis_year = StrictIntegerField(
        allow_null=True, required=False, min_value=1900, validators=[validate_past_year]
    )
    country = CountryField(allow_blank=True, required=False)  # type: ignore[no-untyped-call]
    time_zone = serializers.CharField(
        max_length=64, required=False, validators=[validate_time_zone]
    )
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        current: PatientProfile | None = self.context.get("profile")
        birth = attrs.get("birth_year", current.birth_year if current else None)
        diagnosis = attrs.get("diagnosis_year", current.diagnosis_year if current else None)
        if birth is not None and diagnosis is not None and diagnosis < birth:
            raise serializers.ValidationError(
                {"diagnosis_year": _("The diagnosis year cannot be before the birth year.")},
                code="diagnosis_before_birth",
            )
        return attrs


class MeOut(serializers.Serializer[User]):
    id = serializers.UUIDField(source="public_id")
    email = serializers.EmailField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    profile = serializers.SerializerMethodField()

    def get_profile(self, user: User) -> dict[str, Any] | None:
        if not user.is_patient:
            return None
        return ProfileSerializer(user.patient_profile).data


class MeIn(serializers.Serializer[User]):
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    profile = ProfileSerializer(required=False)


class ConsentHistoryOut(serializers.Serializer[Consent]):
    id = serializers.UUIDField(source="public_id")
    text_version = serializers.CharField()
    granted_at = serializers.DateTimeField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)


class ConsentOut(serializers.Serializer[Any]):
    granted = serializers.BooleanField()
    text_version = serializers.CharField(help_text="Version of the wording the answer refers to.")
    text = serializers.CharField(help_text="The consent wording, in the person's language.")
    granted_at = serializers.DateTimeField(allow_null=True)
    history = ConsentHistoryOut(many=True)


class ConsentIn(serializers.Serializer[Any]):
    granted = StrictBooleanField()


class ShareCodeOut(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="Give this to one clinician; it works once.")
    expires_at = serializers.DateTimeField()


class RedeemIn(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=32, trim_whitespace=True)


class SharingLinkOut(serializers.Serializer[SharingLink]):
    id = serializers.UUIDField(source="public_id")
    patient = PersonOut()
    clinician = PersonOut()
    created_via = serializers.CharField(source="source", help_text="code, invite or demo")
    created_at = serializers.DateTimeField()


class InviteIn(serializers.Serializer[Any]):
    email = serializers.EmailField(max_length=254)


class InviteOut(serializers.Serializer[ClinicianInvite]):
    id = serializers.UUIDField(source="public_id")
    email = serializers.EmailField()
    clinician = PersonOut()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class TokenIn(serializers.Serializer[Any]):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=(
            "For anyone with a second factor: the current 6-digit code of their authenticator "
            "app, or one of their recovery codes (each works once)."
        ),
    )


class TokenOut(serializers.Serializer[Any]):
    token = serializers.CharField(help_text="Send as 'Authorization: Token <token>'.")
    expiry = serializers.DateTimeField(allow_null=True)
