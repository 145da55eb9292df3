"""Web pages for self-reports: the daily check-in, questionnaires one question per page, the
receipt, the history, "your data" and who viewed it. Patients only: other roles get a 403, and
every read is of ``request.user``'s own reports, so another patient's report is a 404.

The clinician's pages (``clinic``) show patients who share with the clinician now; anyone
else's id is a 404.

Writes go through ``symptoms.services`` (and ``accounts.services.account_delete``).
"""

from __future__ import annotations

from symptoms.views.checkin import checkin
from symptoms.views.clinic import clinic_chart, clinic_patient, clinic_patients, clinic_summary
from symptoms.views.data_views import data_views
from symptoms.views.history import history_chart, history_page
from symptoms.views.my_data import account_delete, account_deleted, my_data
from symptoms.views.questionnaires import (
    question,
    questionnaire,
    questionnaire_restart,
    report,
    review,
)
from symptoms.views.reminders import reminder_edit, reminders_page

__all__ = [
    "account_delete",
    "account_deleted",
    "checkin",
    "clinic_chart",
    "clinic_patient",
    "clinic_patients",
    "clinic_summary",
    "data_views",
    "history_chart",
    "history_page",
    "my_data",
    "question",
    "questionnaire",
    "questionnaire_restart",
    "reminder_edit",
    "reminders_page",
    "report",
    "review",
]
