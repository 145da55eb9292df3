"""The person's own data through the API: the export (JSON, CSV, FHIR) and deleting the account."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone, translation
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
from symptoms.my_data import export, fhir, streaming


class FHIRRenderer(renderers.JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir"


# ?format= -> the export written a piece at a time, its Content-Type and file name ending. The
# renderers above only choose the format (and answer errors); the export streams itself.
EXPORTS: dict[str, tuple[Callable[..., Iterator[str]], str, str]] = {
    "json": (export.export_json_chunks, "application/json", "json"),
    "csv": (export.export_csv_chunks, "text/csv; charset=utf-8", "csv"),
    "fhir": (fhir.export_fhir_chunks, "application/fhir+json", "fhir.json"),
}


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
    def get(self, request: Request) -> StreamingHttpResponse:
        patient = api_user(request)
        kind = request.accepted_renderer.format
        writer, content_type, extension = EXPORTS.get(kind, EXPORTS["json"])
        # Audited when asked for: the download is streamed after this view has returned.
        account_services.audit_record(
            actor=patient,
            action=AuditAction.PATIENT_DATA_EXPORTED,
            subject_patient=patient,
            detail={"format": kind},
        )
        stamp = timezone.now().strftime("%Y%m%d")
        response = StreamingHttpResponse(
            streaming.in_language(
                streaming.buffered(writer(patient=patient)), translation.get_language()
            ),
            content_type=content_type,
        )
        response["Content-Disposition"] = (
            f'attachment; filename="ms-symptom-tracker-{stamp}.{extension}"'
        )
        return response


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
