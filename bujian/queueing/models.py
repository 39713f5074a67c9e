from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bujian.core.models import TimeStampedModel


class VisitTicket(TimeStampedModel):
    """The one ticket a resident holds at a visit: a queue number at each booth they
    need. ``busy_with`` is the booth ticket being called or served right now; it holds
    the resident out of every other booth until that service ends. It is claimed with
    a conditional UPDATE (``busy_with IS NULL``) so two booths cannot both win."""

    uuid = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, help_text=_("In the QR code.")
    )
    # Set by issue_visit_ticket on a visit ticket it just created: its booth tickets,
    # so the answer needs no query. Not a field.
    fresh_tickets: list[Ticket] | None = None

    visit = models.ForeignKey(
        "visits.Visit",
        verbose_name=_("visit"),
        on_delete=models.PROTECT,
        related_name="visit_tickets",
    )
    resident = models.ForeignKey(
        "residents.Resident",
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="visit_tickets",
    )
    registration = models.ForeignKey(
        "residents.Registration",
        verbose_name=_("registration"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visit_tickets",
    )
    busy_with = models.OneToOneField(
        "queueing.Ticket",
        verbose_name=_("being served at"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("visit ticket")
        verbose_name_plural = _("visit tickets")
        constraints = [
            models.UniqueConstraint(fields=["visit", "resident"], name="queueing_visitticket_once"),
        ]

    def __str__(self) -> str:
        return f"{self.resident} @ {self.visit}"


class Ticket(TimeStampedModel):
    """A queue number at one booth on one day (A-014)."""

    # Made on a field node too: the key that makes a replayed sync a no-op.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        CALLED = "called", _("Called")
        SERVING = "serving", _("Being served")
        HELD = "held", _("On hold")
        SKIPPED = "skipped", _("Skipped (no-show)")
        DONE = "done", _("Done")
        TRANSFERRED = "transferred", _("Transferred")
        CANCELLED = "cancelled", _("Cancelled")

    visit_ticket = models.ForeignKey(
        VisitTicket,
        verbose_name=_("visit ticket"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    booth = models.ForeignKey(
        "visits.Booth", verbose_name=_("booth"), on_delete=models.PROTECT, related_name="tickets"
    )
    day = models.DateField(_("day"))
    number = models.PositiveIntegerField(_("number"))
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.WAITING)
    services = models.ManyToManyField(
        "agencies.Service", verbose_name=_("services"), blank=True, related_name="+"
    )
    queued_at = models.DateTimeField(
        _("in the queue since"), help_text=_("Kept on transfer, so the resident keeps their place.")
    )
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    started_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    call_count = models.PositiveSmallIntegerField(_("calls"), default=0)
    skip_count = models.PositiveSmallIntegerField(_("skips"), default=0)
    return_at = models.DateTimeField(
        _("back in the queue at"), null=True, blank=True, help_text=_("For a skipped ticket.")
    )
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("called by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    transferred_from = models.ForeignKey(
        "self",
        verbose_name=_("transferred from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers",
    )

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["booth", "queued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["booth", "day", "number"], name="queueing_ticket_number"
            ),
            # One booth at a time: the backstop of the VisitTicket.busy_with claim.
            models.UniqueConstraint(
                fields=["visit_ticket"],
                condition=models.Q(status__in=["called", "serving"]),
                name="queueing_ticket_one_booth_at_a_time",
            ),
        ]
        indexes = [  # call next: the booth's waiting tickets, oldest first
            models.Index(fields=["booth", "status", "queued_at"], name="queueing_ticket_board"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """``A-014``: what the resident, the board and the voice say."""
        return f"{self.booth.prefix}-{self.number:03d}"


# At a counter right now: called, or being served. A resident is in at most one.
IN_PROGRESS = (Ticket.Status.CALLED, Ticket.Status.SERVING)
