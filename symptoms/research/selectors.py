"""Reads of research releases, scoped by who asks. Researchers see published releases only;
staff also see those queued, building or failed. Nobody reads anything about one person here."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Role, User
from symptoms.models import Release, ReleaseCell, ReleaseStatus


def release_list(*, user: User) -> QuerySet[Release]:
    releases = Release.objects.order_by("-requested_at", "-id")
    if user.role == Role.STAFF:
        return releases
    if user.is_approved_researcher:
        return releases.filter(status=ReleaseStatus.PUBLISHED)
    return releases.none()


def release_get(*, user: User, public_id: UUID | str) -> Release:
    """A 404 for anything the person may not see."""
    return get_object_or_404(release_list(user=user), public_id=public_id)


def release_cells(*, release: Release) -> QuerySet[ReleaseCell]:
    return ReleaseCell.objects.filter(release=release).order_by("position")


def release_latest_published() -> Release | None:
    """For the public research priorities page: aggregates only, no access check needed."""
    return Release.objects.filter(status=ReleaseStatus.PUBLISHED).order_by("-number").first()
