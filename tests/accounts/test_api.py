from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts import services
from accounts.models import AuditEvent, Consent, SharingLink, User
from tests.accounts.factories import PatientFactory, SharingLinkFactory

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ANY_PASSWORD = "correct horse battery"


def error(code: str, detail: str, attr: str | None) -> dict[str, Any]:
    return {"code": code, "detail": detail, "attr": attr}


def person(user: User) -> dict[str, str]:
    return {"id": str(user.public_id), "full_name": user.full_name, "email": user.email}


class TestAuth:
    def test_anonymous_requests_get_401(self, api: APIClient) -> None:
        response = api.get("/api/v1/me/")

        assert response.status_code == 401
        assert response.json() == {
            "type": "client_error",
            "errors": [
                error("not_authenticated", "Authentication credentials were not provided.", None)
            ],
        }

    def test_it_issues_and_revokes_a_token(self, api: APIClient, alice: User) -> None:
        response = api.post(
            "/api/v1/auth/token/", {"email": "ALICE@example.org", "password": ANY_PASSWORD}
        )
        assert response.status_code == 200
        token = response.json()["token"]
        assert set(response.json()) == {"token", "expiry"}

        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert api.get("/api/v1/me/").json()["email"] == "alice@example.org"
        assert api.delete("/api/v1/auth/token/").status_code == 204
        assert api.get("/api/v1/me/").status_code == 401

    def test_an_expired_token_is_refused_and_deleted(self, api: APIClient, alice: User) -> None:
        instance, token = AuthToken.objects.create(user=alice, expiry=timedelta(hours=1))
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

        with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
            response = api.get("/api/v1/me/")

        assert response.status_code == 401
        assert not AuthToken.objects.filter(digest=instance.digest).exists()

    def test_a_new_token_clears_the_persons_expired_ones(
        self, api: APIClient, alice: User, bob: User
    ) -> None:
        AuthToken.objects.create(user=alice, expiry=timedelta(hours=1))
        AuthToken.objects.create(user=bob, expiry=timedelta(hours=1))
        still_valid, _ = AuthToken.objects.create(user=alice, expiry=timedelta(days=30))

        with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
            response = api.post(
                "/api/v1/auth/token/", {"email": alice.email, "password": ANY_PASSWORD}
            )

        assert response.status_code == 200
        assert AuthToken.objects.filter(user=alice).count() == 2  # the valid one and the new
        assert AuthToken.objects.filter(digest=still_valid.digest).exists()
        assert AuthToken.objects.filter(user=bob).count() == 1  # only at bob's own sign-in

    def test_a_token_request_reads_the_token_person_and_profile_at_once(
        self, api: APIClient, alice: User
    ) -> None:
        _, token = AuthToken.objects.create(user=alice)
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        api.get("/api/v1/me/")  # the token's first use is written down once

        with CaptureQueriesContext(connection) as queries:
            api.get("/api/v1/reports/?instrument=mfis")

        # The token with its person and profile, then the list's count (nothing to page).
        assert len(queries) == 2
        assert "accounts_patientprofile" in queries[0]["sql"]

    def test_a_wrong_password_gets_a_400(self, api: APIClient, alice: User) -> None:
        response = api.post(
            "/api/v1/auth/token/", {"email": "alice@example.org", "password": "wrong password"}
        )

        assert response.status_code == 400
        assert response.json() == {
            "type": "validation_error",
            "errors": [
                error(
                    "invalid_credentials", "Email or password is not correct.", "non_field_errors"
                )
            ],
        }

    def test_it_locks_out_after_five_failures(self, api: APIClient, alice: User) -> None:
        for _ in range(5):
            api.post("/api/v1/auth/token/", {"email": alice.email, "password": "wrong password"})

        response = api.post("/api/v1/auth/token/", {"email": alice.email, "password": ANY_PASSWORD})

        assert response.status_code == 403
        assert response.json()["errors"][0]["code"] == "account_locked"

    def test_a_session_cannot_be_revoked_as_a_token(self, api_as: Any, alice: User) -> None:
        response = api_as(alice).delete("/api/v1/auth/token/")

        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "no_token"


class TestMe:
    def test_it_shows_the_patient_and_profile(self, api_as: Any, alice: User) -> None:
        response = api_as(alice).get("/api/v1/me/")

        assert response.status_code == 200
        assert response.json() == {
            "id": str(alice.public_id),
            "email": "alice@example.org",
            "full_name": "Alice Patient",
            "role": "patient",
            "profile": {
                "birth_year": None,
                "sex": "",
                "ms_type": "",
                "diagnosis_year": None,
                "country": "",
                "time_zone": "UTC",
                "language": "en",
            },
        }

    def test_a_clinician_has_no_profile(self, api_as: Any, charlie: User) -> None:
        assert api_as(charlie).get("/api/v1/me/").json()["profile"] is None

    def test_it_updates_the_profile(self, api_as: Any, alice: User) -> None:
        response = api_as(alice).patch(
            "/api/v1/me/",
            {
                "full_name": "Alice P.",
                "profile": {
                    "birth_year": 1970,
                    "sex": "female",
                    "ms_type": "spms",
                    "diagnosis_year": 1998,
                    "country": "IT",
                    "time_zone": "Europe/Rome",
                    "language": "it",
                },
            },
        )

        assert response.status_code == 200
        body = response.json()
        assert body["full_name"] == "Alice P."
        assert body["profile"] == {
            "birth_year": 1970,
            "sex": "female",
            "ms_type": "spms",
            "diagnosis_year": 1998,
            "country": "IT",
            "time_zone": "Europe/Rome",
            "language": "it",
        }
        alice.patient_profile.refresh_from_db()
        assert alice.patient_profile.time_zone == "Europe/Rome"

    def test_a_partial_update_keeps_other_fields(self, api_as: Any, alice: User) -> None:
        services.profile_update(user=alice, actor=alice, data={"birth_year": 1970})

        response = api_as(alice).patch("/api/v1/me/", {"profile": {"ms_type": "ppms"}})

        assert response.json()["profile"]["birth_year"] == 1970
        assert response.json()["profile"]["ms_type"] == "ppms"

    @pytest.mark.parametrize(
        ("profile", "attr", "code"),
        [
            ({"time_zone": "Europe/Atlantis"}, "profile.time_zone", "invalid_time_zone"),
            ({"birth_year": 2027}, "profile.birth_year", "invalid_year"),
            ({"birth_year": "1970"}, "profile.birth_year", "invalid"),
            ({"birth_year": 1970.5}, "profile.birth_year", "invalid"),
            ({"ms_type": "benign"}, "profile.ms_type", "invalid_choice"),
            ({"country": "XX"}, "profile.country", "invalid_choice"),
            ({"language": "tlh"}, "profile.language", "invalid_choice"),
            (
                {"birth_year": 1980, "diagnosis_year": 1970},
                "profile.diagnosis_year",
                "diagnosis_before_birth",
            ),
        ],
    )
    def test_bad_profile_values_get_a_400_naming_the_field(
        self, api_as: Any, alice: User, profile: dict[str, Any], attr: str, code: str
    ) -> None:
        with time_machine.travel(NOON, tick=False):
            response = api_as(alice).patch("/api/v1/me/", {"profile": profile})

        assert response.status_code == 400
        body = response.json()
        assert body["type"] == "validation_error"
        assert [(e["attr"], e["code"]) for e in body["errors"]] == [(attr, code)]
        alice.patient_profile.refresh_from_db()
        assert alice.patient_profile.birth_year is None  # nothing half-saved

    def test_malformed_json_gets_a_400(self, api_as: Any, alice: User) -> None:
        response = api_as(alice).generic(
            "PATCH", "/api/v1/me/", "{not json", content_type="application/json"
        )

        assert response.status_code == 400
        assert response.json()["type"] == "client_error"
        assert response.json()["errors"][0]["code"] == "parse_error"

    def test_a_non_object_body_gets_a_400(self, api_as: Any, alice: User) -> None:
        response = api_as(alice).patch("/api/v1/me/", [1, 2], format="json")

        assert response.status_code == 400

    def test_a_clinician_cannot_set_a_profile(self, api_as: Any, charlie: User) -> None:
        response = api_as(charlie).patch("/api/v1/me/", {"profile": {"birth_year": 1970}})

        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "profile"


class TestResearchConsent:
    def test_it_starts_without_consent(self, api_as: Any, alice: User) -> None:
        body = api_as(alice).get("/api/v1/me/consents/research/").json()

        assert body["granted"] is False
        assert body["text_version"] == "research-v2"
        assert "at least 11 people" in body["text"]
        assert body["history"] == []

    def test_it_grants_and_withdraws(self, api_as: Any, alice: User) -> None:
        client = api_as(alice)
        with time_machine.travel(NOON, tick=False):
            granted = client.put("/api/v1/me/consents/research/", {"granted": True})
        with time_machine.travel(NOON + timedelta(days=1), tick=False):
            withdrawn = client.put("/api/v1/me/consents/research/", {"granted": False})

        assert granted.status_code == 200
        assert granted.json()["granted"] is True
        assert granted.json()["granted_at"] == "2026-11-23T12:00:00Z"
        consent = Consent.objects.get()
        assert withdrawn.json()["granted"] is False
        assert withdrawn.json()["history"] == [
            {
                "id": str(consent.public_id),
                "text_version": "research-v2",
                "granted_at": "2026-11-23T12:00:00Z",
                "withdrawn_at": "2026-11-24T12:00:00Z",
            }
        ]

    @pytest.mark.parametrize("body", [{}, {"granted": "yes"}, {"granted": 1}, {"granted": None}])
    def test_it_needs_a_json_boolean(self, api_as: Any, alice: User, body: Any) -> None:
        response = api_as(alice).put("/api/v1/me/consents/research/", body)

        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "granted"
        assert not Consent.objects.exists()

    def test_only_patients_have_research_consent(self, api_as: Any, charlie: User) -> None:
        response = api_as(charlie).get("/api/v1/me/consents/research/")

        assert response.status_code == 403

    def test_bob_cannot_touch_alices_consent(self, api_as: Any, alice: User, bob: User) -> None:
        services.consent_set(user=alice, granted=True)

        api_as(bob).put("/api/v1/me/consents/research/", {"granted": False})

        assert Consent.objects.get(user=alice).withdrawn_at is None


class TestSharing:
    def test_a_patient_creates_a_code_a_clinician_redeems_it(
        self, api_as: Any, alice: User, charlie: User
    ) -> None:
        with time_machine.travel(NOON, tick=False):
            created = api_as(alice).post("/api/v1/sharing/codes/")
            redeemed = api_as(charlie).post(
                "/api/v1/sharing/redeem/", {"code": created.json()["code"]}
            )

        assert created.status_code == 201
        assert created.json()["expires_at"] == "2026-11-23T12:15:00Z"
        assert len(created.json()["code"]) == 9
        assert redeemed.status_code == 201
        link = SharingLink.objects.get()
        assert redeemed.json() == {
            "id": str(link.public_id),
            "patient": person(alice),
            "clinician": person(charlie),
            "created_via": "code",
            "created_at": "2026-11-23T12:00:00Z",
        }

    def test_a_bad_code_gets_a_clear_400(self, api_as: Any, charlie: User) -> None:
        response = api_as(charlie).post("/api/v1/sharing/redeem/", {"code": "ZZZZ-ZZZZ"})

        assert response.status_code == 400
        assert response.json() == {
            "type": "validation_error",
            "errors": [
                error(
                    "share_code_invalid",
                    "This code is not valid. Codes work once and expire; ask for a new one.",
                    "code",
                )
            ],
        }

    def test_a_patient_cannot_redeem(self, api_as: Any, alice: User, bob: User) -> None:
        code = services.share_code_create(patient=alice)[0]

        response = api_as(bob).post("/api/v1/sharing/redeem/", {"code": code})

        assert response.status_code == 403
        assert not SharingLink.objects.exists()

    def test_a_clinician_cannot_create_codes(self, api_as: Any, charlie: User) -> None:
        assert api_as(charlie).post("/api/v1/sharing/codes/").status_code == 403

    def test_each_side_lists_its_own_links(
        self, api_as: Any, alice: User, bob: User, charlie: User, dana: User
    ) -> None:
        link = SharingLinkFactory(patient=alice, clinician=charlie)
        SharingLinkFactory(patient=bob, clinician=dana)

        for user in (alice, charlie):
            body = api_as(user).get("/api/v1/sharing/links/").json()
            assert body["count"] == 1
            assert body["results"][0]["id"] == str(link.public_id)

    def test_listing_links_takes_a_fixed_number_of_queries(
        self, api_as: Any, charlie: User
    ) -> None:
        client = api_as(charlie)
        SharingLinkFactory(clinician=charlie)
        with CaptureQueriesContext(connection) as few:
            client.get("/api/v1/sharing/links/")
        for _ in range(10):
            SharingLinkFactory(clinician=charlie)
        with CaptureQueriesContext(connection) as many:
            response = client.get("/api/v1/sharing/links/")

        assert response.json()["count"] == 11
        assert len(many) == len(few) == 2  # count and page; auth is forced

    @pytest.mark.parametrize("side", ["patient", "clinician"])
    def test_either_side_revokes(
        self, api_as: Any, side: str, alice: User, charlie: User, alice_shares_with_charlie: Any
    ) -> None:
        user = alice if side == "patient" else charlie

        response = api_as(user).delete(
            f"/api/v1/sharing/links/{alice_shares_with_charlie.public_id}/"
        )

        assert response.status_code == 204
        assert api_as(charlie).get("/api/v1/sharing/links/").json()["count"] == 0
        again = api_as(user).delete(f"/api/v1/sharing/links/{alice_shares_with_charlie.public_id}/")
        assert again.status_code == 204  # a retried revoke is not an error

    @pytest.mark.parametrize("stranger", ["bob", "dana"])
    def test_a_stranger_gets_404_on_someone_elses_link(
        self, api_as: Any, request: Any, stranger: str, alice_shares_with_charlie: Any
    ) -> None:
        user = request.getfixturevalue(stranger)
        url = f"/api/v1/sharing/links/{alice_shares_with_charlie.public_id}/"

        response = api_as(user).delete(url)

        assert response.status_code == 404
        assert SharingLink.objects.get().is_active

    def test_an_unapproved_researcher_is_refused(self, api_as: Any, rita: User) -> None:
        client = api_as(rita)

        assert client.get("/api/v1/sharing/links/").status_code == 403
        assert client.post("/api/v1/sharing/codes/").status_code == 403
        assert client.get("/api/v1/me/consents/research/").status_code == 403
        assert client.delete(f"/api/v1/sharing/links/{uuid.uuid4()}/").status_code == 403


class TestInvites:
    def test_a_clinician_invites_and_the_patient_accepts(
        self, api_as: Any, alice: User, charlie: User
    ) -> None:
        sent = api_as(charlie).post("/api/v1/sharing/invites/", {"email": "alice@example.org"})
        assert sent.status_code == 201
        assert sent.json()["status"] == "pending"
        assert api_as(charlie).get("/api/v1/sharing/links/").json()["count"] == 0

        pending = api_as(alice).get("/api/v1/sharing/invites/").json()
        assert [i["id"] for i in pending["results"]] == [sent.json()["id"]]
        accepted = api_as(alice).post(f"/api/v1/sharing/invites/{sent.json()['id']}/accept/")

        assert accepted.status_code == 200
        assert accepted.json()["status"] == "accepted"
        assert api_as(charlie).get("/api/v1/sharing/links/").json()["count"] == 1

    def test_bob_cannot_see_or_accept_alices_invite(
        self, api_as: Any, alice: User, bob: User, charlie: User
    ) -> None:
        invite = services.invite_create(clinician=charlie, email=alice.email)

        assert api_as(bob).get("/api/v1/sharing/invites/").json()["count"] == 0
        response = api_as(bob).post(f"/api/v1/sharing/invites/{invite.public_id}/accept/")

        assert response.status_code == 404
        assert not SharingLink.objects.exists()

    def test_a_bad_email_gets_a_400(self, api_as: Any, charlie: User) -> None:
        response = api_as(charlie).post("/api/v1/sharing/invites/", {"email": "not-an-email"})

        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "email"

    def test_a_patient_cannot_invite(self, api_as: Any, alice: User) -> None:
        response = api_as(alice).post("/api/v1/sharing/invites/", {"email": "x@example.org"})

        assert response.status_code == 403


def test_every_write_is_audited_with_ids_only(api_as: Any, alice: User, charlie: User) -> None:
    api_as(alice).put("/api/v1/me/consents/research/", {"granted": True})
    api_as(alice).patch("/api/v1/me/", {"profile": {"birth_year": 1970}})

    details = list(AuditEvent.objects.values_list("detail", flat=True))
    assert "1970" not in str(details)
    assert AuditEvent.objects.filter(subject_patient=alice).count() == 2


def test_ids_are_public_uuids_not_sequential_keys(api_as: Any, charlie: User) -> None:
    link = SharingLinkFactory(clinician=charlie, patient=PatientFactory())

    body = api_as(charlie).get("/api/v1/sharing/links/").json()

    assert body["results"][0]["id"] == str(link.public_id)
    assert str(link.pk) not in {body["results"][0]["id"], body["results"][0]["patient"]["id"]}


def test_a_malformed_id_in_a_path_gets_the_api_404_shape(api_as: Any, alice: User) -> None:
    response = api_as(alice).post("/api/v1/sharing/invites/not-a-uuid/accept/")

    assert response.status_code == 404
    assert response.json() == {
        "type": "client_error",
        "errors": [error("not_found", "Not found.", None)],
    }
