"""Reminders in the API, patients only.

- ``/api/v1/reminder-schedules/``: the person's schedules; another person's is a 404. The time
  zone is the profile's and is shown, not set, here.
- ``/api/v1/reminder-deliveries/``: the delivery log, newest first.
- ``/api/v1/reminder-adherence/``: reminders answered per instrument over 4 and 12 weeks.
- ``/api/v1/push-subscriptions/``: the devices where the person turned on notifications;
  another person's is a 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import IsPatient, api_user
from config.api import LocalTimeField, QueryFilter, StrictBooleanField, StrictIntegerField
from symptoms.instruments.api import InstrumentCodeField
from symptoms.models import (
    DeliveryEvent,
    Frequency,
    OccurrenceStatus,
    PushSubscription,
    ReminderChannel,
    ReminderDelivery,
    ReminderSchedule,
)
from symptoms.reminders import push
from symptoms.reminders import schedules as reminders
from symptoms.reminders import selectors as reminder_selectors
from symptoms.reminders.planning import MAX_EVERY_N_WEEKS


class ScheduleIn(serializers.Serializer[Any]):
    """Create: instrument, frequency and local_time are required. PATCH: any of the rest."""

    instrument = InstrumentCodeField()
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    local_time = LocalTimeField(help_text='Local "HH:MM", 24-hour.')
    weekday = StrictIntegerField(
        required=False, allow_null=True, min_value=0, max_value=6, help_text="0 Monday … 6."
    )
    every_n_weeks = StrictIntegerField(required=False, min_value=1, max_value=MAX_EVERY_N_WEEKS)
    day_of_month = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=31,
        help_text="29-31 fall on the last day of shorter months.",
    )
    quiet_start = LocalTimeField(required=False, allow_null=True)
    quiet_end = LocalTimeField(required=False, allow_null=True)
    paused_until = serializers.DateField(required=False, allow_null=True)
    is_active = StrictBooleanField(required=False)
    channel = serializers.ChoiceField(
        required=False,
        choices=ReminderChannel.choices,
        help_text="`push` sends a notification to the person's subscribed devices, falling back "
        "to email; it can be chosen only when the site has push keys.",
    )


class ScheduleOut(serializers.ModelSerializer[ReminderSchedule]):
    id = serializers.UUIDField(source="public_id")
    local_time = LocalTimeField()
    quiet_start = LocalTimeField(allow_null=True)
    quiet_end = LocalTimeField(allow_null=True)
    time_zone = serializers.CharField(source="patient.patient_profile.time_zone")
    # Declared, not derived from the model: a small integer's range differs between database
    # backends, and the committed schema must not.
    weekday = serializers.IntegerField(allow_null=True, min_value=0, max_value=6)
    every_n_weeks = serializers.IntegerField(min_value=1, max_value=MAX_EVERY_N_WEEKS)
    day_of_month = serializers.IntegerField(allow_null=True, min_value=1, max_value=31)

    class Meta:
        model = ReminderSchedule
        fields = (
            "id",
            "instrument",
            "frequency",
            "local_time",
            "weekday",
            "every_n_weeks",
            "day_of_month",
            "quiet_start",
            "quiet_end",
            "paused_until",
            "is_active",
            "channel",
            "time_zone",
        )


ERRORS = {
    "instrument": ["unknown_instrument", "schedule_exists"],
    "weekday": ["required"],
    "every_n_weeks": ["out_of_range"],
    "day_of_month": ["required"],
    "quiet_end": ["required"],
    "channel": ["push_unavailable"],
}


def _errors(methods: list[str]) -> Any:
    def decorate(view: Any) -> Any:
        for field, codes in ERRORS.items():
            view = extend_validation_errors(codes, field_name=field, methods=methods)(view)
        return view

    return decorate


@_errors(["post"])
class ScheduleListCreateView(ListAPIView[ReminderSchedule]):
    permission_classes = (IsPatient,)
    serializer_class = ScheduleOut

    def get_queryset(self) -> QuerySet[ReminderSchedule]:
        return reminder_selectors.reminder_schedule_list(
            patient=api_user(self.request)
        ).select_related("patient__patient_profile")

    @extend_schema(request=ScheduleIn, responses={201: ScheduleOut})
    def post(self, request: Request) -> Response:
        data = ScheduleIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        schedule = reminders.reminder_schedule_create(
            patient=api_user(request), instrument=fields.pop("instrument"), data=fields
        )
        return Response(ScheduleOut(schedule).data, status=status.HTTP_201_CREATED)


@_errors(["patch"])
class ScheduleDetailView(APIView):
    permission_classes = (IsPatient,)

    def _schedule(self, request: Request, public_id: Any) -> ReminderSchedule:
        return reminder_selectors.reminder_schedule_get(
            patient=api_user(request), public_id=public_id
        )

    @extend_schema(responses={200: ScheduleOut})
    def get(self, request: Request, public_id: str) -> Response:
        return Response(ScheduleOut(self._schedule(request, public_id)).data)

    @extend_schema(request=ScheduleIn(partial=True), responses={200: ScheduleOut})
    def patch(self, request: Request, public_id: str) -> Response:
        schedule = self._schedule(request, public_id)
        data = ScheduleIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("instrument", None)  # a schedule stays with its instrument
        schedule = reminders.reminder_schedule_update(schedule=schedule, data=fields)
        return Response(ScheduleOut(schedule).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, public_id: str) -> Response:
        reminders.reminder_schedule_delete(schedule=self._schedule(request, public_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeliveryFilter(QueryFilter):
    instrument = InstrumentCodeField(required=False)
    event = serializers.ChoiceField(required=False, choices=DeliveryEvent.choices)


class DeliveryOut(serializers.ModelSerializer[ReminderDelivery]):
    id = serializers.UUIDField(source="public_id")
    occurrence = serializers.UUIDField(source="occurrence.public_id")
    instrument = serializers.CharField(source="occurrence.instrument")
    opens_at = serializers.DateTimeField(source="occurrence.opens_at")
    due_at = serializers.DateTimeField(source="occurrence.due_at")
    closes_at = serializers.DateTimeField(source="occurrence.closes_at")
    status = serializers.ChoiceField(
        source="occurrence.status",
        choices=OccurrenceStatus.choices,
        help_text="The occurrence's state now; `event` is what happened at `at`.",
    )
    reason = serializers.CharField(help_text="A code saying why, for skipped and failed events.")
    attempt = serializers.IntegerField(min_value=0)
    at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = ReminderDelivery
        fields = (
            "id",
            "occurrence",
            "instrument",
            "opens_at",
            "due_at",
            "closes_at",
            "status",
            "event",
            "reason",
            "channel",
            "attempt",
            "at",
        )


@extend_validation_errors(["invalid_choice", "blank"], field_name="event", methods=["get"])
@extend_validation_errors(
    ["blank", "max_length", "null_characters_not_allowed"], field_name="instrument", methods=["get"]
)
class DeliveryListView(ListAPIView[ReminderDelivery]):
    permission_classes = (IsPatient,)
    serializer_class = DeliveryOut

    @extend_schema(parameters=[DeliveryFilter])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[ReminderDelivery]:
        filters = DeliveryFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        rows = reminder_selectors.reminder_delivery_list(patient=api_user(self.request))
        if "instrument" in filters.validated_data:
            rows = rows.filter(occurrence__instrument=filters.validated_data["instrument"])
        if "event" in filters.validated_data:
            rows = rows.filter(event=filters.validated_data["event"])
        return rows


class PeriodOut(serializers.Serializer[Any]):
    completed = serializers.IntegerField(min_value=0)
    due = serializers.IntegerField(
        min_value=0, help_text="Reminders whose outcome is known: answered, or window closed."
    )
    rate = serializers.FloatField(allow_null=True, help_text="completed / due; null if none due.")


class AdherenceOut(serializers.Serializer[Any]):
    instrument = serializers.CharField()
    weeks_4 = PeriodOut()
    weeks_12 = PeriodOut()


class AdherenceView(APIView):
    permission_classes = (IsPatient,)

    @extend_schema(responses={200: AdherenceOut(many=True)})
    def get(self, request: Request) -> Response:
        rows = reminder_selectors.reminder_adherence(patient=api_user(request))
        return Response(
            AdherenceOut(
                [
                    {
                        "instrument": row.instrument,
                        "weeks_4": {
                            "completed": row.completed_4_weeks,
                            "due": row.due_4_weeks,
                            "rate": row.rate_4_weeks,
                        },
                        "weeks_12": {
                            "completed": row.completed_12_weeks,
                            "due": row.due_12_weeks,
                            "rate": row.rate_12_weeks,
                        },
                    }
                    for row in rows
                ],
                many=True,
            ).data
        )


class PushKeysIn(serializers.Serializer[Any]):
    p256dh = serializers.CharField(max_length=128, help_text="The browser's P-256 key, base64url.")
    auth = serializers.CharField(max_length=64, help_text="The browser's auth secret, base64url.")


class PushSubscriptionIn(serializers.Serializer[Any]):
    """What ``PushSubscription.toJSON()`` gives in the browser, without ``expirationTime``."""

    endpoint = serializers.CharField(
        max_length=1024, help_text="The push service's URL for this browser."
    )
    keys = PushKeysIn()


class PushSubscriptionOut(serializers.ModelSerializer[PushSubscription]):
    id = serializers.UUIDField(source="public_id")
    is_active = serializers.SerializerMethodField(
        help_text="False once the push service said the subscription is gone."
    )

    class Meta:
        model = PushSubscription
        fields = ("id", "endpoint", "created_at", "last_success_at", "expired_at", "is_active")

    def get_is_active(self, subscription: PushSubscription) -> bool:
        return subscription.expired_at is None


class PushSubscriptionFilter(QueryFilter):
    endpoint = serializers.CharField(required=False, max_length=1024)


PUSH_ERRORS = {
    "endpoint": ["not_a_push_service", "push_unavailable"],
    # A missing or null nested object is reported on "keys" itself, which the generated schema
    # lists only as keys.non_field_errors.
    "keys": ["required", "null"],
    "keys.p256dh": ["invalid_key"],
    "keys.auth": ["invalid_key"],
}


def _push_errors(view: Any) -> Any:
    for field, codes in PUSH_ERRORS.items():
        view = extend_validation_errors(codes, field_name=field, methods=["post"])(view)
    return view


@_push_errors
@extend_validation_errors(
    ["blank", "max_length", "null_characters_not_allowed"], field_name="endpoint", methods=["get"]
)
class PushSubscriptionListCreateView(ListAPIView[PushSubscription]):
    """The person's devices. POST the browser's subscription: 201 when new, 200 when the
    endpoint was already theirs (its keys are updated and it is active again)."""

    permission_classes = (IsPatient,)
    serializer_class = PushSubscriptionOut

    @extend_schema(parameters=[PushSubscriptionFilter])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[PushSubscription]:
        filters = PushSubscriptionFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        rows = push.push_subscription_list(patient=api_user(self.request))
        if "endpoint" in filters.validated_data:
            rows = rows.filter(endpoint=filters.validated_data["endpoint"])
        return rows

    @extend_schema(
        request=PushSubscriptionIn,
        responses={200: PushSubscriptionOut, 201: PushSubscriptionOut},
    )
    def post(self, request: Request) -> Response:
        data = PushSubscriptionIn(data=request.data)
        data.is_valid(raise_exception=True)
        subscription, is_new = push.push_subscription_save(
            patient=api_user(request),
            endpoint=data.validated_data["endpoint"],
            p256dh=data.validated_data["keys"]["p256dh"],
            auth=data.validated_data["keys"]["auth"],
        )
        return Response(
            PushSubscriptionOut(subscription).data,
            status=status.HTTP_201_CREATED if is_new else status.HTTP_200_OK,
        )


class PushSubscriptionDetailView(APIView):
    permission_classes = (IsPatient,)

    def _subscription(self, request: Request, public_id: Any) -> PushSubscription:
        return push.push_subscription_get(patient=api_user(request), public_id=public_id)

    @extend_schema(responses={200: PushSubscriptionOut})
    def get(self, request: Request, public_id: str) -> Response:
        return Response(PushSubscriptionOut(self._subscription(request, public_id)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, public_id: str) -> Response:
        push.push_subscription_delete(subscription=self._subscription(request, public_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
