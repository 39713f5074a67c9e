"""Small helpers for data migrations that must run fast on big tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import migrations


def fill_uuids(app_label: str, model_name: str) -> migrations.RunPython:
    """Give every existing row of a table a random UUID in one UPDATE (a new UUID
    field is added nullable, filled, then made unique and required)."""

    def forward(apps: Any, schema_editor: Any) -> None:
        model = apps.get_model(app_label, model_name)
        table = schema_editor.quote_name(model._meta.db_table)
        if schema_editor.connection.vendor == "postgresql":
            expression = "gen_random_uuid()"
        else:  # Django keeps a UUID on SQLite as 32 hexadecimal characters
            expression = "lower(hex(randomblob(16)))"
        # Both parts are constants of this module and the quoted table name.
        sql = f"UPDATE {table} SET uuid = {expression} WHERE uuid IS NULL"  # noqa: S608
        schema_editor.execute(sql)

    noop: Callable[[Any, Any], None] = migrations.RunPython.noop
    return migrations.RunPython(forward, noop, elidable=True)
