"""Uploads are judged by content: photos re-encoded without EXIF, size and type checked."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from bujian.aspirations import uploads
from bujian.aspirations.tests.conftest import jpeg_with_gps, pdf, png
from bujian.core.errors import DomainError


def test_jpeg_loses_its_exif_and_gps() -> None:
    original = jpeg_with_gps()
    assert b"KameraDesa" in original.read()
    original.seek(0)
    clean = uploads.clean_photo(original)
    data = clean.content.read()
    assert clean.content_type == "image/jpeg"
    assert b"KameraDesa" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        exif = image.getexif()
        assert not exif
        assert not exif.get_ifd(0x8825)
    assert clean.content.name is not None and clean.content.name.endswith(".jpg")
    assert "foto" not in clean.content.name  # the resident's file name is not kept


def test_png_stays_png() -> None:
    clean = uploads.clean_photo(png())
    assert clean.content_type == "image/png"


def test_large_photos_are_scaled_down() -> None:
    clean = uploads.clean_photo(jpeg_with_gps(size=(4000, 3000)))
    with Image.open(io.BytesIO(clean.content.read())) as image:
        assert max(image.size) == uploads.MAX_SIDE


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg"),
        SimpleUploadedFile(
            "x.png", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", content_type="image/png"
        ),
        SimpleUploadedFile("x.jpg", b"%PDF-1.4\n%%EOF", content_type="image/jpeg"),
    ],
)
def test_content_that_is_not_a_photo_is_refused_whatever_its_name(
    upload: SimpleUploadedFile,
) -> None:
    with pytest.raises(DomainError) as refused:
        uploads.clean_photo(upload)
    assert refused.value.code == "aspirations.not_a_photo"


def test_a_gif_is_not_accepted() -> None:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "GIF")
    with pytest.raises(DomainError):
        uploads.clean_photo(SimpleUploadedFile("a.gif", out.getvalue()))


def test_files_over_five_megabytes_are_refused() -> None:
    big = SimpleUploadedFile("big.jpg", b"\xff" * (uploads.MAX_UPLOAD_BYTES + 1))
    with pytest.raises(DomainError) as refused:
        uploads.clean_photo(big)
    assert refused.value.code == "aspirations.file_too_large"
    assert "5,0" in refused.value.message or "5.0" in refused.value.message


def test_evidence_may_be_a_pdf_but_not_a_truncated_one() -> None:
    assert uploads.clean_evidence(pdf()).content_type == "application/pdf"
    with pytest.raises(DomainError) as refused:
        uploads.clean_evidence(SimpleUploadedFile("a.pdf", b"%PDF-1.4 and nothing else"))
    assert refused.value.code == "aspirations.bad_pdf"
    with pytest.raises(DomainError) as refused:
        uploads.clean_evidence(SimpleUploadedFile("a.docx", b"PK\x03\x04 zip"))
    assert refused.value.code == "aspirations.bad_evidence"
