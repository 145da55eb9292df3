"""Every write to accounts, consents and sharing. Keyword-only, typed, atomic; side effects are
queued on commit. Views, the admin, tasks and commands call these, never the ORM directly."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from knox.models import AuthToken

from accounts import errors, selectors
from accounts.consent_texts import CURRENT_VERSION
from accounts.models import (
    ApiTokenUse,
    AuditAction,
    AuditEvent,
    ClinicianInvite,
    Consent,
    ConsentPurpose,
    PatientProfile,
    ResearcherProfile,
    Role,
    ShareCode,
    SharingLink,
    User,
)
from accounts.second_factor import has_second_factor, needs_second_factor

logger = logging.getLogger(__name__)

# Crockford's base32 without I, L, O and U: easy to read aloud and to type with unsteady hands.
SHARE_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SHARE_CODE_LENGTH = 8  # 40 bits; codes live minutes and redemption is throttled
PROFILE_FIELDS = frozenset(
    {"birth_year", "sex", "ms_type", "diagnosis_year", "country", "time_zone", "language"}
)


def audit_record(
    *,
    actor: User | None,
    action: AuditAction,
    subject_patient: User | None = None,
    detail: dict[str, str] | None = None,
) -> AuditEvent:
    """Append one audit event. ``detail`` carries ids and codes only, never health data."""
    return AuditEvent.objects.create(
        actor=actor, action=action, subject_patient=subject_patient, detail=detail or {}
    )


# --- Accounts -------------------------------------------------------------------------------


def _user_create(*, email: str, password: str, role: Role, full_name: str) -> User:
    if User.objects.filter(email__iexact=email).exists():
        raise errors.EmailTaken()
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=email, password=password, role=role, full_name=full_name
            )
    except IntegrityError:
        # Someone signed up with the same email between the check and the insert.
        raise errors.EmailTaken() from None


@transaction.atomic
def patient_sign_up(
    *,
    email: str,
    password: str,
    full_name: str = "",
    profile: dict[str, Any] | None = None,
    reminders: dict[str, Any] | None = None,
) -> User:
    """Make a patient's account. Reminders are the ones the person chose, in their zone
    (``reminders``: ``frequency``, ``local_time``, ``weekday``, ``questionnaires``, as
    ``reminder_sign_up_create`` takes them); None means they chose none."""
    user = _user_create(email=email, password=password, role=Role.PATIENT, full_name=full_name)
    if profile:
        profile_update(user=user, actor=user, data=profile)
    if reminders:
        # Imported here: symptoms builds on accounts, not the other way round at import time.
        from symptoms.reminders.schedules import reminder_sign_up_create

        reminder_sign_up_create(patient=user, **reminders)
    return user


@transaction.atomic
def researcher_sign_up(
    *, email: str, password: str, full_name: str, institution: str, purpose: str
) -> User:
    user = _user_create(email=email, password=password, role=Role.RESEARCHER, full_name=full_name)
    ResearcherProfile.objects.filter(user=user).update(institution=institution, purpose=purpose)
    return user


@transaction.atomic
def me_update(
    *, user: User, full_name: str | None = None, profile: dict[str, Any] | None = None
) -> User:
    """A person edits their own name and (patients) profile: both change, or neither."""
    if profile and not user.is_patient:
        raise errors.NoProfile()
    if full_name is not None and full_name != user.full_name:
        user.full_name = full_name
        user.save(update_fields=["full_name"])
    if profile:
        profile_update(user=user, actor=user, data=profile)
    return user


@transaction.atomic
def profile_update(*, user: User, actor: User, data: dict[str, Any]) -> PatientProfile:
    """Set profile fields. Values must already be validated (serializer or form)."""
    unknown = set(data) - PROFILE_FIELDS
    if unknown:
        raise ValueError(f"Unknown profile fields: {sorted(unknown)}")
    profile = PatientProfile.objects.select_for_update().get(user=user)
    old_time_zone = profile.time_zone
    for field, value in data.items():
        setattr(profile, field, value)
    profile.full_clean()
    profile.save()
    user.patient_profile = profile  # callers holding `user` see the new values
    if profile.time_zone != old_time_zone:
        # 19:00 stays 19:00 where the person now is: future reminders are planned again.
        from symptoms.reminders.occurrences import reminders_replan_for

        reminders_replan_for(patient=user)
    audit_record(
        actor=actor,
        action=AuditAction.PROFILE_UPDATED,
        subject_patient=user,
        detail={"fields": ",".join(sorted(data))},
    )
    return profile


@transaction.atomic
def researcher_decide(*, researcher: User, staff: User, approve: bool) -> ResearcherProfile:
    profile = ResearcherProfile.objects.select_for_update().get(user=researcher)
    profile.status = (
        ResearcherProfile.Status.APPROVED if approve else ResearcherProfile.Status.REJECTED
    )
    profile.decided_at = timezone.now()
    profile.decided_by = staff
    profile.save(update_fields=["status", "decided_at", "decided_by"])
    audit_record(
        actor=staff,
        action=AuditAction.RESEARCHER_APPROVED if approve else AuditAction.RESEARCHER_REJECTED,
        detail={"researcher": str(researcher.public_id)},
    )
    return profile


def email_confirm(*, user: User) -> None:
    """Mark the person's sign-in address as confirmed (demo accounts; staff vouching for it)."""
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


def totp_ensure(*, user: User) -> None:
    """Give the person an authenticator-app second factor with a new random secret, unless
    they have one (demo accounts: `manage.py demo_code` shows its current code)."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())


# --- Sign-in, sessions and API tokens -------------------------------------------------------


# The second factors that give a typed code: what the API token endpoint can ask for.
CODE_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES)


def second_factor_code_check(*, authenticators: Iterable[Authenticator], code: str) -> bool:
    """Whether ``code`` is a current code of one of ``authenticators`` (an authenticator app,
    or unused recovery codes). A code that worked cannot be used again (allauth remembers it)."""
    code = "".join(code.split())
    for authenticator in authenticators:
        wrapped = (
            TOTP(authenticator)
            if authenticator.type == Authenticator.Type.TOTP
            else RecoveryCodes(authenticator)
        )
        if wrapped.validate_code(code):
            authenticator.record_usage()
            return True
    return False


def api_token_check(*, user: User, code: str | None) -> None:
    """What the API asks of someone whose password was right, before it gives them a token:
    a confirmed email, a second factor if their role needs one, and a code from it if they
    have one (a token is never a way around the second factor)."""
    if not selectors.email_is_verified(user=user):
        raise errors.EmailNotVerified()
    if needs_second_factor(user) and not has_second_factor(user):
        raise errors.SecondFactorSetupRequired()
    authenticators = list(Authenticator.objects.filter(user=user, type__in=CODE_TYPES))
    if not authenticators:
        return
    if not code:
        raise errors.SecondFactorRequired()
    if not second_factor_code_check(authenticators=authenticators, code=code):
        raise errors.SecondFactorInvalid()


# "Last used" on the sessions page is at most this stale; between writes the cache remembers.
TOKEN_USE_EVERY_SECONDS = 300


def api_token_use_record(*, user: User, token_key: str, user_agent: str) -> None:
    """Note that a token was used, at most once per TOKEN_USE_EVERY_SECONDS: the cache holds
    when it was last noted (if the cache is down, it is noted every time)."""
    now = timezone.now()
    key = f"api-token-used:{token_key}"
    try:
        noted_at = cache.get(key)
        if noted_at is not None and (now - noted_at).total_seconds() < TOKEN_USE_EVERY_SECONDS:
            return
        cache.set(key, now, TOKEN_USE_EVERY_SECONDS * 2)
    except Exception:  # the cache is an optimisation; Redis may be down
        logger.warning("token use: cache unavailable, writing anyway")
    ApiTokenUse.objects.update_or_create(
        token_key=token_key,
        defaults={"user": user, "last_used_at": now, "user_agent": user_agent[:200]},
    )


@transaction.atomic
def sessions_end_others(*, user: User, keep_session_key: str | None, reason: str) -> int:
    """End every session of the person but ``keep_session_key`` and revoke all their API
    tokens: after a password change or reset, or when they ask to sign out everywhere else.
    Returns how many sessions and tokens ended."""
    ended = 0
    for user_session in UserSession.objects.filter(user=user).exclude(
        session_key=keep_session_key or ""
    ):
        # A session already gone (the one a password change just replaced) is not counted.
        ended += int(user_session.exists())
        user_session.end()
    tokens: int = AuthToken.objects.filter(user=user).delete()[0]
    ApiTokenUse.objects.filter(user=user).delete()
    audit_record(
        actor=user,
        action=AuditAction.SESSIONS_ENDED if reason == "asked" else AuditAction.PASSWORD_CHANGED,
        subject_patient=user if user.is_patient else None,
        detail={"sessions": str(ended), "tokens": str(tokens), "reason": reason},
    )
    logger.info("sessions ended account=%s sessions=%d tokens=%d", user.public_id, ended, tokens)
    return ended + tokens


# --- Consent --------------------------------------------------------------------------------


@transaction.atomic
def consent_set(
    *, user: User, purpose: str = ConsentPurpose.RESEARCH, granted: bool
) -> Consent | None:
    """Grant or withdraw consent for a purpose. Idempotent: granting twice keeps the first grant.

    Returns the open consent after the change, or None when there is none.
    """
    # Lock the person's row so two concurrent requests cannot both open a consent.
    User.objects.select_for_update().filter(pk=user.pk).first()
    open_consent = Consent.objects.filter(
        user=user, purpose=purpose, withdrawn_at__isnull=True
    ).first()
    now = timezone.now()
    if granted:
        if open_consent is not None:
            return open_consent
        consent = Consent.objects.create(
            user=user,
            purpose=purpose,
            text_version=CURRENT_VERSION[ConsentPurpose(purpose)],
            granted_at=now,
        )
        audit_record(
            actor=user,
            action=AuditAction.CONSENT_GRANTED,
            subject_patient=user,
            detail={"purpose": purpose, "text_version": consent.text_version},
        )
        return consent
    if open_consent is not None:
        open_consent.withdrawn_at = now
        open_consent.save(update_fields=["withdrawn_at"])
        audit_record(
            actor=user,
            action=AuditAction.CONSENT_WITHDRAWN,
            subject_patient=user,
            detail={"purpose": purpose, "text_version": open_consent.text_version},
        )
    return None


# --- Sharing --------------------------------------------------------------------------------


def share_code_hash(code: str) -> str:
    """What is stored of a share code (a normalised one): its SHA-256, never the code."""
    return hashlib.sha256(code.encode()).hexdigest()


def normalize_share_code(raw: str) -> str:
    """Accept what people type: any case, spaces or dashes, and O/I/L mistaken for 0/1."""
    cleaned = "".join(ch for ch in raw.upper() if ch.isalnum())
    return cleaned.translate(str.maketrans("OIL", "011"))


def format_share_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


@transaction.atomic
def share_code_create(*, patient: User) -> tuple[str, ShareCode]:
    """Make a new code; the plain code is returned once and only its hash is stored."""
    if patient.role != Role.PATIENT:
        raise errors.WrongRole()
    code = "".join(secrets.choice(SHARE_CODE_ALPHABET) for _ in range(SHARE_CODE_LENGTH))
    now = timezone.now()
    share_code = ShareCode.objects.create(
        patient=patient,
        code_hash=share_code_hash(code),
        created_at=now,
        expires_at=now + timedelta(minutes=settings.SHARE_CODE_TTL_MINUTES),
    )
    audit_record(
        actor=patient,
        action=AuditAction.SHARE_CODE_CREATED,
        subject_patient=patient,
        detail={"share_code": str(share_code.public_id)},
    )
    return format_share_code(code), share_code


def _link_create(*, patient: User, clinician: User, source: str) -> SharingLink:
    """Open a link, or return the one already open between the two people."""
    existing = SharingLink.objects.filter(
        patient=patient, clinician=clinician, revoked_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            link = SharingLink.objects.create(patient=patient, clinician=clinician, source=source)
    except IntegrityError:
        # Another request opened the same link between our check and insert.
        return SharingLink.objects.get(
            patient=patient, clinician=clinician, revoked_at__isnull=True
        )
    audit_record(
        actor=clinician if source != SharingLink.Source.INVITE else patient,
        action=AuditAction.SHARING_LINK_CREATED,
        subject_patient=patient,
        detail={"link": str(link.public_id), "clinician": str(clinician.public_id)},
    )
    return link


@transaction.atomic
def share_code_redeem(*, clinician: User, code: str) -> SharingLink:
    """Turn a patient's code into an active link. A code works once, before it expires."""
    if clinician.role != Role.CLINICIAN:
        raise errors.WrongRole()
    if not selectors.email_is_verified(user=clinician):
        raise errors.EmailNotVerified()
    now = timezone.now()
    share_code = (
        ShareCode.objects.select_related("patient")
        .filter(code_hash=share_code_hash(normalize_share_code(code)))
        .first()
    )
    if share_code is None or not share_code.is_usable_at(now):
        raise errors.ShareCodeInvalid()
    # Atomic claim: if another clinician redeemed it in the meantime, 0 rows change.
    claimed = ShareCode.objects.filter(pk=share_code.pk, redeemed_at__isnull=True).update(
        redeemed_at=now, redeemed_by=clinician
    )
    if claimed != 1:
        raise errors.ShareCodeInvalid()
    return _link_create(
        patient=share_code.patient, clinician=clinician, source=SharingLink.Source.CODE
    )


@transaction.atomic
def sharing_link_revoke(*, link: SharingLink, by: User) -> SharingLink:
    """End a link at once; either side may. The link stays in history, marked revoked."""
    if by.pk not in (link.patient_id, link.clinician_id):
        raise errors.WrongRole()
    updated = SharingLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )
    link.refresh_from_db()
    if updated:
        audit_record(
            actor=by,
            action=AuditAction.SHARING_LINK_REVOKED,
            subject_patient=link.patient,
            detail={"link": str(link.public_id)},
        )
    return link


@transaction.atomic
def invite_create(*, clinician: User, email: str) -> ClinicianInvite:
    """Invite a patient by email. The answer is the same whether or not the email has an
    account, so invitations cannot be used to find out who uses the service."""
    if clinician.role != Role.CLINICIAN:
        raise errors.WrongRole()
    now = timezone.now()
    invite = ClinicianInvite.objects.create(
        clinician=clinician,
        email=email.strip().lower(),
        expires_at=now + timedelta(days=settings.INVITE_TTL_DAYS),
    )
    audit_record(
        actor=clinician,
        action=AuditAction.INVITE_SENT,
        detail={"invite": str(invite.public_id)},
    )
    from accounts.tasks import invite_send  # tasks import services; avoid the cycle

    # The email is in the language the clinician works in, unless the invited person already
    # chose one (accounts.mail); a language code says nothing about the patient.
    invite_send.delay_on_commit(  # type: ignore[attr-defined]  # DjangoTask, untyped
        invite.pk, language=translation.get_language() or settings.LANGUAGE_CODE
    )
    return invite


# An invitation email claimed this long ago and not sent is taken to be lost with its worker.
INVITE_CLAIM_STALE = timedelta(minutes=10)
# Unsent invitations older than this are queued again (their first message may have been lost).
INVITE_REQUEUE_AFTER = timedelta(minutes=2)


def invite_email_claim(*, invite_id: int) -> ClinicianInvite | None:
    """Claim the sending of one invitation email: the invitation is still pending, not sent,
    and nobody else holds a fresh claim. Returns it, or None when there is nothing to send."""
    now = timezone.now()
    claimed = (
        ClinicianInvite.objects.email_to_send_at(now, claim_stale=INVITE_CLAIM_STALE)
        .filter(pk=invite_id)
        .update(email_claimed_at=now)
    )
    if claimed != 1:
        return None
    return ClinicianInvite.objects.select_related("clinician").get(pk=invite_id)


def invite_email_release(*, invite_id: int) -> None:
    ClinicianInvite.objects.filter(pk=invite_id, emailed_at__isnull=True).update(
        email_claimed_at=None
    )


def invite_emailed(*, invite_id: int) -> None:
    ClinicianInvite.objects.filter(pk=invite_id).update(emailed_at=timezone.now())


def invites_requeue_unsent() -> int:
    """Queue again every pending invitation whose email was never sent and is not being sent:
    its message was lost (a broker restarted without persistence, an enqueue that failed)."""
    from accounts.tasks import invite_send  # tasks import services; avoid the cycle

    now = timezone.now()
    unsent = list(
        ClinicianInvite.objects.email_to_send_at(now, claim_stale=INVITE_CLAIM_STALE)
        .filter(created_at__lt=now - INVITE_REQUEUE_AFTER)
        .values_list("pk", flat=True)
    )
    for invite_id in unsent:
        invite_send.delay(invite_id)
    if unsent:
        logger.info("invites requeued: count=%d", len(unsent))
    return len(unsent)


@transaction.atomic
def invite_decide(*, invite: ClinicianInvite, patient: User, accept: bool) -> ClinicianInvite:
    """Accept or decline. Only an account whose confirmed address is the invited one may: an
    unconfirmed account with that address could belong to anyone who typed it at sign-up."""
    if patient.role != Role.PATIENT:
        raise errors.WrongRole()
    if invite.email.lower() != patient.email.lower():
        raise errors.InviteEmailMismatch()
    if not selectors.email_is_verified(user=patient, email=invite.email):
        raise errors.EmailNotVerified()
    now = timezone.now()
    new_status = ClinicianInvite.Status.ACCEPTED if accept else ClinicianInvite.Status.DECLINED
    claimed = (
        ClinicianInvite.objects.pending_at(now)
        .filter(pk=invite.pk)
        .update(status=new_status, decided_at=now)
    )
    if claimed != 1:
        raise errors.InviteNotPending()
    invite.refresh_from_db()
    if accept:
        invite.link = _link_create(
            patient=patient, clinician=invite.clinician, source=SharingLink.Source.INVITE
        )
        invite.save(update_fields=["link"])
    audit_record(
        actor=patient,
        action=AuditAction.INVITE_ACCEPTED if accept else AuditAction.INVITE_DECLINED,
        subject_patient=patient,
        detail={"invite": str(invite.public_id), "clinician": str(invite.clinician.public_id)},
    )
    return invite


@transaction.atomic
def account_delete(*, user: User, password: str) -> None:
    """Delete the person and everything about them: profile, reports, scores, drafts, consents,
    sharing, invitations to their address, tokens and sign-in records.

    Audit events stay (they are append-only) with the person's columns emptied, plus one event
    recording the deletion under the account's random public id. Research releases already
    published hold no row about anyone and are not recalled.
    """
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    if not user.check_password(password):
        raise errors.PasswordWrong()
    public_id, email = str(user.public_id), user.email
    if user.role == Role.PATIENT:
        # Cached digests of their trends go now, not when they expire (charts are keyed by day).
        from symptoms.trends.digests import patient_digest_forget  # symptoms imports accounts

        patient_digest_forget(patient=user)
    ClinicianInvite.objects.filter(email__iexact=email).delete()
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username__iexact=email).delete()
    user.delete()
    audit_record(actor=None, action=AuditAction.ACCOUNT_DELETED, detail={"account": public_id})
    logger.info("account deleted id=%s", public_id)


def share_codes_purge_expired() -> int:
    """Delete codes that can no longer be used; they carry nothing worth keeping."""
    deleted, _ = ShareCode.objects.filter(expires_at__lt=timezone.now()).delete()
    if deleted:
        logger.info("share codes purged: count=%d", deleted)
    return deleted
