from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bujian.notifications import retention
from bujian.notifications.models import OutboxMessage


@pytest.mark.django_db
def test_old_sent_and_failed_messages_are_deleted_queued_ones_kept() -> None:
    for status in OutboxMessage.Status.values:
        OutboxMessage.objects.create(phone="+6281234567890", message="Halo", status=status)
    (rule,) = retention.RULES
    assert rule.apply(timezone.now(), False) == 0
    later = timezone.now() + dt.timedelta(days=181)
    assert rule.apply(later, True) == 2
    assert rule.apply(later, False) == 2
    assert list(OutboxMessage.objects.values_list("status", flat=True)) == ["queued"]
