"""The person's own data through the API: the export (JSON, CSV, FHIR) and deleting the account."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
)
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import renderers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services as account_services
from accounts.access import IsPatient, api_user
from accounts.models import AuditAction
from config.api import CSVRenderer, FormatChoiceView, StrictBooleanField
from symptoms.my_data import export


class FHIRRenderer(renderers.JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir"


@extend_validation_errors(["invalid_choice"], field_name="format", methods=["get"])
class ExportView(FormatChoiceView):
    """The person's own data as JSON, CSV or a FHIR R4 Bundle (``?format=json|csv|fhir``)."""

    permission_classes = (IsPatient,)
    renderer_classes = (renderers.JSONRenderer, CSVRenderer, FHIRRenderer)
    format_hint = "Use json, csv or fhir."

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format", str, enum=["json", "csv", "fhir"], description="Default json."
            )
        ],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/fhir+json"): OpenApiTypes.OBJECT,
        },
    )
    def get(self, request: Request) -> Response:
        patient = api_user(request)
        kind = request.accepted_renderer.format
        data: Any
        if kind == "csv":
            data = list(export.export_csv_rows(patient=patient))
        elif kind == "fhir":
            data = export.export_fhir(patient=patient)
        else:
            data = export.export_json(patient=patient)
        account_services.audit_record(
            actor=patient,
            action=AuditAction.PATIENT_DATA_EXPORTED,
            subject_patient=patient,
            detail={"format": kind},
        )
        stamp = timezone.now().strftime("%Y%m%d")
        extension = {"csv": "csv", "fhir": "fhir.json"}.get(kind, "json")
        return Response(
            data,
            headers={
                "Content-Disposition": (
                    f'attachment; filename="ms-symptom-tracker-{stamp}.{extension}"'
                )
            },
        )


class AccountDeleteIn(serializers.Serializer[Any]):
    password = serializers.CharField(style={"input_type": "password"})
    confirm = StrictBooleanField(help_text="Must be true: the deletion cannot be undone.")

    def validate_confirm(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                _("Confirm that you want to delete your account."), code="not_confirmed"
            )
        return value


@extend_validation_errors(["password_wrong"], field_name="password", methods=["post"])
@extend_validation_errors(["not_confirmed"], field_name="confirm", methods=["post"])
class AccountDeleteView(APIView):
    permission_classes = (IsPatient,)

    @extend_schema(request=AccountDeleteIn, responses={204: None})
    def post(self, request: Request) -> Response:
        data = AccountDeleteIn(data=request.data)
        data.is_valid(raise_exception=True)
        account_services.account_delete(
            user=api_user(request), password=data.validated_data["password"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
