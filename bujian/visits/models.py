from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bujian.core.models import TimeStampedModel


class VisitQuerySet(models.QuerySet["Visit"]):
    def public(self) -> VisitQuerySet:
        """Visits residents may see: announced or later, never drafts."""
        return self.exclude(status=Visit.Status.DRAFT)

    def upcoming(self, today: dt.date) -> VisitQuerySet:
        return self.filter(
            status__in=[Visit.Status.ANNOUNCED, Visit.Status.ONGOING], end_date__gte=today
        ).order_by("start_date", "id")

    def past(self, today: dt.date) -> VisitQuerySet:
        return self.filter(
            models.Q(status__in=[Visit.Status.FINISHED, Visit.Status.REPORTED])
            | models.Q(status=Visit.Status.ONGOING, end_date__lt=today)
        ).order_by("-start_date", "-id")

    def in_regency(self, regency_id: int) -> VisitQuerySet:
        return self.filter(regency_id=regency_id)


class Visit(TimeStampedModel):
    """One "Bupati ngantor di desa" event: one or two service days in a village."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ANNOUNCED = "announced", _("Announced")
        ONGOING = "ongoing", _("Ongoing")
        FINISHED = "finished", _("Finished")
        REPORTED = "reported", _("Reported")
        CANCELLED = "cancelled", _("Cancelled")

    regency = models.ForeignKey(
        "regions.Regency",
        verbose_name=_("regency"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    village = models.ForeignKey(
        "regions.Village",
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    daily_start = models.TimeField(_("daily start"), default=dt.time(8, 0))
    daily_end = models.TimeField(_("daily end"), default=dt.time(16, 0))
    venue = models.CharField(_("venue"), max_length=200, default="Balai Desa")
    expects_bupati = models.BooleanField(_("Bupati expected"), default=True)
    expects_vice_bupati = models.BooleanField(_("Wakil Bupati expected"), default=False)
    expects_sekda = models.BooleanField(_("Sekda expected"), default=True)
    notes = models.TextField(
        _("notes"), blank=True, help_text=_("Shown on the public page of the visit.")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="visits_visit_end_after_start",
                violation_error_message=_("The end date is before the start date."),
            ),
            models.CheckConstraint(
                condition=models.Q(daily_end__gt=models.F("daily_start")),
                name="visits_visit_daily_hours_ordered",
                violation_error_message=_("The daily closing time must be after the opening time."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status="cancelled") | ~models.Q(cancel_reason=""),
                name="visits_visit_cancel_has_reason",
                violation_error_message=_("A cancelled visit needs a reason."),
            ),
        ]
        indexes = [  # the public schedule and the planner: visits of a regency by date
            models.Index(fields=["regency", "status", "start_date"], name="visits_visit_schedule"),
        ]

    def __str__(self) -> str:
        return f"{self.village.name}, {self.start_date:%d-%m-%Y}"

    @property
    def days(self) -> list[dt.date]:
        count = (self.end_date - self.start_date).days + 1
        return [self.start_date + dt.timedelta(days=i) for i in range(count)]

    @property
    def leaders_expected(self) -> list[str]:
        leaders = []
        if self.expects_bupati:
            leaders.append(str(_("Bupati")))
        if self.expects_vice_bupati:
            leaders.append(str(_("Wakil Bupati")))
        if self.expects_sekda:
            leaders.append(str(_("Sekda")))
        return leaders

    @property
    def is_open_for_changes(self) -> bool:
        return self.status in {self.Status.DRAFT, self.Status.ANNOUNCED, self.Status.ONGOING}


class Participation(TimeStampedModel):
    """An agency's part in one visit: invitation, confirmation, excuse, attendance."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        CONFIRMED = "confirmed", _("Confirmed")
        EXCUSED = "excused", _("Excused")

    class Attendance(models.TextChoices):
        PENDING = "pending", _("Not yet")
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="participations"
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="participations",
    )
    mandatory = models.BooleanField(
        _("mandatory"), default=True, help_text=_("Every OPD must attend; others are invited.")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.INVITED)
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance, default=Attendance.PENDING
    )
    late = models.BooleanField(_("late"), default=False)
    services = models.ManyToManyField(
        "agencies.Service", verbose_name=_("services offered"), blank=True, related_name="+"
    )
    booth_tables = models.PositiveSmallIntegerField(_("tables needed"), default=1)
    booth_chairs = models.PositiveSmallIntegerField(_("chairs needed"), default=2)
    needs_power = models.BooleanField(_("needs power"), default=True)
    needs_network = models.BooleanField(_("needs network"), default=False)
    needs_printer = models.BooleanField(_("needs a printer"), default=False)
    equipment = models.TextField(
        _("equipment brought"), blank=True, help_text=_("E.g. SIM keliling car, Samsat keliling.")
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["visit", "-mandatory", "agency__short_name"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "agency"], name="visits_participation_once"),
        ]
        indexes = [  # the compliance ledger: one agency across visits
            models.Index(fields=["agency", "status", "attendance"], name="visits_part_ledger"),
        ]

    def __str__(self) -> str:
        return f"{self.agency} @ {self.visit}"


class ParticipationStaff(models.Model):
    participation = models.ForeignKey(
        Participation,
        verbose_name=_("participation"),
        on_delete=models.CASCADE,
        related_name="staff",
    )
    name = models.CharField(_("name"), max_length=120)
    nip = models.CharField(_("NIP"), max_length=18, blank=True, help_text=_("Optional, 18 digits."))
    role = models.CharField(_("task"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        ordering = ["participation", "id"]

    def __str__(self) -> str:
        return self.name


class Excuse(TimeStampedModel):
    """A written request to be excused from a visit, and the program admin's decision.
    Kept on record whatever the decision."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Awaiting decision")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    participation = models.ForeignKey(
        Participation,
        verbose_name=_("participation"),
        on_delete=models.CASCADE,
        related_name="excuses",
    )
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision, default=Decision.PENDING
    )
    decision_note = models.TextField(_("decision note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("excuse")
        verbose_name_plural = _("excuses")
        ordering = ["-created_at"]
        constraints = [  # one open request per participation at a time
            models.UniqueConstraint(
                fields=["participation"],
                condition=models.Q(decision="pending"),
                name="visits_excuse_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participation}: {self.get_decision_display()}"


class CheckIn(models.Model):
    """An agency's arrival (and departure) on one day of a visit."""

    # Made on a field node too: the key that makes a replayed sync a no-op.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    participation = models.ForeignKey(
        Participation,
        verbose_name=_("participation"),
        on_delete=models.CASCADE,
        related_name="checkins",
    )
    day = models.DateField(_("day"))
    checked_in_at = models.DateTimeField(_("checked in at"))
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked in by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    late = models.BooleanField(_("late"), default=False)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked out by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["day", "checked_in_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["participation", "day"], name="visits_checkin_once_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participation.agency} {self.day}"


class Booth(TimeStampedModel):
    """One agency's counter (loket) at a visit. Queue numbers are per booth and start
    at 1 each day: ``counter_day``/``last_number`` move together in one UPDATE."""

    # Made on a field node too: the key that makes a replayed sync a no-op.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="booths"
    )
    participation = models.ForeignKey(
        Participation, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="booths"
    )
    prefix = models.CharField(
        _("prefix"), max_length=3, help_text=_("Letter before the queue number, e.g. A in A-014.")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("E.g. Loket Disdukcapil."))
    zone = models.CharField(
        _("zone"), max_length=50, blank=True, help_text=_("Part of the hall, for big halls.")
    )
    is_open = models.BooleanField(_("open"), default=True)
    counter_day = models.DateField(_("counter day"), null=True, blank=True)
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("booth")
        verbose_name_plural = _("booths")
        ordering = ["visit", "prefix"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "prefix"], name="visits_booth_prefix"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} · {self.name}"
