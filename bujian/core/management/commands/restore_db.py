from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bujian.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Replace the database's content with a backup made by backup_db, then check every "
        "table's row count and checksum against the backup's manifest. Stop the app first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The backup file (its .json beside it).")
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask; the current data is replaced."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not options["yes"]:
            answer = input(f"Replace everything in this database with {path.name}? [y/N] ")
            if answer.strip().lower() not in {"y", "yes", "ya"}:
                raise CommandError("Nothing was restored.")
        try:
            tables = restore(path=path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(count for count, _digest in tables.values())
        self.stdout.write(f"Restored {path.name}: {len(tables)} tables, {rows} rows, all match.")
