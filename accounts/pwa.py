"""What makes the site installable and usable offline: the web app manifest, the service
worker (served from the site root so its scope is the whole site) and the page it shows when a
page cannot be reached. None of them shows anything about the person (docs/offline.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

THEME_COLOUR = "#1546a0"  # the header's colour (site.css --primary)
BACKGROUND_COLOUR = "#ffffff"

# What the service worker keeps so the offline page looks like the site: static files only.
OFFLINE_ASSETS = (
    "accounts/site.css",
    "accounts/nav.js",
    "accounts/offline.js",
    "accounts/icons/icon.svg",
    "accounts/icons/icon-192.png",
    "symptoms/symptoms.css",
)

# Logging out asks the browser to delete what this site kept on the device: the queue of
# answers waiting to be sent (IndexedDB), the service worker's cache and its registration,
# and the HTTP cache. The cookies go with the session anyway.
CLEAR_SITE_DATA = '"cache", "storage"'


def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest, in the language the page asked for (the browser fetches it
    without cookies, so the profile's language is not known here)."""
    language = request.GET.get("lang", "")
    if language not in dict(settings.LANGUAGES):
        language = translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        body: dict[str, Any] = {
            "id": "/",
            "name": _("MS Symptom Tracker"),
            "short_name": _("MS Tracker"),
            "description": _("Your daily check-in and questionnaires, and how you are doing."),
            "lang": language,
            "dir": "rtl" if translation.get_language_bidi() else "ltr",
            "start_url": reverse("accounts:home"),
            "scope": "/",
            "display": "standalone",
            "theme_color": THEME_COLOUR,
            "background_color": BACKGROUND_COLOUR,
            "icons": [
                {
                    "src": static("accounts/icons/icon-192.png"),
                    "sizes": "192x192",
                    "type": "image/png",
                },
                {
                    "src": static("accounts/icons/icon-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                },
                {
                    "src": static("accounts/icons/icon-maskable-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
                {"src": static("accounts/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            ],
        }
    return JsonResponse(body, content_type="application/manifest+json")


def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker script. Served from ``/sw.js`` (not /static/) so that it may control
    every page; NoStoreMiddleware marks it not to be cached, so a new release is picked up on
    the next visit rather than after the HTTP cache's 24 hours."""
    context = {
        "offline_url": reverse("accounts:offline"),
        "checkin_url": reverse("symptoms:checkin"),
        "checkin_offline_url": reverse("symptoms:checkin_offline"),
        "static_prefix": static(""),
        "assets": [static(name) for name in OFFLINE_ASSETS],
        "push_script": static("symptoms/sw-push.js"),
    }
    response = render(
        request, "accounts/sw.js", context, content_type="text/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = "/"
    return response


def offline(request: HttpRequest) -> HttpResponse:
    """The page shown instead of one that cannot be reached. The service worker keeps a copy,
    so it must not depend on who is signed in: it has no menu and no names."""
    return render(request, "accounts/offline.html")
