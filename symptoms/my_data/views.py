""" "Your data": the downloads, deleting the account, and who viewed the person's data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import cast

from django.contrib.auth import logout
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import errors as account_errors
from accounts import services as account_services
from accounts.access import is_throttled, request_patient, role_required
from accounts.models import AuditAction, AuditEvent, Role, User
from symptoms.my_data import forms, readable, selectors, streaming

# The downloads of "Your data", served by the API's export (session authentication works
# there too): ?format= and the name people know the format by.
EXPORT_FORMATS = (
    ("csv", "CSV"),
    ("json", "JSON"),
    ("fhir", "FHIR"),
)


def _my_data_page(
    request: HttpRequest, form: forms.AccountDeleteForm, *, status: int = 200
) -> HttpResponse:
    export_url = reverse("api-export")
    downloads = [(label, f"{export_url}?format={key}") for key, label in EXPORT_FORMATS]
    context = {"form": form, "downloads": downloads, "table_url": reverse("symptoms:my_data_table")}
    return render(request, "symptoms/my_data.html", context, status=status)


@role_required(Role.PATIENT)
def my_data(request: HttpRequest) -> HttpResponse:
    return _my_data_page(request, forms.AccountDeleteForm())


@role_required(Role.PATIENT)
def my_data_table(request: HttpRequest) -> HttpResponse:
    """Everything in force, as a spreadsheet in the person's language (``readable``)."""
    patient = request_patient(request)
    account_services.audit_record(
        actor=patient,
        action=AuditAction.PATIENT_DATA_EXPORTED,
        subject_patient=patient,
        detail={"format": "table"},
    )
    # A byte-order mark first, so spreadsheets read the accents of other languages as UTF-8.
    chunks = chain(
        ["\ufeff"],
        streaming.csv_chunks(
            readable.readable_rows(patient=patient), delimiter=readable.delimiter()
        ),
    )
    response = StreamingHttpResponse(
        streaming.in_language(streaming.buffered(chunks), translation.get_language()),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="ms-symptom-tracker-{stamp}.csv"'
    # role_required types views as returning HttpResponse; a streamed one serves as well.
    return cast(HttpResponse, response)


@require_POST
@role_required(Role.PATIENT)
def account_delete(request: HttpRequest) -> HttpResponse:
    patient = request_patient(request)
    form = forms.AccountDeleteForm(request.POST)
    if not form.is_valid():
        return _my_data_page(request, form)
    # The same rate as the API's password checks: this form must not be a way to guess one.
    if is_throttled(request, "auth"):
        form.add_error(None, _("Too many attempts in a short time. Wait a minute, then retry."))
        return _my_data_page(request, form, status=429)
    try:
        account_services.account_delete(user=patient, password=form.cleaned_data["password"])
    except account_errors.PasswordWrong as error:
        form.add_error("password", str(error.message))
        return _my_data_page(request, form)
    logout(request)
    return redirect("symptoms:account_deleted")


def account_deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "symptoms/account_deleted.html")


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
    page = Paginator(selectors.data_view_list(patient=patient), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "views": [_data_view(event, patient) for event in page.object_list],
    }
    return render(request, "symptoms/data_views.html", context)
