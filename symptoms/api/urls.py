from __future__ import annotations

from django.urls import path

from symptoms.api import clinician, reminders, views
from symptoms.research import api as research_api

urlpatterns = [
    path("instruments/", views.InstrumentListView.as_view(), name="api-instruments"),
    path(
        "instruments/<str:code>/",
        views.InstrumentDetailView.as_view(),
        name="api-instrument-detail",
    ),
    path("reports/", views.ReportListCreateView.as_view(), name="api-reports"),
    path("reports/<uuid:public_id>/", views.ReportDetailView.as_view(), name="api-report-detail"),
    path("me/export/", views.ExportView.as_view(), name="api-export"),
    path("me/deletion/", views.AccountDeleteView.as_view(), name="api-account-delete"),
    path(
        "reminder-schedules/",
        reminders.ScheduleListCreateView.as_view(),
        name="api-reminder-schedules",
    ),
    path(
        "reminder-schedules/<uuid:public_id>/",
        reminders.ScheduleDetailView.as_view(),
        name="api-reminder-schedule-detail",
    ),
    path(
        "reminder-deliveries/",
        reminders.DeliveryListView.as_view(),
        name="api-reminder-deliveries",
    ),
    path(
        "reminder-adherence/",
        reminders.AdherenceView.as_view(),
        name="api-reminder-adherence",
    ),
    path("me/trends/", clinician.OwnTrendsView.as_view(), name="api-own-trends"),
    path("patients/", clinician.PatientListView.as_view(), name="api-patients"),
    path(
        "patients/<uuid:public_id>/trends/",
        clinician.PatientTrendsView.as_view(),
        name="api-patient-trends",
    ),
    path(
        "patients/<uuid:public_id>/baselines/",
        clinician.BaselineResetView.as_view(),
        name="api-patient-baselines",
    ),
]

# --- Research releases ---
urlpatterns += [
    path("research/releases/", research_api.ReleaseListView.as_view(), name="api-releases"),
    path(
        "research/releases/<uuid:public_id>/",
        research_api.ReleaseDetailView.as_view(),
        name="api-release-detail",
    ),
    path(
        "research/releases/<uuid:public_id>/download/",
        research_api.ReleaseDownloadView.as_view(),
        name="api-release-download",
    ),
]
