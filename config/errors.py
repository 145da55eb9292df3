"""Error pages for URLs no view matched, and for failures no view handled. API paths answer in
the API's error shape."""

from __future__ import annotations

import sys

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found as html_page_not_found
from django.views.defaults import server_error as html_server_error

from config.api import RETRY_AFTER_SECONDS, ServiceUnavailable, is_unreachable


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        error = {"code": "not_found", "detail": _("Not found."), "attr": None}
        return JsonResponse({"type": "client_error", "errors": [error]}, status=404)
    return html_page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500, except while the database is unreachable: then 503 with Retry-After, a page that
    needs no database (no session, no user), and nothing to restart when it is back."""
    error = sys.exc_info()[1]
    if not (isinstance(error, DatabaseError) and is_unreachable(error)):
        return html_server_error(request)
    response: HttpResponse
    if request.path.startswith("/api/"):
        body = {
            "code": ServiceUnavailable.default_code,
            "detail": str(ServiceUnavailable.default_detail),
            "attr": None,
        }
        response = JsonResponse({"type": "server_error", "errors": [body]}, status=503)
    else:
        html = render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
