"""Input and output shapes of the self-report API. Ids are public UUIDs."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api import StrictBooleanField
from symptoms.models import Report, ReportMode
from symptoms.selectors import instrument_is_available
from symptoms.services import NOTE_MAX_LENGTH

# --- Instruments ----------------------------------------------------------------------------


class OptionOut(serializers.Serializer[Any]):
    value = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]  # output key, not Field.label/source


class ItemOut(serializers.Serializer[Any]):
    id = serializers.CharField()
    label = serializers.CharField(help_text="A short reference label in the project's words.")  # type: ignore[assignment]  # output key, not Field.label/source
    text = serializers.SerializerMethodField(
        help_text="The licensed official wording, when the site has imported it; else null."
    )
    options = OptionOut(many=True)
    special_answers = serializers.ListField(
        source="special",
        child=serializers.CharField(),
        help_text='Text answers allowed instead of a value: "unable", "too_tired" or "na".',
    )

    def get_text(self, item: Any) -> str | None:
        texts: dict[str, Any] = self.context.get("texts") or {}
        official = texts.get(item.id) or {}
        text = official.get("text")
        return str(text) if text else None


class SourceOut(serializers.Serializer[Any]):
    id = serializers.CharField()
    citation = serializers.CharField()
    url = serializers.CharField()


class CutoffOut(serializers.Serializer[Any]):
    value = serializers.FloatField()
    comparison = serializers.ChoiceField(choices=["gte", "lte", "gt", "lt"])
    label = serializers.CharField()  # type: ignore[assignment]  # output key, not Field.label/source
    source = serializers.CharField()  # type: ignore[assignment]  # output key, not Field.label/source


class McidOut(serializers.Serializer[Any]):
    value = serializers.FloatField()
    is_relative = serializers.BooleanField()
    source = serializers.CharField()  # type: ignore[assignment]  # output key, not Field.label/source
    note = serializers.CharField()


class ScaleOut(serializers.Serializer[Any]):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # output key, not Field.label/source
    domain = serializers.CharField()
    items = serializers.ListField(child=serializers.CharField())
    aggregate = serializers.CharField()
    min_answered = serializers.IntegerField()
    missing = serializers.CharField(help_text="none_allowed, prorate or mean_of_answered.")
    range = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)
    direction = serializers.ChoiceField(choices=["higher_is_worse", "higher_is_better"])
    decimals = serializers.IntegerField()
    transform = serializers.CharField(source="transform.kind")
    cutoffs = CutoffOut(many=True)
    mcid = McidOut(allow_null=True)


class InstrumentSummaryOut(serializers.Serializer[Any]):
    code = serializers.CharField()
    version = serializers.CharField()
    scoring_version = serializers.CharField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    description = serializers.CharField()
    domain = serializers.CharField()
    recall_period = serializers.CharField()
    recall_days = serializers.IntegerField()
    suggested_interval_days = serializers.IntegerField()
    item_count = serializers.SerializerMethodField()

    def get_item_count(self, instrument: Any) -> int:
        return len(instrument.items)


class InstrumentOut(InstrumentSummaryOut):
    items = ItemOut(many=True)
    scales = ScaleOut(many=True)
    context_tags = serializers.ListField(child=serializers.CharField())
    allows_note = serializers.BooleanField()
    licence = serializers.CharField()
    licence_note = serializers.CharField()
    sources = SourceOut(many=True)
    uncertainties = serializers.ListField(child=serializers.CharField())
    has_official_text = serializers.SerializerMethodField()
    is_available = serializers.SerializerMethodField(
        help_text="False when the site has not listed it in LICENSED_INSTRUMENTS: reports made "
        "elsewhere can be read, new ones are refused."
    )

    def get_is_available(self, instrument: Any) -> bool:
        return instrument_is_available(instrument)

    def get_has_official_text(self, instrument: Any) -> bool:
        return bool(self.context.get("texts"))


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
    instrument = serializers.CharField(max_length=32)
    answers = AnswersField()
    client_id = serializers.UUIDField(
        help_text="Chosen by the client before the first attempt; a retry with the same id "
        "returns the stored report instead of making a second one."
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

    @extend_schema_field(OpenApiTypes.UUID)
    def get_supersedes(self, report: Report) -> str | None:
        return str(report.supersedes.public_id) if report.supersedes else None

    @extend_schema_field(OpenApiTypes.UUID)
    def get_superseded_by(self, report: Report) -> str | None:
        later = getattr(report, "superseded_by", None)
        return str(later.public_id) if later else None

    def get_is_current(self, report: Report) -> bool:
        return getattr(report, "superseded_by", None) is None


class ReportFilter(serializers.Serializer[Any]):
    instrument = serializers.CharField(required=False, max_length=32)
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


class AccountDeleteIn(serializers.Serializer[Any]):
    password = serializers.CharField(style={"input_type": "password"})
    confirm = StrictBooleanField(help_text="Must be true: the deletion cannot be undone.")

    def validate_confirm(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                _("Confirm that you want to delete your account."), code="not_confirmed"
            )
        return value
