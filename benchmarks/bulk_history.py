"""Daily check-ins and monthly MFIS for benchmark patients, written in bulk (the service would
take hours for 200 people x 3 years). The rows are the ones ``report_submit`` writes: each
report with its scores, and its non-empty scores in ``ReportScore``. Import after
``benchmarks.harness``, which sets Django up.

Until the cohort command (``seed_cohort``) lands, the clinician benchmarks build their data
here, as ``benchmarks/trends.py`` always did.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta

from django.utils import timezone

from accounts.models import Role, SharingLink, User
from symptoms.instruments.definitions import instrument_get
from symptoms.instruments.scoring import score
from symptoms.models import Report, ReportScore

BATCH = 5000


def answers_on(n: int, *, worsening: bool) -> dict[str, int]:
    """Day ``n`` back from the end: a steady pattern, or a slow rise in fatigue and walking
    over the last year for a worsening patient (so some patients carry flags)."""
    rise = max(0, 365 - n) // 60 if worsening else 0
    return {
        "fatigue": min(10, 3 + n % 5 + rise),
        "mobility": min(10, 4 + n % 3 + rise),
        "upper_limb": 2,
        "pain": n % 4,
        "cognition": 3,
    }


def _reports(patient: User, days: int, end: date, worsening: bool) -> Iterator[Report]:
    daily, mfis = instrument_get("daily"), instrument_get("mfis")
    assert daily is not None
    assert mfis is not None
    now = timezone.now()
    for n in range(days):
        on = end - timedelta(days=n)
        chosen = [(daily, answers_on(n, worsening=worsening))]
        if n % 28 == 0:
            chosen.append((mfis, {str(i): (n // 28 + i) % 5 for i in range(1, 22)}))
        for definition, answers in chosen:
            yield Report(
                patient=patient,
                instrument=definition.code,
                instrument_version=definition.version,
                scoring_version=definition.scoring_version,
                client_id=uuid.uuid4(),
                answers=answers,
                scores=score(definition, answers).scores,
                language="en",
                local_date=on,
                time_zone="UTC",
                completed_at=now - timedelta(days=n),
                created_at=now - timedelta(days=n),
            )


def history_create(patient: User, *, days: int, end: date, worsening: bool = False) -> int:
    """``days`` daily check-ins ending ``end`` and an MFIS every 28 days; the reports made."""
    reports = Report.objects.bulk_create(_reports(patient, days, end, worsening), BATCH)
    ReportScore.objects.bulk_create(
        (
            ReportScore(
                report=r,
                patient=patient,
                instrument=r.instrument,
                instrument_version=r.instrument_version,
                scale=key,
                value=value,
                local_date=r.local_date,
            )
            for r in reports
            for key, value in r.scores.items()
            if value is not None
        ),
        BATCH,
    )
    return len(reports)


def patient_create(email: str, full_name: str = "") -> User:
    return User.objects.create_user(
        email=email, password=None, role=Role.PATIENT, full_name=full_name
    )


def clinician_create(email: str = "clinician@example.org") -> User:
    """A clinician with an authenticator app, as the pages require of clinicians."""
    from allauth.mfa.totp.internal.auth import TOTP

    clinician = User.objects.create_user(email=email, password=None, role=Role.CLINICIAN)
    TOTP.activate(clinician, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")  # a throwaway secret
    return clinician


def cohort_create(clinician: User, *, patients: int, days: int, prefix: str = "p") -> list[User]:
    """``patients`` patients sharing with ``clinician``, each with ``days`` of history; one in
    four slowly worsening."""
    end = timezone.now().date()
    made = []
    for n in range(patients):
        patient = patient_create(f"{prefix}{n}@example.org", f"Patient {prefix}{n:04}")
        SharingLink.objects.create(patient=patient, clinician=clinician, source="demo")
        history_create(patient, days=days, end=end, worsening=n % 4 == 0)
        made.append(patient)
    return made
