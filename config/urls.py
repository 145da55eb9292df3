from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import healthz

admin.site.site_header = "MS Symptom Tracker staff"
# Staff sign in on the site's own login page (password, then their second factor, lockout and
# all); the admin's password form would skip the second factor.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("symptoms.api_urls")),
    path("", include("accounts.urls")),
    path("", include("accounts.allauth_urls")),
    path("", include("symptoms.urls")),
]

handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
