"""The self-report API: submit a report (idempotent by ``client_id``), list and read one's own.
Ids are public UUIDs; another person's report is a 404."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import IsPatient, api_user
from config.api import QueryFilter
from symptoms.instruments.api import InstrumentCodeField
from symptoms.models import Report, ReportMode
from symptoms.reports import selectors, services
from symptoms.reports.services import NOTE_MAX_LENGTH

# --- Reports --------------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
        "example": {"fatigue": 6, "mobility": 7, "upper_limb": "too_tired"},
    }
)
class AnswersField(serializers.DictField):
    """Item id to an option value (a whole number) or an allowed text answer. The service
    checks each against the instrument's definition."""

    child = serializers.JSONField()

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail("not_a_dict", input_type=type(data).__name__)
        return {str(key): value for key, value in data.items()}


@extend_schema_field(
    {"type": "object", "additionalProperties": {"type": "number", "nullable": True}}
)
class ScoresField(serializers.DictField):
    child = serializers.FloatField(allow_null=True)


@extend_schema_field({"type": "array", "items": {"type": "string"}, "maxItems": 20})
class TagListField(serializers.Field):  # type: ignore[type-arg]
    """A list of short strings, judged as a whole: one error names ``context_tags`` itself
    rather than an error per position."""

    default_error_messages = {"invalid": _("Must be a list of at most 20 tag names.")}

    def to_internal_value(self, data: Any) -> list[str]:
        if not isinstance(data, list) or len(data) > 20:
            self.fail("invalid")
        if not all(isinstance(tag, str) and len(tag) <= 32 for tag in data):
            self.fail("invalid")
        return list(data)

    def to_representation(self, value: Any) -> list[str]:
        return list(value)


class ReportIn(serializers.Serializer[Any]):
    # Any string: an unknown code is answered with unknown_instrument. (As an enum, the schema
    # would lead clients to per-item errors, "answers.<item id>", that it cannot list yet.)
    instrument = serializers.CharField(max_length=32)
    answers = AnswersField()
    client_id = serializers.UUIDField(
        help_text="Chosen by the client before the first attempt; a retry with the same id and "
        "the same report returns the stored report instead of making a second one, and the "
        "same id with anything different is a 409 client_id_conflict."
    )
    context_tags = TagListField(required=False)
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH, trim_whitespace=True
    )
    mode = serializers.ChoiceField(choices=ReportMode.choices, required=False)
    completed_at = serializers.DateTimeField(
        required=False, help_text="When the person finished, if it was not just now."
    )
    supersedes = serializers.UUIDField(
        required=False, help_text="The id of the report this one corrects."
    )


class ReportOut(serializers.ModelSerializer[Report]):
    id = serializers.UUIDField(source="public_id")
    answers = AnswersField()
    scores = ScoresField()
    context_tags = serializers.ListField(child=serializers.CharField())
    supersedes = serializers.SerializerMethodField()
    superseded_by = serializers.SerializerMethodField()
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = (
            "id",
            "instrument",
            "instrument_version",
            "scoring_version",
            "answers",
            "scores",
            "context_tags",
            "note",
            "language",
            "mode",
            "local_date",
            "time_zone",
            "completed_at",
            "created_at",
            "supersedes",
            "superseded_by",
            "is_current",
        )

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_supersedes(self, report: Report) -> str | None:
        return str(report.supersedes.public_id) if report.supersedes else None

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_superseded_by(self, report: Report) -> str | None:
        later = getattr(report, "superseded_by", None)
        return str(later.public_id) if later else None

    def get_is_current(self, report: Report) -> bool:
        return getattr(report, "superseded_by", None) is None


class ReportFilter(QueryFilter):
    instrument = InstrumentCodeField(required=False)
    since = serializers.DateField(required=False, help_text="Local date, inclusive.")
    until = serializers.DateField(required=False, help_text="Local date, inclusive.")
    include_superseded = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and until < since:
            raise serializers.ValidationError(
                {"until": _("Must not be before since.")}, code="invalid_range"
            )
        return attrs


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
@extend_validation_errors(
    ["invalid", "invalid_range", "blank"], field_name="until", methods=["get"]
)
@extend_validation_errors(["invalid", "blank"], field_name="since", methods=["get"])
@extend_validation_errors(["invalid", "blank"], field_name="include_superseded", methods=["get"])
@extend_validation_errors(
    ["blank", "max_length", "null_characters_not_allowed"], field_name="instrument", methods=["get"]
)
class ReportListCreateView(ListAPIView[Report]):
    permission_classes = (IsPatient,)
    serializer_class = ReportOut

    @extend_schema(parameters=[ReportFilter])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Report]:
        filters = ReportFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.report_list(patient=api_user(self.request), **filters.validated_data)

    @extend_schema(
        request=ReportIn,
        responses={
            201: ReportOut,
            200: OpenApiResponse(ReportOut, description="Already stored with this client_id"),
            409: OpenApiResponse(
                description="client_id_conflict (this client_id stored a different report: "
                "another instrument, answers, context tags, note, mode, supersedes or "
                "completed_at) or daily_already_submitted"
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = ReportIn(data=request.data)
        data.is_valid(raise_exception=True)
        submitted = services.report_submit(patient=api_user(request), **data.validated_data)
        # The service's report has what ReportOut reads (supersedes, superseded_by) in hand.
        return Response(
            ReportOut(submitted.report).data,
            status=status.HTTP_201_CREATED if submitted.created else status.HTTP_200_OK,
        )


class ReportDetailView(APIView):
    permission_classes = (IsPatient,)

    @extend_schema(responses={200: ReportOut})
    def get(self, request: Request, public_id: str) -> Response:
        report = selectors.report_get(patient=api_user(request), public_id=public_id)  # type: ignore[arg-type]
        return Response(ReportOut(report).data)
