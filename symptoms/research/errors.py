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
    message = _(
        "Epsilon must be a number from 0.1 to 8: what the release spends on each quarter it "
        "measures."
    )


class PrivacyBudgetExhausted(ServiceError):
    code = "privacy_budget_exhausted"
    status = 409
    field = "epsilon"
    message = _(
        "This release would take the epsilon spent on one of its quarters, or on that "
        "quarter's year, past its cap; choose a smaller epsilon or other quarters."
    )


class QuarterNotReleasable(ServiceError):
    code = "quarter_not_releasable"
    field = "periods"
    message = _(
        "A quarter can be released only once it has ended and its settling period for late "
        "reports has passed."
    )


class QuarterPublishedUnderOtherSpec(ServiceError):
    code = "quarter_published_under_other_spec"
    status = 409
    field = "spec_version"
    message = _(
        "One of these quarters is already published under another specification version, and "
        "a published quarter is never computed again; choose later quarters."
    )


class ExactAndPrivateRefused(ServiceError):
    code = "exact_and_private_release"
    status = 409
    field = "epsilon"
    message = _(
        "One of these quarters already has an exact release and the other kind (differentially "
        "private) was asked for, or the other way round; the two together would undo the noise."
    )
