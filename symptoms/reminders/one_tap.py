"""One tap from the reminder: the "Answer now" link opens that reminder's form without the
password, once, for a short time, and nothing else (docs/security.md).

A stored row per token, not a signed value: a signature can say "this was issued" but not
"this was not used yet", and single use is the point. Only a SHA-256 of the 256-bit random
token is stored (as with share codes), so a database copy opens nothing.

1. ``one_tap_issue`` (the sender, per email): a fresh token for the occurrence, replacing any
   earlier one, valid ``REMINDER_ONE_TAP_HOURS`` and never past the answer window.
2. ``one_tap_check`` (opening the link; reads only, so a mail scanner that opens it burns
   nothing): the row, if the token is unused, unexpired and the password unchanged.
3. ``one_tap_use`` (the person's button press, a POST): one conditional UPDATE claims the row;
   of two uses at once exactly one wins. The claim starts a form-only grant, kept in the
   (anonymous) session, that ``one_tap_or_patient`` honours on that form's pages only.
4. ``one_tap_end`` (the form was sent): the grant ends.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.access import request_patient, role_required
from accounts.models import Role, User
from symptoms.instruments.definitions import DAILY
from symptoms.models import ReminderOccurrence, ReminderOneTap

GRANT_SESSION_KEY = "symptoms_one_tap_grant"  # the claimed row's id
# The token, between opening the link and pressing the button.
TOKEN_SESSION_KEY = "symptoms_one_tap_token"  # noqa: S105 (a session key's name, not a secret)
_REQUEST_GRANT = "symptoms_one_tap"  # the grant a form page is served under, for that request
_PASSWORD_SALT = "symptoms.reminders.one_tap.password"  # noqa: S105 (an HMAC's key salt)

View = Callable[..., HttpResponse]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _password_mark(user: User) -> str:
    """Changes whenever the password does; keyed, so it tells nothing about the password."""
    return salted_hmac(_PASSWORD_SALT, user.password, algorithm="sha256").hexdigest()


def form_path(instrument: str) -> str:
    """The page a one-tap link opens: today's check-in, or the questionnaire."""
    if instrument == DAILY:
        return reverse("symptoms:checkin")
    return reverse("symptoms:questionnaire", args=[instrument])


def one_tap_issue(*, occurrence: ReminderOccurrence, now: datetime | None = None) -> str:
    """A new token for this occurrence's email (the previous one, from an earlier attempt,
    stops working). Returns the token itself; only its hash is kept."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    expires_at = min(now + timedelta(hours=settings.REMINDER_ONE_TAP_HOURS), occurrence.closes_at)
    ReminderOneTap.objects.update_or_create(
        occurrence=occurrence,
        defaults={
            "patient": occurrence.patient,
            "instrument": occurrence.instrument,
            "token_hash": _hash(token),
            "password_mark": _password_mark(occurrence.patient),
            "created_at": now,
            "expires_at": expires_at,
            "used_at": None,
            "grant_ends_at": None,
        },
    )
    return token


def _is_current(row: ReminderOneTap) -> bool:
    """The person is still active and has the password the token was issued under."""
    return row.patient.is_active and constant_time_compare(
        row.password_mark, _password_mark(row.patient)
    )


def one_tap_find(token: str) -> ReminderOneTap | None:
    """The row a token names, whatever its state (to say which form a refused link was for)."""
    if not token or len(token) > 128:
        return None
    return ReminderOneTap.objects.select_related("patient").filter(token_hash=_hash(token)).first()


def one_tap_check(token: str, *, now: datetime | None = None) -> ReminderOneTap | None:
    """The row, if the token can still be used: unused, unexpired, password unchanged."""
    now = now or timezone.now()
    row = one_tap_find(token)
    if row is None or row.used_at is not None or row.expires_at <= now or not _is_current(row):
        return None
    return row


def one_tap_use(
    request: HttpRequest, token: str, *, now: datetime | None = None
) -> ReminderOneTap | None:
    """Claim the token and start its form-only grant in this browser's session. None when it
    cannot be used, or another use claimed it first."""
    now = now or timezone.now()
    row = one_tap_check(token, now=now)
    if row is None:
        return None
    grant_ends_at = now + timedelta(minutes=settings.REMINDER_ONE_TAP_GRANT_MINUTES)
    claimed = ReminderOneTap.objects.filter(
        pk=row.pk, token_hash=row.token_hash, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now, grant_ends_at=grant_ends_at)
    if claimed != 1:
        return None  # another request (a double press, a second device) used it first
    # A new session key: whoever planted this browser's session id learns nothing of the grant.
    request.session.cycle_key()
    request.session.pop(TOKEN_SESSION_KEY, None)
    request.session[GRANT_SESSION_KEY] = row.pk
    row.used_at, row.grant_ends_at = now, grant_ends_at
    return row


def one_tap_grant(request: HttpRequest, *, instrument: str) -> ReminderOneTap | None:
    """The grant this browser holds for ``instrument``, if it is still running."""
    grant_id = request.session.get(GRANT_SESSION_KEY)
    if grant_id is None:
        return None
    row = (
        ReminderOneTap.objects.select_related("patient__patient_profile")
        .filter(pk=grant_id, instrument=instrument, grant_ends_at__gt=timezone.now())
        .first()
    )
    if row is None or not _is_current(row):
        return None
    return row


def one_tap_end(request: HttpRequest) -> None:
    """The form was sent: the grant ends here and in the database."""
    grant_id = request.session.pop(GRANT_SESSION_KEY, None)
    if grant_id is not None:
        ReminderOneTap.objects.filter(pk=grant_id).update(grant_ends_at=timezone.now())


def one_tap_or_patient(instrument_of: Callable[..., str]) -> Callable[[View], View]:
    """For the form pages: a signed-in patient as usual, or, for someone not signed in, the
    one-tap grant for this form (``instrument_of`` reads the form from the URL's arguments).
    Anyone else goes to the login page, as ``role_required`` sends them."""

    def decorator(view: View) -> View:
        as_patient = role_required(Role.PATIENT)(view)

        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                grant = one_tap_grant(request, instrument=instrument_of(**kwargs))
                if grant is not None:
                    setattr(request, _REQUEST_GRANT, grant)
                    return view(request, *args, **kwargs)
            return as_patient(request, *args, **kwargs)

        return wrapped

    return decorator


def request_one_tap(request: HttpRequest) -> ReminderOneTap | None:
    """The grant this form page is being served under, or None for a signed-in patient."""
    grant: ReminderOneTap | None = getattr(request, _REQUEST_GRANT, None)
    return grant


def form_patient(request: HttpRequest) -> User:
    """The person a form page is for: the grant's, or the signed-in patient."""
    grant = request_one_tap(request)
    return grant.patient if grant is not None else request_patient(request)
