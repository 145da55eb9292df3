"""People, their profiles, consents, sharing links and the audit trail.

Models hold fields, choices, constraints and pure single-row calculations; every write goes
through ``accounts.services`` and every scoped read through ``accounts.selectors``.
"""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import datetime, timedelta
from functools import cache
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

EARLIEST_YEAR = 1900


class Role(models.TextChoices):
    PATIENT = "patient", _("Person with MS")
    CLINICIAN = "clinician", _("Clinician")
    RESEARCHER = "researcher", _("Researcher")
    STAFF = "staff", _("Staff")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNDISCLOSED = "undisclosed", _("Prefer not to say")


class MSType(models.TextChoices):
    PPMS = "ppms", _("Primary progressive MS")
    SPMS = "spms", _("Secondary progressive MS")
    RRMS = "rrms", _("Relapsing-remitting MS")
    OTHER = "other", _("Other or unknown")


@cache
def available_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in available_time_zones():
        raise ValidationError(
            _("This is not a known time zone; use an IANA name such as Europe/Rome."),
            code="invalid_time_zone",
        )


def validate_past_year(value: int) -> None:
    current = timezone.now().year
    if value < EARLIEST_YEAR or value > current:
        raise ValidationError(
            _("Enter a year between %(earliest)s and %(current)s."),
            code="invalid_year",
            params={"earliest": EARLIEST_YEAR, "current": current},
        )


def validate_language(value: str) -> None:
    if value not in dict(settings.LANGUAGES):
        raise ValidationError(
            _("This language is not supported."),
            code="invalid_language",
        )


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(
        self,
        email: str,
        password: str | None = None,
        role: str = Role.PATIENT,
        **extra_fields: Any,
    ) -> User:
        """Create a complete account in one transaction: the user and the profile its role needs.

        A patient gets a profile with UTC and English defaults until they set their own; a
        researcher starts as pending until staff approve them.
        """
        if not email:
            raise ValueError("An email address is required.")
        if role not in Role.values:
            raise ValueError(f"Unknown role {role!r}.")
        extra_fields.setdefault("is_staff", role == Role.STAFF)
        user = self.model(email=self.normalize_email(email).lower(), role=role, **extra_fields)
        user.set_password(password)  # None gives an unusable password
        with transaction.atomic(using=self._db):
            user.save(using=self._db)
            if role == Role.PATIENT:
                PatientProfile.objects.using(self._db).create(user=user)
            elif role == Role.RESEARCHER:
                ResearcherProfile.objects.using(self._db).create(user=user)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_superuser", True)
        extra.setdefault("is_staff", True)
        return self.create_user(email, password, role=Role.STAFF, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("email address"), max_length=254, unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PATIENT)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text=_("Can log in to the staff admin site.")
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def is_clinician(self) -> bool:
        return self.role == Role.CLINICIAN

    @property
    def is_approved_researcher(self) -> bool:
        if self.role != Role.RESEARCHER:
            return False
        profile = getattr(self, "researcher_profile", None)
        return profile is not None and profile.status == ResearcherProfile.Status.APPROVED


class PatientProfile(models.Model):
    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="patient_profile", primary_key=True
    )
    birth_year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[validate_past_year]
    )
    sex = models.CharField(max_length=16, choices=Sex.choices, blank=True)
    ms_type = models.CharField(max_length=8, choices=MSType.choices, blank=True)
    diagnosis_year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[validate_past_year]
    )
    country = CountryField(blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    language = models.CharField(max_length=8, default="en", validators=[validate_language])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(birth_year__isnull=True)
                | models.Q(birth_year__gte=EARLIEST_YEAR),
                name="profile_birth_year_plausible",
            ),
            models.CheckConstraint(
                condition=models.Q(diagnosis_year__isnull=True)
                | models.Q(birth_year__isnull=True)
                | models.Q(diagnosis_year__gte=models.F("birth_year")),
                name="profile_diagnosis_after_birth",
            ),
        ]

    def __str__(self) -> str:
        return f"Profile of {self.user_id}"

    def clean(self) -> None:
        if (
            self.birth_year is not None
            and self.diagnosis_year is not None
            and self.diagnosis_year < self.birth_year
        ):
            raise ValidationError(
                {"diagnosis_year": _("The diagnosis year cannot be before the birth year.")},
                code="diagnosis_before_birth",
            )


class ResearcherProfile(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="researcher_profile", primary_key=True
    )
    institution = models.CharField(max_length=200, blank=True)
    purpose = models.TextField(blank=True, help_text=_("What the researcher intends to study."))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Researcher {self.user_id} ({self.status})"


class ConsentPurpose(models.TextChoices):
    RESEARCH = "research", _("Research use of de-identified data")


class ConsentQuerySet(models.QuerySet["Consent"]):
    def active_at(self, moment: datetime) -> ConsentQuerySet:
        """Grants in force at ``moment``: granted by then and not withdrawn by then. The one
        definition of "consenting at T", which research releases apply at build time."""
        return self.filter(
            models.Q(withdrawn_at__isnull=True) | models.Q(withdrawn_at__gt=moment),
            granted_at__lte=moment,
        )

    def counted_in_research_at(self, moment: datetime) -> ConsentQuerySet:
        """The research population at ``moment``: patients with an active account, research
        consent in force, and a confirmed email (an unconfirmed account could be anyone's)."""
        return self.active_at(moment).filter(
            purpose=ConsentPurpose.RESEARCH,
            user__role=Role.PATIENT,
            user__is_active=True,
            user__emailaddress__verified=True,
            user__emailaddress__primary=True,
        )


class Consent(models.Model):
    """One grant of consent for a purpose; withdrawal closes it. Rows are never deleted.

    The history of a person's consent is the list of these rows; at most one is open (not
    withdrawn) per person and purpose, which the partial unique constraint enforces.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=32, choices=ConsentPurpose.choices)
    text_version = models.CharField(max_length=32)
    granted_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ("-granted_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_one_open_per_purpose",
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True)
                | models.Q(withdrawn_at__gte=models.F("granted_at")),
                name="consent_withdrawn_after_granted",
            ),
        ]
        indexes = [models.Index(fields=["purpose", "withdrawn_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} consent {self.public_id}"


class ShareCode(models.Model):
    """A short-lived code a patient reads out or sends to one clinician.

    Only a hash of the code is stored, so a copy of the database cannot be used to link to a
    patient while a code is still valid.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="share_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    redeemed_at = models.DateTimeField(null=True, blank=True)
    redeemed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"Share code {self.public_id}"

    def is_usable_at(self, moment: datetime) -> bool:
        return self.redeemed_at is None and moment < self.expires_at


class SharingLink(models.Model):
    """A patient's permission for one clinician to see their data, until either side revokes it."""

    class Source(models.TextChoices):
        CODE = "code", _("Share code")
        INVITE = "invite", _("Clinician invitation")
        DEMO = "demo", _("Demo data")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="links_as_patient")
    clinician = models.ForeignKey(User, on_delete=models.CASCADE, related_name="links_as_clinician")
    source = models.CharField(max_length=16, choices=Source.choices)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "clinician"],
                condition=models.Q(revoked_at__isnull=True),
                name="sharing_one_active_link_per_pair",
            ),
        ]
        indexes = [models.Index(fields=["clinician", "revoked_at"])]

    def __str__(self) -> str:
        return f"Sharing link {self.public_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ClinicianInviteQuerySet(models.QuerySet["ClinicianInvite"]):
    def pending_at(self, moment: datetime) -> ClinicianInviteQuerySet:
        """Invitations still waiting for the patient's answer at ``moment``: not decided and not
        expired. The one definition of "pending", for lists, decisions and the email."""
        return self.filter(status=ClinicianInvite.Status.PENDING, expires_at__gt=moment)

    def email_to_send_at(
        self, moment: datetime, *, claim_stale: timedelta
    ) -> ClinicianInviteQuerySet:
        """Pending invitations whose email is not sent and not being sent at ``moment``: never
        claimed, or claimed longer than ``claim_stale`` ago (the sender died)."""
        return self.pending_at(moment).filter(
            models.Q(email_claimed_at__isnull=True)
            | models.Q(email_claimed_at__lt=moment - claim_stale),
            emailed_at__isnull=True,
        )


class ClinicianInvite(models.Model):
    """A clinician's request to see a patient's data; nothing is shared until the patient accepts.

    The invite is addressed to an email, which may not have an account yet; it is matched to
    the patient's account by email when they look at their invitations.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinician = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invites_sent")
    email = models.EmailField(max_length=254)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    link = models.OneToOneField(
        SharingLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="invite"
    )
    # The email is an outbox entry: claimed by one sender at a time, marked once sent; a
    # reaper re-queues one whose message was lost (accounts.services.invites_requeue_unsent).
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = ClinicianInviteQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(Lower("email"), "status", name="invite_email_status_idx")]

    def __str__(self) -> str:
        return f"Invite {self.public_id}"


class AuditAction(models.TextChoices):
    PROFILE_UPDATED = "profile_updated", _("Profile updated")
    CONSENT_GRANTED = "consent_granted", _("Consent granted")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
    SHARE_CODE_CREATED = "share_code_created", _("Share code created")
    SHARING_LINK_CREATED = "sharing_link_created", _("Sharing link created")
    SHARING_LINK_REVOKED = "sharing_link_revoked", _("Sharing link revoked")
    INVITE_SENT = "invite_sent", _("Clinician invitation sent")
    INVITE_ACCEPTED = "invite_accepted", _("Clinician invitation accepted")
    INVITE_DECLINED = "invite_declined", _("Clinician invitation declined")
    RESEARCHER_APPROVED = "researcher_approved", _("Researcher approved")
    RESEARCHER_REJECTED = "researcher_rejected", _("Researcher rejected")
    PATIENT_DATA_VIEWED = "patient_data_viewed", _("Patient data viewed")
    PATIENT_DATA_EXPORTED = "patient_data_exported", _("Patient data exported")
    ACCOUNT_DELETED = "account_deleted", _("Account deleted")
    PASSWORD_CHANGED = "password_changed", _("Password changed or reset")
    SESSIONS_ENDED = "sessions_ended", _("Other sessions and API tokens ended")
    BASELINE_RESET = "baseline_reset", _("Baseline reset by a clinician")
    RELEASE_REQUESTED = "release_requested", _("Research release build requested")
    RELEASE_DOWNLOADED = "release_downloaded", _("Research release downloaded")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Audit events are never changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are never deleted.")


class AuditEvent(models.Model):
    """Who did what, to whose data, when. Written only by ``accounts.services.audit_record``.

    Append-only: the model refuses updates and deletes (the admin shows it read-only). The
    ``detail`` holds ids and codes only, never health data.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    actor = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="audit_events_done"
    )
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    subject_patient = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events_about"
    )
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["subject_patient", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} at {self.created_at.isoformat()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("Audit events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are never deleted.")


class ApiTokenUse(models.Model):
    """When an API token was last used, and by which client: shown on the person's sessions
    page (django-rest-knox keeps neither). Written at most every few minutes per token."""

    token_key = models.CharField(max_length=25, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    last_used_at = models.DateTimeField()
    user_agent = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"Token {self.token_key} last used {self.last_used_at:%Y-%m-%d %H:%M}"
