"""The person's reports as a FHIR R4 ``collection`` Bundle, written a piece at a time.

The Bundle holds the Patient, one QuestionnaireResponse per report (``amended`` for one a
correction replaced) and one Observation per score, ``derivedFrom`` its response, linked by
``urn:uuid`` references. A score's Observation is coded with the project's own code system
and, where the instrument's definition gives a verified LOINC code for that score, with LOINC
first (docs/reports.md, "LOINC").

Responses and Observations are the bulk of a Bundle, one and four or five per report, so their
JSON is filled into templates and pieces written once per export rather than encoded from a
dict each time; every value filled in is a UUID, an ISO datetime, a number or a piece written by
``dumps``, so nothing escapes unescaped. ``test_streaming`` holds the bytes to those the
dict-built Bundle had.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from symptoms.instruments.definitions import instrument_get
from symptoms.instruments.scoring import Instrument
from symptoms.my_data.export import reports_read
from symptoms.my_data.streaming import Array, Raw, dumps, json_chunks

FHIR_BASE = "https://ms-symptom-tracker.org/fhir"  # the project's canonical namespace
SPECIAL_ANSWER_SYSTEM = f"{FHIR_BASE}/CodeSystem/special-answer"
CONTEXT_TAG_SYSTEM = f"{FHIR_BASE}/CodeSystem/daily-context-tag"
SCALE_SYSTEM = f"{FHIR_BASE}/CodeSystem/scale"
LOINC_SYSTEM = "http://loinc.org"

SURVEY_CATEGORY = [
    {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": "survey",
            }
        ]
    }
]
RESPONSE = (
    '{"fullUrl":"urn:uuid:%(id)s","resource":{"resourceType":"QuestionnaireResponse",'
    f'"id":"%(id)s","identifier":{{"system":{dumps(f"{FHIR_BASE}/report")},"value":"%(id)s"}},'
    '"questionnaire":%(questionnaire)s,"status":"%(status)s","subject":%(subject)s,'
    '"authored":"%(at)s","source":%(subject)s,"item":[%(items)s]}}'
)
# An Observation is written as: OPENING, its id, one of AFTER_ID (by status), its code, the
# report's middle (subject, time), its value, the report's closing (derivedFrom).
OPENING = '{"fullUrl":"urn:uuid:'
AFTER_ID = {
    status: f'","resource":{{"resourceType":"Observation","status":"{status}",'
    f'"category":{dumps(SURVEY_CATEGORY)},"code":'
    for status in ("final", "amended")
}
MIDDLE = ',"subject":%s,"effectiveDateTime":"%s","valueQuantity":{"value":'
CLOSING = '},"derivedFrom":[{"reference":"urn:uuid:%s"}]}}'


def uuid5(namespace: bytes, name: str) -> str:
    """``str(uuid.uuid5(UUID(bytes=namespace), name))``, without building the UUID objects."""
    # RFC 4122 defines version 5 on SHA-1; this is a name, not a secret.
    number = int.from_bytes(hashlib.sha1(namespace + name.encode()).digest()[:16])  # noqa: S324
    # The version (5) and the RFC 4122 variant, as uuid.UUID(..., version=5) sets them.
    number = (number & ~(0xF000 << 64) | (5 << 76)) & ~(0xC000 << 48) | (0x8000 << 48)
    text = f"{number:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _number(value: Any) -> str:
    # What json.dumps writes for an int or a float is its repr; anything else goes through it.
    return repr(value) if type(value) in (int, float) else dumps(value)


class _Pieces:
    """The JSON pieces one export repeats, written once each: per instrument version its
    Questionnaire reference and item openings (labels in the export's language), per scale its
    ``code``, per special answer its coding."""

    def __init__(self) -> None:
        self.definitions: dict[tuple[str, str], Instrument | None] = {}
        self.questionnaires: dict[tuple[str, str], str] = {}
        self.items: dict[tuple[str, str, str], str] = {}
        self.codes: dict[tuple[str, str, str], str] = {}
        self.specials: dict[str, str] = {}
        self.answers: dict[tuple[str, str, str, type, Any], str] = {}

    def definition(self, code: str, version: str) -> Instrument | None:
        if (code, version) not in self.definitions:
            self.definitions[code, version] = instrument_get(code, version)
        return self.definitions[code, version]

    def questionnaire(self, code: str, version: str) -> str:
        if (code, version) not in self.questionnaires:
            self.questionnaires[code, version] = dumps(
                f"{FHIR_BASE}/Questionnaire/{code}|{version}"
            )
        return self.questionnaires[code, version]

    def item(self, code: str, version: str, item_id: str) -> str:
        """An item of the response up to its answer: ``{"linkId":..,"text":..,"answer":[``."""
        key = (code, version, item_id)
        if key not in self.items:
            definition = self.definition(code, version)
            item = definition.item(item_id) if definition else None
            label = item.label if item else item_id
            self.items[key] = f'{{"linkId":{dumps(item_id)},"text":{dumps(label)},"answer":['
        return self.items[key]

    def answered(self, code: str, version: str, item_id: str, value: Any) -> str:
        """An item of the response with its answer. Written once per item and answer given:
        there are a few hundred of those, and thousands of answers."""
        # The type too: 1, 1.0 and True are one key to a dict, but not one answer in JSON.
        key = (code, version, item_id, type(value), value)
        written = self.answers.get(key)
        if written is None:
            written = self.answers[key] = (
                f"{self.item(code, version, item_id)}{self.answer(value)}]}}"
            )
        return written

    def answer(self, value: Any) -> str:
        if isinstance(value, str):
            if value not in self.specials:
                coding = {"system": SPECIAL_ANSWER_SYSTEM, "code": value}
                self.specials[value] = dumps({"valueCoding": coding})
            return self.specials[value]
        return f'{{"valueInteger":{_number(value)}}}'

    def code(self, code: str, version: str, scale_key: str) -> str:
        """A score's Observation ``code``: LOINC where the definition gives a verified code,
        always the project's own."""
        key = (code, version, scale_key)
        if key not in self.codes:
            definition = self.definition(code, version)
            scale = definition.scale(scale_key) if definition else None
            coding = [{"system": SCALE_SYSTEM, "code": f"{code}.{scale_key}"}]
            if scale and scale.loinc:
                coding.insert(0, {"system": LOINC_SYSTEM, "code": scale.loinc})
            self.codes[key] = dumps({"coding": coding, "text": f"{code} {scale_key}"})
        return self.codes[key]


def _items(report: dict[str, Any], pieces: _Pieces) -> str:
    code, version = report["instrument"], report["instrument_version"]
    answered = pieces.answered
    items = [
        answered(code, version, item_id, value) for item_id, value in report["answers"].items()
    ]
    if report["context_tags"]:
        tags = [
            {"valueCoding": {"system": CONTEXT_TAG_SYSTEM, "code": tag}}
            for tag in report["context_tags"]
        ]
        items.append(dumps({"linkId": "context_tags", "answer": tags}))
    if report["note"]:
        items.append(dumps({"linkId": "note", "answer": [{"valueString": report["note"]}]}))
    return ",".join(items)


def _entries(report: dict[str, Any], subject: str, pieces: _Pieces) -> Raw:
    """The report's QuestionnaireResponse, then an Observation per score it has: the Bundle
    entries of one report, as one piece of JSON."""
    code, version = report["instrument"], report["instrument_version"]
    public_id = report["public_id"]
    is_current = report["superseded_by_id_public"] is None
    fields = {
        "id": str(public_id),
        "questionnaire": pieces.questionnaire(code, version),
        # A replaced report is kept as history: FHIR's word for it is "amended".
        "status": "completed" if is_current else "amended",
        "subject": subject,
        "at": report["completed_at"].isoformat(),
        "items": _items(report, pieces),
    }
    entries = [RESPONSE % fields]
    namespace = public_id.bytes
    after_id = AFTER_ID["final" if is_current else "amended"]
    middle = MIDDLE % (subject, fields["at"])
    closing = CLOSING % fields["id"]
    for scale, value in report["scores"].items():
        if value is None:
            continue
        # A stable id per (report, scale), so that re-exports name the same Observation.
        entries.append(
            f"{OPENING}{uuid5(namespace, scale)}{after_id}{pieces.code(code, version, scale)}"
            f"{middle}{_number(value)}{closing}"
        )
    return Raw(",".join(entries))


def _bundle_entries(patient: User, patient_ref: str) -> Iterator[dict[str, Any] | Raw]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{"system": f"{settings.SITE_URL}/account", "value": str(patient.public_id)}],
    }
    if patient.full_name:
        resource["name"] = [{"text": patient.full_name}]
    resource["telecom"] = [{"system": "email", "value": patient.email}]
    yield {"fullUrl": patient_ref, "resource": resource}
    subject = dumps({"reference": patient_ref})
    pieces = _Pieces()
    for report in reports_read(patient):
        yield _entries(report, subject, pieces)


def export_fhir_chunks(*, patient: User) -> Iterator[str]:
    """The Bundle of ``patient``'s reports, written a piece at a time."""
    patient_ref = f"urn:uuid:{patient.public_id}"
    return json_chunks(
        [
            ("resourceType", "Bundle"),
            ("type", "collection"),
            ("timestamp", timezone.now().isoformat()),
            ("entry", Array(_bundle_entries(patient, patient_ref))),
        ]
    )
