"""Write symptoms/instruments/messages.py so makemessages finds the instruments' texts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from symptoms.instruments.catalogue import MESSAGES_PATH, messages_module


class Command(BaseCommand):
    help = "Write the instrument definitions' texts as gettext_noop entries for makemessages."

    def handle(self, *args: Any, **options: Any) -> None:
        MESSAGES_PATH.write_text(messages_module(), encoding="utf-8")
        self.stdout.write(f"wrote {MESSAGES_PATH}")
