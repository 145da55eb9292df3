"""The researcher's home (``ROLE_HOME_VIEWS["researcher"]``): the latest published release, its
period, how many cells carry data, and links to its codebook and downloads. A new module beside
the release pages (``views.py``) so the two change independently."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import request_user, role_required
from accounts.models import Role
from symptoms.models import ReleaseCell
from symptoms.research.selectors import release_latest_published


@role_required(Role.RESEARCHER)
def home(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    profile = user.researcher_profile
    context: dict[str, Any] = {"researcher_profile": profile, "release": None}
    if user.is_approved_researcher:
        release = release_latest_published()
        if release is not None:
            periods = list(release.parameters.get("periods") or [])
            context.update(
                {
                    "release": release,
                    "first_period": periods[0] if periods else "",
                    "last_period": periods[-1] if periods else "",
                    "cells_with_data": ReleaseCell.objects.filter(
                        release=release, suppressed=False
                    ).count(),
                }
            )
    return render(request, "symptoms/research_home.html", context)
