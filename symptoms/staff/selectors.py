"""Reads for the staff home: researchers awaiting a decision, failed reminder deliveries, release
builds that are queued, building or failed, and a few counts. Aggregates and codes only: no
address, no health data. A fixed number of queries (``tests/symptoms/staff``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, QuerySet
from django.utils import timezone

from accounts.models import ResearcherProfile, Role, SharingLink, User
from symptoms.models import DeliveryEvent, Release, ReleaseStatus, ReminderDelivery, Report

FAILED_DELIVERY_DAYS = 7
RELEASES_SHOWN = 20


@dataclass(frozen=True)
class StaffOverview:
    pending_researchers: list[ResearcherProfile]
    failed_deliveries: list[tuple[str, int]]  # (reason code, count), most first
    releases: list[Release]  # queued, building or failed, newest first
    people: int  # patients with an active account
    reports: int  # current and superseded reports alike: everything people sent
    active_sharing_links: int


def researchers_pending() -> QuerySet[ResearcherProfile]:
    return (
        ResearcherProfile.objects.filter(status=ResearcherProfile.Status.PENDING)
        .select_related("user")
        .order_by("user__date_joined", "user_id")
    )


def staff_overview() -> StaffOverview:
    """Everything the staff home shows, in six queries."""
    since = timezone.now() - timedelta(days=FAILED_DELIVERY_DAYS)
    failed = (
        ReminderDelivery.objects.filter(event=DeliveryEvent.FAILED, created_at__gte=since)
        .values("reason")
        .annotate(n=Count("id"))
        .order_by("-n", "reason")
        .values_list("reason", "n")
    )
    releases = Release.objects.filter(
        status__in=(ReleaseStatus.QUEUED, ReleaseStatus.BUILDING, ReleaseStatus.FAILED)
    ).order_by("-requested_at", "-id")[:RELEASES_SHOWN]
    return StaffOverview(
        pending_researchers=list(researchers_pending()),
        failed_deliveries=list(failed),
        releases=list(releases),
        people=User.objects.filter(role=Role.PATIENT, is_active=True).count(),
        reports=Report.objects.count(),
        active_sharing_links=SharingLink.objects.filter(revoked_at__isnull=True).count(),
    )
