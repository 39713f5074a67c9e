from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bujian.core.models import TimeStampedModel


class DayOffQuerySet(models.QuerySet["DayOff"]):
    def for_regency(self, regency_id: int | None) -> DayOffQuerySet:
        """Rows that apply to one regency: its own and those for every regency."""
        if regency_id is None:
            return self.filter(regency__isnull=True)
        return self.filter(models.Q(regency__isnull=True) | models.Q(regency_id=regency_id))


class DayOff(TimeStampedModel):
    """A day the calendar of the `holidays` package does not know: a cuti bersama decided
    after the package was released, a regency event, or a date the Bupati is not free.

    Cuti bersama are not working days (deadlines skip them); regency events and the
    leader's blocked dates stay working days but no visit is planned on them.
    """

    class Kind(models.TextChoices):
        CUTI_BERSAMA = "cuti_bersama", _("Collective leave (cuti bersama)")
        REGENCY_EVENT = "regency_event", _("Regency event")
        LEADER_BLOCKED = "leader_blocked", _("The Bupati is not available")

    regency = models.ForeignKey(
        "regions.Regency",
        verbose_name=_("regency"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="days_off",
        help_text=_("Empty: applies to every regency."),
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    name = models.CharField(_("description"), max_length=150)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = DayOffQuerySet.as_manager()

    class Meta:
        verbose_name = _("day off")
        verbose_name_plural = _("days off")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["regency", "date", "kind"], name="calendars_dayoff_unique"
            ),
            models.UniqueConstraint(
                fields=["date", "kind"],
                condition=models.Q(regency__isnull=True),
                name="calendars_dayoff_unique_all",
            ),
        ]
        indexes = [models.Index(fields=["date"], name="calendars_dayoff_date")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"

    @property
    def is_non_working(self) -> bool:
        return self.kind == self.Kind.CUTI_BERSAMA
