"""The instruments' API: what people on this site can answer, and one instrument's items,
scales, cut-offs and sources (with the licensed wording when the site imported it)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from symptoms.instruments import selectors
from symptoms.instruments.definitions import current, instrument_get
from symptoms.instruments.selectors import instrument_is_available

# --- Instruments ----------------------------------------------------------------------------


@extend_schema_field({"type": "string", "enum": sorted(current()), "maxLength": 32})
class InstrumentCodeField(serializers.CharField):
    """An instrument code. The schema lists the codes this version knows; the server's answer
    for another is its own ``unknown_instrument`` error, as before."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)


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


class InstrumentListView(APIView):
    @extend_schema(responses={200: InstrumentSummaryOut(many=True)})
    def get(self, request: Request) -> Response:
        return Response(InstrumentSummaryOut(selectors.instrument_list(), many=True).data)


class InstrumentDetailView(APIView):
    @extend_schema(
        responses={200: InstrumentOut},
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
        return Response(InstrumentOut(instrument, context=context).data)
