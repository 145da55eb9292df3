"""Print a new VAPID key pair for web push reminders, as environment lines (docs/reminders.md).

    manage.py push_vapid_keys >> .env

Nothing is stored: the operator puts the lines where the site reads its environment. Changing
the pair later makes every device's subscription unusable until the person turns
notifications on again on that device.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from symptoms.reminders.push import vapid_keys_generate


class Command(BaseCommand):
    help = "Print a new VAPID key pair for web push reminders, as environment variable lines."

    def handle(self, *args: Any, **options: Any) -> None:
        public, private = vapid_keys_generate()
        self.stdout.write(f"WEBPUSH_VAPID_PUBLIC_KEY={public}")
        self.stdout.write(f"WEBPUSH_VAPID_PRIVATE_KEY={private}")
