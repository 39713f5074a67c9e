from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bujian.core.errors import DomainError
from bujian.sync import node


class Command(BaseCommand):
    help = (
        "On a field node: push every waiting record to central; with --every, keep pushing "
        "(make node runs it beside the web server); with --file, write a push file instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--central", default=None, help="override the paired address")
        parser.add_argument("--every", type=int, default=0, help="seconds between pushes")
        parser.add_argument("--file", type=Path, default=None, help="export to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["file"] is not None:
            try:
                options["file"].write_bytes(node.export_file())
            except DomainError as error:
                raise CommandError(error.message) from error
            self.stdout.write(f"written: {options['file']}")
            return
        while True:
            try:
                totals = node.push(central_url=options["central"])
                self.stdout.write(json.dumps(totals))
            except DomainError as error:
                if not options["every"]:
                    raise CommandError(error.message) from error
                self.stderr.write(error.message)
            if not options["every"]:
                return
            time.sleep(options["every"])
