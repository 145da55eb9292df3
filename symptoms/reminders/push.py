"""Web push (VAPID, RFC 8030/8291/8292): the site's keys, people's device subscriptions, and
one encrypted message to one device. The reminder channel itself is
``channels.PushChannel``; docs/reminders.md says what a notification shows.

A subscription is what a browser's ``pushManager.subscribe`` returns: an endpoint at the
browser's push service and two keys. The server posts the message, encrypted for that browser
(aes128gcm) and signed with the site's VAPID key, to the endpoint; the push service sees who
sends and when, never what (docs/security.md).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core import checks
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from accounts.models import Role, User
from config.service_errors import ServiceError
from symptoms.models import PushSubscription
from symptoms.reminders.channels import PermanentDeliveryError, TransientDeliveryError

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10  # a push service answers in well under a second; the task's limit is 60 s
MAX_TTL_SECONDS = 28 * 24 * 3600  # push services keep a message at most about four weeks
SUBSCRIPTIONS_PER_PERSON = 20  # devices; an old one is replaced, so a loop cannot fill the table


# --- Keys --------------------------------------------------------------------------------------


def _b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def push_is_configured() -> bool:
    """Push is offered only when the site has a VAPID key pair."""
    return bool(settings.WEBPUSH_VAPID_PUBLIC_KEY and settings.WEBPUSH_VAPID_PRIVATE_KEY)


def vapid_keys_generate() -> tuple[str, str]:
    """A new key pair as (public, private), base64url: the public key as the uncompressed P-256
    point browsers take as ``applicationServerKey``, the private key as its 32-byte scalar
    (the format ``web-push generate-vapid-keys`` prints too)."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return _b64url(public), _b64url(key.private_numbers().private_value.to_bytes(32, "big"))


@cache
def _vapid(private_key: str) -> Vapid:
    return Vapid.from_raw(private_key.encode())


def vapid_keys_problem(public_key: str, private_key: str) -> str | None:
    """Why a configured key pair cannot be used, or None when the public key is the private
    key's."""
    bad_private = "WEBPUSH_VAPID_PRIVATE_KEY is not a base64url P-256 private key."
    try:
        if len(_b64url_decode(private_key)) != 32:
            return bad_private
        derived = _vapid(private_key).public_key.public_bytes(
            Encoding.X962, PublicFormat.UncompressedPoint
        )
    except (ValueError, binascii.Error):
        return bad_private
    try:
        given = _b64url_decode(public_key)
    except (ValueError, binascii.Error):
        given = b""
    if given != derived:
        return "WEBPUSH_VAPID_PUBLIC_KEY is not the public key of WEBPUSH_VAPID_PRIVATE_KEY."
    return None


@checks.register(checks.Tags.security)
def vapid_keys_check(**kwargs: Any) -> list[checks.CheckMessage]:
    """Run by ``manage.py check`` and ``migrate``: a bad pair would fail every push reminder."""
    if not push_is_configured():
        return []
    problem = vapid_keys_problem(
        settings.WEBPUSH_VAPID_PUBLIC_KEY, settings.WEBPUSH_VAPID_PRIVATE_KEY
    )
    if problem is None:
        return []
    hint = "Make a new pair with: manage.py push_vapid_keys"
    return [checks.Error(problem, hint=hint, id="symptoms.E010")]


# --- Subscriptions -----------------------------------------------------------------------------


class SubscriptionInvalid(ServiceError):
    code = "invalid_subscription"
    field = "endpoint"
    message = _("This is not a push subscription this site can use.")

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__()
        self.field, self.code, self.message = field, code, message  # type: ignore[assignment]


class PushUnavailable(ServiceError):
    code = "push_unavailable"
    field = "endpoint"
    message = _("Notifications are not available on this site.")


def endpoint_is_allowed(endpoint: str) -> bool:
    """The endpoint is at one of the browsers' push services (``WEBPUSH_ENDPOINT_ORIGINS``):
    the server posts to it, so it must not name a host of the sender's choosing."""
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        return False
    if not parts.hostname or parts.username or parts.password:
        return False
    host = parts.hostname.lower()
    for origin in settings.WEBPUSH_ENDPOINT_ORIGINS:
        allowed = urlsplit(origin)
        if parts.scheme != allowed.scheme or port != allowed.port:
            continue
        pattern = (allowed.hostname or "").lower()
        if host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:])):
            return True
    return False


def _key(value: str, *, field: str, length: int, first_byte: int | None = None) -> str:
    try:
        raw = _b64url_decode(value.strip())
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != length or (first_byte is not None and raw[0] != first_byte):
        raise SubscriptionInvalid(field, "invalid_key", str(_("This key is not valid.")))
    return _b64url(raw)


@transaction.atomic
def push_subscription_save(
    *, patient: User, endpoint: str, p256dh: str, auth: str
) -> tuple[PushSubscription, bool]:
    """Keep a device's subscription for this person; returns it and whether it is new.

    The same endpoint again (the browser subscribed before) updates its keys and makes it
    active again. An endpoint held by another person moves to this one: the endpoint belongs
    to one browser profile, and whoever is signed in there now turned notifications on.
    """
    if not push_is_configured():
        raise PushUnavailable()
    if patient.role != Role.PATIENT:
        raise PermissionError("Only patients have reminders.")
    if not endpoint_is_allowed(endpoint):
        raise SubscriptionInvalid(
            "endpoint",
            "not_a_push_service",
            str(_("This is not the address of a browser's push service.")),
        )
    p256dh = _key(p256dh, field="keys.p256dh", length=65, first_byte=0x04)  # uncompressed point
    auth = _key(auth, field="keys.auth", length=16)
    fields = {"p256dh": p256dh, "auth": auth, "expired_at": None}
    current = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
    if current is not None and current.patient_id == patient.pk:
        for name, value in fields.items():
            setattr(current, name, value)
        current.save(update_fields=list(fields))
        return current, False
    if current is not None:
        current.delete()
    subscription = PushSubscription.objects.create(patient=patient, endpoint=endpoint, **fields)
    extra = PushSubscription.objects.filter(patient=patient).values_list("pk", flat=True)[
        SUBSCRIPTIONS_PER_PERSON:
    ]
    PushSubscription.objects.filter(pk__in=list(extra)).delete()
    return subscription, True


def push_subscription_delete(*, subscription: PushSubscription) -> None:
    subscription.delete()


def push_subscription_list(*, patient: User) -> QuerySet[PushSubscription]:
    return PushSubscription.objects.filter(patient=patient)


def push_subscription_list_active(*, patient_id: int | None) -> QuerySet[PushSubscription]:
    return PushSubscription.objects.active().filter(patient_id=patient_id)


def push_subscription_get(*, patient: User, public_id: uuid.UUID) -> PushSubscription:
    """One of the person's own subscriptions; anyone else's is a 404."""
    return get_object_or_404(PushSubscription, patient=patient, public_id=public_id)


# --- Sending -----------------------------------------------------------------------------------


class Sent(StrEnum):
    SENT = "sent"
    EXPIRED = "expired"  # the push service no longer knows this subscription


@dataclass(frozen=True, kw_only=True)
class PushMessage:
    """What a notification shows. Neutral words and a link, nothing about health: it may
    appear on a locked screen."""

    title: str
    body: str
    url: str
    tag: str  # one notification per reminder: a resend replaces it on the device

    def payload(self) -> bytes:
        return json.dumps(
            {"title": self.title, "body": self.body, "url": self.url, "tag": self.tag}
        ).encode()


def push_send(
    *,
    subscription: PushSubscription,
    message: PushMessage,
    expires_at: datetime | None = None,
    topic: str = "",
    now: datetime | None = None,
) -> Sent:
    """Post one encrypted message to one device and record the answer on the subscription.

    404 and 410 mean the subscription is gone (the person revoked permission, the browser
    dropped it): it is marked expired and never used again. 429 and 5xx answers, time-outs and
    dropped connections raise :class:`TransientDeliveryError`; other refusals (a bad request,
    a VAPID key the push service will not accept) :class:`PermanentDeliveryError`. Codes only:
    a push service's answer may quote the endpoint.
    """
    now = now or timezone.now()
    ttl = MAX_TTL_SECONDS
    if expires_at is not None:
        ttl = max(0, min(MAX_TTL_SECONDS, int((expires_at - now).total_seconds())))
    headers = {"Urgency": "normal"}
    if topic:
        # A message still waiting at the push service is replaced by a resend with its topic.
        headers["Topic"] = topic
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=message.payload(),
            vapid_private_key=_vapid(settings.WEBPUSH_VAPID_PRIVATE_KEY),
            # A new dict every time: pywebpush fills in "aud" and "exp" in place.
            vapid_claims={"sub": settings.WEBPUSH_VAPID_SUBJECT},
            ttl=ttl,
            headers=headers,
            timeout=TIMEOUT_SECONDS,
        )
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        if status in (404, 410):
            PushSubscription.objects.filter(pk=subscription.pk, expired_at__isnull=True).update(
                expired_at=now
            )
            logger.info("push subscription id=%s expired (%s)", subscription.pk, status)
            return Sent.EXPIRED
        if status is None:
            raise PermanentDeliveryError("push_bad_subscription") from None
        if status == 429 or status >= 500:
            raise TransientDeliveryError(f"push_{status}") from None
        raise PermanentDeliveryError(f"push_{status}") from None
    except requests.Timeout:
        raise TransientDeliveryError("push_timeout") from None
    except requests.RequestException:
        raise TransientDeliveryError("push_connection") from None
    PushSubscription.objects.filter(pk=subscription.pk).update(last_success_at=now)
    return Sent.SENT
