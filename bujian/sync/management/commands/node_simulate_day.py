from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bujian.sync.simulate import simulate_day


class Command(BaseCommand):
    help = "On a field node (tests, benchmarks, training): run a visit day through the actions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--residents", type=int, default=40)
        parser.add_argument("--walk-ins", type=int, default=5)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        result = simulate_day(
            residents=options["residents"], walk_ins=options["walk_ins"], seed=options["seed"]
        )
        self.stdout.write(json.dumps(result))
