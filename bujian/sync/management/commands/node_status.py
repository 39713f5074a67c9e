from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bujian.sync import node, simulate


class Command(BaseCommand):
    help = "On a field node: the sync health (waiting records by kind, last push, last error)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        state = node.state()
        report: dict[str, Any] = {
            "paired": state is not None,
            "waiting": node.waiting_counts() if state else {},
            "records": simulate.counts(),
            "last_push_at": state.last_push_at.isoformat()
            if state and state.last_push_at
            else None,
            "last_error": state.last_error if state else "",
            "report": simulate.report_numbers(state.visit_id) if state else None,
        }
        self.stdout.write(json.dumps(report, indent=None if options["json"] else 2, default=str))
