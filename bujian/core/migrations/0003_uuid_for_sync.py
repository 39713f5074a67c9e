"""Rows made on a field node carry a UUID, so a replayed sync is a no-op. Existing
rows get one in a single UPDATE."""

import uuid

from django.db import migrations, models

from bujian.core.migration_helpers import fill_uuids


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_auditentry_source_ip"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="uuid",
            field=models.UUIDField(editable=False, null=True),
        ),
        fill_uuids("core", "auditentry"),
        migrations.AlterField(
            model_name="auditentry",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
