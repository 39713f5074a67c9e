"""Fixtures of the aspirations tests: a clean media folder, messages kept in memory,
and helpers to record aspirations and make photos."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pytest_django import Settings

from bujian.agencies.models import Agency
from bujian.agencies.tests.factories import AgencyFactory
from bujian.aspirations import actions
from bujian.aspirations.models import Aspiration, Category
from bujian.notifications.backends import MemoryBackend
from bujian.regions.models import Regency, Village

WIB = ZoneInfo("Asia/Jakarta")
# Wednesday 23 December 2026, 10:00 WIB: Thursday 24 is cuti bersama, Friday 25 Christmas.
BEFORE_CHRISTMAS = dt.datetime(2026, 12, 23, 10, 0, tzinfo=WIB)


@pytest.fixture(autouse=True)
def _media_and_messages(settings: Settings, tmp_path: Path) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BUJIAN_NOTIFIER = "bujian.notifications.backends.MemoryBackend"
    MemoryBackend.sent.clear()
    yield
    MemoryBackend.sent.clear()


@pytest.fixture
def pupr(regency: Regency) -> Agency:
    return AgencyFactory.create(
        code="pupr", short_name="PUPR", name="Dinas Pekerjaan Umum", regencies=[regency]
    )


def jpeg_with_gps(name: str = "foto.jpg", size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    """A small JPEG whose EXIF holds a camera name and a GPS position."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "KameraDesa"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "S"
    gps[2] = (4.0, 26.0, 30.0)
    gps[3] = "E"
    gps[4] = (102.0, 53.0, 10.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def png(name: str = "foto.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 255, 128)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def pdf(name: str = "berita-acara.pdf") -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def submit(regency: Regency, **overrides: Any) -> Aspiration:
    fields: dict[str, Any] = {
        "regency": regency,
        "channel": Aspiration.Channel.ASSISTED,
        "category": Category.INFRASTRUCTURE,
        "title": "Jembatan gantung Dusun II putus",
        "text": "Sejak banjir bulan lalu anak sekolah menyeberang sungai.",
        "reporter_name": "Rahmat Hidayat",
        "reporter_phone": "0812-3456-7890",
        "phone_consent": True,
        "now": BEFORE_CHRISTMAS,
    }
    fields.update(overrides)
    return actions.submit_aspiration(**fields)


def village_of(regency: Regency) -> Village:
    return Village.objects.filter(district__regency=regency).first()  # type: ignore[return-value]
