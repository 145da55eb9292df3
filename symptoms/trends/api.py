"""The clinician's API: their patients, each patient's trends, and baseline resets. Only
patients with an active sharing link are visible; anyone else's id is a 404. Every read of a
patient's data writes one audit event."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.cache import cache
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.access import IsClinician, IsPatient, api_user
from accounts.models import AuditAction, User
from config.api import QueryFilter
from symptoms.history.cache import CACHE_SECONDS, last_change_of
from symptoms.instruments.api import InstrumentCodeField
from symptoms.instruments.definitions import instrument_get
from symptoms.trends import services
from symptoms.trends.digests import clinician_patient_rows
from symptoms.trends.selectors import PatientTrends, ScaleTrend, trends_get


def _round(value: float | None, decimals: int) -> float | None:
    return None if value is None else round(value, decimals + 1)


class PatientRowOut(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="patient.public_id")
    full_name = serializers.CharField(source="patient.full_name")
    last_report_on = serializers.DateField(allow_null=True)
    completion_rate_12_weeks = serializers.FloatField(
        help_text="Days with a daily check-in in the last 84 days, divided by 84."
    )
    flagged_domains = serializers.ListField(
        child=serializers.CharField(), help_text="Domains with a confirmed worsening."
    )
    exploratory_domains = serializers.ListField(
        child=serializers.CharField(),
        help_text="Domains with a confirmed reliable worsening on a scale without a published "
        "threshold (and no confirmed worsening).",
    )
    attention = serializers.CharField(
        source="attention.kind",
        allow_null=True,
        default=None,
        help_text="Why the patient comes first: confirmed_worsening, reliable_change or "
        "overdue; null when nothing needs attention. The list is sorted by it.",
    )
    attention_on = serializers.DateField(
        source="attention.on",
        allow_null=True,
        default=None,
        help_text="The latest confirmation, or when the oldest overdue answer fell due.",
    )


class PatientFilter(serializers.Serializer[Any]):
    flagged = serializers.BooleanField(required=False, allow_null=True, default=None)
    search = serializers.CharField(required=False, max_length=100, allow_blank=True)


@extend_validation_errors(["invalid"], field_name="flagged", methods=["get"])
@extend_validation_errors(
    ["max_length", "null_characters_not_allowed"], field_name="search", methods=["get"]
)
class PatientListView(APIView):
    permission_classes = (IsClinician,)

    @extend_schema(parameters=[PatientFilter], responses={200: PatientRowOut(many=True)})
    def get(self, request: Request) -> Response:
        clinician = api_user(request)
        filters = PatientFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = clinician_patient_rows(
            clinician=clinician,
            search=filters.validated_data.get("search") or "",
            flagged=filters.validated_data.get("flagged"),
        )
        return Response(PatientRowOut(rows, many=True).data)


class SeriesPointOut(serializers.Serializer[Any]):
    on = serializers.DateField(help_text="The report's local date, or the week's Monday.")
    value = serializers.FloatField()
    days = serializers.IntegerField(
        allow_null=True, help_text="For weekly means: the days the mean is made of."
    )


class FlagOut(serializers.Serializer[Any]):
    instrument = serializers.CharField()
    scale = serializers.CharField()
    kind = serializers.CharField(
        help_text="confirmed_worsening, unconfirmed_worsening, confirmed_improvement or "
        "meaningful_improvement"
    )
    raises_flag = serializers.BooleanField(
        help_text="True for a confirmed worsening past a published MCID only."
    )
    raises_exploratory_flag = serializers.BooleanField(
        help_text="True for a confirmed reliable worsening on a scale without a published "
        "threshold (method mdc or reliable_change)."
    )
    method = serializers.CharField(
        help_text="How the threshold was found: mcid (published minimal clinically important "
        "difference), mdc (published minimal detectable change) or reliable_change (the "
        "person's own variability)."
    )
    change = serializers.FloatField()
    threshold = serializers.FloatField()
    source = serializers.CharField(  # type: ignore[assignment]
        help_text="The citation of the threshold (the MCID's, the MDC's or the method's)."
    )
    source_url = serializers.CharField()
    first_crossed_on = serializers.DateField(allow_null=True)
    confirmed_on = serializers.DateField(allow_null=True)


class ScaleTrendOut(serializers.Serializer[Any]):
    instrument = serializers.CharField()
    scale = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    domain = serializers.CharField()
    direction = serializers.CharField()
    range = serializers.ListField(child=serializers.FloatField())
    is_weekly_mean = serializers.BooleanField()
    series = SeriesPointOut(many=True)
    baseline = serializers.FloatField(allow_null=True)
    baseline_from = serializers.DateField(allow_null=True)
    baseline_reset_on = serializers.DateField(allow_null=True)
    latest = SeriesPointOut(allow_null=True)
    change = serializers.FloatField(allow_null=True)
    threshold = serializers.FloatField(allow_null=True)
    source = serializers.CharField(allow_null=True)  # type: ignore[assignment]
    status = serializers.CharField(allow_null=True)
    method = serializers.CharField(allow_null=True, help_text="As in flags; null: no threshold.")


class TrendsOut(serializers.Serializer[Any]):
    patient = serializers.DictField()
    since = serializers.DateField(allow_null=True)
    until = serializers.DateField(allow_null=True)
    scales = ScaleTrendOut(many=True)
    flags = FlagOut(many=True)


class TrendsFilter(QueryFilter):
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)


def _scale_dict(trend: ScaleTrend, since: date | None, until: date | None) -> dict[str, Any]:
    a, decimals = trend.assessment, trend.scale.decimals
    source = trend.source
    latest = next((p for p in reversed(trend.points) if a.latest and p.on == a.latest.on), None)
    return {
        "instrument": trend.instrument.code,
        "scale": trend.scale.key,
        "label": trend.scale.label,
        "domain": trend.scale.domain,
        "direction": str(trend.scale.direction),
        "range": list(trend.scale.range),
        "is_weekly_mean": trend.is_weekly_mean,
        "series": [
            {"on": p.on, "value": _round(p.value, decimals), "days": p.days}
            for p in trend.points_between(since, until)
        ],
        "baseline": _round(a.baseline, decimals),
        "baseline_from": a.baseline_from,
        "baseline_reset_on": trend.baseline_reset_on,
        "latest": (
            {"on": latest.on, "value": _round(latest.value, decimals), "days": latest.days}
            if latest
            else None
        ),
        "change": _round(a.change, decimals),
        "threshold": a.threshold,
        "source": source.citation if source else None,
        "status": str(a.kind) if a.kind else None,
        "method": str(a.method) if a.method else None,
    }


def _flags(trends: PatientTrends) -> list[dict[str, Any]]:
    flags = []
    for trend in trends.flags:
        a, source = trend.assessment, trend.source
        flags.append(
            {
                "instrument": trend.instrument.code,
                "scale": trend.scale.key,
                "kind": str(a.kind),
                "raises_flag": a.raises_flag,
                "raises_exploratory_flag": a.raises_exploratory_flag,
                "method": str(a.method),
                "change": _round(a.change, trend.scale.decimals),
                "threshold": a.threshold,
                "source": source.citation if source else "",
                "source_url": source.url if source else "",
                "first_crossed_on": a.first_crossed_on,
                "confirmed_on": a.confirmed_on,
            }
        )
    return flags


def _trends_body(request: Request, patient: User) -> dict[str, Any]:
    filters = TrendsFilter(data=request.query_params)
    filters.is_valid(raise_exception=True)
    since, until = filters.validated_data.get("since"), filters.validated_data.get("until")
    if since and until and until < since:
        raise serializers.ValidationError(
            {"until": ["Must not be before since."]}, code="invalid_range"
        )
    # The series and flags, serialized, are kept under the patient's last change: a three-year
    # history is read and assessed once per new report or reset, not per request. The key
    # holds ids, dates and a language code; who may read it is checked before.
    key = last_change_of(patient).key(
        "trends-body", patient.pk, since or "", until or "", get_language()
    )
    series: dict[str, Any] | None = cache.get(key)
    if series is None:
        trends = trends_get(patient=patient)
        out = TrendsOut(
            {
                "patient": {},
                "since": since,
                "until": until,
                "scales": [_scale_dict(trend, since, until) for trend in trends.scales],
                "flags": _flags(trends),
            }
        ).data
        series = {"scales": out["scales"], "flags": out["flags"]}
        cache.set(key, series, CACHE_SECONDS)
    return {
        "patient": {"id": str(patient.public_id), "full_name": patient.full_name},
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        **series,
    }


@extend_validation_errors(["invalid", "blank"], field_name="since", methods=["get"])
@extend_validation_errors(
    ["invalid", "invalid_range", "blank"], field_name="until", methods=["get"]
)
class PatientTrendsView(APIView):
    permission_classes = (IsClinician,)

    @extend_schema(parameters=[TrendsFilter], responses={200: TrendsOut})
    def get(self, request: Request, public_id: str) -> Response:
        clinician = api_user(request)
        patient = account_selectors.clinician_patient_get(clinician=clinician, public_id=public_id)
        body = _trends_body(request, patient)
        account_services.audit_record(
            actor=clinician,
            action=AuditAction.PATIENT_DATA_VIEWED,
            subject_patient=patient,
            detail={"view": "trends"},
        )
        return Response(body)  # serialized by TrendsOut in _trends_body


@extend_validation_errors(["invalid", "blank"], field_name="since", methods=["get"])
@extend_validation_errors(
    ["invalid", "invalid_range", "blank"], field_name="until", methods=["get"]
)
class OwnTrendsView(APIView):
    """The person's own trends, the same as their clinicians see (not audited: their own)."""

    permission_classes = (IsPatient,)

    @extend_schema(parameters=[TrendsFilter], responses={200: TrendsOut})
    def get(self, request: Request) -> Response:
        return Response(_trends_body(request, api_user(request)))


class BaselineIn(serializers.Serializer[Any]):
    instrument = InstrumentCodeField()
    scale = serializers.CharField(max_length=32)
    since = serializers.DateField(help_text="Measure change from reports on or after this day.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instrument = instrument_get(attrs["instrument"])
        if instrument is None:
            raise serializers.ValidationError(
                {"instrument": ["There is no questionnaire with this code."]},
                code="unknown_instrument",
            )
        if instrument.scale(attrs["scale"]) is None:
            raise serializers.ValidationError(
                {"scale": ["This questionnaire has no scale with this key."]},
                code="unknown_scale",
            )
        return attrs


@extend_validation_errors(["unknown_instrument"], field_name="instrument", methods=["post"])
@extend_validation_errors(["unknown_scale"], field_name="scale", methods=["post"])
class BaselineResetView(APIView):
    permission_classes = (IsClinician,)

    @extend_schema(request=BaselineIn, responses={201: BaselineIn})
    def post(self, request: Request, public_id: str) -> Response:
        clinician = api_user(request)
        patient = account_selectors.clinician_patient_get(clinician=clinician, public_id=public_id)
        data = BaselineIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.baseline_reset(clinician=clinician, patient=patient, **data.validated_data)
        return Response(BaselineIn(data.validated_data).data, status=status.HTTP_201_CREATED)
