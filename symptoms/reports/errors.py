"""Domain errors of self-reports. Each maps to one stable API error code (docs/api.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from config.service_errors import ServiceError


class SymptomsError(ServiceError):
    pass


class UnknownInstrument(SymptomsError):
    code = "unknown_instrument"
    field = "instrument"
    message = _("There is no questionnaire with this code.")


class InstrumentNotLicensed(SymptomsError):
    code = "instrument_not_licensed"
    field = "instrument"
    message = _(
        "This site does not offer this questionnaire: it needs its rights holder's permission."
    )


class AnswersInvalid(SymptomsError):
    code = "invalid_answers"
    field = "answers"
    message = _("Some answers are not valid.")


class NoAnswers(SymptomsError):
    code = "no_answers"
    field = "answers"
    message = _("Answer at least one question.")


class ContextTagsInvalid(SymptomsError):
    code = "invalid_context_tags"
    field = "context_tags"
    message = _("Unknown context tag, or this questionnaire takes no context tags.")


class NoteInvalid(SymptomsError):
    code = "invalid_note"
    field = "note"
    message = _("Notes go with the daily check-in and are at most 500 characters.")


class CompletedAtInvalid(SymptomsError):
    code = "invalid_completed_at"
    field = "completed_at"
    message = _("The completion time must be within the last 14 days and not in the future.")


class SupersedesInvalid(SymptomsError):
    code = "invalid_supersedes"
    field = "supersedes"
    message = _("A correction must replace one of your own current reports of the same form.")


class ClientIdConflict(SymptomsError):
    code = "client_id_conflict"
    status = 409
    message = _("This client_id was already used for a different report.")


class DailyAlreadySubmitted(SymptomsError):
    code = "daily_already_submitted"
    status = 409
    message = _(
        "Today's check-in is already saved. To change it, send a correction that supersedes it."
    )
