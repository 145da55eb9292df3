"""How django-allauth fits this project: roles that must keep a second factor, and the
site's own pages and addresses for sign-in.

allauth does the flows (sign-up, verification, reset, second factors, passkeys, sessions); the
account rules stay in ``accounts.services`` and ``accounts.access``.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.second_factor import needs_second_factor


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth is untyped
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": _("The email or password is not correct."),
    }

    def get_client_ip(self, request: HttpRequest) -> str:
        # The same reading of the client's address as django-axes (NUM_PROXIES), so a session's
        # address on the sessions page is the one its lockouts are counted under.
        return access.client_ip(request)


class MFAAdapter(DefaultMFAAdapter):  # type: ignore[misc]
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """A clinician, researcher or staff member keeps at least one second factor: the last
        app or key cannot be removed (add another first). Recovery codes alone do not count."""
        user: Any = authenticator.user
        if not needs_second_factor(user):
            return True
        others = (
            Authenticator.objects.filter(user=user)
            .exclude(pk=authenticator.pk)
            .exclude(type=Authenticator.Type.RECOVERY_CODES)
        )
        return bool(authenticator.type == Authenticator.Type.RECOVERY_CODES or others.exists())
