from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from bujian.core.retention import apply_retention


class Command(BaseCommand):
    help = (
        "Erase or anonymise personal data past its retention period (docs/data-pribadi.md). "
        "Run it daily; --dry-run only counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        for result in apply_retention(now=timezone.now(), dry_run=dry_run):
            verb = "would erase" if dry_run else "erased"
            self.stdout.write(
                f"{result.rule.code}: {verb} {result.count} ({result.rule.description})"
            )
