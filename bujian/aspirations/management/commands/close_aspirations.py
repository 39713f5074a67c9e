"""Close the resolved or rejected aspirations whose reopening window has passed
(SP4N-LAPOR!: 10 working days after the answer). Idempotent; run it daily."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bujian.aspirations.actions import close_expired_aspirations


class Command(BaseCommand):
    help = "Close answered aspirations that nobody reopened within 10 working days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only count them.")

    def handle(self, *args: Any, **options: Any) -> None:
        count = close_expired_aspirations(dry_run=options["dry_run"])
        verb = "would be closed" if options["dry_run"] else "closed"
        self.stdout.write(f"{count} aspiration(s) {verb}.")
