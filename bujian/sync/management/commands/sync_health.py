from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Q
from django.utils import timezone

from bujian.sync.models import FieldNode, SyncConflict


class Command(BaseCommand):
    help = (
        "On central: the sync health of every paired field node, as JSON. Exits 1 when a "
        "node has an error, open conflicts, or has not pushed for --stale-hours (for monitoring)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stale-hours", type=float, default=24.0)

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        stale = now - dt.timedelta(hours=options["stale_hours"])
        nodes = (
            FieldNode.objects.filter(status=FieldNode.Status.PAIRED)
            .select_related("visit__village")
            .annotate(
                open_conflicts=Count(
                    "conflicts", filter=Q(conflicts__status=SyncConflict.Status.OPEN)
                )
            )
        )
        report = []
        unhealthy = 0
        for node in nodes:
            problems = []
            if node.last_error:
                problems.append(f"error: {node.last_error}")
            if node.open_conflicts:
                problems.append(f"{node.open_conflicts} open conflicts")
            if (node.last_push_at or node.paired_at or now) < stale:
                problems.append("no push for too long")
            unhealthy += bool(problems)
            report.append(
                {
                    "node": node.name,
                    "visit": f"{node.visit.village.name} {node.visit.start_date}",
                    "last_push_at": node.last_push_at.isoformat() if node.last_push_at else None,
                    "waiting_reported": node.waiting_reported,
                    "problems": problems,
                }
            )
        self.stdout.write(json.dumps(report, indent=2))
        if unhealthy:
            raise CommandError(f"{unhealthy} field node(s) need attention")
