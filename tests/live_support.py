"""Starting real Celery processes (worker, beat) and a private Redis for live tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    """The test database, for processes started by the test."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def celery_environment(*, redis_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a worker or beat the test starts: the test's database and mail
    folder, the given Redis, and none of the unit tests' in-memory broker settings."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "EMAIL_BACKEND"}
    }
    (tmp_path / "var" / "celery").mkdir(parents=True, exist_ok=True)
    environment.update(
        DEBUG="1",
        DATABASE_URL=database_url(),
        REDIS_URL=redis_url,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
        VAR_DIR=str(tmp_path / "var"),
    )
    environment.update(extra)
    return environment


def celery_start(
    args: list[str], *, environment: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    with log.open("a") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "--app", "config", *args],
            cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(condition: Callable[[], bool], *logs: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    tails = "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in logs if log.exists())
    pytest.fail(f"timed out after {seconds}s\n{tails}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PrivateRedis:
    """A redis-server of the test's own on a free port, so stopping it harms nobody else."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        self.binary, self.directory, self.port = binary, directory, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self.answers, seconds=15)

    def answers(self) -> bool:
        with socket.socket() as probe:
            try:
                probe.connect(("127.0.0.1", self.port))
                probe.sendall(b"PING\r\n")
                return probe.recv(16).startswith(b"+PONG")
            except OSError:
                return False

    def queued(self) -> int:
        """How many messages wait in Celery's default queue."""
        import redis

        return int(redis.Redis.from_url(self.url).llen("celery"))

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


# The site's key in live tests and make load (a process signing sessions for it needs the same).
LIVE_SECRET_KEY = "live-test-secret-key-" + "x" * 40


def production_environment(environment: dict[str, str]) -> dict[str, str]:
    """``environment`` as production runs: DEBUG off, with the key and host it then needs
    (HTTPS redirects off, since tests speak plain HTTP to 127.0.0.1)."""
    production = {key: value for key, value in environment.items() if key != "DEBUG"}
    production.update(
        SECRET_KEY=LIVE_SECRET_KEY, ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0"
    )
    return production


def gunicorn_start(
    *, environment: dict[str, str], port: int, log: Path, workers: int = 2
) -> subprocess.Popen[bytes]:
    """The site as production runs it: gunicorn with DEBUG off, on a port of the test's own
    (pages need ``collectstatic`` first; the API does not)."""
    with log.open("a") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--timeout", "30", "--graceful-timeout", "5"],
            cwd=ROOT, env=production_environment(environment), stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
