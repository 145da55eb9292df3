from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SymptomsConfig(AppConfig):
    name = "symptoms"
    verbose_name = _("Symptoms")
