"""Backups of the whole database, and a fingerprint to prove a restore is whole.

SQLite: the online backup API copies the live database page by page while the app keeps
serving (readers and writers are not stopped), then the copy's integrity is checked.
PostgreSQL: ``pg_dump --format=custom``, restored with ``pg_restore``. Either way a
manifest (``<backup>.json``) records every table's row count and checksum, and
``restore_db`` compares the restored database with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

Fingerprint = dict[str, tuple[int, str]]


class BackupError(Exception):
    """A backup or restore could not be made; the message says why."""


@dataclass(frozen=True)
class Backup:
    path: Path
    manifest: Path
    fingerprint: Fingerprint


def default_directory() -> Path:
    return Path(settings.VAR_DIR) / "backups"


def fingerprint(connection: BaseDatabaseWrapper) -> Fingerprint:
    """Each table's row count and a SHA-256 over its rows in primary-key order."""
    result: Fingerprint = {}
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        for table in tables:
            quoted = connection.ops.quote_name(table)
            columns = [
                column.name
                for column in connection.introspection.get_table_description(cursor, table)
            ]
            order = ", ".join(connection.ops.quote_name(name) for name in columns)
            cursor.execute(f"SELECT * FROM {quoted} ORDER BY {order}")  # noqa: S608 -- names from introspection
            digest = hashlib.sha256()
            count = 0
            for row in cursor.fetchall():
                digest.update(repr(tuple(_plain(value) for value in row)).encode())
                count += 1
            result[table] = (count, digest.hexdigest())
    return result


def _plain(value: Any) -> Any:
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def backup(*, directory: Path | None = None, using: str = "default") -> Backup:
    connection = connections[using]
    directory = directory or default_directory()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    if connection.vendor == "sqlite":
        path = directory / f"bujian-{stamp}.sqlite3"
        _sqlite_backup(connection, path)
    elif connection.vendor == "postgresql":
        path = directory / f"bujian-{stamp}.dump"
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}"], connection)
    else:
        raise BackupError(f"no backup method for {connection.vendor}")
    prints = fingerprint(connection)
    manifest = path.with_name(path.name + ".json")
    manifest.write_text(
        json.dumps(
            {
                "made_at": timezone.now().isoformat(),
                "vendor": connection.vendor,
                "file": path.name,
                "sha256": _file_digest(path),
                "tables": {table: list(value) for table, value in prints.items()},
            },
            indent=1,
        )
    )
    return Backup(path=path, manifest=manifest, fingerprint=prints)


def restore(
    *, path: Path, using: str = "default", connection: BaseDatabaseWrapper | None = None
) -> Fingerprint:
    """Replace the database's content with the backup and check it against the
    manifest; BackupError (and nothing claimed) when they differ. ``connection``, when
    given, is the database to restore into (a fresh one, say) instead of ``using``."""
    connection = connection or connections[using]
    manifest = _read_manifest(path)
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            f"{path.name} is a {manifest['vendor']} backup; this database is {connection.vendor}"
        )
    if manifest["sha256"] != _file_digest(path):
        raise BackupError(f"{path.name} does not match its manifest (damaged or changed)")
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        connection.close()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                str(path),
            ],
            connection,
        )
    restored = fingerprint(connection)
    expected = {table: tuple(value) for table, value in manifest["tables"].items()}
    if restored != expected:
        differing = sorted(
            table
            for table in set(expected) | set(restored)
            if expected.get(table) != restored.get(table)
        )
        raise BackupError("restored tables differ from the backup: " + ", ".join(differing))
    return restored


def _sqlite_backup(connection: BaseDatabaseWrapper, path: Path) -> None:
    connection.ensure_connection()
    partial = path.with_name(path.name + ".partial")
    target = sqlite3.connect(partial)
    try:
        # Pages in batches, so writers are never held off for long.
        connection.connection.backup(target, pages=256)
        (status,) = target.execute("PRAGMA integrity_check").fetchone()
        if status != "ok":
            raise BackupError(f"the copy failed its integrity check: {status}")
    finally:
        target.close()
    os.replace(partial, path)


def _run(command: list[str], connection: BaseDatabaseWrapper) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)")
    params = connection.settings_dict
    env = dict(os.environ)
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    args = [
        *command[:1],
        f"--host={params.get('HOST') or 'localhost'}",
        f"--port={params.get('PORT') or 5432}",
        f"--username={params.get('USER') or 'postgres'}",
        f"--dbname={params['NAME']}",
        *command[1:],
    ]
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:500]}")


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_manifest(path: Path) -> dict[str, Any]:
    manifest = path.with_name(path.name + ".json")
    if not path.exists():
        raise BackupError(f"{path} does not exist")
    if not manifest.exists():
        raise BackupError(f"{manifest.name} is missing: a backup is restored with its manifest")
    data: dict[str, Any] = json.loads(manifest.read_text())
    return data
