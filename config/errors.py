"""Error pages for URLs no view matched. API paths answer in the API's error shape."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found as html_page_not_found


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        error = {"code": "not_found", "detail": _("Not found."), "attr": None}
        return JsonResponse({"type": "client_error", "errors": [error]}, status=404)
    return html_page_not_found(request, exception)
