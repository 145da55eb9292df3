"""What a person's derived reads are cached under: their last change.

A person's history changes only when a report is stored (a correction is a new report too) or a
clinician resets a baseline, and both get a new, higher id. So "the id of the person's newest
report and of their newest baseline reset" names one state of their history: a cache entry keyed
by it never needs invalidating, and the next report makes the next read miss at once. Reading it
is one indexed look-up per person (``Report``'s ``(patient, id)`` index, read backwards to the
first row), written as a correlated subquery so that any number of people take one query.

We derive the key from rows the report submit already writes rather than bumping a version
from a hook in the submit path: nothing can forget to bump it (imports, corrections, admin
actions, a restored backup), and it needs no write of its own.

Keys hold ids and codes only, never data. Cached values are derived health data, kept in the
same cache as sessions and throttles (Redis in production); they expire after
``CACHE_SECONDS``, and ``trends.digests.patient_digest_forget`` drops a person's digest
at once (for account deletion).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery

from accounts.models import User
from symptoms.models import BaselineReset, Report

# Bump when what is cached changes shape or meaning (a new rule, a renamed class): old entries
# are then simply never read again.
CACHE_VERSION = 1
CACHE_SECONDS = 7 * 24 * 3600  # a week: stale entries of deleted people do not linger


@dataclass(frozen=True)
class LastChange:
    report_id: int | None
    reset_id: int | None

    def key(self, prefix: str, patient_id: int, *parts: object) -> str:
        """A cache key of ids and codes: ``prefix:version:patient:report:reset:parts``."""
        fields = [prefix, CACHE_VERSION, patient_id, self.report_id or 0, self.reset_id or 0]
        return ":".join(str(field) for field in [*fields, *parts])


def with_last_change(patients: QuerySet[User]) -> QuerySet[User]:
    """``patients`` annotated with ``last_report_id`` and ``last_reset_id``: one look-up each
    per person, in the same query."""
    return patients.annotate(
        last_report_id=Subquery(
            Report.objects.filter(patient=OuterRef("pk")).order_by("-id").values("id")[:1]
        ),
        last_reset_id=Subquery(
            BaselineReset.objects.filter(patient=OuterRef("pk")).order_by("-id").values("id")[:1]
        ),
    )


def last_change_of(patient: User) -> LastChange:
    """The patient's last change, from the annotations if the object carries them, else in one
    query."""
    if hasattr(patient, "last_report_id") and hasattr(patient, "last_reset_id"):
        return LastChange(patient.last_report_id, patient.last_reset_id)
    annotated = with_last_change(User.objects.filter(pk=patient.pk).only("pk")).get()
    report_id, reset_id = annotated.last_report_id, annotated.last_reset_id  # type: ignore[attr-defined]
    return LastChange(report_id, reset_id)


def chart_key(
    *,
    patient_id: int,
    change: LastChange,
    audience: str,
    domain: str,
    period: str,
    today: date,
    language: str,
    width: str,
) -> str:
    """A chart's key: whose, drawn for whom (the person, or a clinician with bands), which
    domain and period, ending today, in which language and width, at which last change."""
    return change.key(
        "chart", patient_id, audience, domain, period, today.isoformat(), language, width
    )
