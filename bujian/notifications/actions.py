"""Queueing and delivering messages to residents.

``queue_message`` is called inside the caller's transaction: the outbox row exists
exactly when the change it tells about does, and the task that sends it is enqueued
only after the commit (``on_commit``), so a rolled-back change sends nothing.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.utils import timezone

from bujian.notifications.backends import get_notifier, notifier_path
from bujian.notifications.models import OutboxMessage

MAX_ATTEMPTS = 5
# Waits before the 2nd, 3rd, … attempt; a gateway down for an hour is covered.
BACKOFF = [
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=15),
    dt.timedelta(hours=1),
]
_NOT_DIGITS = re.compile(r"[^\d+]")


def normalize_phone(raw: str) -> str:
    """``0812-3456 7890`` → ``+6281234567890``; empty when it is not a phone number."""
    phone = _NOT_DIGITS.sub("", raw or "")
    if phone.startswith("+"):
        phone = "+" + phone[1:].replace("+", "")
    elif phone.startswith("62"):
        phone = "+" + phone
    elif phone.startswith("0"):
        phone = "+62" + phone[1:]
    elif phone.startswith("8"):
        phone = "+62" + phone
    else:
        return ""
    digits = len(phone) - 1
    return phone if 9 <= digits <= 15 else ""


def queue_message(
    *, phone: str, message: str, topic: str = "", reference: str = ""
) -> OutboxMessage | None:
    """Put a message in the outbox and send it in the background after the commit.
    Returns None (and stores nothing) when ``phone`` is not a usable number."""
    number = normalize_phone(phone)
    if not number:
        return None
    outbox = OutboxMessage.objects.create(
        phone=number,
        message=message,
        topic=topic,
        reference=reference,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: _enqueue(outbox.pk))
    return outbox


def _enqueue(outbox_id: int, run_after: dt.datetime | None = None) -> None:
    from bujian.notifications.tasks import deliver_message

    task = deliver_message
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # the retry command picks it up when its time comes
        task = task.using(run_after=run_after)
    task.enqueue(outbox_id)


def deliver(outbox_id: int, *, now: dt.datetime | None = None) -> OutboxMessage | None:
    """Try to send one queued message once. Claims the row with a conditional update
    (two workers never send the same message twice at once), then records the outcome:
    sent, queued again with a later attempt time, or failed after ``MAX_ATTEMPTS``."""
    now = now or timezone.now()
    claimed = OutboxMessage.objects.filter(
        pk=outbox_id, status=OutboxMessage.Status.QUEUED, next_attempt_at__lte=now
    ).update(next_attempt_at=None)
    if not claimed:
        return None
    outbox = OutboxMessage.objects.get(pk=outbox_id)
    outbox.attempts += 1
    outbox.backend = notifier_path()
    try:
        get_notifier().send(outbox.phone, outbox.message)
    except Exception as error:
        outbox.last_error = f"{type(error).__name__}: {error}"[:1000]
        if outbox.attempts >= MAX_ATTEMPTS:
            outbox.status = OutboxMessage.Status.FAILED
        else:
            wait = BACKOFF[min(outbox.attempts - 1, len(BACKOFF) - 1)]
            outbox.next_attempt_at = now + wait
        outbox.save(
            update_fields=[
                "attempts",
                "backend",
                "last_error",
                "status",
                "next_attempt_at",
                "updated_at",
            ]
        )
        if outbox.next_attempt_at is not None:
            run_after = outbox.next_attempt_at
            transaction.on_commit(lambda: _enqueue(outbox.pk, run_after))
        return outbox
    outbox.status = OutboxMessage.Status.SENT
    outbox.sent_at = timezone.now()
    outbox.last_error = ""
    outbox.save(
        update_fields=["attempts", "backend", "status", "sent_at", "last_error", "updated_at"]
    )
    return outbox


def deliver_due(*, now: dt.datetime | None = None, limit: int = 500) -> tuple[int, int]:
    """Send every queued message whose time has come (the retry command). Returns
    (sent, still failing)."""
    now = now or timezone.now()
    sent = failing = 0
    ids = list(
        OutboxMessage.objects.due(now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for outbox_id in ids:
        outbox = deliver(outbox_id, now=now)
        if outbox is None:
            continue
        if outbox.status == OutboxMessage.Status.SENT:
            sent += 1
        else:
            failing += 1
    return sent, failing


@transaction.atomic
def retry_message(*, outbox: OutboxMessage) -> bool:
    """Queue a failed message again (admin action); True when it was failed."""
    changed = OutboxMessage.objects.filter(pk=outbox.pk, status=OutboxMessage.Status.FAILED).update(
        status=OutboxMessage.Status.QUEUED, attempts=0, next_attempt_at=timezone.now()
    )
    if changed:
        transaction.on_commit(lambda: _enqueue(outbox.pk))
    return bool(changed)
