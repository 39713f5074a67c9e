from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bujian.core.errors import DomainError
from bujian.sync import receive


class Command(BaseCommand):
    help = "On central: take a push file a field node exported (USB path); all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            totals = receive.receive_file(options["file"].read_bytes())
        except (DomainError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(totals))
