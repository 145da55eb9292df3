from __future__ import annotations

from django.urls import path

from symptoms.history import views as history_views
from symptoms.my_data import views as my_data_views
from symptoms.reminders import one_tap_views
from symptoms.reminders import views as reminder_views
from symptoms.reports import views as report_views
from symptoms.research import home as research_home
from symptoms.research import views as research_views
from symptoms.staff import views as staff_views
from symptoms.trends import summary as trend_summary
from symptoms.trends import views as trend_views

app_name = "symptoms"

urlpatterns = [
    path("check-in/", report_views.checkin, name="checkin"),
    path("check-in/offline/", report_views.checkin_offline, name="checkin_offline"),
    path("questionnaires/<slug:code>/", report_views.questionnaire, name="questionnaire"),
    path(
        "questionnaires/<slug:code>/restart/",
        report_views.questionnaire_restart,
        name="questionnaire_restart",
    ),
    path("questionnaires/<slug:code>/<int:number>/", report_views.question, name="question"),
    path("questionnaires/<slug:code>/review/", report_views.review, name="review"),
    path("reports/<uuid:public_id>/", report_views.report, name="report"),
    path("history/", history_views.history_page, name="history"),
    path("history/charts/<slug:domain>.svg", history_views.history_chart, name="history_chart"),
    path("my-data/", my_data_views.my_data, name="my_data"),
    path("my-data/views/", my_data_views.data_views, name="data_views"),
    path("my-data/table.csv", my_data_views.my_data_table, name="my_data_table"),
    path("my-data/delete/", my_data_views.account_delete, name="account_delete"),
    path("goodbye/", my_data_views.account_deleted, name="account_deleted"),
    path("reminders/", reminder_views.reminders_page, name="reminders"),
    path("reminders/<uuid:public_id>/", reminder_views.reminder_edit, name="reminder_edit"),
    path("reminders/link/<str:token>/", reminder_views.reminder_manage, name="reminder_manage"),
    path("reminders/link/<str:token>/stop/", reminder_views.reminder_stop, name="reminder_stop"),
    path("one-tap/", one_tap_views.one_tap_confirm, name="one_tap_confirm"),
    path("one-tap/done/", one_tap_views.one_tap_done, name="one_tap_done"),
    path("one-tap/<str:token>/", one_tap_views.one_tap_open, name="one_tap_open"),
    path("clinic/patients/", trend_views.clinic_patients, name="clinic_patients"),
    path("clinic/patients/<uuid:public_id>/", trend_views.clinic_patient, name="clinic_patient"),
    path(
        "clinic/patients/<uuid:public_id>/summary/",
        trend_summary.clinic_summary,
        name="clinic_summary",
    ),
    path(
        "clinic/patients/<uuid:public_id>/charts/<slug:domain>.svg",
        trend_views.clinic_chart,
        name="clinic_chart",
    ),
]

# --- Research releases ---
urlpatterns += [
    path("research/home/", research_home.home, name="research_home"),
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

# --- Staff ---
urlpatterns += [
    path("staff/", staff_views.home, name="staff_home"),
    path(
        "staff/researchers/<uuid:public_id>/decision/",
        staff_views.researcher_decision,
        name="staff_researcher_decision",
    ),
]
