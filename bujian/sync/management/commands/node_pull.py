from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bujian.core.errors import DomainError
from bujian.sync import node


class Command(BaseCommand):
    help = "On a field node: pair with central (URL and pairing code) and pull the visit package."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--central", required=True, help="https://bujian.example.go.id")
        parser.add_argument("--code", required=True, help="the one-time pairing code")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            state = node.pull(options["central"], options["code"])
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"paired: {state.name} (visit {state.visit_id})")
