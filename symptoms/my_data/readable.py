"""The person's own data as a table to read in a spreadsheet, in their language.

The tidy CSV of the export (``export.export_csv_rows``) is a stable, coded format for programs:
its headings and values are codes, and it keeps replaced reports. This one is for reading:
headings, questionnaires, questions and answers in the person's language, dates, times and
decimals written the locale's way, only the answers in force (a correction replaces what it
corrects), and, where the locale writes decimals with a comma, a semicolon between columns, as
spreadsheets there expect.
"""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import User
from symptoms.history.selectors import number
from symptoms.instruments.definitions import instrument_get
from symptoms.models import Report
from symptoms.reports.forms import CONTEXT_TAG_LABELS, answer_label, wording_get


def delimiter() -> str:
    """The column separator spreadsheets expect where the locale writes 2,5 for two and a half."""
    return ";" if formats.get_format("DECIMAL_SEPARATOR") == "," else ","


def readable_rows(*, patient: User) -> Iterator[tuple[str, ...]]:
    yield (_("Date"), _("Time"), _("Questionnaire"), _("What"), _("Question or scale"), _("Value"))
    reports = (
        Report.objects.filter(patient=patient)
        .current()
        .order_by("local_date", "completed_at", "id")
    )
    for report in reports:
        definition = instrument_get(report.instrument, report.instrument_version)
        moment = report.completed_at.astimezone(ZoneInfo(report.time_zone))
        head = (
            formats.date_format(report.local_date, "SHORT_DATE_FORMAT"),
            formats.time_format(moment, "TIME_FORMAT"),
            definition.name if definition else report.instrument,
        )
        items = {item.id: item for item in definition.items} if definition else {}
        scales = {scale.key: scale for scale in definition.scales} if definition else {}
        wording = wording_get(definition, None) if definition else {}
        for item_id, value in report.answers.items():
            item = items.get(item_id)
            label = item.label if item else item_id
            answer = answer_label(item, wording[item_id], value) if item else str(value)
            yield (*head, _("Answer"), label, answer)
        for key, value in report.scores.items():
            scale = scales.get(key)
            shown = "" if value is None else number(value)
            yield (*head, _("Score"), scale.label if scale else key, shown)
        for tag in report.context_tags:
            yield (*head, _("Context"), str(CONTEXT_TAG_LABELS.get(tag, tag)), "")
        if report.note:
            yield (*head, _("Note"), "", report.note)
