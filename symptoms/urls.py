from __future__ import annotations

from django.urls import path

from symptoms import views
from symptoms.research import views as research_views
from symptoms.views import reminder_links

app_name = "symptoms"

urlpatterns = [
    path("check-in/", views.checkin, name="checkin"),
    path("questionnaires/<slug:code>/", views.questionnaire, name="questionnaire"),
    path(
        "questionnaires/<slug:code>/restart/",
        views.questionnaire_restart,
        name="questionnaire_restart",
    ),
    path("questionnaires/<slug:code>/<int:number>/", views.question, name="question"),
    path("questionnaires/<slug:code>/review/", views.review, name="review"),
    path("reports/<uuid:public_id>/", views.report, name="report"),
    path("history/", views.history_page, name="history"),
    path("history/charts/<slug:domain>.svg", views.history_chart, name="history_chart"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/views/", views.data_views, name="data_views"),
    path("my-data/delete/", views.account_delete, name="account_delete"),
    path("goodbye/", views.account_deleted, name="account_deleted"),
    path("reminders/", views.reminders_page, name="reminders"),
    path("reminders/<uuid:public_id>/", views.reminder_edit, name="reminder_edit"),
    path("reminders/link/<str:token>/", reminder_links.reminder_manage, name="reminder_manage"),
    path("reminders/link/<str:token>/stop/", reminder_links.reminder_stop, name="reminder_stop"),
    path("clinic/patients/", views.clinic_patients, name="clinic_patients"),
    path("clinic/patients/<uuid:public_id>/", views.clinic_patient, name="clinic_patient"),
    path(
        "clinic/patients/<uuid:public_id>/summary/",
        views.clinic_summary,
        name="clinic_summary",
    ),
    path(
        "clinic/patients/<uuid:public_id>/charts/<slug:domain>.svg",
        views.clinic_chart,
        name="clinic_chart",
    ),
]

# --- Research releases ---
urlpatterns += [
    path("research/priorities/", research_views.priorities_page, name="research_priorities"),
    path(
        "research/priorities/chart.svg",
        research_views.priorities_chart,
        name="research_priorities_chart",
    ),
    path("research/releases/", research_views.releases_page, name="research_releases"),
    path(
        "research/releases/<uuid:public_id>/",
        research_views.release_page,
        name="research_release",
    ),
]
