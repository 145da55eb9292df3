"""The researcher's API: published releases, their codebooks and downloads. Approved
researchers only; there is no query endpoint, and no row is about one person. Every download
writes one audit event."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import renderers, serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services as account_services
from accounts.access import IsApprovedResearcher, api_user
from accounts.models import AuditAction
from config.api import CSVRenderer, FormatChoiceView
from symptoms.models import Release
from symptoms.research import downloads, selectors


class ReleaseOut(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    number = serializers.IntegerField()
    spec_version = serializers.CharField()
    periods = serializers.ListField(
        child=serializers.CharField(), source="parameters.periods", help_text="e.g. 2026-Q1"
    )
    built_at = serializers.DateTimeField()
    build_seconds = serializers.FloatField()
    cell_count = serializers.IntegerField()
    suppressed_count = serializers.IntegerField()


class ReleaseDetailOut(ReleaseOut):
    codebook = serializers.SerializerMethodField()

    def get_codebook(self, release: Release) -> dict[str, Any]:
        return downloads.codebook(release)


class ReleaseListView(ListAPIView[Release]):
    permission_classes = (IsApprovedResearcher,)
    serializer_class = ReleaseOut

    def get_queryset(self) -> QuerySet[Release]:
        return selectors.release_list(user=api_user(self.request))


class ReleaseDetailView(APIView):
    permission_classes = (IsApprovedResearcher,)

    @extend_schema(responses={200: ReleaseDetailOut})
    def get(self, request: Request, public_id: str) -> Response:
        release = selectors.release_get(user=api_user(request), public_id=public_id)
        return Response(ReleaseDetailOut(release).data)


@extend_validation_errors(["invalid_choice"], field_name="format", methods=["get"])
class ReleaseDownloadView(FormatChoiceView):
    """One release's cells as tidy CSV or JSON (``?format=csv|json``); audited."""

    permission_classes = (IsApprovedResearcher,)
    renderer_classes = (renderers.JSONRenderer, CSVRenderer)
    format_hint = "Use json or csv."

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=["json", "csv"], description="Default json.")
        ],
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description='{"release", "codebook", "rows"}'
            ),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="The rows; the codebook is in the release detail."
            ),
        },
    )
    def get(self, request: Request, public_id: str) -> Response:
        researcher = api_user(request)
        release = selectors.release_get(user=researcher, public_id=public_id)
        kind = request.accepted_renderer.format
        data: Any
        if kind == "csv":
            data = list(downloads.release_csv_rows(release))
        else:
            data = downloads.release_json(release)
        account_services.audit_record(
            actor=researcher,
            action=AuditAction.RELEASE_DOWNLOADED,
            detail={"release": str(release.public_id), "format": kind},
        )
        stamp = timezone.now().strftime("%Y%m%d")
        name = f"ms-symptom-tracker-release-{release.number}-{stamp}.{kind}"
        return Response(data, headers={"Content-Disposition": f'attachment; filename="{name}"'})
