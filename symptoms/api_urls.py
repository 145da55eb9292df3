from __future__ import annotations

from django.urls import path

from symptoms.instruments import api as instrument_api
from symptoms.my_data import api as my_data_api
from symptoms.reminders import api as reminder_api
from symptoms.reports import api as report_api
from symptoms.research import api as research_api
from symptoms.trends import api as trend_api

urlpatterns = [
    path("instruments/", instrument_api.InstrumentListView.as_view(), name="api-instruments"),
    path(
        "instruments/<str:code>/",
        instrument_api.InstrumentDetailView.as_view(),
        name="api-instrument-detail",
    ),
    path("reports/", report_api.ReportListCreateView.as_view(), name="api-reports"),
    path(
        "reports/<uuid:public_id>/", report_api.ReportDetailView.as_view(), name="api-report-detail"
    ),
    path("me/export/", my_data_api.ExportView.as_view(), name="api-export"),
    path("me/deletion/", my_data_api.AccountDeleteView.as_view(), name="api-account-delete"),
    path(
        "reminder-schedules/",
        reminder_api.ScheduleListCreateView.as_view(),
        name="api-reminder-schedules",
    ),
    path(
        "reminder-schedules/<uuid:public_id>/",
        reminder_api.ScheduleDetailView.as_view(),
        name="api-reminder-schedule-detail",
    ),
    path(
        "reminder-deliveries/",
        reminder_api.DeliveryListView.as_view(),
        name="api-reminder-deliveries",
    ),
    path(
        "reminder-adherence/",
        reminder_api.AdherenceView.as_view(),
        name="api-reminder-adherence",
    ),
    path(
        "push-subscriptions/",
        reminder_api.PushSubscriptionListCreateView.as_view(),
        name="api-push-subscriptions",
    ),
    path(
        "push-subscriptions/<uuid:public_id>/",
        reminder_api.PushSubscriptionDetailView.as_view(),
        name="api-push-subscription-detail",
    ),
    path("me/trends/", trend_api.OwnTrendsView.as_view(), name="api-own-trends"),
    path("patients/", trend_api.PatientListView.as_view(), name="api-patients"),
    path(
        "patients/<uuid:public_id>/trends/",
        trend_api.PatientTrendsView.as_view(),
        name="api-patient-trends",
    ),
    path(
        "patients/<uuid:public_id>/baselines/",
        trend_api.BaselineResetView.as_view(),
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
