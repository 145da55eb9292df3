"""What the self-report pages share."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest
from django.utils.translation import get_language

from accounts.models import Role, User
from symptoms import forms, selectors
from symptoms.definitions import DAILY, instrument_get
from symptoms.scoring import Instrument

SECONDS_PER_QUESTION = 15  # for "about N minutes": a generous pace for tired hands and eyes

# The downloads of "Your data", served by the API's export (session authentication works
# there too): ?format= and the name people know the format by.
EXPORT_FORMATS = (
    ("csv", "CSV"),
    ("json", "JSON"),
    ("fhir", "FHIR"),
)


def request_patient(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or user.role != Role.PATIENT:
        raise PermissionDenied
    return user


def language_code() -> str:
    return (get_language() or "en").split("-")[0]


def wording_for(instrument: Instrument) -> tuple[dict[str, forms.Wording], str]:
    """The questions' wording in the person's language, and the source line to print with it."""
    official = selectors.instrument_text_get(instrument, language_code())
    source = official.source if official is not None and official.source else ""
    return forms.wording_get(instrument, official), source


def daily_instrument() -> Instrument:
    instrument = instrument_get(DAILY)
    if instrument is None:
        raise ImproperlyConfigured("The daily check-in's definition is missing.")
    return instrument
