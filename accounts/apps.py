from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts, consent and sharing")

    def ready(self) -> None:
        from allauth.account import signals as account_signals
        from django.contrib.auth.signals import user_logged_in

        from accounts import signals

        account_signals.password_changed.connect(signals.on_password_changed)
        account_signals.password_set.connect(signals.on_password_changed)
        account_signals.password_reset.connect(signals.on_password_reset)
        user_logged_in.connect(signals.on_user_logged_in)
