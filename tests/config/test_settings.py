from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "SECRET_KEY": "k3y-" + "x9Qz!v7Lm#p2Rt8W" * 4,
    "ALLOWED_HOSTS": "ms.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
}


def manage(*args: str, **overrides: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py in a fresh process with only the variables given (plus PATH)."""
    environment = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings"}
    environment.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class TestEnvHelpers:
    @pytest.mark.parametrize(("raw", "expected"), [("1", True), ("off", False), ("Yes", True)])
    def test_it_reads_booleans(
        self, monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
    ) -> None:
        monkeypatch.setenv("FLAG", raw)
        assert env.env_bool("FLAG", default=not expected) is expected

    def test_it_fails_loudly_on_a_bad_boolean(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("FLAG", "ture")
        with pytest.raises(ImproperlyConfigured, match="FLAG must be one of"):
            env.env_bool("FLAG", default=False)

    def test_it_fails_loudly_on_a_bad_number(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("COUNT", "five")
        with pytest.raises(ImproperlyConfigured, match="COUNT must be a whole number"):
            env.env_int("COUNT", default=1)
        monkeypatch.setenv("COUNT", "0")
        with pytest.raises(ImproperlyConfigured, match="COUNT must be at least 1"):
            env.env_int("COUNT", default=1, minimum=1)

    def test_it_requires_a_variable_without_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("NEEDED", raising=False)
        with pytest.raises(ImproperlyConfigured, match="NEEDED is required"):
            env.env_str("NEEDED")

    def test_it_reads_lists_and_choices(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("HOSTS", " a.example , b.example,, ")
        monkeypatch.setenv("LEVEL", "LOUD")
        assert env.env_list("HOSTS") == ["a.example", "b.example"]
        with pytest.raises(ImproperlyConfigured, match="LEVEL must be one of"):
            env.env_choice("LEVEL", choices=("INFO",), default="INFO")


class TestStartUp:
    def test_production_refuses_to_start_without_a_secret_key(self) -> None:
        result = manage("check", ALLOWED_HOSTS="ms.example.org")

        assert result.returncode != 0
        assert "SECRET_KEY is required" in result.stderr

    def test_production_refuses_to_start_without_allowed_hosts(self) -> None:
        result = manage("check", SECRET_KEY=PRODUCTION["SECRET_KEY"])

        assert result.returncode != 0
        assert "ALLOWED_HOSTS is required" in result.stderr

    def test_a_bad_database_url_is_refused(self) -> None:
        result = manage("check", DEBUG="1", DATABASE_URL="nosuchdb://x")

        assert result.returncode != 0
        assert "DATABASE_URL is not a usable database URL" in result.stderr

    def test_check_deploy_reports_nothing_with_production_values(self) -> None:
        result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

        assert result.returncode == 0, result.stderr
        assert "System check identified no issues (0 silenced)." in result.stdout

    def test_debug_runs_without_any_configuration(self) -> None:
        result = manage("check", DEBUG="1", VAR_DIR="/tmp/mst-test-var")  # noqa: S108

        assert result.returncode == 0, result.stderr


def test_it_puts_argon2_first_and_needs_12_characters() -> None:
    from django.conf import settings

    from config import settings as module

    assert module.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    lengths = [
        v["OPTIONS"]["min_length"]
        for v in settings.AUTH_PASSWORD_VALIDATORS
        if v["NAME"].endswith("MinimumLengthValidator")
    ]
    assert lengths == [12]
