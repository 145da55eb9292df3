"""What every API view shares: the one error shape, strict input fields, downloads in a chosen
format. Role permissions are in ``accounts.access``; throttles in ``config.throttling``.

Errors follow drf-standardized-errors' shape (documented in docs/api.md)::

    {"type": "validation_error",
     "errors": [{"code": "invalid_time_zone", "detail": "…", "attr": "profile.time_zone"}]}
"""

from __future__ import annotations

import csv
import io
from typing import Any

from axes.exceptions import AxesBackendPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions, renderers, serializers, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.fields import get_error_detail
from rest_framework.request import Request
from rest_framework.views import APIView

from config.service_errors import ServiceError


def is_unreachable(error: DatabaseError) -> bool:
    """A lost or refused connection (the database is down or restarting), as opposed to an
    error in the query itself."""
    return isinstance(error, OperationalError | InterfaceError)


class DomainError(exceptions.APIException):
    def __init__(self, *, detail: str, code: str, status_code: int) -> None:
        super().__init__(detail=detail, code=code)
        self.status_code = status_code


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "account_locked"
    default_detail = _("Too many failed attempts. Try again later or reset your password.")


# How long a client should wait before retrying while the database is unreachable.
RETRY_AFTER_SECONDS = 30


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    default_detail = _("The service is briefly unavailable. Try again in a minute.")
    wait = RETRY_AFTER_SECONDS  # sent as Retry-After


def api_error_response(
    error: exceptions.APIException, *, error_type: str = "client_error"
) -> JsonResponse:
    """The API's one error shape, for answers made outside a DRF view (middleware, axes, the
    404 and 500 handlers), with Retry-After when the error carries a wait."""
    body = {"code": error.default_code, "detail": str(error.default_detail), "attr": None}
    response = JsonResponse({"type": error_type, "errors": [body]}, status=error.status_code)
    wait = getattr(error, "wait", None)
    if wait:
        response["Retry-After"] = str(wait)
    return response


class ApiExceptionHandler(ExceptionHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, DatabaseError) and is_unreachable(exc):
            # The database is down or restarting: say so, and when to retry. Integrity and
            # data errors stay bugs (500), found by the tests rather than hidden.
            return ServiceUnavailable()
        if isinstance(exc, ServiceError):
            if exc.status == status.HTTP_400_BAD_REQUEST and exc.field_errors:
                return exceptions.ValidationError(
                    {
                        exc.field: {
                            part: [ErrorDetail(str(message), code=code)]
                            for part, (code, message) in exc.field_errors.items()
                        }
                    }
                )
            if exc.status == status.HTTP_400_BAD_REQUEST:
                # Bad input, like any other: a validation error naming the field at fault.
                return exceptions.ValidationError({exc.field: [str(exc.message)]}, code=exc.code)
            return DomainError(detail=str(exc.message), code=exc.code, status_code=exc.status)
        if isinstance(exc, AxesBackendPermissionDenied):
            return LockedOut()
        if isinstance(exc, DjangoValidationError):
            return exceptions.ValidationError(detail=get_error_detail(exc))
        return super().convert_known_exceptions(exc)


class QueryFilter(serializers.Serializer[Any]):
    """Query-parameter filters: a parameter given empty (``until=``) is refused like any other
    bad value, not taken as absent (DRF's form handling would), so the server answers what the
    schema says."""

    def to_internal_value(self, data: Any) -> Any:
        blank: dict[str, Any] = {
            str(name): [ErrorDetail(str(_("This field may not be blank.")), code="blank")]
            for name in self.fields
            if hasattr(data, "get") and name in data and data.get(name) == ""
        }
        if blank:
            raise exceptions.ValidationError(blank)
        return super().to_internal_value(data)


@extend_schema_field(
    {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "19:00"}
)
class LocalTimeField(serializers.TimeField):
    """A local wall-clock time written "HH:MM", 24-hour; the schema says exactly that."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)


class StrictBooleanField(serializers.BooleanField):
    """Accepts JSON true and false only: "yes" or 1 are wrong types, not booleans."""

    default_error_messages = {"invalid": _("Must be true or false.")}

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid")
        raise AssertionError("unreachable")  # pragma: no cover


class StrictIntegerField(serializers.IntegerField):
    """Accepts JSON numbers that are whole; "1970" (a string) or 1970.5 are wrong types."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


# --- Downloads in a chosen format -------------------------------------------------------------


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(data)
        return buffer.getvalue().encode(self.charset)


class FormatChoiceView(APIView):
    """A download whose ``?format=`` picks one of its renderers: an unknown format is a 400
    about that parameter, and errors stay in the one JSON error shape."""

    format_hint = "Use json or csv."

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            # DRF answers an unknown ?format= with 404; it is bad input about this field.
            raise exceptions.ValidationError(
                {"format": [self.format_hint]}, code="invalid_choice"
            ) from None

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if response.status_code >= 400:
            # Errors keep the one JSON error shape, whatever format was asked for.
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)
