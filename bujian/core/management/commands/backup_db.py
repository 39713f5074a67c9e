from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bujian.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the whole database while the app keeps running (SQLite online backup, "
        "or pg_dump), with a manifest of every table's row count and checksum."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--directory", type=Path, help="Where to write the backup (default var/backups)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            made = backup(directory=options["directory"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(count for count, _digest in made.fingerprint.values())
        self.stdout.write(
            f"{made.path} ({len(made.fingerprint)} tables, {rows} rows); manifest {made.manifest}"
        )
