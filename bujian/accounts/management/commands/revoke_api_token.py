from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bujian.accounts.models import ApiToken
from bujian.accounts.tokens import revoke_api_token


class Command(BaseCommand):
    help = "Revoke a staff API token, found by the prefix shown when it was listed or made."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix", help="The first characters of the token, e.g. bjn_Ab3x.")

    def handle(self, *args: Any, **options: Any) -> None:
        tokens = list(
            ApiToken.objects.filter(prefix__startswith=options["prefix"], revoked_at__isnull=True)
        )
        if len(tokens) != 1:
            raise CommandError(
                f"{len(tokens)} active tokens start with {options['prefix']!r}; give exactly one."
            )
        revoke_api_token(api_token=tokens[0], actor=None)
        self.stdout.write(f"Revoked {tokens[0]}.")
