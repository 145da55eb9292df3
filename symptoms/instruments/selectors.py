"""Reads about instruments: which ones people on this site may answer, and imported wording."""

from __future__ import annotations

from django.conf import settings

from symptoms.instruments.definitions import DAILY, current
from symptoms.instruments.scoring import Instrument, domain_rank
from symptoms.models import (
    InstrumentText,
)

# The daily check-in first, then the questionnaires by domain in the Alliance's order.


def instrument_is_available(instrument: Instrument) -> bool:
    """Whether people on this site may answer it: free instruments always; those needing the
    rights holder's permission once the site lists them in ``LICENSED_INSTRUMENTS``."""
    return not instrument.requires_permission or instrument.code in settings.LICENSED_INSTRUMENTS


def instrument_list() -> list[Instrument]:
    """The instruments people on this site can answer, daily check-in first."""
    return sorted(
        (instrument for instrument in current().values() if instrument_is_available(instrument)),
        key=lambda i: (i.code != DAILY, domain_rank(i.domain), i.code),
    )


def instrument_text_get(instrument: Instrument, language: str) -> InstrumentText | None:
    """Imported official wording in ``language``, else in English, else none."""
    texts = {
        text.language: text
        for text in InstrumentText.objects.filter(
            instrument=instrument.code,
            instrument_version=instrument.version,
            language__in={language, "en"},
        )
    }
    return texts.get(language) or texts.get("en")
