"""The pages behind a reminder's one-tap "Answer now" link (docs/security.md).

Opening the link (GET ``/one-tap/<token>/``) changes nothing: it keeps the token in this
browser's session and sends it at once to the token-free ``/one-tap/``, so the token is in one
request's path only, and never in a Referer. That page shows one button; pressing it (a POST)
uses the token and opens the form. Mail scanners open links but do not press buttons, so they
burn nothing. A link that cannot be used shows a page leading to the login, with the form as
``next``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from symptoms.instruments.definitions import DAILY, instrument_get
from symptoms.models import ReminderOneTap
from symptoms.reminders.one_tap import (
    TOKEN_SESSION_KEY,
    form_path,
    one_tap_check,
    one_tap_find,
    one_tap_use,
)


def _no_referrer(response: HttpResponse) -> HttpResponse:
    # Nothing on these pages may tell another site where the person came from.
    response["Referrer-Policy"] = "no-referrer"
    return response


def _refused(request: HttpRequest, token: str, *, other_account: bool = False) -> HttpResponse:
    """The same friendly page for every refusal (used, expired, password changed, forged), as
    a 404 like any link that names nothing; the login leads on to the form."""
    row = one_tap_find(token)
    next_path = form_path(row.instrument) if row is not None else reverse("accounts:home")
    context = {
        "login_url": reverse("accounts:login") + "?" + urlencode({"next": next_path}, safe="/"),
        "other_account": other_account,
    }
    return _no_referrer(render(request, "symptoms/one_tap_refused.html", context, status=404))


def _signed_in_answer(request: HttpRequest, token: str, row: ReminderOneTap) -> HttpResponse:
    """Someone already signed in needs no token: their own form opens (the token stays
    unused); another person's link is refused."""
    if isinstance(request.user, User) and request.user.pk == row.patient_id:
        return _no_referrer(redirect(form_path(row.instrument)))
    return _refused(request, token, other_account=True)


@never_cache
@require_GET
def one_tap_open(request: HttpRequest, token: str) -> HttpResponse:
    row = one_tap_check(token)
    if row is None:
        return _refused(request, token)
    if request.user.is_authenticated:
        return _signed_in_answer(request, token, row)
    request.session[TOKEN_SESSION_KEY] = token
    return _no_referrer(redirect("symptoms:one_tap_confirm"))


@never_cache
@require_http_methods(["GET", "POST"])
def one_tap_confirm(request: HttpRequest) -> HttpResponse:
    token = str(request.session.get(TOKEN_SESSION_KEY, ""))
    row = one_tap_check(token)
    if row is None:
        return _refused(request, token)
    if request.user.is_authenticated:
        return _signed_in_answer(request, token, row)
    if request.method == "POST":
        used = one_tap_use(request, token)
        if used is None:  # another press, on this device or another, was first
            return _refused(request, token)
        return _no_referrer(redirect(form_path(used.instrument)))
    definition = instrument_get(row.instrument)
    context = {
        "is_daily": row.instrument == DAILY,
        "instrument_name": definition.name if definition else row.instrument,
        "expires_at": row.expires_at,
    }
    # The site's own policy (same-origin), not no-referrer: the address holds no token, and a
    # form posted from a no-referrer page carries "Origin: null", which CSRF protection refuses
    # (found by tests/browser/test_one_tap.py in Chromium).
    return render(request, "symptoms/one_tap_confirm.html", context)


@never_cache
@require_GET
def one_tap_done(request: HttpRequest) -> HttpResponse:
    """After a form sent under a one-tap grant (or saved for later): thanks, and the login for
    anything more. Shows nothing about the person."""
    later = request.GET.get("later", "")
    saved_for_later = later != DAILY and instrument_get(later) is not None
    login_url = reverse("accounts:login")
    if saved_for_later:
        login_url += "?" + urlencode({"next": form_path(later)}, safe="/")
    context = {"saved_for_later": saved_for_later, "login_url": login_url}
    return render(request, "symptoms/one_tap_done.html", context)
