from __future__ import annotations

import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

from allauth.usersessions.internal import usersessionkit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.authentication import SecondFactorSetupRequired
from accounts.models import Role
from accounts.second_factor import has_second_factor, needs_second_factor
from config.api import api_error_response

# The session key holding when this session signed in (seconds since the epoch).
SIGNED_IN_AT = "accounts_signed_in_at"
# Set once this session's person is known to have a second factor; a clinician, researcher or
# staff member cannot remove their last one (accounts.adapters), so it stays true.
HAS_SECOND_FACTOR = "accounts_has_second_factor"
# What a clinician, researcher or staff member without a second factor may still open: setting
# one up, signing out, confirming their email, and the static files those pages load.
SECOND_FACTOR_SETUP_URL_NAMES = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_add_webauthn",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "mfa_reauthenticate",
        "account_reauthenticate",
        "account_logout",
        "logout",
        # The service worker, the manifest and the offline page show nothing about anyone.
        "service_worker",
        "manifest",
        "offline",
        "account_email_verification_sent",
        "account_confirm_email",
    }
)


# The sessions page's "last used" is written at most this often per session: a write on every
# request (allauth's own tracking) would cost each page five queries.
ACTIVITY_EVERY_SECONDS = 300
ACTIVITY_AT = "accounts_activity_at"


def signed_in_now(request: HttpRequest) -> None:
    """Start the absolute session clock (called when someone signs in; allauth records the
    session itself then)."""
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[ACTIVITY_AT] = now


class SessionActivityMiddleware:
    """allauth.usersessions' activity tracking (browser, address, last used), at most once per
    ACTIVITY_EVERY_SECONDS per session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is not None and user.is_authenticated and session is not None:
            now = int(time.time())
            if now - session.get(ACTIVITY_AT, 0) >= ACTIVITY_EVERY_SECONDS:
                usersessionkit.track_activity(request, user=user, session=session)
                session[ACTIVITY_AT] = now
        return self.get_response(request)


class SessionAgeMiddleware:
    """Ends a clinician's, researcher's or staff member's session SESSION_ABSOLUTE_HOURS after
    they signed in, however active they were (the idle timeout applies to everyone)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and needs_second_factor(user):
            signed_in_at = request.session.get(SIGNED_IN_AT)
            if signed_in_at is None:
                signed_in_now(request)
            elif time.time() - signed_in_at > settings.SESSION_ABSOLUTE_HOURS * 3600:
                logout(request)
                messages.info(request, _("For your safety you were signed out. Sign in again."))
                if request.path.startswith("/api/"):
                    return self.get_response(request)  # now anonymous: the API answers 401
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


class SecondFactorRequiredMiddleware:
    """Until a clinician, researcher or staff member has set up a second factor, every page but
    the set-up pages sends them there, and the API (with a session) answers 403
    ``second_factor_setup_required``. API tokens are refused in accounts.authentication."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is None
            or not needs_second_factor(user)
            or request.session.get(HAS_SECOND_FACTOR)
            or self._is_allowed(request)
        ):
            return self.get_response(request)
        if has_second_factor(user):
            request.session[HAS_SECOND_FACTOR] = True
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return api_error_response(SecondFactorSetupRequired())
        messages.info(
            request,
            _(
                "Your role lets you see other people's health data, so your account needs a "
                "second factor. Set one up to continue."
            ),
        )
        return redirect("mfa_index")

    @staticmethod
    def _is_allowed(request: HttpRequest) -> bool:
        if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return True  # a 404 shows nothing
        return match.url_name in SECOND_FACTOR_SETUP_URL_NAMES


class ProfileLanguageMiddleware:
    """A logged-in patient's chosen language wins over the browser's Accept-Language, and
    times on their pages are shown in their own time zone (others see UTC).

    Runs after LocaleMiddleware and AuthenticationMiddleware. API clients that use tokens are
    authenticated later, inside DRF, so they choose with Accept-Language as usual.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.role == Role.PATIENT:
            profile = user.patient_profile
            # A language no longer offered (its catalogue became incomplete) falls back to the
            # browser's choice rather than a page half in that language.
            if profile.language in dict(settings.LANGUAGES):
                translation.activate(profile.language)
                request.LANGUAGE_CODE = profile.language
            timezone.activate(ZoneInfo(profile.time_zone))
        else:
            timezone.deactivate()
        return self.get_response(request)
