"""Error pages for URLs no view matched, and for failures no view handled. API paths answer in
the API's error shape."""

from __future__ import annotations

import sys

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.defaults import page_not_found as html_page_not_found
from django.views.defaults import server_error as html_server_error
from rest_framework import exceptions

from config.api import RETRY_AFTER_SECONDS, ServiceUnavailable, api_error_response, is_unreachable


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_error_response(exceptions.NotFound())
    return html_page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500, except while the database is unreachable: then 503 with Retry-After, a page that
    needs no database (no session, no user), and nothing to restart when it is back."""
    error = sys.exc_info()[1]
    if not (isinstance(error, DatabaseError) and is_unreachable(error)):
        return html_server_error(request)
    if request.path.startswith("/api/"):
        return api_error_response(ServiceUnavailable(), error_type="server_error")
    html = render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
