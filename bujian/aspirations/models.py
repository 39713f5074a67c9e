"""Aspirations and complaints raised by residents, their disposition, the agencies'
answers and the history residents follow by tracking code."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bujian.core.models import TimeStampedModel

# Crockford-like: no 0/O and no 1/I, so a code read aloud or copied from paper is
# not misread.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 5


class Category(models.TextChoices):
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Health")
    SOCIAL_AID = "social_aid", _("Social aid")
    CIVIL_REGISTRATION = "civil_registration", _("Civil registration (adminduk)")
    AGRICULTURE = "agriculture", _("Agriculture and fisheries")
    ECONOMY = "economy", _("Economy and small business (UMKM)")
    SECURITY = "security", _("Security and public order")
    OTHER = "other", _("Other")


class AspirationQuerySet(models.QuerySet["Aspiration"]):
    def open(self) -> AspirationQuerySet:
        """Still waiting for verification, an agency or its answer."""
        return self.filter(status__in=Aspiration.OPEN_STATES)

    def overdue(self, today: dt.date) -> AspirationQuerySet:
        """Open and past the deadline of the step it waits for."""
        return self.filter(status__in=Aspiration.OPEN_STATES, due_date__lt=today)

    def counted(self) -> AspirationQuerySet:
        """Everything but the duplicates merged into another one."""
        return self.exclude(status=Aspiration.Status.MERGED)


class Aspiration(TimeStampedModel):
    """One aspiration or complaint ("aspirasi/pengaduan").

    Deadlines follow SP4N-LAPOR! in working days of the regency: verified and assigned
    within 3 of receipt, first answer of the lead agency within 5 of assignment, and
    closed 10 after the answer unless the resident reopens it. ``due_date`` is the
    deadline of the step the aspiration waits for now (empty when it waits for nobody),
    recomputed by every transition, so "overdue" is one indexed comparison.
    """

    # Made on a field node too: the key that makes a replayed sync a no-op.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        VERIFIED = "verified", _("Verified")
        ASSIGNED = "assigned", _("Assigned")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        REJECTED = "rejected", _("Rejected")
        MERGED = "merged", _("Merged into another")

    class Channel(models.TextChoices):
        ASSISTED = "assisted", _("Recorded by staff")
        DIALOGUE = "dialogue", _("Dialogue session")
        PUBLIC_FORM = "public_form", _("Public form")
        API = "api", _("API")

    class Term(models.TextChoices):
        UNDECIDED = "", _("Not decided yet")
        SHORT = "short", _("Short term (can be solved now)")
        LONG = "long", _("Long term (needs budget)")

    OPEN_STATES = ("received", "verified", "assigned", "in_progress")
    FINAL_STATES = ("resolved", "rejected")

    regency = models.ForeignKey(
        "regions.Regency",
        verbose_name=_("regency"),
        on_delete=models.PROTECT,
        related_name="aspirations",
    )
    code = models.CharField(_("tracking code"), max_length=16, unique=True)
    # The resident's aspiration outlives the visit row: deleting a visit (admin, the
    # demo's reset) keeps it, without the link.
    visit = models.ForeignKey(
        "visits.Visit",
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="aspirations",
    )
    village = models.ForeignKey(
        "regions.Village",
        verbose_name=_("village"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="aspirations",
    )
    hamlet = models.CharField(_("hamlet (dusun)"), max_length=100, blank=True)
    rt = models.CharField(_("RT"), max_length=3, blank=True)
    rw = models.CharField(_("RW"), max_length=3, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    category = models.CharField(_("category"), max_length=20, choices=Category)
    title = models.CharField(_("title"), max_length=150)
    text = models.TextField(_("description"))
    channel = models.CharField(_("channel"), max_length=12, choices=Channel)

    reporter_name = models.CharField(_("name"), max_length=120, blank=True)
    reporter_national_id = models.CharField(_("NIK"), max_length=16, blank=True)
    reporter_phone = models.CharField(_("phone (WhatsApp/SMS)"), max_length=20, blank=True)
    phone_consent_at = models.DateTimeField(
        _("consent to be contacted"),
        null=True,
        blank=True,
        help_text=_("When the resident agreed to receive messages on this number."),
    )
    hide_identity = models.BooleanField(
        _("hide my identity from the agency"),
        default=False,
        help_text=_("The agency sees the aspiration without name, NIK or phone."),
    )
    raised_by = models.CharField(
        _("raised by"),
        max_length=150,
        blank=True,
        help_text=_("In the dialogue session: who spoke, e.g. Kepala Dusun II."),
    )
    leader_response = models.TextField(
        _("leader's direct answer"),
        blank=True,
        help_text=_("What the Bupati (or Wabup, Sekda) answered on the spot."),
    )

    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.RECEIVED)
    received_at = models.DateTimeField(_("received at"))
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first answer at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    due_date = models.DateField(_("due"), null=True, blank=True)
    assign_due = models.DateField(_("assign by"), null=True, blank=True)
    response_due = models.DateField(_("answer by"), null=True, blank=True)
    close_due = models.DateField(_("closes on"), null=True, blank=True)

    lead_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("lead agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_aspirations",
    )
    supporting_agencies = models.ManyToManyField(
        "agencies.Agency",
        verbose_name=_("supporting agencies"),
        blank=True,
        related_name="supported_aspirations",
    )
    disposition = models.TextField(_("disposition"), blank=True)
    disposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("disposed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    term = models.CharField(_("term"), max_length=5, choices=Term, blank=True, default="")
    planning_year = models.PositiveSmallIntegerField(
        _("planning year"),
        null=True,
        blank=True,
        help_text=_("For long-term items: the budget year it is planned for (RKPD)."),
    )
    public_response = models.TextField(_("public answer"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = AspirationQuerySet.as_manager()

    class Meta:
        verbose_name = _("aspiration")
        verbose_name_plural = _("aspirations")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="merged") | models.Q(merged_into__isnull=False),
                name="aspirations_aspiration_merged_has_target",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["assigned", "in_progress"])
                | models.Q(lead_agency__isnull=False),
                name="aspirations_aspiration_assigned_has_agency",
            ),
        ]
        indexes = [
            # every list and the dashboard: overdue open items of a regency
            models.Index(fields=["regency", "status", "due_date"], name="aspirations_asp_due"),
            # an agency's inbox
            models.Index(fields=["lead_agency", "status"], name="aspirations_asp_agency"),
            # the auto-close job: answered items whose window has passed
            models.Index(fields=["status", "close_due"], name="aspirations_asp_close"),
            # the per-agency stats over a period
            models.Index(fields=["regency", "received_at"], name="aspirations_asp_received"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATES

    @property
    def is_anonymous(self) -> bool:
        return not (self.reporter_name or self.reporter_national_id or self.reporter_phone)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def is_overdue(self, today: dt.date) -> bool:
        return self.is_open and self.due_date is not None and self.due_date < today


def attachment_path(instance: Attachment, filename: str) -> str:
    """Random names under the aspiration's folder; the original name is not kept on
    disk (it may hold personal data)."""
    return f"aspirations/{instance.aspiration_id}/{filename}"


class Attachment(TimeStampedModel):
    """A photo sent with the aspiration, or the evidence of the agency's answer (a
    photo or a PDF). Served only through the aspirations views, with their checks."""

    # Made on a field node too: the key that makes a replayed sync a no-op.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo from the resident")
        EVIDENCE = "evidence", _("Evidence of the follow-up")

    aspiration = models.ForeignKey(
        Aspiration,
        verbose_name=_("aspiration"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    is_public = models.BooleanField(
        _("public"), default=True, help_text=_("Shown on the public page of the aspiration.")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["aspiration", "kind", "id"]

    def __str__(self) -> str:
        return f"{self.aspiration.code} {self.get_kind_display()}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Event(models.Model):
    """One line of an aspiration's history: a transition (from → to), with the note
    the public page shows and the note only staff read."""

    # Made on a field node too: the key that makes a replayed sync a no-op.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    aspiration = models.ForeignKey(
        Aspiration, verbose_name=_("aspiration"), on_delete=models.CASCADE, related_name="events"
    )
    created_at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12)
    public_note = models.TextField(_("public note"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history entries")
        ordering = ["aspiration", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.aspiration_id} {self.from_status}→{self.to_status}"

    @property
    def to_status_label(self) -> str:
        return str(Aspiration.Status(self.to_status).label)
