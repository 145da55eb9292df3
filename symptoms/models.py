"""Self-reports: what a person answered on one instrument, its scores, and drafts in progress.

Reports are append-only. A correction is a new report that ``supersedes`` the earlier one, which
stays in the history; the current report is the one nobody supersedes. ``ReportScore`` is a
narrow, indexed copy of the current reports' scores for trends and aggregates.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from symptoms.reminders.planning import MAX_EVERY_N_WEEKS


class ReportMode(models.TextChoices):
    SELF = "self", _("Self-reported")
    PROXY = "proxy", _("Answered by someone else on the person's behalf")


class ReportQuerySet(models.QuerySet["Report"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Reports are append-only: submit a correction instead.")

    def current(self) -> ReportQuerySet:
        return self.filter(superseded_by__isnull=True)


class Report(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports"
    )
    instrument = models.CharField(max_length=32)
    instrument_version = models.CharField(max_length=16)
    scoring_version = models.CharField(max_length=16)
    # Chosen by the client before its first attempt, so a retry after a lost response finds
    # the report it already made instead of making a second one.
    client_id = models.UUIDField()
    answers = models.JSONField()
    scores = models.JSONField()
    context_tags = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)  # private: never in research releases
    language = models.CharField(max_length=8)
    mode = models.CharField(max_length=8, choices=ReportMode.choices, default=ReportMode.SELF)
    local_date = models.DateField()  # the day the answers are about, in the person's zone
    time_zone = models.CharField(max_length=64)
    completed_at = models.DateTimeField()  # when the person finished answering
    created_at = models.DateTimeField(default=timezone.now)  # when the server stored it
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="superseded_by",
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ("-local_date", "-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=("patient", "client_id"), name="report_client_id_once"),
            # One daily check-in per local day: corrections keep their day but supersede, so
            # only the day's first check-in (which supersedes nothing) is counted. The guard
            # against two tabs racing (reports.services.report_submit); "daily" is
            # symptoms.instruments.definitions.DAILY.
            models.UniqueConstraint(
                fields=("patient", "local_date"),
                condition=models.Q(instrument="daily", supersedes__isnull=True),
                name="report_daily_once_a_day",
            ),
        ]
        indexes = [
            models.Index(fields=("patient", "instrument", "local_date")),
            # A person's newest report in one index probe: the "last change" that cached
            # trends and charts are keyed by (symptoms/history/cache.py).
            models.Index(fields=("patient", "id"), name="report_patient_last"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} report {self.public_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("Reports are append-only: submit a correction instead.")
        super().save(*args, **kwargs)


class ReportScore(models.Model):
    """One scale's score of one current report. Rows of a superseded report are removed in the
    same transaction that stores its correction; the report itself keeps its scores."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="score_rows")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    instrument = models.CharField(max_length=32)
    # The report's instrument version, copied so that aggregates (research releases) select a
    # version without joining the reports; every writer sets it (reports.services).
    instrument_version = models.CharField(max_length=16, default="")
    scale = models.CharField(max_length=32)
    value = models.FloatField()
    local_date = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("report", "scale"), name="report_score_once"),
        ]
        indexes = [
            models.Index(fields=("patient", "instrument", "scale", "local_date")),
            models.Index(fields=("instrument", "scale", "local_date")),
        ]

    def __str__(self) -> str:
        return f"{self.instrument}.{self.scale} = {self.value}"


class ReportDraft(models.Model):
    """A questionnaire left part-way, so the person can resume where they stopped."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_drafts"
    )
    instrument = models.CharField(max_length=32)
    instrument_version = models.CharField(max_length=16)
    answers = models.JSONField(default=dict)
    position = models.PositiveSmallIntegerField(default=0)  # index of the next question
    # The report's client_id, chosen when the draft starts, so that submitting twice (a double
    # click, a retry) stores one report.
    client_id = models.UUIDField(default=uuid.uuid4)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("patient", "instrument"), name="draft_one_per_form"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} draft"


class InstrumentText(models.Model):
    """Licensed official wording of an instrument, imported by the site operator from a FHIR
    Questionnaire (``manage.py import_instrument_text``). Never shipped in the repository."""

    instrument = models.CharField(max_length=32)
    instrument_version = models.CharField(max_length=16)
    language = models.CharField(max_length=8)
    title = models.CharField(max_length=200, blank=True)
    items = models.JSONField()  # {item_id: {"text": str, "options": {value: label}}}
    source = models.CharField(max_length=500, blank=True)  # the file's url/identifier/copyright
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("instrument", "instrument_version", "language"),
                name="instrument_text_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} v{self.instrument_version} ({self.language})"


class BaselineReset(models.Model):
    """A clinician's choice to measure change on one scale from a later date (after a relapse
    or a treatment change, say). The newest reset per patient and scale applies."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="baseline_resets"
    )
    instrument = models.CharField(max_length=32)
    scale = models.CharField(max_length=32)
    since = models.DateField()  # the new baseline is taken from reports on or after this date
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=("patient", "instrument", "scale", "-created_at"))]

    def __str__(self) -> str:
        return f"{self.instrument}.{self.scale} baseline from {self.since}"


class Frequency(models.TextChoices):
    DAILY = "daily", _("Every day")
    WEEKLY = "weekly", _("Every week or every few weeks")
    MONTHLY = "monthly", _("Every month")


class ScheduleOrigin(models.TextChoices):
    """How a schedule came to be: the reminder email says so in its closing line."""

    SIGN_UP = "sign_up", _("Chosen when the account was made")
    PERSON = "person", _("Set up by the person")
    DEFAULT = "default", _("Given by the site")  # before sign-up asked (migration 0009)


class ReminderChannel(models.TextChoices):
    """How a schedule's reminders reach the person (docs/reminders.md): email, or a web push
    notification on the devices where they turned it on, with email as the fallback."""

    EMAIL = "email", _("Email")
    PUSH = "push", _("Notification on my devices")


class ReminderSchedule(models.Model):
    """When to remind one person about one instrument: a local wall-clock time in the person's
    time zone (from the profile), with optional quiet hours and a pause."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_schedules"
    )
    instrument = models.CharField(max_length=32)
    frequency = models.CharField(max_length=8, choices=Frequency.choices)
    local_time = models.TimeField()
    weekday = models.PositiveSmallIntegerField(null=True, blank=True)  # 0 Monday … 6 Sunday
    every_n_weeks = models.PositiveSmallIntegerField(default=1)
    day_of_month = models.PositiveSmallIntegerField(null=True, blank=True)  # 29-31: month's end
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    paused_until = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    channel = models.CharField(
        max_length=8, choices=ReminderChannel.choices, default=ReminderChannel.EMAIL
    )
    starts_on = models.DateField()  # the anchor of "every N weeks"
    # Occurrences exist as rows up to this instant; the planner extends it (see occurrences.py).
    planned_until = models.DateTimeField(null=True, blank=True)
    origin = models.CharField(
        max_length=8, choices=ScheduleOrigin.choices, default=ScheduleOrigin.PERSON
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(
                fields=("patient", "instrument"), name="reminder_schedule_one_per_instrument"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(frequency="daily", weekday__isnull=True, day_of_month__isnull=True)
                    | models.Q(
                        frequency="weekly",
                        weekday__gte=0,
                        weekday__lte=6,
                        day_of_month__isnull=True,
                    )
                    | models.Q(
                        frequency="monthly",
                        weekday__isnull=True,
                        day_of_month__gte=1,
                        day_of_month__lte=31,
                    )
                ),
                name="reminder_schedule_fields_match_frequency",
            ),
            models.CheckConstraint(
                condition=models.Q(every_n_weeks__gte=1, every_n_weeks__lte=MAX_EVERY_N_WEEKS),
                name="reminder_schedule_every_n_weeks_1_to_12",
            ),
            models.CheckConstraint(
                condition=models.Q(quiet_start__isnull=True, quiet_end__isnull=True)
                | models.Q(quiet_start__isnull=False, quiet_end__isnull=False),
                name="reminder_schedule_quiet_hours_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.frequency} at {self.local_time:%H:%M}"


class OccurrenceStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    QUEUED = "queued", _("Queued for sending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Could not be sent")
    COMPLETED = "completed", _("Completed")
    EXPIRED = "expired", _("Expired without an answer")
    SKIPPED = "skipped", _("Skipped")


class ReminderOccurrence(models.Model):
    """One planned reminder: the row that makes it sent at most once and never lost.

    ``due_at`` is the planned instant (the unique key with the schedule); ``send_after`` starts
    equal to it and moves later only when a late send would fall in quiet hours. The window
    ``[opens_at, closes_at)`` is when answering the instrument counts for this reminder.
    ``patient`` and ``instrument`` are kept on the row so the log outlives a deleted schedule.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    schedule = models.ForeignKey(
        ReminderSchedule, on_delete=models.SET_NULL, null=True, related_name="occurrences"
    )
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_occurrences"
    )
    instrument = models.CharField(max_length=32)
    opens_at = models.DateTimeField()
    due_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    send_after = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=OccurrenceStatus.choices, default=OccurrenceStatus.PLANNED
    )
    reason = models.CharField(max_length=32, blank=True)  # why skipped or failed: a code
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(null=True, blank=True)
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    report = models.ForeignKey(
        Report, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ("-due_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=("schedule", "due_at"), name="reminder_occurrence_once"),
            models.CheckConstraint(
                condition=models.Q(opens_at__lte=models.F("due_at"))
                & models.Q(due_at__lt=models.F("closes_at")),
                name="reminder_occurrence_window_holds_due",
            ),
        ]
        indexes = [
            models.Index(fields=("status", "send_after"), name="reminder_occurrence_due"),
            models.Index(fields=("status", "closes_at"), name="reminder_occurrence_closing"),
            models.Index(fields=("patient", "instrument", "due_at")),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} reminder due {self.due_at.isoformat()} ({self.status})"


class DeliveryEvent(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    COMPLETED = "completed", _("Completed")
    EXPIRED = "expired", _("Expired")
    SKIPPED = "skipped", _("Skipped")


class ReminderDelivery(models.Model):
    """The delivery log: one row per thing that happened to an occurrence. Append-only."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    occurrence = models.ForeignKey(
        ReminderOccurrence, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=16, choices=DeliveryEvent.choices)
    reason = models.CharField(max_length=32, blank=True)  # a code, never free text
    channel = models.CharField(max_length=16, blank=True)
    attempt = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("occurrence", "created_at"))]

    def __str__(self) -> str:
        return f"{self.event} {self.reason}".strip()


class ReminderOneTap(models.Model):
    """The "Answer now" link of one reminder email: opens that one form for that one person
    without the password, once (docs/security.md).

    Only a SHA-256 of the random token is stored, so a copy of the database opens nothing.
    ``used_at`` is set by one conditional UPDATE (the claim: of two uses at once, one wins), and
    the form-only grant it starts lasts until ``grant_ends_at``. ``password_mark`` is a keyed
    hash of the password hash at issue: a password change refuses the token and ends its grant.
    One row per occurrence; a resend of the email replaces its token.
    """

    occurrence = models.OneToOneField(
        ReminderOccurrence, on_delete=models.CASCADE, related_name="one_tap"
    )
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    instrument = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    password_mark = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    grant_ends_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.instrument} one-tap link (used: {self.used_at is not None})"


class PushSubscriptionQuerySet(models.QuerySet["PushSubscription"]):
    def active(self) -> PushSubscriptionQuerySet:
        """Those the push service has not yet called gone (404 or 410)."""
        return self.filter(expired_at__isnull=True)


class PushSubscription(models.Model):
    """One device (one browser profile) where a person turned on reminder notifications: the
    push service's endpoint and the keys that encrypt a message for that browser only."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    # A capability URL at the browser's push service: one per browser profile and site.
    endpoint = models.CharField(max_length=1024, unique=True)
    p256dh = models.CharField(max_length=128)  # the browser's P-256 public key, base64url
    auth = models.CharField(max_length=64)  # the browser's authentication secret, base64url
    created_at = models.DateTimeField(default=timezone.now)
    last_success_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)  # the push service said 404/410

    objects = PushSubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"push subscription {self.public_id}"


# --- Research releases ---


class ReleaseStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    BUILDING = "building", _("Building")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")


class Release(models.Model):
    """One build of a research table specification. Once published it never changes: its
    cells are written in the same transaction that gives it its number.

    ``progress`` (0-100) is updated while a worker builds it, so pages can show how far it is.
    ``heartbeat_at`` is the building worker's lease: renewed while it works, so a build whose
    worker died is seen within a minute or two and built again (``attempts`` counts the
    claims); while queued, it is when the reaper last sent its task again. Nothing here
    identifies a person; ``error`` holds a code, never data."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.PositiveIntegerField(null=True, blank=True, unique=True)
    spec_version = models.CharField(max_length=16)
    parameters = models.JSONField(default=dict)  # periods, minimum cell size, ...
    status = models.CharField(
        max_length=16, choices=ReleaseStatus.choices, default=ReleaseStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    built_at = models.DateTimeField(null=True, blank=True)  # when it was published
    build_seconds = models.FloatField(null=True, blank=True)
    cell_count = models.PositiveIntegerField(default=0)
    suppressed_count = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ("-requested_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="published")
                | models.Q(number__isnull=False, built_at__isnull=False),
                name="release_published_has_number_and_time",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="release_progress_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"Release {self.number or self.public_id} ({self.status})"

    @property
    def is_published(self) -> bool:
        return self.status == ReleaseStatus.PUBLISHED


class ReleaseCellQuerySet(models.QuerySet["ReleaseCell"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Release cells are never changed.")


class ReleaseCell(models.Model):
    """One published row of a release: one table, period, breakdown and scale. ``keys`` holds
    each of the table's dimensions with its category, or null where the row is a margin."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="cells")
    position = models.PositiveIntegerField()  # the row's place in downloads
    table = models.CharField(max_length=64)
    period = models.CharField(max_length=16)
    keys = models.JSONField()
    scale = models.CharField(max_length=64)
    suppressed = models.BooleanField()
    n = models.PositiveIntegerField(null=True, blank=True)
    mean = models.FloatField(null=True, blank=True)
    sd = models.FloatField(null=True, blank=True)
    median = models.FloatField(null=True, blank=True)
    q1 = models.FloatField(null=True, blank=True)
    q3 = models.FloatField(null=True, blank=True)
    share_past_cutoff = models.FloatField(null=True, blank=True)

    objects = ReleaseCellQuerySet.as_manager()

    class Meta:
        ordering = ("release", "position")
        constraints = [
            models.UniqueConstraint(
                fields=("release", "position"), name="release_cell_position_once"
            ),
            models.CheckConstraint(
                condition=models.Q(suppressed=False) | models.Q(n__isnull=True, mean__isnull=True),
                name="release_cell_suppressed_hides_values",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.table} {self.period} {self.scale}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("Release cells are never changed.")
        super().save(*args, **kwargs)


class PrivacyBudgetYear(models.Model):
    """The epsilon spent on the data of one calendar year: the sum over its four quarters of
    what differentially private releases measured there, whenever they were requested (rows
    written before release quarters existed hold what was requested in that year). A request
    spends with one conditional update, so two requests at once cannot both pass the yearly
    cap. A build that fails does not give its epsilon back."""

    year = models.PositiveSmallIntegerField(unique=True)
    epsilon_spent = models.FloatField(default=0.0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(epsilon_spent__gte=0), name="privacy_budget_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}: epsilon {self.epsilon_spent:g} spent"


class ReleaseQuarter(models.Model):
    """One calendar quarter of data, as research releases see it: the specification version it
    was published under, the releases whose cells froze it, and what was spent on it.

    A quarter is published once per kind (docs/research.md): the first release that covers it
    writes its cells; every later release that covers it copies exactly those cells, whatever
    happened to consents, accounts and reports since. ``exact_requested`` and ``epsilon_spent``
    are claimed when a release is requested, each with one conditional update, so an exact and
    a differentially private release of one quarter cannot both pass, nor two requests at once
    both pass the quarter's epsilon cap. A failed build gives neither back."""

    period = models.CharField(max_length=16, unique=True)  # e.g. 2026-Q1
    spec_version = models.CharField(max_length=16, blank=True)  # set at first publication
    exact_release = models.ForeignKey(
        Release, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    noisy_release = models.ForeignKey(
        Release, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    exact_requested = models.BooleanField(default=False)
    epsilon_spent = models.FloatField(default=0.0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(epsilon_spent__gte=0), name="release_quarter_epsilon_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period}: epsilon {self.epsilon_spent:g} spent"
