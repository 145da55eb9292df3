"""Reports are made through the service, as the product makes them, so scores and the narrow
score table stay consistent."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from accounts.models import User
from symptoms.models import Report
from symptoms.services import report_submit

DAILY = {"fatigue": 6, "mobility": 5, "upper_limb": 3, "pain": 2, "cognition": 4}


def report(
    patient: User,
    instrument: str = "daily",
    answers: dict[str, Any] | None = None,
    on: date | None = None,
    **kwargs: Any,
) -> Report:
    """One report by ``patient``; ``on`` is the local date it is about (evening, local time)."""
    if on is not None:
        zone = ZoneInfo(patient.patient_profile.time_zone)
        kwargs["completed_at"] = datetime.combine(on, time(19, 0), tzinfo=zone)
        kwargs["is_import"] = True
    return report_submit(
        patient=patient,
        instrument=instrument,
        answers=DAILY if answers is None else answers,
        client_id=kwargs.pop("client_id", uuid.uuid4()),
        **kwargs,
    ).report
