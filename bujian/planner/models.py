"""The rotation planner: what the admin knows about each village, and each planning
run with its rules, its result and its slots."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bujian.core.models import TimeStampedModel


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class VillageProfile(TimeStampedModel):
    """The editable need indicators of a village (the others come from visits,
    aspirations and documents) and the admin's manual priority or exclusion."""

    village = models.OneToOneField(
        "regions.Village",
        verbose_name=_("village"),
        on_delete=models.CASCADE,
        related_name="planning_profile",
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    travel_minutes = models.PositiveSmallIntegerField(
        _("travel time (minutes)"),
        null=True,
        blank=True,
        help_text=_("By road from the regency capital."),
    )
    distance_km = models.PositiveSmallIntegerField(
        _("distance (km)"), null=True, blank=True, help_text=_("From the regency capital.")
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority, default=Priority.NORMAL
    )
    excluded = models.BooleanField(
        _("excluded"), default=False, help_text=_("The planner never chooses this village.")
    )
    reason = models.CharField(
        _("reason"),
        max_length=200,
        blank=True,
        help_text=_("Why this village has a priority or is excluded."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("village profile")
        verbose_name_plural = _("village profiles")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(priority="normal") & models.Q(excluded=False))
                | ~models.Q(reason=""),
                name="planner_villageprofile_reason_given",
                violation_error_message=_("A priority or an exclusion needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.village)


class PlanQuerySet(models.QuerySet["Plan"]):
    def in_regency(self, regency_id: int) -> PlanQuerySet:
        return self.filter(regency_id=regency_id)


class Plan(TimeStampedModel):
    """One run of the planner: the rules the admin set, and the result."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        INFEASIBLE = "infeasible", _("Rules in conflict")
        FAILED = "failed", _("Failed")
        ACCEPTED = "accepted", _("Accepted")
        SUPERSEDED = "superseded", _("Superseded")

    RUNNING_STATES = frozenset({Status.QUEUED, Status.RUNNING})

    regency = models.ForeignKey(
        "regions.Regency",
        verbose_name=_("regency"),
        on_delete=models.PROTECT,
        related_name="rotation_plans",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    period_start = models.DateField(_("first day"))
    period_end = models.DateField(_("last day"))
    visits_per_month = models.PositiveSmallIntegerField(_("visits per month"), default=2)
    weekdays = models.CharField(
        _("weekdays allowed"), max_length=13, default="1,2,3", help_text=_("Monday is 0.")
    )
    days_per_visit = models.PositiveSmallIntegerField(_("days per visit"), default=1)
    pause_ramadan = models.BooleanField(_("pause in Ramadan"), default=False)
    min_visits_per_district = models.PositiveSmallIntegerField(
        _("minimum visits per kecamatan"), default=1
    )
    min_gap_visits = models.PositiveSmallIntegerField(
        _("kecamatan gap (visits)"),
        default=1,
        help_text=_("1: the same kecamatan never on two consecutive visits. 0: no rule."),
    )
    min_gap_weeks = models.PositiveSmallIntegerField(
        _("kecamatan gap (weeks)"), default=0, help_text=_("0: no rule.")
    )
    revisit_months = models.PositiveSmallIntegerField(_("no revisit within (months)"), default=12)
    long_trip_minutes = models.PositiveSmallIntegerField(
        _("a long trip takes at least (minutes)"), default=90
    )
    max_long_trips_per_month = models.PositiveSmallIntegerField(
        _("long trips per month at most"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    time_limit_seconds = models.PositiveSmallIntegerField(_("solver time limit (s)"), default=20)
    # The worker has no request: it writes reasons and conflicts in the admin's language.
    language = models.CharField(_("language"), max_length=8, blank=True)
    replan_of = models.ForeignKey(
        "self",
        verbose_name=_("re-plan of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replans",
    )
    solver_status = models.CharField(_("solver status"), max_length=12, blank=True)
    objective = models.BigIntegerField(_("objective"), null=True, blank=True)
    bound = models.FloatField(_("bound"), null=True, blank=True)
    greedy_objective = models.BigIntegerField(_("greedy objective"), null=True, blank=True)
    solve_seconds = models.FloatField(_("solve time (s)"), null=True, blank=True)
    first_feasible_seconds = models.FloatField(_("first plan after (s)"), null=True, blank=True)
    conflicts = models.JSONField(_("conflicts"), default=list, blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("rotation plan")
        verbose_name_plural = _("rotation plans")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="planner_plan_period_ordered",
                violation_error_message=_("The last day is before the first day."),
            ),
        ]
        indexes = [  # the plan list of a regency, newest first
            models.Index(fields=["regency", "-created_at"], name="planner_plan_list"),
        ]

    def __str__(self) -> str:
        return f"{self.regency} {self.period_start:%d-%m-%Y}–{self.period_end:%d-%m-%Y}"

    @property
    def weekday_set(self) -> frozenset[int]:
        return frozenset(int(d) for d in self.weekdays.split(",") if d.strip().isdigit())

    @property
    def gap(self) -> float | None:
        if self.objective is None or not self.bound:
            return None
        return max(0.0, (self.bound - self.objective) / self.bound)

    @property
    def gain_over_greedy(self) -> float | None:
        if self.objective is None or not self.greedy_objective:
            return None
        return (self.objective - self.greedy_objective) / self.greedy_objective

    @property
    def gap_percent(self) -> float | None:
        return None if self.gap is None else 100 * self.gap

    @property
    def gain_percent(self) -> float | None:
        gain = self.gain_over_greedy
        return None if gain is None else 100 * gain

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING_STATES

    @property
    def has_result(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.ACCEPTED, self.Status.SUPERSEDED}


class PlanSlot(models.Model):
    """One visit of a plan: a new slot the planner filled, or a visit it kept."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="slots"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    village = models.ForeignKey(
        "regions.Village", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    kept = models.BooleanField(
        _("kept"), default=False, help_text=_("A visit that existed before this plan.")
    )
    visit = models.ForeignKey(
        "visits.Visit",
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_slots",
    )
    weight = models.PositiveIntegerField(_("need weight"), default=0)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    long_trip = models.BooleanField(_("long trip"), default=False)
    locked = models.BooleanField(
        _("locked"), default=False, help_text=_("Re-planning keeps a locked visit.")
    )

    class Meta:
        verbose_name = _("plan slot")
        verbose_name_plural = _("plan slots")
        ordering = ["plan", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "start_date"], name="planner_planslot_date"),
        ]

    def __str__(self) -> str:
        return f"{self.start_date:%d-%m-%Y} {self.village}"

    @property
    def days(self) -> list[dt.date]:
        count = (self.end_date - self.start_date).days + 1
        return [self.start_date + dt.timedelta(days=i) for i in range(count)]
