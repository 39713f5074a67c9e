from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A staff account. Residents never log in.

    What a user may see follows from ``role`` and its scope: a program admin and
    leadership work within ``regency``; an agency operator within ``agencies``; a
    village operator within ``village``. A superuser sees everything.
    """

    class Role(models.TextChoices):
        PROGRAM_ADMIN = "program_admin", _("Program admin (Bappeda)")
        LEADERSHIP = "leadership", _("Leadership (Bupati, Wakil Bupati, Sekda)")
        AGENCY_OPERATOR = "agency_operator", _("Agency operator")
        VILLAGE_OPERATOR = "village_operator", _("Village operator")

    role = models.CharField(_("role"), max_length=20, choices=Role, blank=True)
    regency = models.ForeignKey(
        "regions.Regency",
        verbose_name=_("regency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    agencies = models.ManyToManyField(
        "agencies.Agency", verbose_name=_("agencies"), blank=True, related_name="operators"
    )
    village = models.ForeignKey(
        "regions.Village",
        verbose_name=_("village"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="operators",
    )
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    nip = models.CharField(_("NIP"), max_length=18, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="village_operator") | models.Q(village__isnull=False),
                name="accounts_user_village_operator_has_village",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_program_admin(self) -> bool:
        return self.is_superuser or self.role == self.Role.PROGRAM_ADMIN

    @property
    def is_leadership(self) -> bool:
        return self.role == self.Role.LEADERSHIP

    @property
    def is_agency_operator(self) -> bool:
        return self.role == self.Role.AGENCY_OPERATOR

    @property
    def is_village_operator(self) -> bool:
        return self.role == self.Role.VILLAGE_OPERATOR

    @property
    def sees_whole_regency(self) -> bool:
        """Program admins and leadership read everything in their regency."""
        return self.is_superuser or self.role in {self.Role.PROGRAM_ADMIN, self.Role.LEADERSHIP}


class ApiToken(models.Model):
    """A bearer token for the staff API (field devices, scripts, the benchmark).
    Only the SHA-256 of the token is stored; the token is shown once when made."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, help_text=_("To recognise the token."))
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
