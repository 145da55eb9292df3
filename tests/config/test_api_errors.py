"""The API's error handling: another person's object is a 404 because the selectors say so,
not because any lookup that finds nothing is turned into one."""

from __future__ import annotations

import pytest
from django.shortcuts import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from accounts.models import User


class InternalLookupBug(APIView):
    permission_classes = ()

    def get(self, request: Request) -> Response:
        User.objects.get(email="nobody@example.org")  # a bug: nothing here scopes or expects it
        return Response({})


class ScopedLookup(APIView):
    permission_classes = ()

    def get(self, request: Request) -> Response:
        get_object_or_404(User, email="nobody@example.org")  # what every selector does
        return Response({})


@pytest.mark.django_db
def test_an_internal_lookup_that_finds_nothing_is_a_server_error_not_a_quiet_404() -> None:
    response = InternalLookupBug.as_view()(APIRequestFactory().get("/"))

    assert response.status_code == 500
    assert response.data["type"] == "server_error"


@pytest.mark.django_db
def test_a_selector_s_404_has_the_one_error_shape() -> None:
    response = ScopedLookup.as_view()(APIRequestFactory().get("/"))

    assert response.status_code == 404
    assert response.data == {
        "type": "client_error",
        "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
    }
