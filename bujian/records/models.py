from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bujian.core.models import TimeStampedModel


class ServiceRecord(TimeStampedModel):
    """The outcome of one service for one resident at a booth (hasil layanan).
    Official records: corrected by a new record, never edited or deleted."""

    class Outcome(models.TextChoices):
        COMPLETED = "completed", _("Completed on site")
        IN_PROCESS = "in_process", _("In process (delivered later)")
        REJECTED = "rejected", _("Rejected")
        REFERRED = "referred", _("Referred")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ticket = models.ForeignKey(
        "queueing.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.PROTECT,
        related_name="records",
    )
    service = models.ForeignKey(
        "agencies.Service", verbose_name=_("service"), on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome)
    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    promised_date = models.DateField(_("promised date"), null=True, blank=True)
    rejection_reason = models.CharField(_("missing requirement"), max_length=250, blank=True)
    referred_to = models.ForeignKey(
        "visits.Booth",
        verbose_name=_("referred to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notes = models.CharField(_("notes"), max_length=250, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(outcome="rejected") | ~models.Q(rejection_reason=""),
                name="records_servicerecord_rejection_has_reason",
                violation_error_message=_("Say which requirement is missing."),
            ),
            models.CheckConstraint(
                condition=~models.Q(outcome="in_process") | models.Q(promised_date__isnull=False),
                name="records_servicerecord_in_process_has_date",
                violation_error_message=_("Give the date the document is promised."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service}: {self.get_outcome_display()}"


class Document(TimeStampedModel):
    """A population or other official document made for a resident, followed until
    it is in the resident's hands."""

    class Kind(models.TextChoices):
        KTP_EL = "ktp_el", _("KTP-el")
        KK = "kk", _("Kartu Keluarga")
        BIRTH_CERTIFICATE = "akta_lahir", _("Akta kelahiran")
        DEATH_CERTIFICATE = "akta_mati", _("Akta kematian")
        KIA = "kia", _("KIA")
        MOVING_LETTER = "skpwni", _("SKPWNI (pindah)")
        SIM = "sim", _("SIM")
        STNK = "stnk", _("STNK pengesahan")
        AK1 = "ak1", _("Kartu AK/1")
        NIB = "nib", _("NIB")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        IN_PROCESS = "in_process", _("In process")
        READY = "ready", _("Ready for handover")
        HANDED_OVER = "handed_over", _("Handed over")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("document type"), max_length=12, choices=Kind)
    number = models.CharField(_("number"), max_length=60, blank=True)
    resident = models.ForeignKey(
        "residents.Resident",
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="documents",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="documents",
    )
    service_record = models.ForeignKey(
        ServiceRecord,
        verbose_name=_("service record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.IN_PROCESS)
    promised_date = models.DateField(_("promised date"), null=True, blank=True)
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at"]
        indexes = [  # the handover list of a village: ready documents of its residents
            models.Index(fields=["status", "resident"], name="records_document_handover"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}".strip()


class DocumentHandover(TimeStampedModel):
    """The handover of a document to the resident or a proxy. One per document:
    nothing is handed over twice (the one-to-one field is the backstop)."""

    class Recipient(models.TextChoices):
        RESIDENT = "resident", _("The resident")
        PROXY = "proxy", _("A proxy")

    class Place(models.TextChoices):
        VISIT = "visit", _("At the visit")
        VILLAGE_OFFICE = "village_office", _("At the village office")
        AGENCY_OFFICE = "agency_office", _("At the agency office")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    document = models.OneToOneField(
        Document, verbose_name=_("document"), on_delete=models.PROTECT, related_name="handover"
    )
    recipient = models.CharField(_("received by"), max_length=10, choices=Recipient)
    proxy_name = models.CharField(_("proxy's name"), max_length=150, blank=True)
    proxy_national_id = models.CharField(_("proxy's NIK"), max_length=16, blank=True)
    proxy_relationship = models.CharField(_("relationship"), max_length=60, blank=True)
    place = models.CharField(_("place"), max_length=16, choices=Place, default=Place.VISIT)
    visit = models.ForeignKey(
        "visits.Visit",
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handovers",
    )
    on_stage = models.BooleanField(_("symbolic handover by the Bupati"), default=False)
    handed_over_at = models.DateTimeField(_("handed over at"))
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed over by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("document handover")
        verbose_name_plural = _("document handovers")
        ordering = ["-handed_over_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(recipient="proxy")
                | (~models.Q(proxy_name="") & ~models.Q(proxy_relationship="")),
                name="records_handover_proxy_named",
                violation_error_message=_("Write the proxy's name and relationship."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} → {self.get_recipient_display()}"
