"""Aspiration photos in the visit report: on the page, served in scope, in the PDF."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader
from pytest_django import Settings

from bujian.accounts.models import User
from bujian.accounts.tests.factories import UserFactory
from bujian.aspirations.models import Aspiration, Attachment, Category
from bujian.conftest import client_for
from bujian.evaluation.tests.builders import BuiltVisit
from bujian.regions.tests.factories import RegencyFactory


@pytest.fixture
def photo(built: BuiltVisit, settings: Settings, tmp_path: Path) -> Attachment:
    settings.MEDIA_ROOT = tmp_path / "media"
    aspiration = Aspiration.objects.create(
        regency=built.visit.regency,
        code="BS-FOTO01",
        visit=built.visit,
        category=Category.INFRASTRUCTURE,
        title="Jembatan gantung putus",
        text="Sejak banjir bulan lalu.",
        channel=Aspiration.Channel.DIALOGUE,
        received_at=dt.datetime(2027, 6, 10, 11, 0, tzinfo=ZoneInfo("Asia/Jakarta")),
    )
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (30, 120, 60)).save(out, "JPEG")
    attachment = Attachment(
        aspiration=aspiration,
        kind=Attachment.Kind.PHOTO,
        content_type="image/jpeg",
        size=len(out.getvalue()),
    )
    attachment.file.save("jembatan.jpg", ContentFile(out.getvalue()), save=False)
    attachment.save()
    return attachment


def test_photo_is_on_the_page_and_in_the_pdf(
    built: BuiltVisit, photo: Attachment, bupati: User
) -> None:
    client = client_for(bupati)
    html = client.get(reverse("evaluation:visit", args=[built.visit.pk])).content.decode()
    url = reverse("evaluation:visit_photo", args=[built.visit.pk, photo.pk])
    assert url in html and "Jembatan gantung putus" in html
    image = client.get(url)
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert b"".join(image.streaming_content).startswith(b"\xff\xd8")  # type: ignore[attr-defined]
    pdf = client.get(reverse("evaluation:visit_pdf", args=[built.visit.pk])).content
    reader = PdfReader(io.BytesIO(pdf))
    assert sum(len(page.images) for page in reader.pages) == 1
    assert "Jembatan gantung putus" in "".join(page.extract_text() for page in reader.pages)


def test_private_photo_and_other_regency_are_refused(
    built: BuiltVisit, photo: Attachment, bupati: User
) -> None:
    url = reverse("evaluation:visit_photo", args=[built.visit.pk, photo.pk])
    stranger = UserFactory.create(
        role=User.Role.LEADERSHIP, regency=RegencyFactory.create(code="18.02")
    )
    assert client_for(stranger).get(url).status_code == 404
    Attachment.objects.filter(pk=photo.pk).update(is_public=False)
    assert client_for(bupati).get(url).status_code == 404
