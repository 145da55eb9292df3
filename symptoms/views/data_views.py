""" "Who viewed my data": the person's own audit trail of clinicians' views and their own
downloads, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import AuditAction, AuditEvent, Role, User
from accounts.views import role_required
from symptoms.views.common import request_patient

PER_PAGE = 50

# The audit detail's "view" codes, in words. An unknown code (a page added later) still shows.
VIEW_LABELS: dict[str, Promise] = {
    "trends": gettext_lazy("Your trends, through an app"),
    "patient_detail": gettext_lazy("Your trends and notes"),
    "pre_visit_summary": gettext_lazy("A summary before a visit"),
}
EXPORT_LABELS: dict[str, str] = {"csv": "CSV", "json": "JSON", "fhir": "FHIR"}


@dataclass(frozen=True)
class DataView:
    who: str
    what: str
    at: datetime


def _data_view(event: AuditEvent, patient: User) -> DataView:
    if event.actor_id == patient.pk:
        who = _("You")
    elif event.actor is None:
        who = _("A person whose account was deleted")
    else:
        who = event.actor.full_name or event.actor.email
    detail = event.detail or {}
    if event.action == AuditAction.PATIENT_DATA_EXPORTED:
        kind = str(detail.get("format", ""))
        what = _("Download of your data (%(format)s)") % {
            "format": EXPORT_LABELS.get(kind, kind.upper())
        }
    else:
        view = str(detail.get("view", ""))
        what = str(VIEW_LABELS.get(view, view or _("Your data")))
    return DataView(who, what, event.created_at)


@role_required(Role.PATIENT)
def data_views(request: HttpRequest) -> HttpResponse:
    patient = request_patient(request)
    events = (
        AuditEvent.objects.filter(
            subject_patient=patient,
            action__in=[AuditAction.PATIENT_DATA_VIEWED, AuditAction.PATIENT_DATA_EXPORTED],
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "views": [_data_view(event, patient) for event in page.object_list],
    }
    return render(request, "symptoms/data_views.html", context)
