"""The base of every domain error a service raises. Each subclass maps to one stable API error
code (docs/api.md); ``config.api.ApiExceptionHandler`` turns it into the one error shape."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    code = "error"
    message = _("The request could not be completed.")
    status = 400
    field = "non_field_errors"  # the input field at fault, for 400 errors

    def __init__(self, *args: object, field_errors: dict[str, tuple[str, str]] | None = None):
        super().__init__(*args)
        # Errors about parts of one field, e.g. {"fatigue": ("out_of_range", "…")} under
        # "answers", reported as answers.fatigue.
        self.field_errors = field_errors or {}
