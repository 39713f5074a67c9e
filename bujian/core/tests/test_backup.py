"""backup_db and restore_db: a restore gives back every table, row for row."""

from __future__ import annotations

import copy
import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from bujian.core.backup import BackupError, backup, fingerprint, restore
from bujian.core.db.sqlite3.base import DatabaseWrapper as SQLiteWrapper
from bujian.core.models import AuditEntry
from bujian.regions.models import Village
from bujian.residents.models import Resident
from bujian.residents.tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db(transaction=True)

needs_pg_tools = pytest.mark.skipif(
    connection.vendor == "postgresql" and shutil.which("pg_dump") is None,
    reason="pg_dump is not installed",
)


@pytest.fixture
def data(village: Village) -> list[Resident]:
    residents = [ResidentFactory.create(village=village) for _ in range(3)]
    AuditEntry.objects.create(action="test.made", target_repr="Ibu Ani", data={"n": 1})
    return residents


@needs_pg_tools
def test_backup_then_restore_gives_back_every_row(
    data: list[Resident], tmp_path: Path, village: Village
) -> None:
    out = io.StringIO()
    call_command("backup_db", "--directory", str(tmp_path), stdout=out)
    (made,) = [p for p in tmp_path.iterdir() if not p.name.endswith(".json")]
    manifest = json.loads(made.with_name(made.name + ".json").read_text())
    assert manifest["tables"]["residents_resident"][0] == 3
    assert manifest["vendor"] == connection.vendor
    before = fingerprint(connection)

    # The day goes on: a resident is deleted, another is added.
    Resident.objects.filter(pk=data[0].pk).delete()
    ResidentFactory.create(village=village)
    assert fingerprint(connection) != before

    call_command("restore_db", str(made), "--yes", stdout=out)

    assert fingerprint(connection) == before
    assert set(Resident.objects.values_list("pk", flat=True)) == {r.pk for r in data}
    assert "all match" in out.getvalue()


@needs_pg_tools
def test_a_damaged_backup_is_refused_and_nothing_changes(
    data: list[Resident], tmp_path: Path
) -> None:
    made = backup(directory=tmp_path)
    raw = bytearray(made.path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    made.path.write_bytes(bytes(raw))
    before = fingerprint(connection)
    with pytest.raises(CommandError, match="does not match its manifest"):
        call_command("restore_db", str(made.path), "--yes")
    assert fingerprint(connection) == before


def test_a_backup_without_its_manifest_is_refused(tmp_path: Path) -> None:
    lonely = tmp_path / "bujian.sqlite3"
    lonely.write_bytes(b"x")
    with pytest.raises(BackupError, match="manifest"):
        restore(path=lonely)
    with pytest.raises(BackupError, match="does not exist"):
        restore(path=tmp_path / "missing.sqlite3")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a fresh SQLite file")
def test_a_sqlite_backup_restores_into_a_fresh_database(
    data: list[Resident], tmp_path: Path
) -> None:
    made = backup(directory=tmp_path / "backups")
    settings_dict = copy.deepcopy(connection.settings_dict)
    settings_dict["NAME"] = str(tmp_path / "fresh.sqlite3")
    fresh = SQLiteWrapper(settings_dict, alias="fresh")
    connections["fresh"] = fresh  # introspection looks the alias up
    try:
        restored = restore(path=made.path, connection=fresh)
    finally:
        fresh.close()
        del connections["fresh"]
    assert restored == made.fingerprint
    assert restored["residents_resident"][0] == 3
