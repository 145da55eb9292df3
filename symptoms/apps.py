from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SymptomsConfig(AppConfig):
    name = "symptoms"
    verbose_name = _("Symptoms")

    def ready(self) -> None:
        from django.utils.translation import get_language, gettext

        from symptoms.instruments import definitions
        from symptoms.reminders import push  # noqa: F401  (registers the VAPID keys' check)

        # Instrument names and labels in the language of the page, report or email being made.
        definitions.translation_use(gettext, lambda: get_language() or "")
