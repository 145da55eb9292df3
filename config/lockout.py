"""What django-axes answers once an email and address pair is locked out.

Browsers get the lockout page; API clients get the API's one error shape. Neither says whether
the email has an account.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from config.api import LockedOut


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    if request.path.startswith("/api/"):
        error = {"code": LockedOut.default_code, "detail": str(LockedOut.default_detail)}
        return JsonResponse(
            {"type": "client_error", "errors": [{**error, "attr": None}]},
            status=LockedOut.status_code,
        )
    return render(request, "accounts/locked_out.html", status=403)
