"""``manage.py import_regions PATH.csv`` or ``manage.py import_regions --shipped``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from bujian.regions.actions import (
    ImportResult,
    RegionImportError,
    import_regions_file,
    load_shipped_regions,
)


class Command(BaseCommand):
    help = (
        "Import one regency with its districts and villages from a Kemendagri-style CSV "
        "(code,name,level,parent_code,kind,postal_code), or load both shipped regencies. "
        "All or nothing; running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", type=Path, help="The CSV file to import.")
        parser.add_argument(
            "--shipped",
            action="store_true",
            help="Load the regencies shipped with Bujian (17.01 and 18.02).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path | None = options["path"]
        shipped: bool = options["shipped"]
        if shipped == (path is not None):
            raise CommandError(_("Give either a CSV file or --shipped, not both or neither."))
        try:
            results = load_shipped_regions() if path is None else [self._import_file(path)]
        except RegionImportError as error:
            for line_error in error.errors:
                self.stderr.write(str(line_error))
            raise CommandError(error.message) from error
        for result in results:
            self.stdout.write(
                _(
                    "Regency %(code)s: %(created)d created, %(updated)d updated, "
                    "%(unchanged)d unchanged (%(districts)d districts, %(villages)d villages)."
                )
                % {
                    "code": result.regency_code,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "districts": result.counts.get("districts", 0),
                    "villages": result.counts.get("villages", 0),
                }
            )

    def _import_file(self, path: Path) -> ImportResult:
        try:
            return import_regions_file(path=path)
        except FileNotFoundError as error:
            raise CommandError(_("File not found: %(path)s") % {"path": path}) from error
        except UnicodeDecodeError as error:
            raise CommandError(
                _("%(path)s is not UTF-8 text. Save the CSV as UTF-8 and try again.")
                % {"path": path}
            ) from error
