"""Beat on a fresh install: its schedule file's folder does not exist yet (issue 14, point 3)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 30


def test_beat_starts_with_an_empty_var_dir(tmp_path: Path) -> None:
    var = tmp_path / "var"  # not created: beat must make what it needs
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "DATABASE_URL"}
    }
    environment.update(DEBUG="1", VAR_DIR=str(var), CELERY_BROKER_URL="memory://")
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "--app", "config", "beat", "--loglevel", "INFO"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline and beat.poll() is None:
            if list((var / "celery").glob("beat-schedule*")):
                break
            time.sleep(0.2)
        running = beat.poll() is None
    finally:
        beat.terminate()
        output, _ = beat.communicate(timeout=10)

    assert running, f"beat exited at start-up:\n{output}"
    assert list((var / "celery").glob("beat-schedule*")), output
