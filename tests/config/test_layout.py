"""The layout's import rules (docs/architecture.md): accounts never imports symptoms, config only
wires (no accounts models), and no module imports another module's private (``_``) names."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "symptoms")
PACKAGES = ("config", *APPS)


def modules(package: str) -> Iterator[Path]:
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def imports(path: Path, *, top_level_only: bool) -> Iterator[tuple[str, str]]:
    """(module, name) for each ``from module import name`` (name "" for ``import module``)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield node.module, alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ""


@pytest.mark.parametrize("path", list(modules("accounts")), ids=lambda p: str(p.relative_to(ROOT)))
def test_accounts_never_imports_symptoms_at_module_level(path: Path) -> None:
    assert [m for m, _ in imports(path, top_level_only=True) if m.split(".")[0] == "symptoms"] == []


@pytest.mark.parametrize("path", list(modules("config")), ids=lambda p: str(p.relative_to(ROOT)))
def test_config_imports_no_app_code(path: Path) -> None:
    apps = [m for m, _ in imports(path, top_level_only=False) if m.split(".")[0] in APPS]
    assert apps == []


def test_no_module_imports_another_module_s_private_names() -> None:
    private = [
        f"{path.relative_to(ROOT)}: from {module} import {name}"
        for package in (*PACKAGES, "tests", "benchmarks")
        for path in modules(package)
        for module, name in imports(path, top_level_only=False)
        if name.startswith("_") and module.split(".")[0] in (*PACKAGES, "tests")
    ]
    assert private == []


def test_every_beat_entry_expires_and_no_task_repeats_it() -> None:
    from celery.schedules import crontab

    from config.celery import app

    app.loader.import_default_modules()  # the tasks of every app, as a worker loads them
    for name, entry in app.conf.beat_schedule.items():
        expires = entry["options"]["expires"]
        if isinstance(entry["schedule"], crontab):
            assert expires == 24 * 60 * 60, name
        else:
            assert expires == entry["schedule"] * 1.5, name
        assert app.tasks[entry["task"]].expires is None, f"{entry['task']} sets its own expires"
