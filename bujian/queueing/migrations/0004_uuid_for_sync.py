"""Rows made on a field node carry a UUID, so a replayed sync is a no-op. Existing
rows get one in a single UPDATE."""

import uuid

from django.db import migrations, models

from bujian.core.migration_helpers import fill_uuids


class Migration(migrations.Migration):
    dependencies = [
        ("queueing", "0003_one_booth_at_a_time"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="uuid",
            field=models.UUIDField(editable=False, null=True),
        ),
        fill_uuids("queueing", "ticket"),
        migrations.AlterField(
            model_name="ticket",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
