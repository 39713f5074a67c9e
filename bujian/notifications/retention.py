"""What the outbox keeps for a limited time (bujian/core/retention.py): a sent or
failed message holds a phone number and what was said, and is needed only to see that
it went out. Deleted after BUJIAN_RETENTION_OUTBOX_DAYS days (default 180)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from bujian.core.retention import RetentionRule
from bujian.notifications.models import OutboxMessage


def _old_messages(now: dt.datetime, dry_run: bool) -> int:
    days = int(getattr(settings, "BUJIAN_RETENTION_OUTBOX_DAYS", 180))
    old = OutboxMessage.objects.filter(
        created_at__lt=now - dt.timedelta(days=days),
        status__in=[OutboxMessage.Status.SENT, OutboxMessage.Status.FAILED],
    )
    count = old.count()
    if not dry_run and count:
        old.delete()
    return count


RULES = [
    RetentionRule(
        code="notifications.old_messages",
        description="sent and failed messages older than the retention period",
        apply=_old_messages,
    ),
]
