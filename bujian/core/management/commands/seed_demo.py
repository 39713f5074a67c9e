"""``manage.py seed_demo``: demo data for trying Bujian out; does nothing twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from bujian.core.demo import load_demo_data


class Command(BaseCommand):
    help = (
        "Load demo data (both shipped regencies, the catalog, a login for every role, "
        "past and upcoming visits) into a database without visits, and print the logins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            help="Pretend today is this date (YYYY-MM-DD); default: today in Asia/Jakarta.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today: dt.date | None = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError as error:
                raise CommandError(
                    _("--today must be a date written YYYY-MM-DD, e.g. 2026-11-28.")
                ) from error
        load_demo_data(today=today, stdout=self.stdout)
