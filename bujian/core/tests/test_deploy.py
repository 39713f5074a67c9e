"""The production files in deploy/ name only commands that exist, with settings that
start (docs/deploy.md)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from django.core.management import get_commands

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"


def units() -> list[Path]:
    return sorted(DEPLOY.glob("*.service"))


def test_there_are_units_for_web_worker_and_backup() -> None:
    assert {unit.name for unit in units()} == {
        "bujian-web.service",
        "bujian-worker.service",
        "bujian-backup.service",
        "bujian-daily.service",
    }
    assert (DEPLOY / "bujian-backup.timer").exists()
    assert (DEPLOY / "bujian-daily.timer").exists()


@pytest.mark.parametrize("unit", units(), ids=lambda unit: unit.name)
def test_every_manage_py_command_of_a_unit_exists(unit: Path) -> None:
    commands = get_commands()
    used = []
    for line in unit.read_text().splitlines():
        if not re.match(r"ExecStart(Pre|Post)?=", line):
            continue
        words = shlex.split(line.split("=", 1)[1])
        if "manage.py" in words:
            used.append(words[words.index("manage.py") + 1])
    for name in used:
        assert name in commands, f"{unit.name}: manage.py {name} does not exist"
    assert all("EnvironmentFile=/etc/bujian/bujian.env" in unit.read_text() for unit in units())


def test_the_example_environment_selects_the_production_settings() -> None:
    env = dict(
        line.split("=", 1)
        for line in (DEPLOY / "bujian.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert env["DJANGO_SETTINGS_MODULE"] == "bujian.settings_production"
    assert env["DATABASE_URL"].startswith("postgres://")
    assert len(env["DJANGO_SECRET_KEY"]) >= 50
