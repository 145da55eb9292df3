""" "Your data": downloads and account deletion."""

from __future__ import annotations

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import errors as account_errors
from accounts import services as account_services
from accounts.models import Role
from accounts.views import _is_throttled, role_required
from symptoms import forms
from symptoms.views.common import EXPORT_FORMATS, request_patient


def _my_data_page(
    request: HttpRequest, form: forms.AccountDeleteForm, *, status: int = 200
) -> HttpResponse:
    export_url = reverse("api-export")
    downloads = [(label, f"{export_url}?format={key}") for key, label in EXPORT_FORMATS]
    context = {"form": form, "downloads": downloads}
    return render(request, "symptoms/my_data.html", context, status=status)


@role_required(Role.PATIENT)
def my_data(request: HttpRequest) -> HttpResponse:
    return _my_data_page(request, forms.AccountDeleteForm())


@require_POST
@role_required(Role.PATIENT)
def account_delete(request: HttpRequest) -> HttpResponse:
    patient = request_patient(request)
    form = forms.AccountDeleteForm(request.POST)
    if not form.is_valid():
        return _my_data_page(request, form)
    # The same rate as the API's password checks: this form must not be a way to guess one.
    if _is_throttled(request, "auth"):
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
