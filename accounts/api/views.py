"""Thin API views: parse input, call a selector or service, serialize the result."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import errors, selectors, services
from accounts.access import IsClinician, IsPatient, IsPatientOrClinician, api_user
from accounts.api import serializers as s
from accounts.models import ClinicianInvite, ConsentPurpose, SharingLink


@extend_validation_errors(["invalid_credentials"], field_name="non_field_errors", methods=["post"])
@extend_validation_errors(
    ["second_factor_required", "second_factor_invalid"], field_name="code", methods=["post"]
)
@extend_validation_errors(["no_token"], field_name="non_field_errors", methods=["delete"])
class TokenView(APIView):
    """Exchange email and password (and a code from the second factor, for anyone who has one)
    for an API token, or revoke the token in use. The email must be confirmed, and clinicians,
    researchers and staff must have set up a second factor on the website first."""

    permission_classes = (AllowAny,)
    throttle_scope = "auth"

    def get_permissions(self) -> list[BasePermission]:
        # Anyone may ask for a token; only its holder may revoke it.
        if self.request.method == "DELETE":
            return [IsAuthenticated()]
        return [AllowAny()]

    @extend_schema(request=s.TokenIn, responses={200: s.TokenOut}, auth=[])
    def post(self, request: Request) -> Response:
        data = s.TokenIn(data=request.data)
        data.is_valid(raise_exception=True)
        # django-axes needs the Django request to count failures per email and address.
        user = authenticate(
            request._request,
            username=data.validated_data["email"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": ["Email or password is not correct."]},
                code="invalid_credentials",
            )
        try:
            services.api_token_check(user=user, code=data.validated_data.get("code"))
        except (errors.SecondFactorRequired, errors.SecondFactorInvalid):
            # A wrong code counts as a failed sign-in, so guessing codes meets the lockout.
            user_login_failed.send(
                sender=__name__,
                credentials={"username": data.validated_data["email"]},
                request=request._request,
            )
            raise
        # The expired ones go here, not on every request (accounts.authentication).
        AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
        instance, token = AuthToken.objects.create(user=user)
        return Response(s.TokenOut({"token": token, "expiry": instance.expiry}).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        if isinstance(request.auth, AuthToken):
            request.auth.delete()
            return Response(status=status.HTTP_204_NO_CONTENT)
        raise serializers.ValidationError(
            {"non_field_errors": ["This request was not made with a token."]}, code="no_token"
        )


@extend_validation_errors(["invalid_time_zone"], field_name="profile.time_zone", methods=["patch"])
@extend_validation_errors(["invalid_year"], field_name="profile.birth_year", methods=["patch"])
@extend_validation_errors(
    ["invalid_year", "diagnosis_before_birth"],
    field_name="profile.diagnosis_year",
    methods=["patch"],
)
@extend_validation_errors(["no_profile", "null"], field_name="profile", methods=["patch"])
class MeView(APIView):
    @extend_schema(responses={200: s.MeOut})
    def get(self, request: Request) -> Response:
        user = api_user(request)
        return Response(s.MeOut(user).data)

    @extend_schema(request=s.MeIn, responses={200: s.MeOut})
    def patch(self, request: Request) -> Response:
        user = api_user(request)
        context = {"profile": user.patient_profile if user.is_patient else None}
        data = s.MeIn(data=request.data, context=context, partial=True)
        data.is_valid(raise_exception=True)
        profile = data.validated_data.get("profile")
        user = services.me_update(
            user=user,
            full_name=data.validated_data.get("full_name"),
            profile=dict(profile) if profile is not None else None,
        )
        return Response(s.MeOut(user).data)


class ResearchConsentView(APIView):
    permission_classes = (IsPatient,)

    @extend_schema(responses={200: s.ConsentOut})
    def get(self, request: Request) -> Response:
        state = selectors.consent_state(user=api_user(request), purpose=ConsentPurpose.RESEARCH)
        return Response(s.ConsentOut(state).data)

    @extend_schema(request=s.ConsentIn, responses={200: s.ConsentOut})
    def put(self, request: Request) -> Response:
        user = api_user(request)
        data = s.ConsentIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.consent_set(
            user=user, purpose=ConsentPurpose.RESEARCH, granted=data.validated_data["granted"]
        )
        state = selectors.consent_state(user=user, purpose=ConsentPurpose.RESEARCH)
        return Response(s.ConsentOut(state).data)


class ShareCodeCreateView(APIView):
    permission_classes = (IsPatient,)

    @extend_schema(request=None, responses={201: s.ShareCodeOut})
    def post(self, request: Request) -> Response:
        code, share_code = services.share_code_create(patient=api_user(request))
        out = s.ShareCodeOut({"code": code, "expires_at": share_code.expires_at})
        return Response(out.data, status=status.HTTP_201_CREATED)


@extend_validation_errors(["share_code_invalid"], field_name="code", methods=["post"])
class ShareCodeRedeemView(APIView):
    permission_classes = (IsClinician,)
    throttle_scope = "share_redeem"

    @extend_schema(request=s.RedeemIn, responses={201: s.SharingLinkOut})
    def post(self, request: Request) -> Response:
        data = s.RedeemIn(data=request.data)
        data.is_valid(raise_exception=True)
        link = services.share_code_redeem(
            clinician=api_user(request), code=data.validated_data["code"]
        )
        return Response(s.SharingLinkOut(link).data, status=status.HTTP_201_CREATED)


class SharingLinkListView(ListAPIView[SharingLink]):
    permission_classes = (IsPatientOrClinician,)
    serializer_class = s.SharingLinkOut

    def get_queryset(self) -> QuerySet[SharingLink]:
        return selectors.sharing_link_list(user=api_user(self.request))


class SharingLinkDetailView(APIView):
    permission_classes = (IsPatientOrClinician,)

    @extend_schema(responses={204: None, 404: OpenApiResponse(description="Not found.")})
    def delete(self, request: Request, public_id: str) -> Response:
        user = api_user(request)
        link = selectors.sharing_link_get(user=user, public_id=public_id)
        services.sharing_link_revoke(link=link, by=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InviteListCreateView(ListAPIView[ClinicianInvite]):
    permission_classes = (IsPatientOrClinician,)
    serializer_class = s.InviteOut

    def get_throttles(self) -> list[Any]:
        self.throttle_scope = "invite" if self.request.method == "POST" else ""
        return super().get_throttles()

    def get_queryset(self) -> QuerySet[ClinicianInvite]:
        return selectors.invite_list(user=api_user(self.request))

    @extend_schema(request=s.InviteIn, responses={201: s.InviteOut})
    def post(self, request: Request) -> Response:
        data = s.InviteIn(data=request.data)
        data.is_valid(raise_exception=True)
        invite = services.invite_create(
            clinician=api_user(request), email=data.validated_data["email"]
        )
        return Response(s.InviteOut(invite).data, status=status.HTTP_201_CREATED)


@extend_validation_errors(["invite_not_pending"], field_name="non_field_errors", methods=["post"])
class InviteDecisionView(APIView):
    permission_classes = (IsPatient,)
    accept = True

    @extend_schema(request=None, responses={200: s.InviteOut})
    def post(self, request: Request, public_id: str) -> Response:
        user = api_user(request)
        invite = selectors.invite_get(user=user, public_id=public_id)
        invite = services.invite_decide(invite=invite, patient=user, accept=self.accept)
        return Response(s.InviteOut(invite).data)
