from __future__ import annotations

from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.home, name="signup"),
    path("sharing/", views.home, name="sharing"),
]
