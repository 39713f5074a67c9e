"""``manage.py load_catalog --regency 17.01 [PATH.csv]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from bujian.agencies.actions import CatalogResult, load_catalog_csv, load_shipped_catalog
from bujian.core.errors import DomainError
from bujian.regions.models import Regency


class Command(BaseCommand):
    help = (
        "Create or update the agencies and services of a regency from the catalog CSV. "
        "Without a file, load the catalog shipped for that regency. Running it again "
        "changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--regency", required=True, help="The regency code, written with a dot (17.01)."
        )
        parser.add_argument(
            "path", nargs="?", type=Path, help="The catalog CSV; default: the shipped one."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code: str = options["regency"].strip()
        path: Path | None = options["path"]
        regency = Regency.objects.filter(code=code).first()
        if regency is None:
            raise CommandError(
                _("Regency %(code)s is not loaded. Run import_regions first.") % {"code": code}
            )
        try:
            result = self._load(regency, path)
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            _(
                "Catalog of %(regency)s: agencies %(agencies_created)d created, "
                "%(agencies_updated)d updated; services %(services_created)d created, "
                "%(services_updated)d updated."
            )
            % {
                "regency": regency.code,
                "agencies_created": result.agencies_created,
                "agencies_updated": result.agencies_updated,
                "services_created": result.services_created,
                "services_updated": result.services_updated,
            }
        )

    def _load(self, regency: Regency, path: Path | None) -> CatalogResult:
        if path is None:
            result = load_shipped_catalog(regency=regency)
            if result is None:
                raise CommandError(
                    _("Bujian ships no catalog for %(code)s. Give the path of a catalog CSV.")
                    % {"code": regency.code}
                )
            return result
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as error:
            raise CommandError(_("File not found: %(path)s") % {"path": path}) from error
        except UnicodeDecodeError as error:
            raise CommandError(
                _("%(path)s is not UTF-8 text. Save the CSV as UTF-8 and try again.")
                % {"path": path}
            ) from error
        return load_catalog_csv(text=text, regency=regency)
