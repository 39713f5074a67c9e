"""The outbox: one row per message to a resident, so a failing gateway is visible."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bujian.core.models import TimeStampedModel


class OutboxQuerySet(models.QuerySet["OutboxMessage"]):
    def due(self, now: object) -> OutboxQuerySet:
        """Queued messages whose next attempt has come (the retry command)."""
        return self.filter(status=OutboxMessage.Status.QUEUED, next_attempt_at__lte=now)


class OutboxMessage(TimeStampedModel):
    """A text message (WhatsApp or SMS) to one phone number, and how sending it went.

    The row is written in the transaction of the change it tells about; the sending
    happens afterwards in a background task, so a slow or broken gateway never blocks
    a page, and each failure is kept here until an attempt succeeds.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    phone = models.CharField(_("phone"), max_length=20)
    message = models.TextField(_("message"))
    topic = models.CharField(
        _("topic"), max_length=80, blank=True, help_text=_("What the message is about.")
    )
    reference = models.CharField(
        _("reference"), max_length=40, blank=True, help_text=_("E.g. a tracking code.")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    backend = models.CharField(_("backend"), max_length=200, blank=True)

    objects = OutboxQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at", "-id"]
        indexes = [  # the retry command: queued messages whose time has come
            models.Index(fields=["status", "next_attempt_at"], name="notifications_outbox_due"),
            # the messages of one aspiration on its staff page
            models.Index(fields=["reference"], name="notifications_outbox_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.phone} · {self.get_status_display()}"
