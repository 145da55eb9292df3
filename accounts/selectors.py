"""Every read of people's data, scoped by who asks. Another person's object is not found (404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from knox.models import AuthToken

from accounts.consent_texts import CURRENT_VERSION, consent_text
from accounts.models import (
    ApiTokenUse,
    ClinicianInvite,
    Consent,
    ConsentPurpose,
    Role,
    SharingLink,
    User,
)


def email_is_verified(*, user: User, email: str | None = None) -> bool:
    """Whether the person has confirmed ``email`` (by default their sign-in address) by opening
    the link sent to it. Addresses compare case-insensitively, as sign-in does."""
    return bool(
        EmailAddress.objects.filter(
            user=user, email__iexact=email or user.email, verified=True
        ).exists()
    )


def api_token_list(*, user: User) -> list[AuthToken]:
    """The person's own API tokens that have not expired, newest first, each with
    ``last_used_at`` and ``user_agent`` (None and "" if never used). Two queries."""
    tokens = list(
        AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")
    )
    uses = {
        use.token_key: use
        for use in ApiTokenUse.objects.filter(token_key__in=[t.token_key for t in tokens])
    }
    for token in tokens:
        use = uses.get(token.token_key)
        token.last_used_at = use.last_used_at if use else None
        token.user_agent = use.user_agent if use else ""
    return tokens


def consent_history(*, user: User, purpose: str = ConsentPurpose.RESEARCH) -> QuerySet[Consent]:
    return Consent.objects.filter(user=user, purpose=purpose).order_by("-granted_at")


@dataclass(frozen=True)
class ConsentState:
    """Where a person stands on one purpose, with the words their answer refers to."""

    open_consent: Consent | None
    text_version: str
    text: str
    history: list[Consent]

    @property
    def granted(self) -> bool:
        return self.open_consent is not None

    @property
    def granted_at(self) -> datetime | None:
        return self.open_consent.granted_at if self.open_consent else None


def consent_state(*, user: User, purpose: str = ConsentPurpose.RESEARCH) -> ConsentState:
    """One query. The wording is the one agreed to while consent is open, else the current one."""
    history = list(consent_history(user=user, purpose=purpose))
    open_consent = next((c for c in history if c.withdrawn_at is None), None)
    version = (
        open_consent.text_version if open_consent else CURRENT_VERSION[ConsentPurpose(purpose)]
    )
    return ConsentState(
        open_consent=open_consent,
        text_version=version,
        text=consent_text(purpose, version),
        history=history,
    )


def _own_links(*, user: User) -> QuerySet[SharingLink]:
    links = SharingLink.objects.select_related("patient", "clinician")
    if user.role == Role.PATIENT:
        return links.filter(patient=user)
    if user.role == Role.CLINICIAN:
        return links.filter(clinician=user)
    return links.none()


def sharing_link_list(*, user: User) -> QuerySet[SharingLink]:
    """Active links the person is a party to: as patient or as clinician."""
    return _own_links(user=user).filter(revoked_at__isnull=True)


def sharing_link_get(*, user: User, public_id: UUID | str) -> SharingLink:
    """A link of the person's own, active or already revoked (so that revoking twice, after a
    double click or a retried request, is not an error). Anything else is a 404."""
    return get_object_or_404(_own_links(user=user), public_id=public_id)


def clinician_patients(*, clinician: User) -> QuerySet[User]:
    """Patients who share with this clinician right now. Revocation takes effect at once."""
    if clinician.role != Role.CLINICIAN:
        return User.objects.none()
    return User.objects.filter(
        role=Role.PATIENT,
        is_active=True,
        links_as_patient__clinician=clinician,
        links_as_patient__revoked_at__isnull=True,
    ).distinct()


def clinician_patient_get(*, clinician: User, public_id: UUID | str) -> User:
    """One patient who shares with this clinician now; anyone else is a 404, whether they never
    shared, revoked, or share with another clinician."""
    patients = clinician_patients(clinician=clinician).select_related("patient_profile")
    return get_object_or_404(patients, public_id=public_id)


def invite_list(*, user: User) -> QuerySet[ClinicianInvite]:
    """Clinicians see invitations they sent; patients see pending ones addressed to them."""
    invites = ClinicianInvite.objects.select_related("clinician")
    if user.role == Role.CLINICIAN:
        return invites.filter(clinician=user)
    if user.role == Role.PATIENT:
        return invites.pending_at(timezone.now()).filter(email__iexact=user.email)
    return invites.none()


def invite_get(*, user: User, public_id: UUID | str) -> ClinicianInvite:
    return get_object_or_404(invite_list(user=user), public_id=public_id)


def local_today(*, patient: User, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(ZoneInfo(patient.patient_profile.time_zone)).date()
