"""Checks and cleaning of uploaded photos and evidence files.

A file is judged by its content, never by its name or the browser's content type:
Pillow must open it as JPEG, PNG or WebP (or it must be a PDF for evidence). Photos
are re-encoded, which drops every EXIF block (GPS position, camera, owner) and any
data hidden after the image; very large photos are scaled down for slow phones.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from bujian.core.errors import DomainError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 3
MAX_EVIDENCE = 3
MAX_SIDE = 2048
MAX_PIXELS = 40_000_000  # well below Pillow's bomb limit; a 40 MP phone photo is the top
IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}


@dataclass(frozen=True)
class CleanFile:
    content: ContentFile[bytes]
    content_type: str
    size: int


def _read(upload: UploadedFile) -> bytes:
    size = upload.size or 0
    if size > MAX_UPLOAD_BYTES:
        raise DomainError(
            "aspirations.file_too_large",
            _("The file %(name)s is %(size)s; the limit is %(limit)s.")
            % {
                "name": upload.name,
                "size": filesizeformat(size),
                "limit": filesizeformat(MAX_UPLOAD_BYTES),
            },
        )
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError(
            "aspirations.file_too_large",
            _("The file %(name)s is %(size)s; the limit is %(limit)s.")
            % {
                "name": upload.name,
                "size": filesizeformat(len(data)),
                "limit": filesizeformat(MAX_UPLOAD_BYTES),
            },
        )
    return bytes(data)


def _not_a_photo(name: str | None) -> DomainError:
    return DomainError(
        "aspirations.not_a_photo",
        _("The file %(name)s is not a JPEG, PNG or WebP photo.") % {"name": name or "?"},
    )


def clean_image_bytes(data: bytes, name: str | None = None) -> CleanFile:
    """Open ``data`` as a photo and re-encode it without metadata."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            image: Image.Image = Image.open(io.BytesIO(data))
            image_format = image.format or ""
            if image_format not in IMAGE_FORMATS:
                raise _not_a_photo(name)
            if image.width * image.height > MAX_PIXELS:
                raise _not_a_photo(name)
            image.load()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise _not_a_photo(name) from error
    # Turn the pixels as the camera meant, since the orientation tag goes with the EXIF.
    image = ImageOps.exif_transpose(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    content_type, extension = IMAGE_FORMATS[image_format]
    out = io.BytesIO()
    if image_format == "JPEG":
        if image.mode not in {"RGB", "L"}:
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=85, optimize=True)
    elif image_format == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=85)
    payload = out.getvalue()
    return CleanFile(
        content=ContentFile(payload, name=f"{uuid.uuid4().hex}.{extension}"),
        content_type=content_type,
        size=len(payload),
    )


def clean_photo(upload: UploadedFile) -> CleanFile:
    return clean_image_bytes(_read(upload), upload.name)


def clean_evidence(upload: UploadedFile) -> CleanFile:
    """A photo (cleaned like the residents' photos) or a PDF document."""
    data = _read(upload)
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise DomainError(
                "aspirations.bad_pdf",
                _("The file %(name)s is not a complete PDF document.") % {"name": upload.name},
            )
        return CleanFile(
            content=ContentFile(data, name=f"{uuid.uuid4().hex}.pdf"),
            content_type="application/pdf",
            size=len(data),
        )
    try:
        return clean_image_bytes(data, upload.name)
    except DomainError as error:
        raise DomainError(
            "aspirations.bad_evidence",
            _("The file %(name)s is neither a photo (JPEG, PNG, WebP) nor a PDF document.")
            % {"name": upload.name},
        ) from error
