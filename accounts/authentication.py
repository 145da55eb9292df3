"""The API's token authentication: knox's, refusing the tokens of a clinician, researcher or
staff member who has no second factor yet (a token is never a way around it)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions, status

from accounts import errors
from accounts.second_factor import has_second_factor, needs_second_factor
from accounts.services import api_token_use_record


class SecondFactorSetupRequired(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "second_factor_setup_required"
    default_detail = errors.SecondFactorSetupRequired.message


class TokenAuthentication(KnoxTokenAuthentication):  # type: ignore[misc]  # knox is untyped
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
        user, auth_token = super().authenticate_credentials(token)
        if needs_second_factor(user) and not has_second_factor(user):
            raise SecondFactorSetupRequired()
        return user, auth_token


class TokenScheme(KnoxTokenScheme):  # type: ignore[no-untyped-call]  # drf-spectacular
    """The OpenAPI schema describes it as knox's token, which it is."""

    target_class = "accounts.authentication.TokenAuthentication"
