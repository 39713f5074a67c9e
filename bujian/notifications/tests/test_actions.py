"""The notifier: outbox rows, background sending, retry of a failing gateway."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from pytest_django import Settings

from bujian.notifications import actions
from bujian.notifications.backends import MemoryBackend
from bujian.notifications.models import OutboxMessage


@pytest.mark.django_db
def test_message_is_sent_after_the_commit(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        outbox = actions.queue_message(phone="0812 3456 7890", message="Halo", reference="BD-1")
        assert outbox is not None
        assert MemoryBackend.sent == []  # nothing before the commit
    outbox.refresh_from_db()
    assert outbox.status == OutboxMessage.Status.SENT
    assert outbox.attempts == 1
    assert MemoryBackend.sent == [("+6281234567890", "Halo")]


@pytest.mark.django_db
def test_no_phone_no_message() -> None:
    assert actions.queue_message(phone="", message="Halo") is None
    assert actions.queue_message(phone="abc", message="Halo") is None
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_a_failing_gateway_is_recorded_and_retried_later(
    settings: Settings, django_capture_on_commit_callbacks: Any
) -> None:
    settings.BUJIAN_NOTIFIER = "bujian.notifications.backends.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        outbox = actions.queue_message(phone="081234567890", message="Halo")
    assert outbox is not None
    outbox.refresh_from_db()
    assert outbox.status == OutboxMessage.Status.QUEUED
    assert outbox.attempts == 1
    assert "DeliveryError" in outbox.last_error
    assert outbox.next_attempt_at is not None and outbox.next_attempt_at > timezone.now()
    # Not due yet: the retry command leaves it.
    assert actions.deliver_due() == (0, 0)
    later = timezone.now() + dt.timedelta(days=1)
    for _attempt in range(actions.MAX_ATTEMPTS - 1):
        actions.deliver_due(now=later)
        later += dt.timedelta(days=1)
    outbox.refresh_from_db()
    assert outbox.status == OutboxMessage.Status.FAILED
    assert outbox.attempts == actions.MAX_ATTEMPTS
    # The gateway is back; an admin queues it again.
    settings.BUJIAN_NOTIFIER = "bujian.notifications.backends.MemoryBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.retry_message(outbox=outbox)
    outbox.refresh_from_db()
    assert outbox.status == OutboxMessage.Status.SENT


@pytest.mark.django_db
def test_a_sent_message_is_not_sent_twice() -> None:
    outbox = OutboxMessage.objects.create(
        phone="+6281234567890", message="Halo", next_attempt_at=timezone.now()
    )
    actions.deliver(outbox.pk)
    assert actions.deliver(outbox.pk) is None
    assert len(MemoryBackend.sent) == 1


@pytest.mark.django_db
def test_file_backend_writes_one_line(settings: Settings, tmp_path: Path) -> None:
    settings.BUJIAN_NOTIFIER = "bujian.notifications.backends.FileBackend"
    settings.BUJIAN_NOTIFIER_LOG = str(tmp_path / "notifications.log")
    outbox = OutboxMessage.objects.create(
        phone="+6281234567890",
        message="Aspirasi BD-ABCDE:\nSelesai.",
        next_attempt_at=timezone.now(),
    )
    actions.deliver(outbox.pk)
    line = (tmp_path / "notifications.log").read_text(encoding="utf-8")
    assert line.count("\n") == 1
    assert "+6281234567890\tAspirasi BD-ABCDE: Selesai." in line


@pytest.mark.django_db
def test_send_command_retries_due_messages(capsys: pytest.CaptureFixture[str]) -> None:
    OutboxMessage.objects.create(
        phone="+6281234567890", message="Halo", next_attempt_at=timezone.now()
    )
    call_command("send_notifications", "--dry-run")
    assert "1 message(s) due." in capsys.readouterr().out
    call_command("send_notifications")
    assert "1 sent" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("12", ""),
        ("", ""),
    ],
)
def test_normalize_phone(raw: str, normal: str) -> None:
    assert actions.normalize_phone(raw) == normal
