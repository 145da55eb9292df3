"""Loading reports from another system (``manage.py import_reports``): CSV or NDJSON, one
report a line, in the format docs/import.md describes.

Each line goes through what an API submission goes through: the API's input serializer
(``api.ReportIn``), then ``services.report_submit`` (with ``is_import``, so reports may be
older than a phone may queue them). Every problem is reported with its line number; if there
is any, nothing is stored (one transaction). A line whose ``client_id`` is already stored with
the same answers is counted as already there, as the API answers a retry: running a file
again stores nothing twice.
"""

from __future__ import annotations

import csv
import json
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from django.db import transaction
from rest_framework.exceptions import ErrorDetail

from accounts.models import Role, User
from config.service_errors import ServiceError
from symptoms.reports.api import ReportIn
from symptoms.reports.services import report_submit

ANSWER_PREFIX = "answers."
FIELDS = frozenset({"patient", *ReportIn().fields})
CSV_LIST_FIELDS = frozenset({"context_tags"})
WHOLE_NUMBER = re.compile(r"[+-]?\d+")


@dataclass(frozen=True)
class LineError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class Imported:
    created: int
    already_stored: int


class ImportFailed(Exception):
    def __init__(self, errors: list[LineError]) -> None:
        super().__init__(f"{len(errors)} lines have errors")
        self.errors = errors


# --- Reading --------------------------------------------------------------------------------


def _csv_records(stream: TextIO) -> Iterator[tuple[int, dict[str, Any] | LineError]]:
    """Each row as the API's request body: ``answers.<item>`` columns make ``answers`` (a whole
    number, or a text answer such as ``too_tired``; an empty cell is not answered), and
    ``context_tags`` are separated by ``;``. Empty cells are left out."""
    reader = csv.DictReader(stream)
    unknown = [
        name
        for name in reader.fieldnames or []
        if name not in FIELDS and not name.startswith(ANSWER_PREFIX)
    ]
    if unknown:
        yield 1, LineError(1, f"unknown columns: {', '.join(sorted(unknown))}")
        return
    for row in reader:
        body: dict[str, Any] = {}
        answers: dict[str, int | str] = {}
        for name, cell in row.items():
            if name is None or cell is None:  # more cells than columns, or fewer
                yield reader.line_num, LineError(reader.line_num, "wrong number of cells")
                break
            value = cell.strip()
            if not value:
                continue
            if name.startswith(ANSWER_PREFIX):
                answers[name.removeprefix(ANSWER_PREFIX)] = (
                    int(value) if WHOLE_NUMBER.fullmatch(value) else value
                )
            elif name in CSV_LIST_FIELDS:
                body[name] = [tag.strip() for tag in value.split(";") if tag.strip()]
            else:
                body[name] = value
        else:
            body["answers"] = answers
            yield reader.line_num, body


def _ndjson_records(stream: TextIO) -> Iterator[tuple[int, dict[str, Any] | LineError]]:
    """Each non-blank line a JSON object: the API's request body and ``patient``."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            body = json.loads(line)
        except ValueError:
            yield number, LineError(number, "not valid JSON")
            continue
        if not isinstance(body, dict):
            yield number, LineError(number, "not a JSON object")
            continue
        unknown = set(body) - FIELDS
        if unknown:
            yield number, LineError(number, f"unknown fields: {', '.join(sorted(unknown))}")
            continue
        yield number, body


def records(
    path: Path, *, kind: str | None = None
) -> Iterator[tuple[int, dict[str, Any] | LineError]]:
    """The file's records with their line numbers; ``kind`` is ``csv`` or ``ndjson`` (by
    default from the file's suffix: ``.csv``, else NDJSON)."""
    kind = kind or ("csv" if path.suffix.lower() == ".csv" else "ndjson")
    with path.open(encoding="utf-8-sig", newline="") as stream:
        yield from (_csv_records(stream) if kind == "csv" else _ndjson_records(stream))


# --- Checking and storing -------------------------------------------------------------------


def _flatten(errors: Any, prefix: str = "") -> list[str]:
    """A serializer's errors as ``field: message`` strings (``answers.fatigue: …``)."""
    if isinstance(errors, Mapping):
        return [
            text
            for key, value in errors.items()
            for text in _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        ]
    if isinstance(errors, list):
        return [text for value in errors for text in _flatten(value, prefix)]
    message = str(errors) if isinstance(errors, ErrorDetail | str) else repr(errors)
    return [f"{prefix}: {message}" if prefix else message]


def _service_reasons(error: ServiceError) -> list[str]:
    if error.field_errors:
        return [
            f"{error.field}.{item}: {message}" for item, (_, message) in error.field_errors.items()
        ]
    return [f"{error.field}: {error.message}" if error.field else str(error.message)]


class _PatientLookup:
    """Patients by email (any case) or public id, each looked up once."""

    def __init__(self) -> None:
        self.found: dict[str, User | None] = {}

    def __call__(self, key: object) -> User | None:
        if not isinstance(key, str) or not key.strip():
            return None
        key = key.strip().lower()
        if key not in self.found:
            patients = User.objects.filter(role=Role.PATIENT).select_related("patient_profile")
            try:
                found = patients.filter(public_id=uuid.UUID(key)).first()
            except ValueError:
                found = patients.filter(email__iexact=key).first()
            self.found[key] = found
        return self.found[key]


def _store(body: dict[str, Any], patient_of: _PatientLookup) -> bool | list[str]:
    """Store one record; True if made, False if already stored, else the reasons it is not."""
    patient = patient_of(body.get("patient"))
    if patient is None:
        return ["patient: no patient has this email address or id"]
    data = ReportIn(data={key: value for key, value in body.items() if key != "patient"})
    if not data.is_valid():
        return _flatten(data.errors)
    try:
        submitted = report_submit(patient=patient, is_import=True, **data.validated_data)
    except ServiceError as error:
        return _service_reasons(error)
    return submitted.created


def reports_import(path: Path, *, kind: str | None = None) -> Imported:
    """Store every report in the file, or none: raises :class:`ImportFailed` with every line's
    problems."""
    errors: list[LineError] = []
    created = already = 0
    patient_of = _PatientLookup()
    with transaction.atomic():
        for number, record in records(path, kind=kind):
            if isinstance(record, LineError):
                errors.append(record)
                continue
            outcome = _store(record, patient_of)
            if isinstance(outcome, list):
                errors += [LineError(number, reason) for reason in outcome]
            elif outcome:
                created += 1
            else:
                already += 1
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ImportFailed(errors)
    return Imported(created=created, already_stored=already)
