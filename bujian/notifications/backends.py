"""Gateways that deliver a text message to a phone.

The installation picks one with ``BUJIAN_NOTIFIER`` (a dotted path to a class with
``send(phone, message)``); the default writes each message to ``var/notifications.log``
because the field laptop has no internet. A WhatsApp or SMS gateway is one more class
here (or anywhere on the path) that raises ``DeliveryError`` when the gateway refuses.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

DEFAULT_NOTIFIER = "bujian.notifications.backends.FileBackend"


class DeliveryError(Exception):
    """The gateway did not take the message; the outbox tries again later."""


class Notifier(Protocol):
    def send(self, phone: str, message: str) -> None:
        """Deliver ``message`` to ``phone`` or raise (``DeliveryError`` or any error)."""


class FileBackend:
    """Appends each message to a log file (setting ``BUJIAN_NOTIFIER_LOG``, default
    ``notifications.log`` in ``BUJIAN_VAR_DIR``) and to the ``bujian.notifications``
    logger."""

    def __init__(self) -> None:
        default = Path(getattr(settings, "VAR_DIR", Path(settings.BASE_DIR) / "var"))
        default = default / "notifications.log"
        self.path = Path(getattr(settings, "BUJIAN_NOTIFIER_LOG", default))

    def send(self, phone: str, message: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        stamp = timezone.localtime().isoformat(timespec="seconds")
        one_line = message.replace("\n", " ")
        with self.path.open("a", encoding="utf-8") as log:
            log.write(f"{stamp}\t{phone}\t{one_line}\n")
        logger.info("Message to %s written to %s", phone[:4] + "…", self.path)


class ConsoleBackend:
    """Writes each message to the logger only."""

    def send(self, phone: str, message: str) -> None:
        logger.info("Message to %s: %s", phone, message)


class MemoryBackend:
    """Keeps messages in ``MemoryBackend.sent`` (tests)."""

    sent: list[tuple[str, str]] = []

    def send(self, phone: str, message: str) -> None:
        MemoryBackend.sent.append((phone, message))


class FailingBackend:
    """A gateway that is down (tests and drills)."""

    def send(self, phone: str, message: str) -> None:
        raise DeliveryError("The gateway did not answer.")


def notifier_path() -> str:
    return str(getattr(settings, "BUJIAN_NOTIFIER", DEFAULT_NOTIFIER))


@cache
def _notifier_class(path: str) -> type[Notifier]:
    cls: type[Notifier] = import_string(path)
    return cls


def get_notifier() -> Notifier:
    return _notifier_class(notifier_path())()
