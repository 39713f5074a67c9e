"""Rows made on a field node carry a UUID, so a replayed sync is a no-op. Existing
rows get one in a single UPDATE."""

import uuid

from django.db import migrations, models

from bujian.core.migration_helpers import fill_uuids


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0002_add_booth"),
    ]

    operations = [
        migrations.AddField(
            model_name="checkin",
            name="uuid",
            field=models.UUIDField(editable=False, null=True),
        ),
        fill_uuids("visits", "checkin"),
        migrations.AlterField(
            model_name="checkin",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AddField(
            model_name="booth",
            name="uuid",
            field=models.UUIDField(editable=False, null=True),
        ),
        fill_uuids("visits", "booth"),
        migrations.AlterField(
            model_name="booth",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
