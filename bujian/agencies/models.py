from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bujian.core.models import TimeStampedModel
from bujian.core.templatetags.bujian import format_rupiah


class AgencyQuerySet(models.QuerySet["Agency"]):
    def active(self) -> AgencyQuerySet:
        return self.filter(is_active=True)

    def serving(self, regency_id: int) -> AgencyQuerySet:
        return self.filter(regencies=regency_id)

    def mandatory(self) -> AgencyQuerySet:
        """OPD: every active one must attend every visit of its regency."""
        return self.filter(kind=Agency.Kind.OPD)


class Agency(TimeStampedModel):
    class Kind(models.TextChoices):
        OPD = "opd", _("Regional agency (OPD)")
        VERTICAL = "vertical", _("Vertical agency")
        STAKEHOLDER = "stakeholder", _("Stakeholder (BUMN/BUMD, bank, BPJS)")

    code = models.SlugField(_("code"), max_length=40, unique=True, allow_unicode=False)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=40)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    regencies = models.ManyToManyField(
        "regions.Regency",
        verbose_name=_("regencies served"),
        related_name="agencies",
        help_text=_("An OPD belongs to one regency; a vertical agency may serve several."),
    )
    head_name = models.CharField(_("head"), max_length=120, blank=True)
    head_title = models.CharField(_("head's title"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=250, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["kind", "short_name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class ServiceQuerySet(models.QuerySet["Service"]):
    def active(self) -> ServiceQuerySet:
        return self.filter(is_active=True, agency__is_active=True)


class Service(TimeStampedModel):
    class OnSite(models.TextChoices):
        YES = "yes", _("Yes, finished on site")
        SOMETIMES = "sometimes", _("Sometimes (depends on printer, forms or network)")
        NO = "no", _("No, only the application is recorded on site")

    class FeeKind(models.TextChoices):
        FREE = "free", _("Free")
        FIXED = "fixed", _("Fixed amount")
        NOTE = "note", _("See note")

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="services"
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    output_document = models.CharField(
        _("output document"), max_length=200, blank=True, help_text=_("Empty when none.")
    )
    completed_on_site = models.CharField(
        _("completed on site"), max_length=10, choices=OnSite, default=OnSite.SOMETIMES
    )
    typical_minutes = models.PositiveSmallIntegerField(
        _("typical duration (minutes)"), null=True, blank=True
    )
    fee_kind = models.CharField(_("fee"), max_length=6, choices=FeeKind, default=FeeKind.FREE)
    fee_amount = models.PositiveIntegerField(_("fee amount (Rp)"), null=True, blank=True)
    fee_note = models.CharField(_("fee note"), max_length=300, blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("public service", "service")
        verbose_name_plural = pgettext_lazy("public service", "services")
        ordering = ["agency__kind", "agency__short_name", "code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(fee_kind="free", fee_amount__isnull=True)
                    | models.Q(fee_kind="fixed", fee_amount__gt=0)
                    | models.Q(fee_kind="note", fee_amount__isnull=True)
                ),
                name="agencies_service_fee_consistent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def fee_label(self) -> str:
        """ "Gratis", "Rp80.000" or the note, as residents read it."""
        if self.fee_kind == self.FeeKind.FIXED and self.fee_amount:
            return format_rupiah(self.fee_amount)
        if self.fee_kind == self.FeeKind.NOTE:
            return self.fee_note
        return str(_("Free"))


class Requirement(models.Model):
    """One thing a resident must bring or fulfil ("persyaratan")."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="requirements"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("requirement"), max_length=300)

    class Meta:
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        ordering = ["service", "position", "id"]

    def __str__(self) -> str:
        return self.text
