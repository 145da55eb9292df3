"""The staff home (``ROLE_HOME_VIEWS["staff"]``) and its one write: approving or declining a
researcher, through the same service and audit event as the admin's actions."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services as account_services
from accounts.access import request_user, role_required
from accounts.models import Role
from symptoms.staff.selectors import FAILED_DELIVERY_DAYS, researchers_pending, staff_overview

DECISIONS = {"approve": True, "decline": False}


@role_required(Role.STAFF)
def home(request: HttpRequest) -> HttpResponse:
    context = {"overview": staff_overview(), "failed_days": FAILED_DELIVERY_DAYS}
    return render(request, "symptoms/staff_home.html", context)


@require_POST
@role_required(Role.STAFF)
def researcher_decision(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Approve or decline a researcher awaiting a decision; anyone else is a 404 (a decision is
    made once here; the admin can still change it)."""
    staff = request_user(request)
    profile = researchers_pending().filter(user__public_id=public_id).first()
    decision = request.POST.get("decision", "")
    if profile is None or decision not in DECISIONS:
        raise Http404
    account_services.researcher_decide(
        researcher=profile.user, staff=staff, approve=DECISIONS[decision]
    )
    name = profile.user.full_name or profile.user.email
    if DECISIONS[decision]:
        messages.success(request, _("%(name)s is approved.") % {"name": name})
    else:
        messages.success(request, _("%(name)s is declined.") % {"name": name})
    return redirect("accounts:home")
