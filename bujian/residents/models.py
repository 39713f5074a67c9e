from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bujian.core.models import TimeStampedModel


class Resident(TimeStampedModel):
    """A resident (warga), deduplicated by NIK. Personal data: see the masking helpers
    in ``bujian.residents.nik``; every view of a full NIK is audited."""

    class Sex(models.TextChoices):
        MALE = "L", _("Male")
        FEMALE = "P", _("Female")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    national_id = models.CharField(_("NIK"), max_length=16, unique=True)
    family_card_number = models.CharField(_("KK number"), max_length=16, blank=True)
    full_name = models.CharField(_("full name"), max_length=150)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex)
    birth_date = models.DateField(_("birth date"))
    birth_place = models.CharField(_("birth place"), max_length=100, blank=True)
    village = models.ForeignKey(
        "regions.Village",
        verbose_name=_("village"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="residents",
    )
    hamlet = models.CharField(_("dusun"), max_length=100, blank=True)
    rt = models.CharField(_("RT"), max_length=3, blank=True)
    rw = models.CharField(_("RW"), max_length=3, blank=True)
    address = models.CharField(_("address"), max_length=250, blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True, help_text=_("+62…"))
    # UU 27/2022: the phone number is kept on consent only; when it was given.
    phone_consent_at = models.DateTimeField(_("consent to be contacted"), null=True, blank=True)
    accepted_warnings: models.JSONField[list[str]] = models.JSONField(
        _("accepted NIK warnings"),
        default=list,
        blank=True,
        help_text=_("Codes of NIK warnings a staff member checked and accepted."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["full_name"]
        indexes = [  # the registration desk: search by name within a village
            models.Index(fields=["village", "full_name"], name="residents_resident_village"),
        ]

    def __str__(self) -> str:
        return self.full_name


class Registration(TimeStampedModel):
    """A resident's registration for a visit: made beforehand by the village operator
    (pre-registration, typed or imported) or at the desk on the day (walk-in)."""

    class Source(models.TextChoices):
        PRE_REGISTRATION = "pre", _("Pre-registration")
        IMPORT = "import", _("Excel import")
        WALK_IN = "walk_in", _("Walk-in")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    visit = models.ForeignKey(
        "visits.Visit",
        verbose_name=_("visit"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="registrations"
    )
    source = models.CharField(_("source"), max_length=8, choices=Source)
    notes = models.CharField(_("notes"), max_length=250, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["visit", "resident__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "resident"], name="residents_registration_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} @ {self.visit}"


class RegistrationService(models.Model):
    """One service a registered resident needs, with the requirement checklist:
    which documents the resident already has."""

    registration = models.ForeignKey(
        Registration, verbose_name=_("registration"), on_delete=models.CASCADE, related_name="needs"
    )
    service = models.ForeignKey(
        "agencies.Service", verbose_name=_("service"), on_delete=models.PROTECT, related_name="+"
    )
    documents_present = models.ManyToManyField(
        "agencies.Requirement",
        verbose_name=_("documents the resident has"),
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("needed service")
        verbose_name_plural = _("needed services")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "service"], name="residents_registrationservice_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration}: {self.service}"
