"""Evaluation: the letterhead of reports, summary tables, imported indicator sets.

The summary tables are derived data: ``bujian.evaluation.summaries.rebuild_summaries``
deletes and rewrites them per visit from the raw rows (tickets, service records,
survey answers) in set-based ``INSERT … SELECT`` statements. Nothing else writes them.
The period report reads them, so a yearly report does not scan millions of rows.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from bujian.core.models import TimeStampedModel

SKM_ELEMENTS = tuple(f"u{i}" for i in range(1, 10))


class ReportLetterhead(TimeStampedModel):
    """The kop surat printed at the top of a regency's reports. One per regency; when
    there is none, ``letterhead_for`` gives a default built from the regency's name."""

    regency = models.OneToOneField(
        "regions.Regency",
        verbose_name=_("regency"),
        on_delete=models.CASCADE,
        related_name="letterhead",
    )
    government_name = models.CharField(
        _("government"), max_length=150, help_text=_("E.g. PEMERINTAH KABUPATEN BENGKULU SELATAN.")
    )
    office_name = models.CharField(
        _("office"),
        max_length=200,
        help_text=_("E.g. BADAN PERENCANAAN PEMBANGUNAN DAERAH."),
    )
    address = models.CharField(_("address"), max_length=250, blank=True)
    contact = models.CharField(
        _("contact line"), max_length=250, blank=True, help_text=_("Phone, e-mail, website.")
    )
    city = models.CharField(
        _("city of signature"), max_length=100, blank=True, help_text=_("E.g. Manna.")
    )
    signer_title = models.CharField(_("signer's title"), max_length=150, blank=True)
    signer_name = models.CharField(_("signer's name"), max_length=150, blank=True)
    signer_nip = models.CharField(_("signer's NIP"), max_length=18, blank=True)
    logo = models.BinaryField(_("logo"), blank=True, default=b"", editable=True)
    logo_content_type = models.CharField(_("logo type"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("report letterhead")
        verbose_name_plural = _("report letterheads")

    def __str__(self) -> str:
        return f"{self.government_name} — {self.office_name}"

    @property
    def has_logo(self) -> bool:
        return bool(self.logo)


# --- summary tables ---------------------------------------------------------------------


class VisitSummary(models.Model):
    """One row per summarised visit: attendance of agencies, residents, documents.
    ``fingerprint`` is a digest of the raw rows when it was built; a different one
    now means the summary is stale."""

    visit = models.OneToOneField(
        "visits.Visit", on_delete=models.CASCADE, related_name="evaluation_summary"
    )
    regency = models.ForeignKey("regions.Regency", on_delete=models.CASCADE, related_name="+")
    village = models.ForeignKey("regions.Village", on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey("regions.District", on_delete=models.CASCADE, related_name="+")
    start_date = models.DateField()
    end_date = models.DateField()
    invited = models.PositiveIntegerField(default=0)
    mandatory = models.PositiveIntegerField(default=0)
    present = models.PositiveIntegerField(default=0)
    absent = models.PositiveIntegerField(default=0)
    excused = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)
    visit_tickets = models.PositiveIntegerField(default=0)
    residents_served = models.PositiveIntegerField(default=0)
    documents_issued = models.PositiveIntegerField(default=0)
    documents_handed_over = models.PositiveIntegerField(default=0)
    fingerprint = models.CharField(max_length=200, blank=True)
    rebuilt_at = models.DateTimeField()

    class Meta:
        indexes = [  # the period report and the dashboard: a regency's visits by date
            models.Index(fields=["regency", "start_date"], name="evaluation_visitsum_period"),
        ]

    def __str__(self) -> str:
        return f"summary of visit {self.visit_id}"


class AgencyDaySummary(models.Model):
    """Per visit, agency and day: queue tickets, served, wait and service times."""

    visit = models.ForeignKey("visits.Visit", on_delete=models.CASCADE, related_name="+")
    regency = models.ForeignKey("regions.Regency", on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    tickets = models.PositiveIntegerField(default=0)
    served = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    residents = models.PositiveIntegerField(default=0)
    waits = models.PositiveIntegerField(default=0)
    wait_total = models.DurationField(null=True)
    timed_services = models.PositiveIntegerField(default=0)
    service_total = models.DurationField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "agency", "day"], name="evaluation_agencyday_once"
            ),
        ]
        indexes = [  # the period report: a regency's days
            models.Index(fields=["regency", "day"], name="evaluation_agencyday_period"),
        ]

    def __str__(self) -> str:
        return f"agency {self.agency_id} at visit {self.visit_id} on {self.day}"


class ServiceDaySummary(models.Model):
    """Per visit, service and day: service records by outcome."""

    visit = models.ForeignKey("visits.Visit", on_delete=models.CASCADE, related_name="+")
    regency = models.ForeignKey("regions.Regency", on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey("agencies.Service", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    records = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    in_process = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    referred = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "service", "day"], name="evaluation_serviceday_once"
            ),
        ]
        indexes = [  # the period report: a regency's days
            models.Index(fields=["regency", "day"], name="evaluation_serviceday_period"),
        ]

    def __str__(self) -> str:
        return f"service {self.service_id} at visit {self.visit_id} on {self.day}"


class ResidentGroupSummary(models.Model):
    """Per visit: residents served, by village of residence, sex and age group."""

    class AgeGroup(models.TextChoices):
        CHILD = "0-16", _("0–16 years")
        YOUNG = "17-25", _("17–25 years")
        ADULT = "26-45", _("26–45 years")
        MIDDLE = "46-59", _("46–59 years")
        SENIOR = "60+", _("60 years and over")

    visit = models.ForeignKey("visits.Visit", on_delete=models.CASCADE, related_name="+")
    regency = models.ForeignKey("regions.Regency", on_delete=models.CASCADE, related_name="+")
    start_date = models.DateField()
    village = models.ForeignKey(
        "regions.Village", null=True, on_delete=models.CASCADE, related_name="+"
    )
    sex = models.CharField(max_length=1)
    age_group = models.CharField(max_length=5, choices=AgeGroup)
    residents = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [  # the period report: a regency's visits by date
            models.Index(fields=["regency", "start_date"], name="evaluation_resgroup_period"),
            models.Index(fields=["visit"], name="evaluation_resgroup_visit"),
        ]

    def __str__(self) -> str:
        return f"{self.residents} residents at visit {self.visit_id}"


class SurveySummary(models.Model):
    """Per visit and agency: SKM respondents and the sum of each element's answers,
    enough to compute the IKM of any set of visits exactly."""

    visit = models.ForeignKey("visits.Visit", on_delete=models.CASCADE, related_name="+")
    regency = models.ForeignKey("regions.Regency", on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    start_date = models.DateField()
    respondents = models.PositiveIntegerField(default=0)
    u1 = models.PositiveIntegerField(default=0)
    u2 = models.PositiveIntegerField(default=0)
    u3 = models.PositiveIntegerField(default=0)
    u4 = models.PositiveIntegerField(default=0)
    u5 = models.PositiveIntegerField(default=0)
    u6 = models.PositiveIntegerField(default=0)
    u7 = models.PositiveIntegerField(default=0)
    u8 = models.PositiveIntegerField(default=0)
    u9 = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["visit", "agency"], name="evaluation_survey_once"),
        ]
        indexes = [  # the period report: a regency's visits by date
            models.Index(fields=["regency", "start_date"], name="evaluation_survey_period"),
        ]

    def __str__(self) -> str:
        return f"SKM of agency {self.agency_id} at visit {self.visit_id}"

    @property
    def sums(self) -> list[int]:
        return [getattr(self, name) for name in SKM_ELEMENTS]


# --- comparison across programs -----------------------------------------------------------


class IndicatorSet(TimeStampedModel):
    """Indicators of one visit of another program (or of this one), imported from the
    documented JSON/CSV file: counts and rates only, never personal data."""

    source_regency_code = models.CharField(_("regency code"), max_length=5)
    source_regency_name = models.CharField(_("regency"), max_length=100)
    program_name = models.CharField(_("program"), max_length=100)
    visit_key = models.CharField(
        _("visit key"),
        max_length=60,
        help_text=_("The visit's identifier in the exporting system."),
    )
    village_name = models.CharField(_("village"), max_length=100)
    district_name = models.CharField(_("district"), max_length=100)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    indicators: models.JSONField[dict[str, Any]] = models.JSONField(_("indicators"), default=dict)
    is_demo = models.BooleanField(_("demo data"), default=False)
    imported_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    imported_for = models.ForeignKey(
        "regions.Regency",
        verbose_name=_("imported by regency"),
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("The regency whose staff imported the set (and may see it)."),
    )

    class Meta:
        verbose_name = _("imported indicator set")
        verbose_name_plural = _("imported indicator sets")
        ordering = ["source_regency_code", "start_date"]
        constraints = [  # importing the same file again replaces, never doubles
            models.UniqueConstraint(
                fields=["imported_for", "source_regency_code", "visit_key"],
                name="evaluation_indicatorset_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_name}: {self.village_name} {self.start_date}"
