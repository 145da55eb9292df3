"""Research pages: the public research priorities page, and the releases pages for approved
researchers (list, specification and codebook, downloads) and staff (who also see builds in
progress and start them). Downloads are the API's audited endpoints."""

from __future__ import annotations

from typing import Any

from csp.decorators import csp_replace
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.access import role_required
from accounts.models import Role, User
from config.service_errors import ServiceError
from symptoms.history.views import CHART_CSP
from symptoms.instruments.scoring import Direction
from symptoms.models import Release, ReleaseStatus
from symptoms.research import downloads, priorities, selectors, services


def priorities_page(request: HttpRequest) -> HttpResponse:
    release = selectors.release_latest_published()
    context: dict[str, Any] = {
        "current": "research_priorities",
        "priorities": priorities.priorities_get(release) if release else None,
        "funding": priorities.funding_load(),
    }
    return render(request, "symptoms/research_priorities.html", context)


@csp_replace(CHART_CSP)
def priorities_chart(request: HttpRequest) -> HttpResponse:
    release = selectors.release_latest_published()
    if release is None:
        raise Http404
    # matplotlib takes about half a second to import: only this view needs it.
    from symptoms.research.charts import priorities_svg

    return HttpResponse(
        priorities_svg(priorities.priorities_get(release)), content_type="image/svg+xml"
    )


def _reader(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not (user.role == Role.STAFF or user.is_approved_researcher):
        raise PermissionDenied
    return user


class ReleaseRequestForm(forms.Form):
    first_quarter = forms.RegexField(
        regex=r"^\d{4}-Q[1-4]$",
        required=False,
        label=_("First quarter (optional)"),
        help_text=_("For example 2026-Q1. Leave both empty for the last four complete quarters."),
        error_messages={"invalid": _("Write a quarter as 2026-Q1.")},
    )
    last_quarter = forms.RegexField(
        regex=r"^\d{4}-Q[1-4]$",
        required=False,
        label=_("Last quarter (optional)"),
        error_messages={"invalid": _("Write a quarter as 2026-Q1.")},
    )
    epsilon = forms.FloatField(
        required=False,
        min_value=0.01,
        label=_("Differential privacy epsilon (optional)"),
        help_text=_(
            "Leave empty for exact counts with suppression. With a value, counts and means get "
            "noise, and the value is spent from this year's privacy budget."
        ),
    )


@role_required(Role.RESEARCHER, Role.STAFF)
def releases_page(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    form = ReleaseRequestForm()
    if request.method == "POST":
        if user.role != Role.STAFF:
            raise PermissionDenied
        form = ReleaseRequestForm(request.POST)
        if form.is_valid():
            try:
                release = services.release_request(
                    requested_by=user,
                    first_quarter=form.cleaned_data["first_quarter"] or None,
                    last_quarter=form.cleaned_data["last_quarter"] or None,
                    epsilon=form.cleaned_data["epsilon"],
                )
            except ServiceError as error:  # every refusal of the request is shown on the form
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("The release is queued; this page shows its progress."))
                return redirect("symptoms:research_release", public_id=release.public_id)
    context = {
        "current": "research_releases",
        "releases": selectors.release_list(user=user),
        "form": form,
        "is_staff": user.role == Role.STAFF,
    }
    return render(request, "symptoms/research_releases.html", context)


def _codebook_to_read(release: Release) -> dict[str, Any]:
    """The codebook in the reader's language; the downloads keep the published English one."""
    book = downloads.codebook(release, translate=gettext)
    for scale in book["scales"]:
        scale["direction_label"] = (
            gettext("higher is worse")
            if scale["direction"] == Direction.HIGHER_IS_WORSE
            else gettext("higher is better")
        )
    return book


@role_required(Role.RESEARCHER, Role.STAFF)
def release_page(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _reader(request)
    release = selectors.release_get(user=user, public_id=public_id)
    context = {
        "current": "research_releases",
        "release": release,
        "codebook": _codebook_to_read(release) if release.is_published else None,
        "is_building": release.status in (ReleaseStatus.QUEUED, ReleaseStatus.BUILDING),
        "can_download": release.is_published and user.is_approved_researcher,
    }
    return render(request, "symptoms/research_release.html", context)
