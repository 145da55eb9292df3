"""Receivers that hand allauth's and Django's sign-in events to ``accounts`` code.

Signals are the hook allauth offers; each receiver only calls a service or starts a clock.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts import services
from accounts.middleware import HAS_SECOND_FACTOR, signed_in_now
from accounts.second_factor import has_second_factor, needs_second_factor


def on_password_changed(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    # The person stays signed in here; everyone holding an older session or a token is out.
    session = getattr(request, "session", None)
    keep = session.session_key if session is not None and user.is_authenticated else None
    services.sessions_end_others(user=user, keep_session_key=keep, reason="password")


def on_password_reset(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    # Reset from an emailed link: no session of this person is kept.
    services.sessions_end_others(user=user, keep_session_key=None, reason="password")


def on_user_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        signed_in_now(request)
        # Asked once here, not on the first page: the pages' own query counts stay as they are.
        if needs_second_factor(user) and has_second_factor(user):
            request.session[HAS_SECOND_FACTOR] = True
