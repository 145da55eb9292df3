"""The person's own data as a table to read in a spreadsheet, in their language.

The tidy CSV of the export (``export.export_csv_chunks``) is a stable, coded format for
programs: its headings and values are codes, one row per answer, and it keeps replaced reports.
This one is for reading: one row per report in force (a correction replaces what it corrects),
one column per question and per score of each questionnaire the person has answered, then the
context and the note; headings, questionnaires and answers in the person's language, dates,
times and decimals written the locale's way, and, where the locale writes decimals with a
comma, a semicolon between columns, as spreadsheets there expect.

It is written as it is read: the columns come from the definitions of the questionnaire
versions the person has answered (one small query), then the reports are read a chunk at a
time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import User
from symptoms.history.selectors import number
from symptoms.instruments.definitions import DAILY, instrument_get
from symptoms.instruments.scoring import Instrument
from symptoms.models import Report
from symptoms.my_data.export import CHUNK_SIZE
from symptoms.reports.forms import CONTEXT_TAG_LABELS, Wording, answer_label, wording_get


def delimiter() -> str:
    """The column separator spreadsheets expect where the locale writes 2,5 for two and a half."""
    return ";" if formats.get_format("DECIMAL_SEPARATOR") == "," else ","


# A column: (instrument code, "answer" or "score", item id or scale key).
Column = tuple[str, str, str]


@dataclass(frozen=True)
class _Version:
    definition: Instrument | None
    wording: dict[str, Wording]


def _current(patient: User) -> Any:
    return Report.objects.filter(patient=patient).current()


def _versions(patient: User) -> dict[tuple[str, str], _Version]:
    used = _current(patient).values_list("instrument", "instrument_version").distinct()
    versions = {}
    for code, version in sorted(set(used)):
        definition = instrument_get(code, version)
        wording = wording_get(definition, None) if definition else {}
        versions[code, version] = _Version(definition, wording)
    return versions


def _columns(patient: User, versions: dict[tuple[str, str], _Version]) -> dict[Column, str]:
    """Every column with its heading: the daily check-in first, then questionnaires by name;
    within one, its questions in order, then its scores. A question or score only an earlier
    version had keeps its column."""
    columns: dict[Column, str] = {}

    def order(key: tuple[str, str]) -> tuple[bool, str, str, int]:
        code, version = key
        definition = versions[key].definition
        name = definition.short_name if definition else code
        # The newest version first, so its labels name the columns the versions share.
        return (code != DAILY, name, code, -int(version) if version.isdigit() else 0)

    for code, version in sorted(versions, key=order):
        definition = versions[code, version].definition
        if definition is None:
            # A version no longer defined: its columns are named by its codes.
            for answers, scores in (
                _current(patient)
                .filter(instrument=code, instrument_version=version)
                .values_list("answers", "scores")
            ):
                for item_id in answers:
                    columns.setdefault((code, "answer", item_id), f"{code}: {item_id}")
                for key in scores:
                    columns.setdefault((code, "score", key), f"{code}: {key}")
            continue
        for item in definition.items:
            columns.setdefault(
                (code, "answer", item.id),
                _("%(questionnaire)s: %(label)s")
                % {"questionnaire": definition.short_name, "label": item.label},
            )
        for scale in definition.scales:
            columns.setdefault(
                (code, "score", scale.key),
                _("%(questionnaire)s (%(what)s): %(label)s")
                % {
                    "questionnaire": definition.short_name,
                    "what": _("Score"),
                    "label": scale.label,
                },
            )
    return columns


def readable_rows(*, patient: User) -> Iterator[tuple[str, ...]]:
    versions = _versions(patient)
    columns = _columns(patient, versions)
    position = {column: n for n, column in enumerate(columns)}
    yield (_("Date"), _("Time"), _("Questionnaire"), *columns.values(), _("Context"), _("Note"))
    reports = (
        _current(patient)
        .order_by("local_date", "completed_at", "id")
        .values(
            "instrument",
            "instrument_version",
            "local_date",
            "completed_at",
            "time_zone",
            "answers",
            "scores",
            "context_tags",
            "note",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for report in reports:
        code = report["instrument"]
        version = versions[code, report["instrument_version"]]
        definition = version.definition
        moment = report["completed_at"].astimezone(ZoneInfo(report["time_zone"]))
        cells = [""] * len(columns)
        for item_id, value in report["answers"].items():
            item = definition.item(item_id) if definition else None
            shown = answer_label(item, version.wording[item_id], value) if item else str(value)
            cells[position[code, "answer", item_id]] = shown
        for key, value in report["scores"].items():
            cells[position[code, "score", key]] = "" if value is None else number(value)
        tags = [str(CONTEXT_TAG_LABELS.get(tag, tag)) for tag in report["context_tags"]]
        yield (
            formats.date_format(report["local_date"], "SHORT_DATE_FORMAT"),
            formats.time_format(moment, "TIME_FORMAT"),
            definition.name if definition else code,
            *cells,
            ", ".join(tags),
            report["note"],
        )
