"""Domain errors raised by services. Each maps to one stable API error code (see docs/api.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from config.service_errors import ServiceError


class AccountsError(ServiceError):
    pass


class EmailTaken(AccountsError):
    code = "email_taken"
    field = "email"
    message = _("An account with this email address already exists.")


class WrongRole(AccountsError):
    code = "permission_denied"
    message = _("Your account type cannot do this.")
    status = 403


class NoProfile(AccountsError):
    code = "no_profile"
    message = _("Only people with MS have a profile.")
    field = "profile"


class ShareCodeInvalid(AccountsError):
    code = "share_code_invalid"
    field = "code"
    message = _("This code is not valid. Codes work once and expire; ask for a new one.")


class InviteNotPending(AccountsError):
    code = "invite_not_pending"
    message = _("This invitation has already been answered or has expired.")


class PasswordWrong(AccountsError):
    code = "password_wrong"
    field = "password"
    message = _("The password is not correct.")


class EmailNotVerified(AccountsError):
    code = "email_not_verified"
    message = _(
        "Confirm your email address first: open the link in the email we sent you, or sign in "
        "on the website to get a new one."
    )
    status = 403


class InviteEmailMismatch(AccountsError):
    # The same answer as an invitation that is not there: nothing tells whose address it was.
    code = "not_found"
    message = _("Not found.")
    status = 404


class SecondFactorRequired(AccountsError):
    code = "second_factor_required"
    field = "code"
    message = _("Enter the 6-digit code from your authenticator app, or a recovery code.")


class SecondFactorInvalid(AccountsError):
    code = "second_factor_invalid"
    field = "code"
    message = _("This code is not correct or was already used. Enter a new code.")


class SecondFactorSetupRequired(AccountsError):
    code = "second_factor_setup_required"
    message = _(
        "Set up a second factor (an authenticator app or a security key) on the website before "
        "using the API."
    )
    status = 403
