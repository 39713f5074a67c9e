"""Retry the outbox: send every queued message whose next attempt is due.

Run it from cron where no task worker runs, or after a gateway outage. Idempotent:
a message is claimed before it is sent, so two runs never send it twice at once.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bujian.notifications.actions import deliver_due
from bujian.notifications.models import OutboxMessage


class Command(BaseCommand):
    help = "Send queued messages to residents whose next attempt is due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count the messages that are due."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"]:
            from django.utils import timezone

            due = OutboxMessage.objects.due(timezone.now()).count()
            self.stdout.write(f"{due} message(s) due.")
            return
        sent, failing = deliver_due()
        self.stdout.write(f"{sent} sent, {failing} still failing.")
