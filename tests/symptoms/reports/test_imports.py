from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command

from accounts.models import User
from symptoms.instruments.scoring import AnswerProblem
from symptoms.models import Report, ReportScore
from symptoms.reports import errors
from symptoms.reports.imports import ImportFailed, reports_import
from symptoms.reports.services import PROBLEM_MESSAGES, report_submit
from tests.accounts.factories import PatientFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)
IDS = [uuid.UUID(int=n, version=4) for n in range(1, 10)]
CSV_HEADER = (
    "patient,instrument,client_id,completed_at,answers.fatigue,answers.mobility,"
    "answers.upper_limb,answers.pain,answers.cognition,context_tags,note\n"
)


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _ndjson(*bodies: dict[str, Any]) -> str:
    return "".join(json.dumps(body) + "\n" for body in bodies)


def _daily(patient: str, client_id: uuid.UUID, day: int, **answers: Any) -> dict[str, Any]:
    return {
        "patient": patient,
        "instrument": "daily",
        "client_id": str(client_id),
        "completed_at": f"2025-03-{day:02d}T19:30:00+00:00",
        "answers": {"fatigue": 6, "mobility": 7, "upper_limb": 3, "pain": 2, "cognition": 4}
        | answers,
    }


def test_it_imports_a_csv_file_scored_as_the_api_scores(tmp_path: Path, alice: User) -> None:
    path = _write(
        tmp_path,
        "reports.csv",
        CSV_HEADER
        + f"ALICE@example.org,daily,{IDS[0]},2025-03-01T19:30:00Z,6,7,3,2,too_tired,"
        + "heat;poor_sleep,\n"
        + f"{alice.public_id},daily,{IDS[1]},2025-03-02T19:30:00Z,5,,3,2,4,,a note\n",
    )

    assert reports_import(path).created == 2

    first, second = Report.objects.filter(patient=alice).order_by("local_date")
    assert first.local_date == date(2025, 3, 1)
    assert first.answers == {
        "fatigue": 6, "mobility": 7, "upper_limb": 3, "pain": 2, "cognition": "too_tired",
    }  # fmt: skip
    assert first.context_tags == ["heat", "poor_sleep"]
    assert second.answers == {"fatigue": 5, "upper_limb": 3, "pain": 2, "cognition": 4}
    assert second.note == "a note"
    # The same answers through the service the API calls give the same scores and rows.
    bob = PatientFactory()
    for report in (first, second):
        twin = report_submit(
            patient=bob, instrument="daily", answers=report.answers, client_id=uuid.uuid4(),
            completed_at=report.completed_at, is_import=True,
        ).report  # fmt: skip
        assert report.scores == twin.scores
        rows = ReportScore.objects.filter(report=report).values_list("scale", "value")
        assert set(rows) == set(
            ReportScore.objects.filter(report=twin).values_list("scale", "value")
        )


def test_it_imports_ndjson_with_every_questionnaire(tmp_path: Path, alice: User) -> None:
    pdds = {
        "patient": alice.email,
        "instrument": "pdds",
        "client_id": str(IDS[2]),
        "completed_at": "2025-03-01T20:00:00+00:00",
        "answers": {"1": 3},
    }
    path = _write(tmp_path, "reports.ndjson", _ndjson(_daily(alice.email, IDS[0], 1), pdds))
    path.write_text(path.read_text() + "\n")  # a blank line is skipped

    imported = reports_import(path)

    assert (imported.created, imported.already_stored) == (2, 0)
    assert set(Report.objects.filter(patient=alice).values_list("instrument", flat=True)) == {
        "daily",
        "pdds",
    }


def test_it_reports_every_bad_line_and_imports_nothing(tmp_path: Path, alice: User) -> None:
    path = _write(
        tmp_path,
        "reports.ndjson",
        _ndjson(
            _daily(alice.email, IDS[0], 1),  # good, but not stored: the file has errors
            _daily(alice.email, IDS[1], 2, fatigue=11),
            _daily(alice.email, IDS[2], 1),  # a second check-in on the same day
            _daily("nobody@example.org", IDS[3], 3),
            {**_daily(alice.email, IDS[4], 4), "instrument": "nope"},
            {**_daily(alice.email, IDS[5], 5), "client_id": "not-a-uuid"},
            {**_daily(alice.email, IDS[6], 6), "completed_at": "2027-01-01T00:00:00Z"},
            {**_daily(alice.email, IDS[7], 7), "colour": "blue"},
        )
        + "{not json\n",
    )

    with pytest.raises(ImportFailed) as failed:
        reports_import(path)

    assert [str(error) for error in failed.value.errors] == [
        f"line 2: answers.fatigue: {PROBLEM_MESSAGES[AnswerProblem.OUT_OF_RANGE]}",
        f"line 3: non_field_errors: {errors.DailyAlreadySubmitted.message}",
        "line 4: patient: no patient has this email address or id",
        f"line 5: instrument: {errors.UnknownInstrument.message}",
        "line 6: client_id: Must be a valid UUID.",
        f"line 7: completed_at: {errors.CompletedAtInvalid.message}",
        "line 8: unknown fields: colour",
        "line 9: not valid JSON",
    ]
    assert not Report.objects.exists()
    assert not ReportScore.objects.exists()


def test_it_names_bad_csv_lines_and_columns(tmp_path: Path, alice: User) -> None:
    path = _write(
        tmp_path,
        "reports.csv",
        CSV_HEADER
        + f"{alice.email},daily,{IDS[0]},2025-03-01T19:30:00Z,6,7,3,2,4,,\n"
        + f"{alice.email},daily,{IDS[1]},2025-03-02T19:30:00Z,6,7,3,2,4,tired,\n"
        + f"{alice.email},daily,{IDS[2]},2025-03-03T19:30:00Z,6\n",
    )
    with pytest.raises(ImportFailed) as failed:
        reports_import(path)
    assert [error.line for error in failed.value.errors] == [3, 4]
    assert not Report.objects.exists()

    header = _write(tmp_path, "other.csv", "patient,instrument,colour\n")
    with pytest.raises(ImportFailed) as failed:
        reports_import(header)
    assert [str(error) for error in failed.value.errors] == ["line 1: unknown columns: colour"]


def test_running_a_file_again_stores_nothing_twice(tmp_path: Path, alice: User) -> None:
    path = _write(
        tmp_path,
        "reports.ndjson",
        _ndjson(_daily(alice.email, IDS[0], 1), _daily(alice.email, IDS[1], 2)),
    )
    assert reports_import(path).created == 2

    again = reports_import(path)

    assert (again.created, again.already_stored) == (0, 2)
    assert Report.objects.count() == 2
    # The same client_id with other answers is a conflict, as in the API.
    changed = _write(tmp_path, "changed.ndjson", _ndjson(_daily(alice.email, IDS[0], 1, pain=9)))
    with pytest.raises(ImportFailed) as failed:
        reports_import(changed)
    assert failed.value.errors[0].line == 1
    assert "client_id" in failed.value.errors[0].reason


def test_the_command_prints_bad_lines_and_counts(
    tmp_path: Path, alice: User, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _write(tmp_path, "good.jsonl", _ndjson(_daily(alice.email, IDS[0], 1)))
    call_command("import_reports", str(good))
    assert "Imported 1 reports; 0 were already stored." in capsys.readouterr().out

    bad = _write(tmp_path, "bad.txt", _ndjson(_daily("nobody@example.org", IDS[1], 2)))
    with pytest.raises(CommandError, match="Nothing imported: 1 lines have errors"):
        call_command("import_reports", str(bad), "--format", "ndjson")
    err = capsys.readouterr().err
    assert "line 1: patient: no patient" in err
    assert "nobody" not in err  # the identifier is not echoed
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_reports", str(tmp_path / "missing.csv"))
