"""Rewrite the evaluation's summary tables from the raw rows (after a correction of
old data, or a bulk load). Idempotent: run it as often as needed."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bujian.evaluation.summaries import rebuild_summaries
from bujian.regions.models import Regency


class Command(BaseCommand):
    help = "Rebuild the evaluation summary tables of one regency (or of all) from raw rows."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--regency", help="Regency code, e.g. 17.01 (default: all).")

    def handle(self, *args: Any, **options: Any) -> None:
        regency_id = None
        if options.get("regency"):
            regency = Regency.objects.filter(code=options["regency"]).first()
            if regency is None:
                raise CommandError(f"No regency with the code {options['regency']}.")
            regency_id = regency.pk
        started = time.perf_counter()
        rebuild_summaries(regency_id=regency_id)
        self.stdout.write(f"Summaries rebuilt in {time.perf_counter() - started:.1f} s.")
