from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from accounts.models import Role


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
            translation.activate(profile.language)
            request.LANGUAGE_CODE = profile.language
            timezone.activate(ZoneInfo(profile.time_zone))
        else:
            timezone.deactivate()
        return self.get_response(request)
