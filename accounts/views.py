"""Web pages for accounts. Thin: parse a form, call a selector or a service, render or redirect.

Another person's link or invitation is a 404, exactly like a missing one (the selectors raise
it); a page for another role is a 403.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from allauth.account import views as allauth_views
from allauth.usersessions.views import ListUserSessionsView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import errors, forms, pwa, selectors, services
from accounts.access import View, is_throttled, request_user, role_required
from accounts.models import ConsentPurpose, Role

# --- Home, sign-up, login -------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "accounts/home_anonymous.html")
    user = request_user(request)
    if user.role in settings.ROLE_HOME_VIEWS:
        # A role whose home shows another app's data (the patient's check-in, staff's failed
        # deliveries, the researcher's latest release) gets that app's page; accounts does not
        # import the apps built on it.
        home_view: View = import_string(settings.ROLE_HOME_VIEWS[user.role])
        return home_view(request)
    context: dict[str, Any] = {}
    if user.role == Role.CLINICIAN:
        context["patients"] = selectors.clinician_patients(clinician=user).order_by(
            "full_name", "email"
        )
    elif user.role == Role.RESEARCHER:
        context["researcher_profile"] = user.researcher_profile
    return render(request, f"accounts/home_{user.role}.html", context)


class SignUpView(allauth_views.SignupView):  # type: ignore[misc]  # allauth is untyped
    """Sign-up for people with MS (allauth's flow: the account is made, a confirmation link is
    mailed, and the answer is the same whether or not the address already had an account)."""

    template_name = "accounts/signup.html"


class ResearcherSignUpView(allauth_views.SignupView):  # type: ignore[misc]
    """Sign-up for researchers: after confirming their address they wait for staff approval."""

    template_name = "accounts/researcher_signup.html"

    def get_form_class(self) -> type[forms.ResearcherSignUpForm]:
        return forms.ResearcherSignUpForm


class AccountLoginView(allauth_views.LoginView):  # type: ignore[misc]
    """allauth's sign-in (email and password, then the second factor if the person has one;
    or a passkey alone). django-axes counts failures through authenticate()."""

    template_name = "accounts/login.html"


class AccountLogoutView(allauth_views.LogoutView):  # type: ignore[misc]
    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().post(*args, **kwargs)
        # Nothing personal stays on the device: answers waiting to be sent, the service
        # worker's cache and registration, the HTTP cache (docs/offline.md).
        response["Clear-Site-Data"] = pwa.CLEAR_SITE_DATA
        return response


class SessionsView(ListUserSessionsView):  # type: ignore[misc]
    """The person's own sessions and API tokens, with "sign out everywhere else", which ends
    the other sessions and revokes every token."""

    template_name = "accounts/sessions.html"
    success_url = reverse_lazy("accounts:sessions")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        context["tokens"] = selectors.api_token_list(user=request_user(self.request))
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        services.sessions_end_others(
            user=request_user(self.request),
            keep_session_key=self.request.session.session_key,
            reason="asked",
        )
        messages.success(
            self.request,
            _("You are now signed out everywhere else, and your API tokens are ended."),
        )
        return redirect(self.success_url)


# --- Profile and consent --------------------------------------------------------------------


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form_class: type[forms.NameForm | forms.PatientProfileForm] = forms.NameForm
    initial: dict[str, Any] = {"full_name": user.full_name}
    if user.is_patient:
        form_class = forms.PatientProfileForm
        initial.update(forms.ProfileForm.initial_from(user.patient_profile))
    if request.method != "POST":
        form = form_class(initial=initial)
    else:
        form = form_class(request.POST, initial=initial)
        if form.is_valid():
            profile_changes = (
                form.profile_data(changed_only=True)
                if isinstance(form, forms.ProfileForm)
                else None
            )
            try:
                services.me_update(
                    user=user, full_name=form.cleaned_data["full_name"], profile=profile_changes
                )
            except ValidationError as error:
                user.refresh_from_db()
                form.add_error(None, error)
            else:
                # Said in the language just chosen: the next page is shown in it.
                language = (profile_changes or {}).get("language") or get_language()
                with translation.override(language):
                    messages.success(request, _("Your changes are saved."))
                return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@role_required(Role.PATIENT)
def consent(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    purpose = ConsentPurpose.RESEARCH
    if request.method == "POST":
        form = forms.ConsentForm(request.POST)
        if not form.is_valid():
            return HttpResponse(_("Choose to grant or to withdraw consent."), status=400)
        services.consent_set(user=user, purpose=purpose, granted=form.granted)
        if form.granted:
            messages.success(request, _("Thank you. You have agreed to research use."))
        else:
            messages.success(
                request,
                _("You have withdrawn your consent. Your data is left out of new research tables."),
            )
        return redirect("accounts:consent")
    state = selectors.consent_state(user=user, purpose=purpose)
    return render(request, "accounts/consent.html", {"state": state})


# --- Sharing --------------------------------------------------------------------------------

SHARING_ROLES = (Role.PATIENT, Role.CLINICIAN)


def _sharing_page(request: HttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    user = request_user(request)
    context: dict[str, Any] = {
        "links": selectors.sharing_link_list(user=user),
        "invites": selectors.invite_list(user=user),
        "now": timezone.now(),
    }
    if user.is_clinician:
        context["redeem_form"] = forms.RedeemForm(auto_id="redeem_%s")
        context["invite_form"] = forms.InviteForm(auto_id="invite_%s")
    context.update(extra)
    return render(request, "accounts/sharing.html", context, status=status)


@role_required(*SHARING_ROLES)
def sharing(request: HttpRequest) -> HttpResponse:
    return _sharing_page(request)


@require_POST
@role_required(Role.PATIENT)
def share_code_create(request: HttpRequest) -> HttpResponse:
    # Shown in this response only: the code is never stored in plain form, not even in a message.
    code, share_code = services.share_code_create(patient=request_user(request))
    return _sharing_page(request, share_code=code, share_code_expires_at=share_code.expires_at)


@require_POST
@role_required(Role.CLINICIAN)
def share_code_redeem(request: HttpRequest) -> HttpResponse:
    form = forms.RedeemForm(request.POST, auto_id="redeem_%s")
    if not form.is_valid():
        return _sharing_page(request, redeem_form=form)
    if is_throttled(request, "share_redeem"):
        form.add_error(None, _("Too many codes tried in a short time. Wait a minute, then retry."))
        return _sharing_page(request, redeem_form=form, status=429)
    try:
        link = services.share_code_redeem(
            clinician=request_user(request), code=form.cleaned_data["code"]
        )
    except errors.ShareCodeInvalid as error:
        form.add_error("code", str(error.message))
        return _sharing_page(request, redeem_form=form)
    messages.success(
        request,
        _("%(name)s now shares their data with you.") % {"name": link.patient.get_full_name()},
    )
    return redirect("accounts:sharing")


INVITE_SENT_MESSAGE = gettext_lazy(
    "If this address belongs to a patient or they sign up, they will see your invitation."
)


@require_POST
@role_required(Role.CLINICIAN)
def invite_create(request: HttpRequest) -> HttpResponse:
    form = forms.InviteForm(request.POST, auto_id="invite_%s")
    if not form.is_valid():
        return _sharing_page(request, invite_form=form)
    if is_throttled(request, "invite"):
        form.add_error(None, _("Too many invitations sent in a short time. Try again later."))
        return _sharing_page(request, invite_form=form, status=429)
    services.invite_create(clinician=request_user(request), email=form.cleaned_data["email"])
    # The same words whether or not the address has an account: no way to probe who is here.
    messages.success(request, INVITE_SENT_MESSAGE)
    return redirect("accounts:sharing")


@require_POST
@role_required(*SHARING_ROLES)
def sharing_revoke(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = request_user(request)
    link = selectors.sharing_link_get(user=user, public_id=public_id)
    services.sharing_link_revoke(link=link, by=user)
    if user.is_patient:
        text = _("You stopped sharing with %(name)s.") % {"name": link.clinician.get_full_name()}
    else:
        text = _("You no longer see the data of %(name)s.") % {"name": link.patient.get_full_name()}
    messages.success(request, text)
    return redirect("accounts:sharing")


def _invite_decide(request: HttpRequest, public_id: UUID, *, accept: bool) -> HttpResponse:
    user = request_user(request)
    invite = selectors.invite_get(user=user, public_id=public_id)
    name = invite.clinician.get_full_name()
    try:
        services.invite_decide(invite=invite, patient=user, accept=accept)
    except errors.InviteNotPending as error:
        messages.error(request, str(error.message))
        return redirect("accounts:sharing")
    if accept:
        text = _("You now share your data with %(name)s. You can stop at any time.")
    else:
        text = _("You declined the invitation from %(name)s.")
    messages.success(request, text % {"name": name})
    return redirect("accounts:sharing")


@require_POST
@role_required(Role.PATIENT)
def invite_accept(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _invite_decide(request, public_id, accept=True)


@require_POST
@role_required(Role.PATIENT)
def invite_decline(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _invite_decide(request, public_id, accept=False)
