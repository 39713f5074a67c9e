"""``manage.py generate_history``: a province-scale synthetic history for the report
benchmark (bujian/evaluation/synthetic.py, bench/README.md). Not for a real database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bujian.evaluation.synthetic import HistoryError, Progress, generate_history

BAR_WIDTH = 30


def bar(progress: Progress) -> str:
    """``[#####.....]  42.0%  visits 504/1,200  rows 5,123,456  98,000 rows/s  52 s``"""
    done = int(progress.fraction * BAR_WIDTH)
    return (
        f"\r[{'#' * done}{'.' * (BAR_WIDTH - done)}] {progress.fraction:6.1%}"
        f"  visits {progress.visits_done:,}/{progress.visits_total:,}"
        f"  rows {progress.rows:,}  {progress.rows_per_second:,.0f} rows/s"
        f"  {progress.seconds:5.0f} s "
    )


class Command(BaseCommand):
    help = (
        "Fill the database with a synthetic history of Bengkulu's regencies: visits, "
        "residents, tickets, service records, documents, aspirations and survey responses "
        "(at scale 1: over 3 million records). For benchmarks, never on a real database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--regencies", type=int, default=10, help="1 to 10 (Bengkulu's).")
        parser.add_argument("--years", type=int, default=5, help="Whole months before today.")
        parser.add_argument(
            "--scale", type=float, default=1.0, help="1.0: 3 million records; 0.001: tiny."
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--last-day",
            type=dt.date.fromisoformat,
            help="The history ends in the month before this date (default: today).",
        )
        parser.add_argument(
            "--no-summaries", action="store_true", help="Do not rebuild the summary tables."
        )

    def _progress(self, progress: Progress) -> None:
        self.stderr.write(bar(progress), ending="")
        self.stderr.flush()

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["verbosity"] == 0
        try:
            result = generate_history(
                regencies=options["regencies"],
                years=options["years"],
                scale=options["scale"],
                seed=options["seed"],
                last_day=options["last_day"],
                progress=None if quiet else self._progress,
                rebuild=not options["no_summaries"],
            )
        except HistoryError as error:
            raise CommandError(str(error)) from error
        if not quiet:
            self.stderr.write("")
        total = sum(result.counts.values())
        self.stdout.write(
            f"{', '.join(result.regencies)}: {result.first_day} to {result.last_day}, "
            f"{total:,} rows in {result.seconds:.1f} s ({total / result.seconds:,.0f} rows/s)."
        )
        for table, count in result.counts.items():
            self.stdout.write(f"  {table:24} {count:>12,}")
        if result.summaries_seconds is not None:
            self.stdout.write(f"Summary tables rebuilt in {result.summaries_seconds:.1f} s.")
