"""django-allauth's pages under /accounts/ (reset, confirmation, second factors, passkeys,
sessions), with its names for sign-in, sign-up and sign-out pointing at the site's own
addresses, so its links and redirects lead where the menu does.

Not namespaced: allauth reverses its own names (``account_login``, ``mfa_index``...).
"""

from __future__ import annotations

from django.urls import include, path

from accounts import views

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    # After allauth's patterns: of two patterns with one name, reverse() gives the later one.
    path("login/", views.AccountLoginView.as_view(), name="account_login"),
    path("signup/", views.SignUpView.as_view(), name="account_signup"),
    path("logout/", views.AccountLogoutView.as_view(), name="account_logout"),
]
