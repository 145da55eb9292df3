from __future__ import annotations

from django.urls import path

from accounts import pwa, views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    # At the root: a service worker controls only the pages at or below its own address.
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("offline/", pwa.offline, name="offline"),
    path("signup/", views.SignUpView.as_view(), name="signup"),
    path("signup/researcher/", views.ResearcherSignUpView.as_view(), name="researcher_signup"),
    path("login/", views.AccountLoginView.as_view(), name="login"),
    path("logout/", views.AccountLogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("profile/sessions/", views.SessionsView.as_view(), name="sessions"),
    path("consent/", views.consent, name="consent"),
    path("sharing/", views.sharing, name="sharing"),
    path("sharing/code/", views.share_code_create, name="share_code_create"),
    path("sharing/redeem/", views.share_code_redeem, name="share_code_redeem"),
    path("sharing/invites/", views.invite_create, name="invite_create"),
    path("sharing/links/<uuid:public_id>/revoke/", views.sharing_revoke, name="sharing_revoke"),
    path("sharing/invites/<uuid:public_id>/accept/", views.invite_accept, name="invite_accept"),
    path("sharing/invites/<uuid:public_id>/decline/", views.invite_decline, name="invite_decline"),
]
