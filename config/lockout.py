"""What django-axes answers once an email and address pair is locked out.

Browsers get the lockout page; API clients get the API's one error shape. Neither says whether
the email has an account.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.api import LockedOut, api_error_response


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_error_response(LockedOut())
    return render(request, "accounts/locked_out.html", status=403)


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The email that django-axes counts failures for: trimmed and lower-cased, the same way
    sign-in matches it, so ``Alice@X`` and ``alice@x`` share one count on every path.

    The login page (allauth) passes ``email``; the API token endpoint and the admin pass
    ``username``. Without credentials (axes asking about a request) the posted form is read.
    """
    source: Any = credentials or {}
    value = source.get("email") or source.get("username") or source.get("login")
    if not value:
        posted = request.POST
        value = posted.get("login") or posted.get("username") or posted.get("email")
    return str(value or "").strip().lower()
