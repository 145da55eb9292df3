from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from fhir.resources.R4B.questionnaire import Questionnaire

from accounts.models import User
from symptoms.models import InstrumentText

pytestmark = pytest.mark.django_db
DAILY_ITEMS = ("fatigue", "mobility", "upper_limb", "pain", "cognition")


def questionnaire(**overrides: Any) -> dict[str, Any]:
    """A made-up FHIR R4 Questionnaire for the daily check-in: wording invented for the test,
    nested in a group as licensed files often are."""
    body: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "status": "active",
        "name": "daily",
        "url": "https://example.org/fhir/Questionnaire/daily",
        "version": "1",
        "language": "it",
        "title": "Test title",
        "copyright": "Test copyright",
        "item": [
            {
                "linkId": "group",
                "type": "group",
                "item": [
                    {
                        "linkId": item_id,
                        "type": "choice",
                        "text": f"Wording {item_id}",
                        "answerOption": [
                            {"valueCoding": {"code": str(v), "display": f"Option {v}"}}
                            for v in range(11)
                        ],
                    }
                    for item_id in DAILY_ITEMS
                ],
            }
        ],
    }
    return body | overrides


def write(tmp_path: Path, body: Any) -> Path:
    path = tmp_path / "q.json"
    path.write_text(json.dumps(body))
    return path


def test_the_test_file_is_a_valid_fhir_questionnaire() -> None:
    assert Questionnaire.model_validate(questionnaire()).name == "daily"


def test_it_imports_the_wording_for_the_api(
    tmp_path: Path, alice: User, api_as: Any, capsys: Any
) -> None:
    call_command("import_instrument_text", str(write(tmp_path, questionnaire())))

    text = InstrumentText.objects.get()
    assert (text.instrument, text.instrument_version, text.language) == ("daily", "1", "it")
    assert text.items["pain"] == {
        "text": "Wording pain",
        "options": {str(v): f"Option {v}" for v in range(11)},
    }
    assert "Imported 5 items of daily v1 (it)." in capsys.readouterr().out
    body = api_as(alice).get("/api/v1/instruments/daily/?language=it").json()
    assert body["has_official_text"] is True
    assert body["items"][3]["text"] == "Wording pain"
    english = api_as(alice).get("/api/v1/instruments/daily/?language=en").json()
    assert english["items"][3]["text"] is None


def test_importing_again_replaces_the_wording(tmp_path: Path) -> None:
    call_command("import_instrument_text", str(write(tmp_path, questionnaire())))
    changed = questionnaire(title="New title")
    changed["item"][0]["item"][0]["text"] = "New wording"

    call_command("import_instrument_text", str(write(tmp_path, changed)))

    text = InstrumentText.objects.get()
    assert (text.title, text.items["fatigue"]["text"]) == ("New title", "New wording")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (questionnaire(resourceType="Patient"), "resourceType must be Questionnaire"),
        (questionnaire(name="nope", url=""), "unknown instrument 'nope'"),
        (questionnaire(version="9"), "no definition daily v9"),
        (questionnaire(language="xx"), "language 'xx' is not one of the site's languages"),
        (
            questionnaire(item=[{"linkId": "walking", "type": "choice", "text": "W"}]),
            "item linkId 'walking' is not in daily",
        ),
        (
            questionnaire(item=[{"linkId": "fatigue", "type": "choice", "text": "F"}]),
            "no text for items mobility, upper_limb, pain, cognition",
        ),
        (
            questionnaire(
                item=[
                    {
                        "linkId": "fatigue",
                        "type": "choice",
                        "text": "F",
                        "answerOption": [{"valueInteger": 11}],
                    }
                ]
            ),
            "item 'fatigue': answer option 11 is not one of",
        ),
        ([], "does not hold a JSON object"),
    ],
)
def test_it_refuses_a_file_that_does_not_match(tmp_path: Path, body: Any, message: str) -> None:
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        call_command("import_instrument_text", str(write(tmp_path, body)))

    assert InstrumentText.objects.count() == 0


def test_it_says_when_the_file_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    path.write_text("{not json")

    with pytest.raises(CommandError, match="is not JSON"):
        call_command("import_instrument_text", str(path))


def test_the_instrument_can_be_named_on_the_command_line(tmp_path: Path) -> None:
    body = questionnaire(name="", url="", language="en")

    call_command(
        "import_instrument_text",
        str(write(tmp_path, body)),
        "--instrument=daily",
        "--language=it",
    )

    assert InstrumentText.objects.get().language == "it"
