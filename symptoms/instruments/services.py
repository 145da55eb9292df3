"""Writes about instruments: importing the licensed official wording of an instrument."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from symptoms.instruments.definitions import instrument_get
from symptoms.models import InstrumentText

logger = logging.getLogger(__name__)


class QuestionnaireFileInvalid(ValueError):
    """The FHIR Questionnaire does not match the instrument's definition; the message says how."""


def _questionnaire_items(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        if item.get("type") != "group" and item.get("type") != "display":
            yield item
        yield from _questionnaire_items(item.get("item") or [])


def _option_value(option: dict[str, Any]) -> int | None:
    if isinstance(option.get("valueInteger"), int):
        return int(option["valueInteger"])
    code = (option.get("valueCoding") or {}).get("code")
    if isinstance(code, str) and code.lstrip("-").isdigit():
        return int(code)
    return None


def _option_label(option: dict[str, Any]) -> str:
    coding = option.get("valueCoding") or {}
    return str(coding.get("display") or option.get("valueString") or "")


@transaction.atomic
def instrument_text_import(
    *, questionnaire: Mapping[str, Any], instrument: str, version: str, language: str
) -> InstrumentText:
    """Store the licensed wording of one instrument version from a FHIR R4 Questionnaire.

    Every answerable item's ``linkId`` must be one of the definition's item ids and every
    definition item must have text; each item's ``answerOption`` values (``valueInteger`` or a
    numeric ``valueCoding.code``) must be the definition's values. Importing again replaces the
    wording for that language.
    """
    definition = instrument_get(instrument, version)
    if definition is None:
        raise QuestionnaireFileInvalid(f"no definition {instrument} v{version}")
    if questionnaire.get("resourceType") != "Questionnaire":
        raise QuestionnaireFileInvalid("resourceType must be Questionnaire")
    texts: dict[str, dict[str, Any]] = {}
    for item in _questionnaire_items(list(questionnaire.get("item") or [])):
        link_id = str(item.get("linkId", ""))
        ours = definition.item(link_id)
        if ours is None:
            raise QuestionnaireFileInvalid(f"item linkId {link_id!r} is not in {instrument}")
        if not item.get("text"):
            raise QuestionnaireFileInvalid(f"item {link_id!r} has no text")
        options: dict[str, str] = {}
        for option in item.get("answerOption") or []:
            value = _option_value(option)
            if value is None or value not in ours.values:
                raise QuestionnaireFileInvalid(
                    f"item {link_id!r}: answer option {value!r} is not one of {ours.values}"
                )
            options[str(value)] = _option_label(option)
        texts[link_id] = {"text": str(item["text"]), "options": options}
    missing = [item.id for item in definition.items if item.id not in texts]
    if missing:
        raise QuestionnaireFileInvalid(f"no text for items {', '.join(missing)}")
    source = " | ".join(
        str(part) for part in (questionnaire.get("url"), questionnaire.get("copyright")) if part
    )
    text, _ = InstrumentText.objects.update_or_create(
        instrument=definition.code,
        instrument_version=definition.version,
        language=language,
        defaults={
            "title": str(questionnaire.get("title") or "")[:200],
            "items": texts,
            "source": source[:500],
            "imported_at": timezone.now(),
        },
    )
    logger.info(
        "instrument text imported instrument=%s version=%s language=%s",
        definition.code,
        definition.version,
        language,
    )
    return text
