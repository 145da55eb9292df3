from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import AuditAction, AuditEvent, SharingLink, User
from symptoms.instruments.definitions import instrument_get
from symptoms.instruments.scoring import score
from symptoms.models import Report, ReportScore
from tests.symptoms.factories import DAILY as DAILY_ANSWERS
from tests.symptoms.factories import report, report_row

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
START = date(2026, 6, 1)


def mfis(total: int) -> dict[str, int]:
    """MFIS answers summing to ``total`` (0-84): fours first, then the remainder."""
    answers, left = {}, total
    for n in range(1, 22):
        answers[str(n)] = min(4, left)
        left -= answers[str(n)]
    return answers


def mfis_series(patient: User, totals: list[tuple[int, int]]) -> None:
    """(days after START, MFIS total) reports."""
    with time_machine.travel(NOW, tick=False):
        for days, total in totals:
            report(patient, "mfis", mfis(total), on=START + timedelta(days=days))


def trends(api: APIClient, patient: User, query: str = "") -> Any:
    return api.get(f"/api/v1/patients/{patient.public_id}/trends/{query}")


def mfis_total(body: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in body["scales"] if (s["instrument"], s["scale"]) == ("mfis", "total"))


@pytest.fixture
def charlie_api(api_as: Any, charlie: User, alice_shares_with_charlie: Any) -> APIClient:
    api: APIClient = api_as(charlie)
    return api


class TestChangeDetection:
    def test_a_confirmed_worsening_raises_a_flag(self, alice: User, charlie_api: APIClient) -> None:
        # Baseline 30; 36 (+6, past the MCID of 4) and, 5 weeks later, 37: confirmed.
        mfis_series(alice, [(0, 30), (30, 36), (65, 37)])

        with time_machine.travel(NOW, tick=False):
            body = trends(charlie_api, alice).json()

        total = mfis_total(body)
        assert (total["baseline"], total["latest"]["value"], total["change"]) == (30, 37, 7)
        assert total["status"] == "confirmed_worsening"
        assert total["method"] == "mcid"
        # The subscales have no MCID; their published MDCs judge them (see the next tests).
        [flag] = [flag for flag in body["flags"] if flag["method"] == "mcid"]
        assert flag["instrument"] == "mfis"
        assert flag["scale"] == "total"
        assert flag["kind"] == "confirmed_worsening"
        assert flag["raises_flag"] is True
        assert flag["raises_exploratory_flag"] is False
        assert (flag["change"], flag["threshold"]) == (7, 4)
        assert "Rooney" in flag["source"]
        assert flag["first_crossed_on"] == str(START + timedelta(days=30))
        assert flag["confirmed_on"] == str(START + timedelta(days=65))

    def test_a_single_spike_does_not(self, alice: User, charlie_api: APIClient) -> None:
        mfis_series(alice, [(0, 30), (30, 45), (60, 31)])

        body = trends(charlie_api, alice).json()

        assert mfis_total(body)["status"] == "stable"
        assert body["flags"] == []

    def test_an_improvement_is_reported_but_not_flagged(
        self, alice: User, charlie_api: APIClient
    ) -> None:
        mfis_series(alice, [(0, 40), (30, 30)])

        flags = trends(charlie_api, alice).json()["flags"]
        [flag] = [flag for flag in flags if flag["method"] == "mcid"]

        assert (flag["kind"], flag["raises_flag"], flag["change"]) == (
            "meaningful_improvement",
            False,
            -10,
        )
        patients = charlie_api.get("/api/v1/patients/").json()
        assert patients[0]["flagged_domains"] == []

    def test_a_clinician_can_reset_the_baseline(
        self, alice: User, charlie: User, charlie_api: APIClient
    ) -> None:
        mfis_series(alice, [(0, 30), (30, 36), (65, 37), (100, 38)])
        since = str(START + timedelta(days=65))

        response = charlie_api.post(
            f"/api/v1/patients/{alice.public_id}/baselines/",
            {"instrument": "mfis", "scale": "total", "since": since},
            format="json",
        )

        assert response.status_code == 201
        total = mfis_total(trends(charlie_api, alice).json())
        assert (total["baseline"], total["baseline_from"], total["status"]) == (
            37,
            since,
            "stable",
        )
        assert AuditEvent.objects.filter(
            action=AuditAction.BASELINE_RESET, actor=charlie, subject_patient=alice
        ).exists()

    def test_a_reset_needs_a_known_scale(self, alice: User, charlie_api: APIClient) -> None:
        response = charlie_api.post(
            f"/api/v1/patients/{alice.public_id}/baselines/",
            {"instrument": "mfis", "scale": "nope", "since": "2026-01-01"},
            format="json",
        )

        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "scale"


class TestWeeklyMeans:
    def test_daily_ratings_are_weekly_means_with_their_days(
        self, alice: User, charlie_api: APIClient
    ) -> None:
        monday = date(2026, 11, 2)
        with time_machine.travel(NOW, tick=False):
            # Week 1: three days (fatigue 4, 5, 6); week 2: nothing; week 3: one day (8).
            for offset, fatigue in ((0, 4), (2, 5), (4, 6), (14, 8)):
                report(
                    alice,
                    answers={"fatigue": fatigue, "pain": "too_tired"},
                    on=monday + timedelta(days=offset),
                )

            body = trends(charlie_api, alice).json()

        fatigue = next(s for s in body["scales"] if s["scale"] == "fatigue")
        assert fatigue["is_weekly_mean"] is True
        assert fatigue["series"] == [
            {"on": "2026-11-02", "value": 5.0, "days": 3},
            {"on": "2026-11-16", "value": 8.0, "days": 1},
        ]
        assert "pain" not in {s["scale"] for s in body["scales"] if s["instrument"] == "daily"}


class TestAccess:
    def test_the_list_has_only_patients_who_share(
        self, alice: User, bob: User, charlie_api: APIClient
    ) -> None:
        with time_machine.travel(NOW, tick=False):
            report(alice, on=date(2026, 11, 19))
            body = charlie_api.get("/api/v1/patients/").json()

        assert body == [
            {
                "id": str(alice.public_id),
                "full_name": "Alice Patient",
                "last_report_on": "2026-11-19",
                "completion_rate_12_weeks": round(1 / 84, 3),
                "flagged_domains": [],
                "exploratory_domains": [],
                "attention": None,  # one check-in yesterday: nothing overdue
                "attention_on": None,
            }
        ]

    def test_flagged_patients_come_first_and_can_be_filtered(
        self, alice: User, bob: User, charlie: User, charlie_api: APIClient
    ) -> None:
        SharingLink.objects.create(patient=bob, clinician=charlie, source="code")
        mfis_series(bob, [(0, 30), (30, 36), (65, 37)])

        everyone = charlie_api.get("/api/v1/patients/").json()
        flagged = charlie_api.get("/api/v1/patients/?flagged=true").json()
        found = charlie_api.get("/api/v1/patients/?search=alice").json()

        assert [p["full_name"] for p in everyone] == ["Bob Patient", "Alice Patient"]
        assert everyone[0]["flagged_domains"] == ["fatigue"]
        assert [p["full_name"] for p in flagged] == ["Bob Patient"]
        assert [p["full_name"] for p in found] == ["Alice Patient"]

    def test_another_clinician_gets_404(
        self, alice: User, dana: User, alice_shares_with_charlie: Any, api_as: Any
    ) -> None:
        response = trends(api_as(dana), alice)

        assert response.status_code == 404
        assert api_as(dana).get("/api/v1/patients/").json() == []

    def test_a_revoked_link_gets_404_at_once(
        self, alice: User, charlie_api: APIClient, alice_shares_with_charlie: Any
    ) -> None:
        account_services.sharing_link_revoke(link=alice_shares_with_charlie, by=alice)

        assert trends(charlie_api, alice).status_code == 404
        assert AuditEvent.objects.filter(action=AuditAction.PATIENT_DATA_VIEWED).count() == 0

    def test_a_patient_gets_403(self, alice: User, api_as: Any) -> None:
        assert trends(api_as(alice), alice).status_code == 403

    def test_each_view_writes_one_audit_event(
        self, alice: User, charlie: User, charlie_api: APIClient
    ) -> None:
        trends(charlie_api, alice)
        trends(charlie_api, alice)

        events = AuditEvent.objects.filter(action=AuditAction.PATIENT_DATA_VIEWED)
        assert events.count() == 2
        assert {(e.actor, e.subject_patient, e.detail["view"]) for e in events} == {
            (charlie, alice, "trends")
        }


def daily_history(patient: User, days: int, end: date) -> None:
    """``days`` daily reports ending ``end``, written in bulk (the service would take minutes
    for three years; the rows are the same)."""
    definition = instrument_get("daily")
    assert definition is not None
    reports, rows = [], []
    for n in range(days):
        on = end - timedelta(days=n)
        answers = {"fatigue": 3 + n % 5, "mobility": 4, "upper_limb": 2, "pain": 1, "cognition": 3}
        scores = score(definition, answers).scores
        reports.append(report_row(patient, "daily", answers, scores, on, NOW - timedelta(days=n)))
    Report.objects.bulk_create(reports)
    for stored in Report.objects.filter(patient=patient):
        for key, value in stored.scores.items():
            rows.append(
                ReportScore(
                    report=stored,
                    patient=patient,
                    instrument="daily",
                    scale=key,
                    value=value,
                    local_date=stored.local_date,
                )
            )
    ReportScore.objects.bulk_create(rows)


@pytest.mark.parametrize("days", [30, 3 * 365])
def test_the_trends_take_the_same_queries_for_a_month_or_three_years(
    alice: User, charlie_api: APIClient, days: int
) -> None:
    daily_history(alice, days, NOW.date())
    mfis_series(alice, [(0, 30), (30, 36)])

    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
        response = trends(charlie_api, alice)

    assert response.status_code == 200
    assert len(response.json()["scales"]) == 9  # 5 daily ratings + MFIS total and 3 subscales
    # The patient and link, the last change, five reads of scores, resets and report days,
    # one audit insert; then the series come from the cache, and a new report is read afresh.
    assert len(queries) == 8
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
        assert trends(charlie_api, alice).json() == response.json()
    assert len(queries) == 3
    report(alice, "mfis", {str(n): 4 for n in range(1, 22)}, on=NOW.date())
    with time_machine.travel(NOW, tick=False):
        again = trends(charlie_api, alice).json()
    mfis = next(s for s in again["scales"] if s["instrument"] == "mfis" and s["scale"] == "total")
    assert mfis["latest"]["value"] == 84


class TestOwnTrends:
    def test_a_patient_sees_the_same_trends_unaudited(
        self, alice: User, charlie_api: APIClient, api_as: Any
    ) -> None:
        mfis_series(alice, [(0, 30), (30, 36), (65, 37)])
        as_charlie = trends(charlie_api, alice).json()

        own = api_as(alice).get("/api/v1/me/trends/")

        assert own.status_code == 200
        assert own.json() == as_charlie
        assert AuditEvent.objects.filter(action=AuditAction.PATIENT_DATA_VIEWED).count() == 1

    def test_clinicians_have_no_own_trends(self, charlie: User, api_as: Any) -> None:
        assert api_as(charlie).get("/api/v1/me/trends/").status_code == 403


class TestReliableChange:
    def test_a_lasting_step_on_a_scale_without_an_mcid_raises_an_exploratory_flag(
        self, alice: User, charlie_api: APIClient
    ) -> None:
        # Walking (no published MCID): one check-in a week, around 4 for 8 weeks, then 7.
        walking = [4, 4, 5, 4, 4, 3, 4, 4, 7, 7, 7, 7, 7, 7]
        with time_machine.travel(NOW, tick=False):
            for week, value in enumerate(walking):
                answers = {**DAILY_ANSWERS, "mobility": value}
                report(alice, "daily", answers, on=START + timedelta(weeks=week))

            body = trends(charlie_api, alice).json()

        [flag] = body["flags"]
        assert (flag["scale"], flag["kind"], flag["method"]) == (
            "mobility",
            "confirmed_worsening",
            "reliable_change",
        )
        assert (flag["raises_flag"], flag["raises_exploratory_flag"]) == (False, True)
        assert flag["change"] == 2.8  # 7 minus the first 4 weeks' mean, 4.25, rounded
        assert flag["threshold"] == 1.0  # one answer step: the weekly noise is smaller
        assert "Jacobson" in flag["source"]
        assert flag["first_crossed_on"] == str(START + timedelta(weeks=8))
        assert flag["confirmed_on"] == str(START + timedelta(weeks=12))
        patients = charlie_api.get("/api/v1/patients/").json()
        assert patients[0]["flagged_domains"] == []
