"""Rows made on a field node carry a UUID, so a replayed sync is a no-op. Existing
rows get one in a single UPDATE."""

import uuid

from django.db import migrations, models

from bujian.core.migration_helpers import fill_uuids


class Migration(migrations.Migration):
    dependencies = [
        ("aspirations", "0003_add_phone_consent"),
    ]

    operations = [
        migrations.AddField(
            model_name="aspiration",
            name="uuid",
            field=models.UUIDField(editable=False, null=True),
        ),
        fill_uuids("aspirations", "aspiration"),
        migrations.AlterField(
            model_name="aspiration",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AddField(
            model_name="attachment",
            name="uuid",
            field=models.UUIDField(editable=False, null=True),
        ),
        fill_uuids("aspirations", "attachment"),
        migrations.AlterField(
            model_name="attachment",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AddField(
            model_name="event",
            name="uuid",
            field=models.UUIDField(editable=False, null=True),
        ),
        fill_uuids("aspirations", "event"),
        migrations.AlterField(
            model_name="event",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
