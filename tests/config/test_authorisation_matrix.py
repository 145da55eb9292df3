"""The authorisation matrix (issue 14, point 6): every route of the URL configuration, every
method it serves and every persona, checked against a committed table of what each route is.

1. The routes come from ``get_resolver()``, walked recursively; each has a kind in ``ROUTES``
   below. A route missing from the table fails, so a new endpoint cannot be forgotten, and an
   entry whose route is gone fails too.
2. For each object route (an id or token in the path that belongs to someone), every method and
   every persona not entitled to the object gets 401, 403, 404 or 405, or a redirect to the login
   or second-factor page; never a 2xx or another 3xx, never the owner's data in the body, and
   the object is unchanged afterwards, unsafe methods included. A GET answers as it does for an
   id naming nothing, so that it does not tell the object exists. The entitled persona's GET
   (or first write, on a write-only route) succeeds, so the fixtures are known to be right.
3. Routes that act on the signed-in person's own data refuse anonymous visitors; lists and
   homes show the owner's data to no one else; the admin refuses everyone but staff.

The people and objects are built once for the module, in a transaction rolled back at its end.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import transaction
from django.forms.models import model_to_dict
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.views import APIView

from accounts import services as account_services
from accounts.models import (
    AuditEvent,
    ClinicianInvite,
    ResearcherProfile,
    SharingLink,
    User,
)
from symptoms.models import (
    BaselineReset,
    PushSubscription,
    Release,
    ReminderOneTap,
    ReminderSchedule,
    Report,
)
from symptoms.reminders.links import LINK_SALT, reminder_link_token
from symptoms.reminders.one_tap import one_tap_issue
from symptoms.research import services as research_services
from tests.accounts.factories import (
    ClinicianFactory,
    PatientFactory,
    ResearcherFactory,
    SharingLinkFactory,
    StaffFactory,
)
from tests.symptoms.factories import (
    ReminderOccurrenceFactory,
    ReminderScheduleFactory,
    published_release,
    report,
)

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Object routes are also asked these. OPTIONS is answered without looking the object up (DRF's
# metadata, Django's Allow header), so a 200 is fine there if it is word for word the answer
# for an id that names nothing: it must not tell whether the object exists.
READ_ONLY_METHODS = ("HEAD", "OPTIONS")

ANONYMOUS = "anonymous"
PATIENT_A = "patient A (owner)"
PATIENT_B = "patient B"
CLINICIAN_LINKED = "clinician linked to A"
CLINICIAN_UNLINKED = "clinician never linked"
CLINICIAN_REVOKED = "clinician whose link was revoked"
RESEARCHER_PENDING = "pending researcher"
RESEARCHER_APPROVED = "approved researcher"
STAFF = "staff"
PERSONAS = (
    ANONYMOUS,
    PATIENT_A,
    PATIENT_B,
    CLINICIAN_LINKED,
    CLINICIAN_UNLINKED,
    CLINICIAN_REVOKED,
    RESEARCHER_PENDING,
    RESEARCHER_APPROVED,
    STAFF,
)

# What must never appear in an answer to someone not entitled: the owner's name and email, the
# note of her report and the name of her passkey.
OWNER_NAME = "Alice Matrixowner"
OWNER_EMAIL = "alice.matrixowner@example.org"
NOTE_MARKER = "matrix-note-7f3c1b"
KEY_NAME = "matrix-key-52d9e0"
MARKERS = (OWNER_NAME, OWNER_EMAIL, NOTE_MARKER, KEY_NAME)


# --- The table ----------------------------------------------------------------------------------

PUBLIC = "public"  # anyone, signed in or not
OWN = "own"  # the signed-in person's own data; no object id in the path
ADMIN = "admin"  # Django's admin: staff only
ALLAUTH = "allauth"  # allauth's account pages, tested in tests/accounts
DOCS = "docs"  # the API schema and its viewer


@dataclass(frozen=True)
class Object:
    """A route whose path names ``thing`` (a key of ``THINGS``); ``entitled`` may use it."""

    thing: str
    entitled: frozenset[str]


def owned(thing: str, *entitled: str) -> Object:
    return Object(thing, frozenset(entitled))


Kind = str | Object | tuple[Object, ...]

ROUTES: dict[str, Kind] = {
    "healthz": PUBLIC,
    "api/schema/": DOCS,
    "api/docs/": DOCS,
    # The API: accounts
    "api/v1/auth/token/": PUBLIC,  # POST exchanges a password; DELETE ends the caller's token
    "api/v1/me/": OWN,
    "api/v1/me/consents/research/": OWN,
    "api/v1/sharing/codes/": OWN,
    "api/v1/sharing/redeem/": OWN,  # the code in the body is the authority; tested in accounts
    "api/v1/sharing/links/": OWN,
    "api/v1/sharing/links/<uuid:public_id>/": owned("link", PATIENT_A, CLINICIAN_LINKED),
    "api/v1/sharing/invites/": OWN,
    "api/v1/sharing/invites/<uuid:public_id>/accept/": owned("invite", PATIENT_A),
    "api/v1/sharing/invites/<uuid:public_id>/decline/": owned("invite", PATIENT_A),
    # The API: symptoms
    "api/v1/instruments/": OWN,
    "api/v1/instruments/<str:code>/": OWN,  # the code names a questionnaire, not anyone's data
    "api/v1/reports/": OWN,
    "api/v1/reports/<uuid:public_id>/": owned("report", PATIENT_A),
    "api/v1/me/export/": OWN,
    "api/v1/me/deletion/": OWN,
    "api/v1/reminder-schedules/": OWN,
    "api/v1/reminder-schedules/<uuid:public_id>/": owned("schedule", PATIENT_A),
    "api/v1/reminder-deliveries/": OWN,
    "api/v1/reminder-adherence/": OWN,
    "api/v1/push-subscriptions/": OWN,
    "api/v1/push-subscriptions/<uuid:public_id>/": owned("push_subscription", PATIENT_A),
    "api/v1/me/trends/": OWN,
    "api/v1/patients/": OWN,  # the clinician's own list
    "api/v1/patients/<uuid:public_id>/trends/": owned("patient", CLINICIAN_LINKED),
    "api/v1/patients/<uuid:public_id>/baselines/": owned("patient", CLINICIAN_LINKED),
    "api/v1/research/releases/": OWN,
    # Releases belong to no one person: published ones are for approved researchers (staff read
    # them on pages only), queued or failed ones for staff.
    "api/v1/research/releases/<uuid:public_id>/": (
        owned("release", RESEARCHER_APPROVED),
        owned("release_queued"),
    ),
    "api/v1/research/releases/<uuid:public_id>/download/": (
        owned("release", RESEARCHER_APPROVED),
        owned("release_queued"),
    ),
    # Pages: accounts
    "": PUBLIC,  # the landing page, or the person's home
    "signup/": PUBLIC,
    "signup/researcher/": PUBLIC,
    "login/": PUBLIC,
    "logout/": PUBLIC,
    "sw.js": PUBLIC,  # the service worker: static files and the offline page only
    "manifest.webmanifest": PUBLIC,
    "offline/": PUBLIC,  # kept by the service worker, so it shows nothing about anyone
    "check-in/offline/": PUBLIC,  # likewise: a blank check-in, for when /check-in/ is unreachable
    "profile/": OWN,
    "profile/sessions/": OWN,
    "consent/": OWN,
    "sharing/": OWN,
    "sharing/code/": OWN,
    "sharing/redeem/": OWN,
    "sharing/invites/": OWN,
    "sharing/links/<uuid:public_id>/revoke/": owned("link", PATIENT_A, CLINICIAN_LINKED),
    "sharing/invites/<uuid:public_id>/accept/": owned("invite", PATIENT_A),
    "sharing/invites/<uuid:public_id>/decline/": owned("invite", PATIENT_A),
    # Pages: symptoms
    "check-in/": OWN,
    "questionnaires/<slug:code>/": OWN,  # the code names a questionnaire; answers are one's own
    "questionnaires/<slug:code>/restart/": OWN,
    "questionnaires/<slug:code>/<int:number>/": OWN,
    "questionnaires/<slug:code>/review/": OWN,
    "reports/<uuid:public_id>/": owned("report", PATIENT_A),
    "history/": OWN,
    "history/charts/<slug:domain>.svg": OWN,
    "my-data/": OWN,
    "my-data/table.csv": OWN,
    "my-data/views/": OWN,
    "my-data/delete/": OWN,
    "goodbye/": PUBLIC,  # shown after an account is deleted, to someone no longer signed in
    "reminders/": OWN,
    "reminders/<uuid:public_id>/": owned("schedule", PATIENT_A),
    # The signed token in the path is the authority (a link in an email works without signing
    # in), so anyone holding a real one is entitled; a forged one is refused to everyone.
    "reminders/link/<str:token>/": (
        owned("reminder_link_tampered"),
        owned("reminder_link_other_salt"),
    ),
    "reminders/link/<str:token>/stop/": (
        owned("reminder_link_tampered"),
        owned("reminder_link_other_salt"),
    ),
    # A reminder's one-tap link: the token is the authority, for its one form (opening it
    # changes nothing; tests/symptoms/reminders/test_one_tap.py attacks it). A changed token is
    # refused to everyone. The token-free pages show a button or thanks, nothing of anyone.
    "one-tap/<str:token>/": (owned("one_tap_tampered"), owned("one_tap_case")),
    "one-tap/": PUBLIC,
    "one-tap/done/": PUBLIC,
    "clinic/patients/": OWN,
    "clinic/patients/<uuid:public_id>/": owned("patient", CLINICIAN_LINKED),
    "clinic/patients/<uuid:public_id>/summary/": owned("patient", CLINICIAN_LINKED),
    "clinic/patients/<uuid:public_id>/charts/<slug:domain>.svg": owned("patient", CLINICIAN_LINKED),
    "research/home/": OWN,
    "research/priorities/": PUBLIC,  # aggregates of the latest published release
    "research/priorities/chart.svg": PUBLIC,
    "research/releases/": OWN,
    "research/releases/<uuid:public_id>/": (
        owned("release", RESEARCHER_APPROVED, STAFF),
        owned("release_queued", STAFF),
    ),
    "staff/": OWN,
    # A pending researcher's account, decided on by staff.
    "staff/researchers/<uuid:public_id>/decision/": owned("researcher", STAFF),
}


# allauth's pages: its own tests and ours in tests/accounts cover them; the two that name an
# object (a passkey, by its number) are in the matrix.
ROUTES.update(
    {
        f"accounts/{route}": ALLAUTH
        for route in (
            "login/",
            "logout/",
            "inactive/",
            "signup/",
            "reauthenticate/",
            "reauthenticate/code/",
            "reauthenticate/code/confirm/",
            "email/",
            "confirm-email/",
            "password/change/",
            "password/set/",
            "password/reset/",
            "login/code/confirm/",
            # The key in the path is the authority (allauth checks it).
            "^confirm-email/(?P<key>[-:\\w]+)/$",
            "password/reset/key/done/",
            "^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
            "password/reset/done/",
            "2fa/",
            "2fa/authenticate/",
            "2fa/reauthenticate/",
            "2fa/totp/activate/",
            "2fa/totp/deactivate/",
            "2fa/recovery-codes/",
            "2fa/recovery-codes/generate/",
            "2fa/recovery-codes/download/",
            "2fa/webauthn/",
            "2fa/webauthn/add/",
            "2fa/webauthn/reauthenticate/",
            "2fa/webauthn/login/",
            "sessions/",
        )
    }
)
ROUTES["accounts/2fa/webauthn/keys/<int:pk>/remove/"] = owned("passkey", PATIENT_A)
ROUTES["accounts/2fa/webauthn/keys/<int:pk>/edit/"] = owned("passkey", PATIENT_A)

# Django's admin, for staff only. Each registered model adds six routes; listing the models
# makes registering one (and with it, pages over its rows) a decision someone looks at here.
ADMIN_MODELS = (
    "auth/group",
    "knox/authtoken",
    "axes/accessattempt",
    "axes/accesslog",
    "axes/accessfailurelog",
    "account/emailaddress",
    "mfa/authenticator",
    "usersessions/usersession",
    "accounts/user",
    "accounts/patientprofile",
    "accounts/researcherprofile",
    "accounts/consent",
    "accounts/sharinglink",
    "accounts/auditevent",
)
ADMIN_MODEL_ROUTES = ("", "add/", "<path:object_id>/", "<path:object_id>/change/")
ADMIN_MODEL_ROUTES += ("<path:object_id>/delete/", "<path:object_id>/history/")
ROUTES.update(
    {f"admin/{model}/{route}": ADMIN for model in ADMIN_MODELS for route in ADMIN_MODEL_ROUTES}
)
ROUTES.update(
    {
        "admin/": ADMIN,
        "admin/login/": PUBLIC,  # it sends everyone to the site's own login page
        "admin/logout/": PUBLIC,
        "admin/password_change/": ADMIN,
        "admin/password_change/done/": ADMIN,
        "admin/autocomplete/": ADMIN,
        "admin/jsi18n/": ADMIN,
        "admin/r/<path:content_type_id>/<path:object_id>/": ADMIN,
        "admin/accounts/user/<id>/password/": ADMIN,
        "admin/^(?P<app_label>auth|knox|axes|account|mfa|usersessions|accounts)/$": ADMIN,
        "admin/(?P<url>.*)$": ADMIN,
    }
)

# --- Walking the URL configuration -------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    pattern: str
    name: str
    view: Any


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            space = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), space)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else ""
            yield Route(prefix + str(entry.pattern), name, entry.callback)


def all_routes() -> dict[str, Route]:
    """Every route by its full pattern. Of two routes with one pattern only the first answers
    (the second is there for reverse()), so the first is kept."""
    routes: dict[str, Route] = {}
    for route in _walk(get_resolver().url_patterns):
        routes.setdefault(route.pattern, route)
    return routes


def declared_methods(view: Any) -> tuple[str, ...] | None:
    """The methods a class-based view (DRF's included) defines handlers for; None for function
    views, whose methods are found by asking them."""
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return None
    allowed = getattr(view_class, "http_method_names", [])
    return tuple(m for m in METHODS if m.lower() in allowed and hasattr(view_class, m.lower())) or (
        ("GET",) if issubclass(view_class, APIView) else ()
    )


# --- The people and their objects --------------------------------------------------------------


@dataclass
class World:
    people: dict[str, User | None]
    objects: dict[str, Any]
    clients: Clients = field(init=False)


def _build_world() -> World:
    alice = PatientFactory(full_name=OWNER_NAME, email=OWNER_EMAIL)
    bob = PatientFactory(full_name="Bob Matrixother")
    charlie = ClinicianFactory(full_name="Dr Charlie Linked")
    dana = ClinicianFactory(full_name="Dr Dana Unlinked")
    rowan = ClinicianFactory(full_name="Dr Rowan Revoked")
    rita = ResearcherFactory(full_name="Rita Pending")
    ruth = ResearcherFactory(full_name="Ruth Approved")
    sam = StaffFactory(full_name="Sam Staff")
    account_services.researcher_decide(researcher=ruth, staff=sam, approve=True)
    ruth = User.objects.get(pk=ruth.pk)

    link = SharingLinkFactory(patient=alice, clinician=charlie)
    old_link = SharingLinkFactory(patient=alice, clinician=rowan)
    account_services.sharing_link_revoke(link=old_link, by=alice)
    # From a clinician outside the personas, so that the unlinked one knows nothing of Alice.
    invite = ClinicianInvite.objects.create(
        clinician=ClinicianFactory(full_name="Dr Ivy Inviter"),
        email=alice.email,
        expires_at=timezone.now() + timedelta(days=7),
    )
    alice_report = report(alice, note=NOTE_MARKER)
    schedule = ReminderScheduleFactory(patient=alice)
    passkey = Authenticator.objects.create(
        user=alice, type=Authenticator.Type.WEBAUTHN, data={"name": KEY_NAME}
    )
    token = reminder_link_token(schedule)
    now = timezone.now()
    occurrence = ReminderOccurrenceFactory(
        schedule=schedule, opens_at=now, due_at=now, closes_at=now + timedelta(days=1)
    )
    one_tap = one_tap_issue(occurrence=occurrence)
    push_subscription = PushSubscription.objects.create(
        patient=alice,
        endpoint="https://fcm.googleapis.com/fcm/send/matrix-device",
        p256dh="B" + "A" * 86,
        auth="A" * 22,
    )
    release = published_release()
    queued = research_services.release_request(
        requested_by=sam, first_quarter="2026-Q1", queue=False
    )
    return World(
        people={
            ANONYMOUS: None,
            PATIENT_A: alice,
            PATIENT_B: bob,
            CLINICIAN_LINKED: charlie,
            CLINICIAN_UNLINKED: dana,
            CLINICIAN_REVOKED: rowan,
            RESEARCHER_PENDING: rita,
            RESEARCHER_APPROVED: ruth,
            STAFF: sam,
        },
        objects={
            "alice": alice,
            "link": link,
            "invite": invite,
            "report": alice_report,
            "schedule": schedule,
            "token": token,
            "one_tap": one_tap,
            "one_tap_row": ReminderOneTap.objects.get(occurrence=occurrence),
            "release": release,
            "release_queued": queued,
            "rita": rita,
            "passkey": passkey,
            "push_subscription": push_subscription,
        },
    )


def _row(model: type[Any], pk: int) -> dict[str, Any]:
    instance = model.objects.filter(pk=pk).first()
    row = model_to_dict(instance) if instance is not None else {}
    row.pop("last_login", None)  # signing a persona's client in sets it
    return row


@dataclass(frozen=True)
class Thing:
    """How to name one kind of object in a path, what to send in a write, and what must stay
    the same after a refused request."""

    kwargs: Callable[[World], dict[str, Any]]
    state: Callable[[World], Any]
    body: dict[str, Any]


def _alice_state(world: World) -> Any:
    alice = world.objects["alice"]
    return (
        _row(User, alice.pk),
        BaselineReset.objects.filter(patient=alice).count(),
        list(SharingLink.objects.filter(patient=alice).values_list("pk", "revoked_at")),
        AuditEvent.objects.filter(subject_patient=alice).count(),
    )


def _tampered(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


THINGS: dict[str, Thing] = {
    "link": Thing(
        kwargs=lambda w: {"public_id": w.objects["link"].public_id},
        state=lambda w: _row(SharingLink, w.objects["link"].pk),
        body={},
    ),
    "invite": Thing(
        kwargs=lambda w: {"public_id": w.objects["invite"].public_id},
        state=lambda w: (
            _row(ClinicianInvite, w.objects["invite"].pk),
            SharingLink.objects.count(),
        ),
        body={},
    ),
    "report": Thing(
        kwargs=lambda w: {"public_id": w.objects["report"].public_id},
        state=lambda w: (_row(Report, w.objects["report"].pk), Report.objects.count()),
        body={"note": "changed", "answers": {"fatigue": 0}},
    ),
    "schedule": Thing(
        kwargs=lambda w: {"public_id": w.objects["schedule"].public_id},
        state=lambda w: _row(ReminderSchedule, w.objects["schedule"].pk),
        body={
            "is_active": False,
            "instrument": "daily",
            "frequency": "daily",
            "local_time": "08:00",
            "starts_on": "2025-01-01",
        },
    ),
    "push_subscription": Thing(
        kwargs=lambda w: {"public_id": w.objects["push_subscription"].public_id},
        state=lambda w: _row(PushSubscription, w.objects["push_subscription"].pk),
        body={"endpoint": "https://fcm.googleapis.com/fcm/send/other", "keys": {}},
    ),
    "reminder_link_tampered": Thing(
        kwargs=lambda w: {"token": _tampered(w.objects["token"])},
        state=lambda w: _row(ReminderSchedule, w.objects["schedule"].pk),
        body={"action": "stop"},
    ),
    "reminder_link_other_salt": Thing(
        # A real signature over the schedule's id, made for another purpose.
        kwargs=lambda w: {
            "token": signing.dumps(str(w.objects["schedule"].public_id), salt=LINK_SALT + ".other")
        },
        state=lambda w: _row(ReminderSchedule, w.objects["schedule"].pk),
        body={"action": "stop"},
    ),
    "one_tap_tampered": Thing(
        kwargs=lambda w: {"token": _tampered(w.objects["one_tap"])},
        state=lambda w: _row(ReminderOneTap, w.objects["one_tap_row"].pk),
        body={},
    ),
    "one_tap_case": Thing(
        kwargs=lambda w: {"token": w.objects["one_tap"].swapcase()},
        state=lambda w: _row(ReminderOneTap, w.objects["one_tap_row"].pk),
        body={},
    ),
    "patient": Thing(
        kwargs=lambda w: {"public_id": w.objects["alice"].public_id, "domain": "fatigue"},
        state=_alice_state,
        body={"instrument": "daily", "scale": "fatigue", "since": "2025-01-01"},
    ),
    "release": Thing(
        kwargs=lambda w: {"public_id": w.objects["release"].public_id},
        state=lambda w: _row(Release, w.objects["release"].pk),
        body={},
    ),
    "release_queued": Thing(
        kwargs=lambda w: {"public_id": w.objects["release_queued"].public_id},
        state=lambda w: _row(Release, w.objects["release_queued"].pk),
        body={},
    ),
    "passkey": Thing(
        kwargs=lambda w: {"pk": w.objects["passkey"].pk},
        state=lambda w: _row(Authenticator, w.objects["passkey"].pk),
        body={"name": "changed"},
    ),
    "researcher": Thing(
        kwargs=lambda w: {"public_id": w.objects["rita"].public_id},
        state=lambda w: list(
            ResearcherProfile.objects.filter(user=w.objects["rita"]).values_list(
                "status", flat=True
            )
        ),
        body={"decision": "approve"},
    ),
}


# --- Requests -----------------------------------------------------------------------------------


@dataclass
class Tally:
    """What one kind of check covered, for the summary printed at the end of the module."""

    routes: set[str] = field(default_factory=set)
    methods: set[str] = field(default_factory=set)
    personas: set[str] = field(default_factory=set)
    cases: int = 0
    served: int = 0  # cases that reached the view (not a 405)

    def add(self, pattern: str, method: str, persona: str, status: int) -> None:
        self.routes.add(pattern)
        self.methods.add(method)
        self.personas.add(persona)
        self.cases += 1
        self.served += status != 405

    def line(self, title: str) -> str:
        return (
            f"  {title}: {len(self.routes)} routes x {len(self.methods)} methods x "
            f"{len(self.personas)} personas: {self.cases} cases ({self.served} not 405)"
        )


TALLIES: dict[str, Tally] = {
    "others' objects refused": Tally(),
    "own routes refuse anonymous visitors": Tally(),
    "admin refuses all but staff": Tally(),
    "lists and homes show no one else's data": Tally(),
}
SERVED_METHODS: dict[str, tuple[str, ...]] = {}


def _summary() -> list[str]:
    kinds: dict[str, int] = {}
    for kind in ROUTES.values():
        name = "object" if isinstance(kind, Object | tuple) else str(kind)
        kinds[name] = kinds.get(name, 0) + 1
    lines = [
        "authorisation matrix: "
        + f"{len(ROUTES)} routes ("
        + ", ".join(f"{count} {name}" for name, count in sorted(kinds.items()))
        + ")"
    ]
    if SERVED_METHODS:
        pairs = sum(len(methods) for methods in SERVED_METHODS.values())
        lines.append(f"  {pairs} route-method pairs served of {len(SERVED_METHODS)} x 5")
    lines += [tally.line(title) for title, tally in TALLIES.items() if tally.cases]
    total = sum(tally.cases for tally in TALLIES.values())
    lines.append(f"  {total} requests checked in all")
    return lines


@pytest.fixture(scope="module")
def world(
    django_db_setup: Any, django_db_blocker: Any, request: pytest.FixtureRequest
) -> Iterator[World]:
    # One set of people and objects for the whole module: each test's own transaction is a
    # savepoint inside this one, which is rolled back at the end.
    fast_passwords = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    )
    with fast_passwords, django_db_blocker.unblock(), transaction.atomic():
        built = _build_world()
        built.clients = Clients(built)  # signed in once: their sessions outlive each test
        for persona in PERSONAS:
            built.clients.page(persona)
        yield built
        transaction.set_rollback(True)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            for line in _summary():
                reporter.write_line(line)


class Clients:
    """One page client (signed in, and recently, as after a password prompt) and one API
    client per persona."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.pages: dict[str, Client] = {}
        self.api: dict[str, APIClient] = {}

    def page(self, persona: str) -> Client:
        if persona not in self.pages:
            client = Client()
            user = self.world.people[persona]
            if user is not None:
                client.force_login(user)
                # As just after a password prompt: allauth's passkey pages ask for one first,
                # and would redirect before looking the key up.
                session = client.session
                session[AUTHENTICATION_METHODS_SESSION_KEY] = [
                    {"method": "password", "at": time.time(), "reauthenticated": True}
                ]
                session["account_authentication_methods_user"] = str(user.pk)
                session.save()
            self.pages[persona] = client
        return self.pages[persona]

    def api_client(self, persona: str) -> APIClient:
        if persona not in self.api:
            client = APIClient()
            user = self.world.people[persona]
            if user is not None:
                client.force_authenticate(user=user)
            self.api[persona] = client
        return self.api[persona]

    def send(self, persona: str, method: str, path: str, body: dict[str, Any]) -> Any:
        if path.startswith("/api/"):
            api = self.api_client(persona)
            if method in ("GET", *READ_ONLY_METHODS):
                return api.generic(method, path)
            return api.generic(method, path, json.dumps(body), "application/json")
        page = self.page(persona)
        if method in ("GET", *READ_ONLY_METHODS):
            return page.generic(method, path)
        return page.generic(method, path, urlencode(body), "application/x-www-form-urlencoded")


@pytest.fixture
def clients(world: World) -> Clients:
    # A persona signed out by an earlier test would make every refusal pass: check first.
    for persona, user in world.people.items():
        if user is not None:
            session = world.clients.page(persona).session
            assert session.get("_auth_user_id") == str(user.pk), f"{persona} is signed out"
    return world.clients


def refusal_problem(response: Any) -> str | None:
    """Why this answer is not an acceptable refusal, or None if it is one."""
    status = response.status_code
    if status in (401, 403, 404, 405):
        return None
    if status == 302:
        location = response["Location"]
        if location.startswith((reverse("accounts:login") + "?", "/accounts/2fa/")):
            return None
        if location.startswith(reverse("admin:login") + "?"):  # which sends on to the above
            return None
        return f"302 to {location}"
    return f"status {status}"


def leaked(response: Any) -> list[str]:
    body = b"".join(response) if response.streaming else response.content
    text = body.decode(errors="replace")
    return [marker for marker in MARKERS if marker in text]


CONVERTER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\(\?P<(?P<group>\w+)>[^)]*\)")


def sample_path(route: Route, world: World) -> str:
    """A concrete path for any route: ids name the owner's records where an id is asked for."""
    alice = world.objects["alice"]
    samples = {
        "object_id": str(alice.pk),
        "id": str(alice.pk),
        "content_type_id": str(ContentType.objects.get_for_model(User).pk),
        "app_label": "accounts",
        "url": "nothing-here/",
        "public_id": str(uuid.uuid4()),
        "code": "daily",
        "number": "1",
        "domain": "fatigue",
        "token": "not-a-token",
        "pk": "999999",
        "key": "not-a-key",
        "uidb36": "1",
    }

    def value(match: re.Match[str]) -> str:
        return samples[match["name"] or match["group"]]

    return "/" + CONVERTER.sub(value, route.pattern).lstrip("^").rstrip("$")


def object_path(pattern: str, thing: Thing, world: World) -> str:
    """The route's path naming the owner's object (a thing's kwargs cover all its routes)."""
    names = {match["name"] or match["group"] for match in CONVERTER.finditer(pattern)}
    kwargs = {name: value for name, value in thing.kwargs(world).items() if name in names}
    return reverse(all_routes()[pattern].name, kwargs=kwargs)


# --- Tests --------------------------------------------------------------------------------------


def test_it_has_a_kind_for_every_route_and_a_route_for_every_kind() -> None:
    routes = all_routes()
    missing = sorted(pattern for pattern in routes if pattern not in ROUTES)
    stale = sorted(pattern for pattern in ROUTES if pattern not in routes)
    assert missing == [], f"routes with no kind in ROUTES (say who may use them): {missing}"
    assert stale == [], f"ROUTES entries whose route is gone: {stale}"


@pytest.mark.django_db
def test_it_knows_the_methods_every_route_serves(world: World, clients: Clients) -> None:
    """Class-based views (DRF's included) say which methods they handle; a function view is
    asked each one, by an anonymous visitor with a made-up id, and a 405 means "not served".
    The admin's views answer every method (its staff check comes first)."""
    for pattern, route in all_routes().items():
        methods = declared_methods(route.view)
        if methods is None and ROUTES[pattern] == ADMIN:
            methods = METHODS
        elif methods is None:
            path = sample_path(route, world)
            methods = tuple(
                method
                for method in METHODS
                if clients.send(ANONYMOUS, method, path, {}).status_code != 405
            )
        SERVED_METHODS[pattern] = methods
    assert [pattern for pattern, methods in SERVED_METHODS.items() if not methods] == []


def _entries(kind: Kind) -> tuple[Any, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


OBJECT_CASES = [
    pytest.param(pattern, entry, id=f"{pattern} [{entry.thing}]")
    for pattern, kind in ROUTES.items()
    for entry in _entries(kind)
    if isinstance(entry, Object)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("pattern", "entry"), OBJECT_CASES)
def test_it_refuses_other_people_s_objects(
    world: World, clients: Clients, pattern: str, entry: Object
) -> None:
    thing = THINGS[entry.thing]
    path = object_path(pattern, thing, world)
    nobody_s = sample_path(all_routes()[pattern], world)
    before = thing.state(world)
    problems = []
    for persona in PERSONAS:
        if persona in entry.entitled:
            continue
        for method in (*METHODS, *READ_ONLY_METHODS):
            response = clients.send(persona, method, path, thing.body)
            TALLIES["others' objects refused"].add(pattern, method, persona, response.status_code)
            problem = refusal_problem(response)
            if problem and method == "OPTIONS":
                blank = clients.send(persona, method, nobody_s, {})
                if (blank.status_code, blank.content) == (response.status_code, response.content):
                    problem = None
            if method == "GET" and not problem:
                # Another person's object answers as one that does not exist (DESIGN.md 9).
                blank = clients.send(persona, method, nobody_s, {})
                if blank.status_code != response.status_code:
                    problem = f"{response.status_code}, but {blank.status_code} for no object"
            if problem:
                problems.append(f"{method} {path} as {persona}: {problem}")
            if found := leaked(response):
                problems.append(f"{method} {path} as {persona}: shows {found}")
            if (after := thing.state(world)) != before:
                problems.append(f"{method} {path} as {persona}: changed the {entry.thing}")
                before = after
    assert problems == []


ENTITLED_CASES = [
    pytest.param(pattern, entry, persona, id=f"{pattern} [{entry.thing}] {persona}")
    for pattern, kind in ROUTES.items()
    for entry in _entries(kind)
    if isinstance(entry, Object)
    for persona in sorted(entry.entitled)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("pattern", "entry", "persona"), ENTITLED_CASES)
def test_it_serves_the_entitled_person(
    world: World, clients: Clients, pattern: str, entry: Object, persona: str
) -> None:
    thing = THINGS[entry.thing]
    path = object_path(pattern, thing, world)
    response = clients.send(persona, "GET", path, {})
    if response.status_code != 405:
        assert 200 <= response.status_code < 300, response.status_code
        return
    # A write-only route: its first write method works for the entitled person (a page may
    # answer with a redirect); this test's transaction undoes it.
    for method in METHODS[1:]:
        response = clients.send(persona, method, path, thing.body)
        if response.status_code != 405:
            assert 200 <= response.status_code < 400, (method, response.status_code)
            return
    pytest.fail("the route serves no method")


@pytest.mark.django_db
def test_it_serves_a_real_reminder_link_to_anyone(world: World, clients: Clients) -> None:
    path = reverse("symptoms:reminder_manage", kwargs={"token": world.objects["token"]})
    for persona in PERSONAS:
        assert clients.send(persona, "GET", path, {}).status_code == 200, persona


@pytest.mark.django_db
def test_a_real_one_tap_link_opens_only_for_its_owner_or_someone_not_signed_in(
    world: World, clients: Clients
) -> None:
    path = reverse("symptoms:one_tap_open", kwargs={"token": world.objects["one_tap"]})
    answers = {persona: clients.send(persona, "GET", path, {}) for persona in PERSONAS}
    assert answers.pop(ANONYMOUS)["Location"] == reverse("symptoms:one_tap_confirm")
    assert answers.pop(PATIENT_A)["Location"] == reverse("symptoms:checkin")
    assert {persona: answer.status_code for persona, answer in answers.items()} == dict.fromkeys(
        answers, 404
    )
    assert ReminderOneTap.objects.get(pk=world.objects["one_tap_row"].pk).used_at is None


@pytest.mark.django_db
def test_it_would_notice_a_leak(world: World, clients: Clients) -> None:
    """The markers the refusals are searched for do appear where they belong."""
    alice = world.objects["alice"]
    seen = {
        NOTE_MARKER: (
            PATIENT_A,
            reverse("symptoms:report", args=[world.objects["report"].public_id]),
        ),
        OWNER_NAME: (CLINICIAN_LINKED, reverse("symptoms:clinic_patient", args=[alice.public_id])),
        OWNER_EMAIL: (PATIENT_A, reverse("accounts:profile")),
        KEY_NAME: (PATIENT_A, reverse("mfa_edit_webauthn", args=[world.objects["passkey"].pk])),
    }
    for marker, (persona, path) in seen.items():
        assert marker in leaked(clients.send(persona, "GET", path, {})), (marker, path)


OWN_ROUTES = [pattern for pattern, kind in ROUTES.items() if kind == OWN]


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", OWN_ROUTES)
def test_it_asks_anonymous_visitors_to_sign_in(
    world: World, clients: Clients, pattern: str
) -> None:
    path = sample_path(all_routes()[pattern], world)
    problems = []
    for method in METHODS:
        response = clients.send(ANONYMOUS, method, path, {})
        TALLIES["own routes refuse anonymous visitors"].add(
            pattern, method, ANONYMOUS, response.status_code
        )
        if problem := refusal_problem(response):
            problems.append(f"{method} {path}: {problem}")
    assert problems == []


def _users() -> list[dict[str, Any]]:
    fields = [f.attname for f in User._meta.concrete_fields if f.name != "last_login"]
    return list(User.objects.order_by("pk").values(*fields))


LISTING_ROUTES = [pattern for pattern, kind in ROUTES.items() if kind in (OWN, PUBLIC, DOCS)]


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", LISTING_ROUTES)
def test_it_shows_no_one_else_s_data_on_anyone_s_own_pages(
    world: World, clients: Clients, pattern: str
) -> None:
    """Lists and homes are scoped by who asks: only Alice and the clinician she shares with
    ever see her name, email or notes there."""
    path = sample_path(all_routes()[pattern], world)
    problems = []
    for persona in PERSONAS:
        if persona in (PATIENT_A, CLINICIAN_LINKED):
            continue
        response = clients.send(persona, "GET", path, {})
        TALLIES["lists and homes show no one else's data"].add(
            pattern, "GET", persona, response.status_code
        )
        if found := leaked(response):
            problems.append(f"GET {path} as {persona}: shows {found}")
    assert problems == []


ADMIN_ROUTES = [pattern for pattern, kind in ROUTES.items() if kind == ADMIN]


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", ADMIN_ROUTES)
def test_it_keeps_the_admin_to_staff(world: World, clients: Clients, pattern: str) -> None:
    path = sample_path(all_routes()[pattern], world)
    users_before = _users()
    problems = []
    for persona in PERSONAS:
        if persona == STAFF:
            continue
        for method in METHODS:
            response = clients.send(persona, method, path, {"full_name": "changed"})
            TALLIES["admin refuses all but staff"].add(
                pattern, method, persona, response.status_code
            )
            if problem := refusal_problem(response):
                problems.append(f"{method} {path} as {persona}: {problem}")
            if found := leaked(response):
                problems.append(f"{method} {path} as {persona}: shows {found}")
    assert problems == []
    assert _users() == users_before


@pytest.mark.django_db
def test_it_opens_the_admin_to_staff(world: World, clients: Clients) -> None:
    # Which models each staff member may change is the admin's own permission system.
    assert clients.send(STAFF, "GET", reverse("admin:index"), {}).status_code == 200
