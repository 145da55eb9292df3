"""Who must have a second factor, and who has one. No DRF imports: the API's authentication
class (accounts.authentication) loads while DRF itself is loading."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings

# Second factors that prove a person holds something: an authenticator app or a security key or
# passkey. Recovery codes are the way back in when those are lost, not a factor on their own.
SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def needs_second_factor(user: Any) -> bool:
    """Clinicians, researchers and staff read other people's health data: they must have one."""
    return bool(user.is_authenticated and user.role in settings.SECOND_FACTOR_REQUIRED_ROLES)


def has_second_factor(user: Any) -> bool:
    return bool(user.is_authenticated and is_mfa_enabled(user, types=SECOND_FACTOR_TYPES))
