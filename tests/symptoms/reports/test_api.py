from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from symptoms.models import Report, ReportScore
from tests.symptoms.factories import DAILY, report

pytestmark = pytest.mark.django_db
# 23:30 in UTC is already the next morning in Auckland (UTC+13 in March).
LATE_EVENING_UTC = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
MFIS_ALL_TWOS = {str(n): 2 for n in range(1, 22)}


def error(code: str, detail: str, attr: str | None) -> dict[str, Any]:
    return {"code": code, "detail": detail, "attr": attr}


def post(api: APIClient, body: dict[str, Any]) -> Any:
    return api.post("/api/v1/reports/", body, format="json")


def daily_body(**overrides: Any) -> dict[str, Any]:
    return {"instrument": "daily", "answers": DAILY, "client_id": str(uuid.uuid4())} | overrides


@pytest.fixture
def alice_api(api_as: Any, alice: User) -> APIClient:
    api: APIClient = api_as(alice)
    return api


class TestInstruments:
    def test_it_lists_the_daily_check_in_first(self, alice_api: APIClient) -> None:
        response = alice_api.get("/api/v1/instruments/")

        assert response.status_code == 200
        codes = [instrument["code"] for instrument in response.json()]
        assert codes[0] == "daily"
        assert "mfis" in codes
        daily = response.json()[0]
        assert daily == {
            "code": "daily",
            "version": "1",
            "scoring_version": "1",
            "name": "Daily check-in",
            "short_name": "Daily",
            "description": "Five quick 0-10 ratings of how today is going.",
            "domain": "cross_cutting",
            "recall_period": "today",
            "recall_days": 1,
            "suggested_interval_days": 1,
            "item_count": 5,
        }

    def test_it_gives_items_in_published_order_with_option_values(
        self, alice_api: APIClient
    ) -> None:
        body = alice_api.get("/api/v1/instruments/daily/").json()

        assert [item["id"] for item in body["items"]] == [
            "fatigue",
            "mobility",
            "upper_limb",
            "pain",
            "cognition",
        ]
        fatigue = body["items"][0]
        assert [option["value"] for option in fatigue["options"]] == list(range(11))
        assert fatigue["special_answers"] == ["unable", "too_tired"]
        assert fatigue["text"] is None
        assert body["context_tags"][0] == "heat"
        assert body["allows_note"] is True
        assert body["has_official_text"] is False
        pain = next(scale for scale in body["scales"] if scale["key"] == "pain")
        assert pain["mcid"]["value"] == 2
        assert pain["mcid"]["source"] == "farrar2001"
        assert pain["range"] == [0.0, 10.0]
        assert pain["direction"] == "higher_is_worse"
        assert {source["id"] for source in body["sources"]} >= {"farrar2001", "sharma2025"}

    def test_it_gives_mfis_subscales_and_licence(self, alice_api: APIClient) -> None:
        body = alice_api.get("/api/v1/instruments/mfis/").json()

        assert len(body["items"]) == 21
        assert [scale["key"] for scale in body["scales"]][:1] == ["total"]
        assert {"physical", "cognitive", "psychosocial"} <= {s["key"] for s in body["scales"]}
        assert "National Multiple Sclerosis Society" in body["licence"]

    def test_an_unknown_instrument_is_a_404(self, alice_api: APIClient) -> None:
        assert alice_api.get("/api/v1/instruments/nope/").status_code == 404

    def test_anonymous_requests_get_401(self, api: APIClient) -> None:
        assert api.get("/api/v1/instruments/").status_code == 401


class TestSubmit:
    def test_it_stores_and_scores_a_daily_check_in(self, alice: User, alice_api: APIClient) -> None:
        alice.patient_profile.time_zone = "Pacific/Auckland"
        alice.patient_profile.language = "en"
        alice.patient_profile.save()
        body = daily_body(
            answers={"fatigue": 7, "mobility": "unable", "upper_limb": "too_tired", "pain": 0},
            context_tags=["heat", "poor_sleep"],
            note="Hot day.",
        )

        with time_machine.travel(LATE_EVENING_UTC, tick=False):
            response = post(alice_api, body)

        assert response.status_code == 201
        stored = Report.objects.get()
        assert response.json() == {
            "id": str(stored.public_id),
            "instrument": "daily",
            "instrument_version": "1",
            "scoring_version": "1",
            "answers": {"fatigue": 7, "mobility": "unable", "upper_limb": "too_tired", "pain": 0},
            "scores": {
                "fatigue": 7.0,
                "mobility": None,
                "upper_limb": None,
                "pain": 0.0,
                "cognition": None,
            },
            "context_tags": ["heat", "poor_sleep"],
            "note": "Hot day.",
            "language": "en",
            "mode": "self",
            "local_date": "2026-03-11",
            "time_zone": "Pacific/Auckland",
            "completed_at": "2026-03-10T23:30:00Z",
            "created_at": "2026-03-10T23:30:00Z",
            "supersedes": None,
            "superseded_by": None,
            "is_current": True,
        }
        rows = ReportScore.objects.order_by("scale").values_list("scale", "value", "local_date")
        assert list(rows) == [
            ("fatigue", 7.0, date(2026, 3, 11)),
            ("pain", 0.0, date(2026, 3, 11)),
        ]

    def test_the_same_client_id_returns_the_same_report(self, alice_api: APIClient) -> None:
        body = daily_body()

        first = post(alice_api, body)
        again = post(alice_api, body)

        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
        assert Report.objects.count() == 1
        assert ReportScore.objects.count() == 5

    def test_a_reused_client_id_with_other_answers_is_a_conflict(
        self, alice_api: APIClient
    ) -> None:
        body = daily_body()
        post(alice_api, body)

        response = post(alice_api, body | {"answers": {"fatigue": 1}})

        assert response.status_code == 409
        assert response.json()["errors"][0]["code"] == "client_id_conflict"
        assert Report.objects.get().answers == DAILY

    @pytest.mark.parametrize(
        "change",
        [
            {"note": "Another note"},
            {"context_tags": ["heat"]},
            {"mode": "proxy"},
            {"instrument": "mfis", "answers": MFIS_ALL_TWOS},
            {"completed_at": "2026-03-10T08:00:00Z"},
        ],
        ids=["note", "context-tags", "mode", "instrument", "completed-at"],
    )
    def test_a_reused_client_id_with_anything_else_different_is_a_conflict(
        self, alice_api: APIClient, change: dict[str, Any]
    ) -> None:
        body = daily_body(note="Tired")
        with time_machine.travel(LATE_EVENING_UTC, tick=False):
            first = post(alice_api, body)

            response = post(alice_api, body | change)

        assert (first.status_code, response.status_code) == (201, 409)
        assert response.json()["errors"] == [
            error(
                "client_id_conflict",
                "This client_id was already used for a different report.",
                None,
            )
        ]
        assert list(Report.objects.values_list("note", "mode")) == [("Tired", "self")]

    def test_a_retry_with_its_completion_time_returns_the_same_report(
        self, alice_api: APIClient
    ) -> None:
        body = daily_body(completed_at="2026-03-10T20:00:00Z", context_tags=["heat", "heat"])
        with time_machine.travel(LATE_EVENING_UTC, tick=False):
            first = post(alice_api, body)
        # Twenty days later the time is too old for a new report, but this one is stored.
        with time_machine.travel(LATE_EVENING_UTC + timedelta(days=20), tick=False):
            again = post(alice_api, body)

        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
        assert first.json()["context_tags"] == ["heat"]

    def test_a_daily_check_in_takes_at_most_six_queries(self, alice: User) -> None:
        """Authentication with the profile, then in one transaction (here a savepoint and its
        release): the report, its score rows, the open reminder look-up."""
        _, token = AuthToken.objects.create(user=alice)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        api.get("/api/v1/me/")  # the token's first use is written down once

        with CaptureQueriesContext(connection) as queries:
            response = post(api, daily_body(context_tags=["heat"], note="Hot day"))

        assert response.status_code == 201
        assert len(queries) <= 6, "\n".join(query["sql"][:120] for query in queries)
        report = Report.objects.get()
        assert response.json()["id"] == str(report.public_id)
        assert (response.json()["superseded_by"], response.json()["is_current"]) == (None, True)
        assert ReportScore.objects.filter(report=report).count() == 5

    def test_client_ids_are_per_person(self, alice_api: APIClient, bob: User, api_as: Any) -> None:
        body = daily_body()
        post(alice_api, body)

        response = post(api_as(bob), body)

        assert response.status_code == 201
        assert Report.objects.count() == 2

    def test_a_second_daily_check_in_the_same_day_is_refused(self, alice_api: APIClient) -> None:
        post(alice_api, daily_body())

        response = post(alice_api, daily_body())

        assert response.status_code == 409
        assert response.json()["errors"][0]["code"] == "daily_already_submitted"
        assert Report.objects.count() == 1

    def test_a_questionnaire_is_scored_with_its_subscales(self, alice_api: APIClient) -> None:
        response = post(
            alice_api,
            {"instrument": "mfis", "answers": MFIS_ALL_TWOS, "client_id": str(uuid.uuid4())},
        )

        assert response.status_code == 201
        # 21 items x 2 = 42; physical 9 x 2; cognitive 10 x 2; psychosocial 2 x 2.
        scores = response.json()["scores"]
        assert (scores["total"], scores["physical"], scores["cognitive"]) == (42, 18, 20)
        assert scores["psychosocial"] == 4

    def test_a_proxy_report_is_recorded_as_such(self, alice_api: APIClient) -> None:
        response = post(alice_api, daily_body(mode="proxy"))

        assert response.json()["mode"] == "proxy"

    def test_a_report_queued_offline_keeps_its_own_day(self, alice_api: APIClient) -> None:
        with time_machine.travel(LATE_EVENING_UTC, tick=False):
            completed = LATE_EVENING_UTC - timedelta(days=2)
            response = post(alice_api, daily_body(completed_at=completed.isoformat()))

        assert response.status_code == 201
        assert response.json()["local_date"] == "2026-03-08"


class TestCorrections:
    def test_a_correction_supersedes_and_keeps_the_history(
        self, alice: User, alice_api: APIClient
    ) -> None:
        first = post(alice_api, daily_body()).json()

        response = post(
            alice_api,
            daily_body(answers=DAILY | {"pain": 8}, supersedes=first["id"]),
        )

        assert response.status_code == 201
        correction = response.json()
        assert correction["supersedes"] == first["id"]
        assert correction["local_date"] == first["local_date"]
        earlier = alice_api.get(f"/api/v1/reports/{first['id']}/").json()
        assert earlier["superseded_by"] == correction["id"]
        assert earlier["is_current"] is False
        assert earlier["answers"]["pain"] == 2
        listed = alice_api.get("/api/v1/reports/").json()["results"]
        assert [r["id"] for r in listed] == [correction["id"]]
        everything = alice_api.get("/api/v1/reports/?include_superseded=true").json()["results"]
        assert {r["id"] for r in everything} == {first["id"], correction["id"]}
        assert list(ReportScore.objects.filter(scale="pain").values_list("value", flat=True)) == [
            8.0
        ]

    def test_a_report_can_be_superseded_only_once(self, alice_api: APIClient) -> None:
        first = post(alice_api, daily_body()).json()
        post(alice_api, daily_body(supersedes=first["id"]))

        response = post(alice_api, daily_body(supersedes=first["id"]))

        assert response.status_code == 400
        assert response.json()["errors"] == [
            error(
                "invalid_supersedes",
                "A correction must replace one of your own current reports of the same form.",
                "supersedes",
            )
        ]
        assert Report.objects.count() == 2

    def test_another_patients_report_cannot_be_superseded(
        self, alice_api: APIClient, bob: User
    ) -> None:
        bobs = report(bob)

        response = post(alice_api, daily_body(supersedes=str(bobs.public_id)))

        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "supersedes"

    def test_a_correction_must_be_of_the_same_instrument(
        self, alice: User, alice_api: APIClient
    ) -> None:
        daily = report(alice)

        response = post(
            alice_api,
            {
                "instrument": "mfis",
                "answers": MFIS_ALL_TWOS,
                "client_id": str(uuid.uuid4()),
                "supersedes": str(daily.public_id),
            },
        )

        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "invalid_supersedes"

    def test_reports_cannot_be_changed_in_place(self, alice: User) -> None:
        stored = report(alice)

        with pytest.raises(PermissionError):
            stored.save()
        with pytest.raises(PermissionError):
            Report.objects.filter(pk=stored.pk).update(note="changed")


class TestBadInput:
    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            (
                {"instrument": "nope"},
                error(
                    "unknown_instrument", "There is no questionnaire with this code.", "instrument"
                ),
            ),
            (
                {"answers": {"walking": 3}},
                error(
                    "unknown_item",
                    "This questionnaire has no question with this id.",
                    "answers.walking",
                ),
            ),
            (
                {"answers": {"fatigue": 11}},
                error(
                    "out_of_range", "Not one of this question's answer values.", "answers.fatigue"
                ),
            ),
            (
                {"answers": {"fatigue": -1}},
                error(
                    "out_of_range", "Not one of this question's answer values.", "answers.fatigue"
                ),
            ),
            *[
                (
                    {"answers": {"pain": value}},
                    error(
                        "wrong_type",
                        "Must be a whole number, or one of the allowed text answers.",
                        "answers.pain",
                    ),
                )
                for value in (5.5, True, None, [5], {"v": 5})
            ],
            (
                {"answers": {"pain": "5"}},
                error(
                    "wrong_type",
                    "Must be a whole number, or one of the allowed text answers.",
                    "answers.pain",
                ),
            ),
            (
                {"answers": {"pain": "na"}},
                error(
                    "special_not_allowed",
                    "This question does not take this text answer.",
                    "answers.pain",
                ),
            ),
            ({"answers": {}}, error("no_answers", "Answer at least one question.", "answers")),
            (
                {"answers": [1, 2]},
                error(
                    "not_a_dict", 'Expected a dictionary of items but got type "list".', "answers"
                ),
            ),
            (
                {"client_id": "not-a-uuid"},
                error("invalid", "Must be a valid UUID.", "client_id"),
            ),
            (
                {"context_tags": ["sunburn"]},
                error(
                    "invalid_context_tags",
                    "Unknown context tag, or this questionnaire takes no context tags.",
                    "context_tags",
                ),
            ),
            (
                {"note": "x" * 501},
                error(
                    "max_length",
                    "Ensure this field has no more than 500 characters.",
                    "note",
                ),
            ),
            (
                {"mode": "robot"},
                error("invalid_choice", '"robot" is not a valid choice.', "mode"),
            ),
            (
                {"completed_at": "2099-01-01T00:00:00Z"},
                error(
                    "invalid_completed_at",
                    "The completion time must be within the last 14 days and not in the future.",
                    "completed_at",
                ),
            ),
            (
                {"completed_at": "2000-01-01T00:00:00Z"},
                error(
                    "invalid_completed_at",
                    "The completion time must be within the last 14 days and not in the future.",
                    "completed_at",
                ),
            ),
        ],
    )
    def test_it_names_the_field_and_saves_nothing(
        self, alice_api: APIClient, body: dict[str, Any], expected: dict[str, Any]
    ) -> None:
        response = post(alice_api, daily_body(**body))

        assert response.status_code == 400
        assert response.json() == {"type": "validation_error", "errors": [expected]}
        assert Report.objects.count() == 0
        assert ReportScore.objects.count() == 0

    def test_a_questionnaire_takes_no_note(self, alice_api: APIClient) -> None:
        response = post(
            alice_api,
            {
                "instrument": "mfis",
                "answers": MFIS_ALL_TWOS,
                "client_id": str(uuid.uuid4()),
                "note": "private",
            },
        )

        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "note"

    def test_skip_answers_are_for_the_daily_check_in_only(self, alice_api: APIClient) -> None:
        response = post(
            alice_api,
            {
                "instrument": "mfis",
                "answers": MFIS_ALL_TWOS | {"3": "too_tired"},
                "client_id": str(uuid.uuid4()),
            },
        )

        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "answers.3"

    def test_every_bad_answer_is_named(self, alice_api: APIClient) -> None:
        response = post(alice_api, daily_body(answers={"fatigue": 12, "pain": "x", "nope": 1}))

        assert {e["attr"] for e in response.json()["errors"]} == {
            "answers.fatigue",
            "answers.pain",
            "answers.nope",
        }

    def test_malformed_json_is_a_400(self, alice_api: APIClient) -> None:
        response = alice_api.post(
            "/api/v1/reports/", data='{"instrument": "daily",', content_type="application/json"
        )

        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "parse_error"
        assert Report.objects.count() == 0

    def test_a_non_object_body_is_a_400(self, alice_api: APIClient) -> None:
        response = alice_api.post(
            "/api/v1/reports/", data=json.dumps([1]), content_type="application/json"
        )

        assert response.status_code == 400

    def test_missing_fields_are_named(self, alice_api: APIClient) -> None:
        response = post(alice_api, {})

        assert {e["attr"] for e in response.json()["errors"]} == {
            "instrument",
            "answers",
            "client_id",
        }


class TestReading:
    def test_the_list_is_own_reports_newest_first_and_filterable(
        self, alice: User, bob: User, alice_api: APIClient
    ) -> None:
        with time_machine.travel(datetime(2026, 11, 20, 12, tzinfo=UTC), tick=False):
            old = report(alice, on=date(2026, 10, 1))
            new = report(alice, on=date(2026, 11, 1))
            mfis = report(alice, "mfis", MFIS_ALL_TWOS, on=date(2026, 11, 2))
            report(bob, on=date(2026, 11, 1))

        everything = alice_api.get("/api/v1/reports/").json()
        assert everything["count"] == 3
        assert [r["id"] for r in everything["results"]] == [
            str(mfis.public_id),
            str(new.public_id),
            str(old.public_id),
        ]
        daily = alice_api.get("/api/v1/reports/?instrument=daily&since=2026-10-15").json()
        assert [r["id"] for r in daily["results"]] == [str(new.public_id)]
        until = alice_api.get("/api/v1/reports/?until=2026-10-01").json()
        assert [r["id"] for r in until["results"]] == [str(old.public_id)]

    def test_a_bad_filter_names_the_field(self, alice_api: APIClient) -> None:
        response = alice_api.get("/api/v1/reports/?since=yesterday")

        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "since"
        reversed_range = alice_api.get("/api/v1/reports/?since=2026-02-01&until=2026-01-01")
        assert reversed_range.json()["errors"][0]["attr"] == "until"

    @pytest.mark.parametrize("count", [2, 40])
    def test_the_list_takes_the_same_number_of_queries_whatever_its_length(
        self, alice: User, alice_api: APIClient, count: int
    ) -> None:
        with time_machine.travel(datetime(2026, 11, 20, 12, tzinfo=UTC), tick=False):
            for day in range(count):
                earlier = report(alice, on=date(2026, 9, 1) + timedelta(days=day))
                if day % 2:
                    report(alice, on=earlier.local_date, supersedes=earlier.public_id)

        with CaptureQueriesContext(connection) as queries:
            response = alice_api.get("/api/v1/reports/?include_superseded=true")

        assert response.status_code == 200
        assert response.json()["count"] == count + count // 2
        # A count and one page with both ends of each correction joined in.
        assert len(queries) == 2

    def test_a_report_is_readable_by_its_owner(self, alice: User, alice_api: APIClient) -> None:
        stored = report(alice)

        response = alice_api.get(f"/api/v1/reports/{stored.public_id}/")

        assert response.status_code == 200
        assert response.json()["id"] == str(stored.public_id)

    def test_another_patient_gets_404(self, alice: User, bob: User, api_as: Any) -> None:
        stored = report(alice)

        response = api_as(bob).get(f"/api/v1/reports/{stored.public_id}/")

        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"

    def test_a_clinician_cannot_use_the_patient_endpoints(
        self, alice: User, charlie: User, alice_shares_with_charlie: Any, api_as: Any
    ) -> None:
        stored = report(alice)
        api = api_as(charlie)

        assert api.get(f"/api/v1/reports/{stored.public_id}/").status_code == 403
        assert api.get("/api/v1/reports/").status_code == 403
        assert post(api, daily_body()).status_code == 403

    def test_anonymous_requests_get_401(self, api: APIClient, alice: User) -> None:
        stored = report(alice)

        assert api.get(f"/api/v1/reports/{stored.public_id}/").status_code == 401
        assert post(api, daily_body()).status_code == 401


class TestLicensedInstruments:
    """MSWS-12, MSIS-29 and the BPI need their rights holder's permission: a site offers them
    only once it lists them in LICENSED_INSTRUMENTS."""

    BPI = {"3": 5, "4": 2, "5": 4, "6": 3}

    def test_they_are_not_offered_by_default(self, alice_api: APIClient) -> None:
        codes = {i["code"] for i in alice_api.get("/api/v1/instruments/").json()}

        assert {"bpi", "msws12", "msis29"}.isdisjoint(codes)
        assert {"mfis", "pdds", "neuroqol_ue", "pes", "pdq", "fss"} <= codes
        detail = alice_api.get("/api/v1/instruments/bpi/").json()
        assert detail["is_available"] is False
        response = post(
            alice_api, {"instrument": "bpi", "answers": self.BPI, "client_id": str(uuid.uuid4())}
        )
        assert response.status_code == 400
        assert response.json()["errors"] == [
            error(
                "instrument_not_licensed",
                "This site does not offer this questionnaire: it needs its rights holder's "
                "permission.",
                "instrument",
            )
        ]
        assert Report.objects.count() == 0

    def test_a_licensed_site_offers_them(self, alice_api: APIClient, settings: Any) -> None:
        settings.LICENSED_INSTRUMENTS = frozenset({"bpi"})

        codes = {i["code"] for i in alice_api.get("/api/v1/instruments/").json()}
        response = post(
            alice_api, {"instrument": "bpi", "answers": self.BPI, "client_id": str(uuid.uuid4())}
        )

        assert "bpi" in codes
        assert "msws12" not in codes
        assert response.status_code == 201
        # Severity is the mean of the four: (5 + 2 + 4 + 3) / 4 = 3.5; no interference answers.
        assert response.json()["scores"] == {"severity": 3.5, "interference": None}

    def test_the_page_is_not_found_until_licensed(self, alice: User, settings: Any) -> None:
        from django.test import Client

        client = Client()
        client.force_login(alice)

        assert client.get("/questionnaires/msws12/").status_code == 404
        settings.LICENSED_INSTRUMENTS = frozenset({"msws12"})
        assert client.get("/questionnaires/msws12/").status_code == 200
