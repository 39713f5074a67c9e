"""The CSV layout for forwarding aspirations to SP4N-LAPOR! (lapor.go.id).

LAPOR! has no public bulk-import format, so the columns follow the fields of its
report form and disposition record, in Indonesian, one row per aspiration (merged
duplicates are left out: their reporters are in the row of the one they joined).
The NIK is never exported; name and phone are empty when the resident asked to hide
their identity ("rahasia") or gave none ("anonim"). Dates are local (WIB/WITA/WIT),
``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM``. Keep this list in step with README.md and
docs/panduan/aspirasi.md.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone, translation

from bujian.aspirations.models import Aspiration

COLUMNS = [
    "kode_pelacakan",
    "tanggal_laporan",
    "judul",
    "isi_laporan",
    "kategori",
    "sumber",
    "kunjungan",
    "desa_kelurahan",
    "kecamatan",
    "kabupaten_kota",
    "dusun",
    "rt",
    "rw",
    "lintang",
    "bujur",
    "anonim",
    "rahasia",
    "nama_pelapor",
    "telepon_pelapor",
    "instansi_tujuan",
    "instansi_terkait",
    "disposisi",
    "status",
    "tanggal_disposisi",
    "batas_tindak_lanjut",
    "tanggal_tindak_lanjut_pertama",
    "tanggal_selesai",
    "tanggapan",
    "jangka",
    "tahun_perencanaan",
    "terlambat",
]


def _when(value: dt.datetime | None, zone: ZoneInfo) -> str:
    return timezone.localtime(value, zone).strftime("%Y-%m-%d %H:%M") if value else ""


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def row(aspiration: Aspiration, *, today: dt.date) -> list[str]:
    """One CSV row; ``supporting_agencies`` should be prefetched."""
    zone = ZoneInfo(aspiration.regency.time_zone)
    hidden = aspiration.hide_identity
    village = aspiration.village
    with translation.override("id"):
        visit = aspiration.visit
        return [
            aspiration.code,
            _when(aspiration.received_at, zone),
            aspiration.title,
            aspiration.text,
            str(aspiration.get_category_display()),
            str(aspiration.get_channel_display()),
            f"{visit.village.name} {visit.start_date.isoformat()}" if visit else "",
            village.name if village else "",
            village.district.name if village else "",
            aspiration.regency.name,
            aspiration.hamlet,
            aspiration.rt,
            aspiration.rw,
            str(aspiration.latitude) if aspiration.latitude is not None else "",
            str(aspiration.longitude) if aspiration.longitude is not None else "",
            "ya" if aspiration.is_anonymous else "tidak",
            "ya" if hidden else "tidak",
            "" if hidden else aspiration.reporter_name,
            "" if hidden else aspiration.reporter_phone,
            aspiration.lead_agency.name if aspiration.lead_agency else "",
            "; ".join(a.name for a in aspiration.supporting_agencies.all()),
            aspiration.disposition,
            str(aspiration.get_status_display()),
            _when(aspiration.assigned_at, zone),
            _day(aspiration.due_date or aspiration.response_due),
            _when(aspiration.first_response_at, zone),
            _when(aspiration.resolved_at or aspiration.rejected_at, zone),
            aspiration.public_response,
            {"short": "pendek", "long": "panjang"}.get(aspiration.term, ""),
            str(aspiration.planning_year or ""),
            "ya" if aspiration.is_overdue(today) else "tidak",
        ]
