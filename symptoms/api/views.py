"""Thin API views for instruments, reports and the person's own data."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, renderers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services as account_services
from accounts.models import AuditAction
from config.api import IsPatient, api_user
from symptoms import export, selectors, services
from symptoms.api import serializers as s
from symptoms.definitions import instrument_get
from symptoms.models import Report


class InstrumentListView(APIView):
    @extend_schema(responses={200: s.InstrumentSummaryOut(many=True)})
    def get(self, request: Request) -> Response:
        return Response(s.InstrumentSummaryOut(selectors.instrument_list(), many=True).data)


class InstrumentDetailView(APIView):
    @extend_schema(
        responses={200: s.InstrumentOut},
        parameters=[
            OpenApiParameter(
                "language", str, description="Language of the official wording, if imported."
            )
        ],
    )
    def get(self, request: Request, code: str) -> Response:
        instrument = instrument_get(code)
        if instrument is None:
            raise Http404
        profile = getattr(request.user, "patient_profile", None)
        language = str(request.query_params.get("language") or getattr(profile, "language", "en"))
        text = selectors.instrument_text_get(instrument, language)
        context = {"texts": text.items if text else {}}
        return Response(s.InstrumentOut(instrument, context=context).data)


@extend_validation_errors(
    ["unknown_instrument", "instrument_not_licensed"], field_name="instrument", methods=["post"]
)
@extend_validation_errors(
    [
        "invalid_answers",
        "no_answers",
        "unknown_item",
        "wrong_type",
        "out_of_range",
        "special_not_allowed",
    ],
    field_name="answers",
    methods=["post"],
)
@extend_validation_errors(
    ["invalid", "invalid_context_tags"], field_name="context_tags", methods=["post"]
)
@extend_validation_errors(["invalid_note"], field_name="note", methods=["post"])
@extend_validation_errors(["invalid_completed_at"], field_name="completed_at", methods=["post"])
@extend_validation_errors(["invalid_supersedes"], field_name="supersedes", methods=["post"])
@extend_validation_errors(["invalid", "invalid_range"], field_name="until", methods=["get"])
@extend_validation_errors(["invalid"], field_name="since", methods=["get"])
@extend_validation_errors(["invalid"], field_name="include_superseded", methods=["get"])
@extend_validation_errors(
    ["blank", "max_length", "null_characters_not_allowed"], field_name="instrument", methods=["get"]
)
class ReportListCreateView(ListAPIView[Report]):
    permission_classes = (IsPatient,)
    serializer_class = s.ReportOut

    @extend_schema(parameters=[s.ReportFilter])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Report]:
        filters = s.ReportFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.report_list(patient=api_user(self.request), **filters.validated_data)

    @extend_schema(
        request=s.ReportIn,
        responses={
            201: s.ReportOut,
            200: OpenApiResponse(s.ReportOut, description="Already stored with this client_id"),
            409: OpenApiResponse(description="client_id_conflict or daily_already_submitted"),
        },
    )
    def post(self, request: Request) -> Response:
        data = s.ReportIn(data=request.data)
        data.is_valid(raise_exception=True)
        submitted = services.report_submit(patient=api_user(request), **data.validated_data)
        report = selectors.report_get(
            patient=api_user(request), public_id=submitted.report.public_id
        )
        return Response(
            s.ReportOut(report).data,
            status=status.HTTP_201_CREATED if submitted.created else status.HTTP_200_OK,
        )


class ReportDetailView(APIView):
    permission_classes = (IsPatient,)

    @extend_schema(responses={200: s.ReportOut})
    def get(self, request: Request, public_id: str) -> Response:
        report = selectors.report_get(patient=api_user(request), public_id=public_id)  # type: ignore[arg-type]
        return Response(s.ReportOut(report).data)


# --- The person's own data --------------------------------------------------------------------


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(data)
        return buffer.getvalue().encode(self.charset)


class FHIRRenderer(renderers.JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir"


class FormatChoiceView(APIView):
    """A download whose ``?format=`` picks one of its renderers: an unknown format is a 400
    about that parameter, and errors stay in the one JSON error shape."""

    format_hint = "Use json or csv."

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            # DRF answers an unknown ?format= with 404; it is bad input about this field.
            raise exceptions.ValidationError(
                {"format": [self.format_hint]}, code="invalid_choice"
            ) from None

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if response.status_code >= 400:
            # Errors keep the one JSON error shape, whatever format was asked for.
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


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


@extend_validation_errors(["password_wrong"], field_name="password", methods=["post"])
@extend_validation_errors(["not_confirmed"], field_name="confirm", methods=["post"])
class AccountDeleteView(APIView):
    permission_classes = (IsPatient,)

    @extend_schema(request=s.AccountDeleteIn, responses={204: None})
    def post(self, request: Request) -> Response:
        data = s.AccountDeleteIn(data=request.data)
        data.is_valid(raise_exception=True)
        account_services.account_delete(
            user=api_user(request), password=data.validated_data["password"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
