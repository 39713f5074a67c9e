from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bujian.core.errors import DomainError
from bujian.sync import node


class Command(BaseCommand):
    help = "On a field node: load a package file (USB path) with its pairing code."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--code", required=True)
        parser.add_argument("--central", default="", help="central's address, for later pushes")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            state = node.import_package(
                options["file"].read_bytes(), options["code"], central_url=options["central"]
            )
        except (DomainError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"paired: {state.name} (visit {state.visit_id})")
