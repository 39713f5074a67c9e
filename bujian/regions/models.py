from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bujian.core.models import TimeStampedModel

# Kemendagri codes written with dots, as in the decree: 17 / 17.01 / 17.01.05 / 17.01.05.2001.
PROVINCE_CODE_REGEX = r"^\d{2}$"
REGENCY_CODE_REGEX = r"^\d{2}\.\d{2}$"
DISTRICT_CODE_REGEX = r"^\d{2}\.\d{2}\.\d{2}$"
VILLAGE_CODE_REGEX = r"^\d{2}\.\d{2}\.\d{2}\.[123]\d{3}$"


class TimeZone(models.TextChoices):
    WIB = "Asia/Jakarta", _("WIB (UTC+7)")
    WITA = "Asia/Makassar", _("WITA (UTC+8)")
    WIT = "Asia/Jayapura", _("WIT (UTC+9)")


# Provinces by their time zone (Keppres 41/1987): the default for a new regency.
_WITA_PROVINCES = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT_PROVINCES = {"81", "82", "91", "92", "93", "94", "95", "96"}


def default_time_zone(province_code: str) -> str:
    if province_code in _WIT_PROVINCES:
        return TimeZone.WIT.value
    if province_code in _WITA_PROVINCES:
        return TimeZone.WITA.value
    return TimeZone.WIB.value


class Province(TimeStampedModel):
    code = models.CharField(_("code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Regency(TimeStampedModel):
    class Kind(models.TextChoices):
        KABUPATEN = "kabupaten", _("Regency (kabupaten)")
        KOTA = "kota", _("City (kota)")

    code = models.CharField(_("code"), max_length=5, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.KABUPATEN)
    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="regencies"
    )
    time_zone = models.CharField(
        _("time zone"), max_length=20, choices=TimeZone, default=TimeZone.WIB
    )
    program_name = models.CharField(
        _("program name"),
        max_length=100,
        blank=True,
        help_text=_("The local name of the program, e.g. Buji'an Dusun or Bunga Kampung."),
    )
    capital = models.CharField(_("capital"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("regency")
        verbose_name_plural = _("regencies")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def nik_prefix(self) -> str:
        return self.code.replace(".", "")


class District(TimeStampedModel):
    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=100)
    regency = models.ForeignKey(
        Regency, verbose_name=_("regency"), on_delete=models.PROTECT, related_name="districts"
    )

    class Meta:
        verbose_name = _("district (kecamatan)")
        verbose_name_plural = _("districts (kecamatan)")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def nik_prefix(self) -> str:
        return self.code.replace(".", "")


class Village(TimeStampedModel):
    class Kind(models.TextChoices):
        DESA = "desa", _("Village (desa)")
        KELURAHAN = "kelurahan", _("Urban village (kelurahan)")
        DESA_ADAT = "desa_adat", _("Customary village (desa adat)")

    code = models.CharField(_("code"), max_length=13, unique=True)
    name = models.CharField(_("name"), max_length=100)
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="villages"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.DESA)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)

    class Meta:
        verbose_name = _("village (desa/kelurahan)")
        verbose_name_plural = _("villages (desa/kelurahan)")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.get_kind_display_short()} {self.name}"

    def get_kind_display_short(self) -> str:
        return str(_("Kelurahan")) if self.kind == self.Kind.KELURAHAN else str(_("Desa"))
