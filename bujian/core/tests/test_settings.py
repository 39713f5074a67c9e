"""Settings: defaults, production hardening, and the list of variables in .env.example."""

from __future__ import annotations

import importlib.util
import os
import re
import secrets
import string
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from bujian.settings import env_bool

ROOT = Path(__file__).resolve().parents[3]
SETTINGS_FILES = [ROOT / "bujian" / "settings.py", ROOT / "bujian" / "settings_production.py"]
ENV_EXAMPLE = ROOT / ".env.example"

_READ_PATTERNS = [
    re.compile(r"""\benv_\w+\(\s*["']([A-Z][A-Z0-9_]*)["']"""),
    re.compile(r"""\bos\.environ\.get\(\s*["']([A-Z][A-Z0-9_]*)["']"""),
    re.compile(r"""\bos\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""),
    re.compile(r"""\bos\.getenv\(\s*["']([A-Z][A-Z0-9_]*)["']"""),
]
_EXAMPLE_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def _variables_read_by_settings() -> set[str]:
    names: set[str] = set()
    for path in SETTINGS_FILES:
        source = path.read_text(encoding="utf-8")
        for pattern in _READ_PATTERNS:
            names.update(pattern.findall(source))
    return names


def _clean_environment(**values: str) -> dict[str, str]:
    """The current environment without Bujian's own variables, plus ``values``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "BUJIAN_")) and key != "DATABASE_URL"
    }
    env.update(values)
    return env


def _run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed arguments, our own manage.py
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _fresh_settings_module(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ModuleType:
    """Execute settings.py again, under another name, with the environment as it is now."""
    monkeypatch.setenv("BUJIAN_VAR_DIR", str(tmp_path))
    spec = importlib.util.spec_from_file_location("bujian_settings_copy", SETTINGS_FILES[0])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_settings_read_variables_at_all() -> None:
    """Guards the test below against a pattern that silently stops matching."""
    assert {"DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DATABASE_URL"} <= _variables_read_by_settings()


def test_env_example_lists_every_variable_the_settings_read() -> None:
    listed = set(_EXAMPLE_LINE.findall(ENV_EXAMPLE.read_text(encoding="utf-8")))

    missing = _variables_read_by_settings() - listed

    assert not missing, f"add these to .env.example: {sorted(missing)}"


def test_env_example_lists_the_server_address_for_make_run() -> None:
    listed = set(_EXAMPLE_LINE.findall(ENV_EXAMPLE.read_text(encoding="utf-8")))

    assert {"PORT", "HOST"} <= listed


def test_production_settings_pass_the_deploy_check() -> None:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = _clean_environment(
        DJANGO_SETTINGS_MODULE="bujian.settings_production",
        DJANGO_SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(60)),
        DJANGO_ALLOWED_HOSTS="bujian.example.go.id",
    )

    result = _run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output.upper(), output
    assert "System check identified no issues" in output


def test_production_settings_refuse_to_start_without_a_secret_key() -> None:
    env = _clean_environment(
        DJANGO_SETTINGS_MODULE="bujian.settings_production",
        DJANGO_ALLOWED_HOSTS="bujian.example.go.id",
    )

    result = _run_manage("check", env=env)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_without_database_url_the_database_is_sqlite_in_wal_mode(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("BUJIAN_SQLITE_PATH", raising=False)

    database = _fresh_settings_module(monkeypatch, tmp_path).DATABASES["default"]

    assert database["ENGINE"] == "bujian.core.db.sqlite3"
    assert database["NAME"] == str(tmp_path / "bujian.sqlite3")
    init_command = database["OPTIONS"]["init_command"]
    assert "PRAGMA journal_mode=WAL;" in init_command
    assert "PRAGMA synchronous=NORMAL;" in init_command
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_env_bool_rejects_a_value_that_is_not_true_or_false(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BUJIAN_TEST_FLAG", "maybe")

    with pytest.raises(ImproperlyConfigured, match="BUJIAN_TEST_FLAG"):
        env_bool("BUJIAN_TEST_FLAG", default=False)


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("Yes", True), ("off", False)])
def test_env_bool_reads_the_usual_spellings(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    monkeypatch.setenv("BUJIAN_TEST_FLAG", raw)

    assert env_bool("BUJIAN_TEST_FLAG", default=not expected) is expected


def test_site_speaks_indonesian_on_jakarta_time() -> None:
    assert settings.LANGUAGE_CODE == "id"
    assert settings.TIME_ZONE == "Asia/Jakarta"
    assert settings.USE_TZ is True
