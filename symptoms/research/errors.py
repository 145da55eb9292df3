"""Domain errors of research releases. Each maps to one stable API error code (docs/api.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from config.service_errors import ServiceError


class ReleaseParametersInvalid(ServiceError):
    code = "invalid_release_parameters"
    field = "periods"
    message = _(
        "Give calendar quarters such as 2026-Q1, the first not after the last, and not too many."
    )


class UnknownSpec(ServiceError):
    code = "unknown_spec"
    field = "spec_version"
    message = _("There is no research table specification with this version.")


class EpsilonInvalid(ServiceError):
    code = "invalid_epsilon"
    field = "epsilon"
    message = _("Epsilon must be a number above 0 and within the yearly privacy budget.")


class PrivacyBudgetExhausted(ServiceError):
    code = "privacy_budget_exhausted"
    status = 409
    field = "epsilon"
    message = _(
        "This release would take this year's differential privacy spending past its cap; "
        "choose a smaller epsilon or wait for next year."
    )
