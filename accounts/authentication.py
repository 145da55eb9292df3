"""The API's token authentication: knox's, refusing the tokens of a clinician, researcher or
staff member who has no second factor yet (a token is never a way around it)."""

from __future__ import annotations

import binascii
from hmac import compare_digest
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
from knox.signals import token_expired
from rest_framework import exceptions, status

from accounts import errors
from accounts.second_factor import has_second_factor, needs_second_factor
from accounts.services import api_token_use_record


class SecondFactorSetupRequired(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "second_factor_setup_required"
    default_detail = errors.SecondFactorSetupRequired.message


class TokenAuthentication(KnoxTokenAuthentication):  # type: ignore[misc]  # knox is untyped
    invalid = _("Invalid token.")

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        result: tuple[Any, Any] | None = super().authenticate(request)
        if result is not None:
            user, auth_token = result
            api_token_use_record(
                user=user,
                token_key=auth_token.token_key,
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        return result

    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        """knox's check, in one query that also reads a patient's profile (every patient
        request needs its time zone and language; the daily check-in POST counts queries)."""
        candidates = AuthToken.objects.filter(
            token_key=token.decode("utf-8")[: CONSTANTS.TOKEN_KEY_LENGTH]
        ).select_related("user__patient_profile")
        for auth_token in candidates:
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(token.decode("utf-8"))
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(self.invalid) from None
            if compare_digest(digest, auth_token.digest):
                user, auth_token = self.validate_user(auth_token)
                if needs_second_factor(user) and not has_second_factor(user):
                    raise SecondFactorSetupRequired()
                return user, auth_token
        raise exceptions.AuthenticationFailed(self.invalid)

    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        """Only this token: knox also reads all the person's other tokens on every request to
        delete the expired ones, which the token view does instead when it makes a new one."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            token_expired.send(
                sender=self.__class__, username=auth_token.user.get_username(), source="auth_token"
            )
            return True
        return False


class TokenScheme(KnoxTokenScheme):  # type: ignore[no-untyped-call]  # drf-spectacular
    """The OpenAPI schema describes it as knox's token, which it is."""

    target_class = "accounts.authentication.TokenAuthentication"
