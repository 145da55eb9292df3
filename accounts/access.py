"""Who may do what: role checks and the request's user for pages and the API alike, the API's
permission classes, and the web forms' rate limit (the API's throttle, shared).

Pages: ``role_required`` sends anonymous visitors to the login page and gives other roles a 403.
The API: the permission classes answer 401 or 403 before a view runs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from types import SimpleNamespace
from typing import Any

from axes.helpers import get_client_ip_address
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.models import Role, User
from config.throttling import ScopedRateThrottle

View = Callable[..., HttpResponse]


def client_ip(request: HttpRequest) -> str:
    """The client's address as django-axes reads it (behind NUM_PROXIES trusted proxies)."""
    return str(get_client_ip_address(request) or request.META.get("REMOTE_ADDR", ""))


# --- Pages ------------------------------------------------------------------------------------


def request_user(request: HttpRequest) -> User:
    """The signed-in person of a page request (pages that call this require a login)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def role_required(*roles: str) -> Callable[[View], View]:
    """Anonymous visitors go to the login page; people of another role get a 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request_user(request).role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def is_throttled(request: HttpRequest, scope: str) -> bool:
    """Apply the API's rate for ``scope`` (same cache keys), so a web form is no way around it.
    Like the API's, it lets the request through while the cache is down."""
    throttle = ScopedRateThrottle()
    return not throttle.allow_request(request, SimpleNamespace(throttle_scope=scope))  # type: ignore[arg-type]


def request_patient(request: HttpRequest) -> User:
    """The signed-in patient of a page request; anyone else gets a 403."""
    user = request_user(request)
    if user.role != Role.PATIENT:
        raise PermissionDenied
    return user


# --- The API ----------------------------------------------------------------------------------


def api_user(request: Request) -> User:
    """The authenticated person of an API request; every view that calls this requires one."""
    user = request.user
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated()
    return user


class IsPatient(BasePermission):
    message = _("Only a person with MS can do this.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user.is_authenticated and request.user.role == Role.PATIENT)


class IsClinician(BasePermission):
    message = _("Only a clinician can do this.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user.is_authenticated and request.user.role == Role.CLINICIAN)


class IsPatientOrClinician(BasePermission):
    message = _("Only people with MS and clinicians can do this.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(
            request.user.is_authenticated and request.user.role in (Role.PATIENT, Role.CLINICIAN)
        )


class IsApprovedResearcher(BasePermission):
    message = _("Only researchers approved by staff can do this.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user.is_authenticated and request.user.is_approved_researcher)
