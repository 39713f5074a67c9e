"""Bad files: the Excel pre-registration import (truncated, a CSV or a PDF renamed
.xlsx, a huge sheet, a wrong header, formulas, dates as text, wrong encodings) and the
aspiration photos (truncated JPEG, a PNG named .jpg, an SVG with a script, a
decompression bomb, a PDF named .jpg). Each: no server error, a message, nothing
saved."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_tasks.signals import task_finished
from PIL import Image

from bujian.aspirations.models import Aspiration, Attachment
from bujian.aspirations.tests.test_views import form_data as aspiration_data
from bujian.conftest import client_for
from bujian.core.models import AuditEntry
from bujian.core.tests.badinput.conftest import World, counts, shows_a_message
from bujian.core.tests.badinput.corpus import NIK
from bujian.residents import imports
from bujian.residents.models import Registration, Resident

pytestmark = pytest.mark.django_db

HEADER = imports.COLUMN_NAMES


def _row(**changes: Any) -> list[Any]:
    values: dict[str, Any] = {
        "nik": NIK,
        "nama_lengkap": "Siti Aminah",
        "jenis_kelamin": "P",
        "tanggal_lahir": "01-07-1990",
        "layanan": "DUK-KTP",
        **changes,
    }
    return [values.get(name) for name in HEADER]


def _book(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Warga"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _huge_sheet() -> bytes:
    """A valid xlsx whose sheet holds 200,000 rows of one repeated cell: a few hundred
    kilobytes on the wire, far more once unzipped."""
    good = _book([_row()])
    source = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    row = '<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>1</t></is></c></row>'
    rows = "".join(row.format(n=n) for n in range(2, 200_002))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
                # The sheet's stated size, which read-only openpyxl trusts.
                data = data.replace(b'<dimension ref="A1:N2" />', b'<dimension ref="A1:N200001" />')
            target.writestr(item, data)
    return out.getvalue()


def _truncated_inside() -> bytes:
    """A readable zip whose sheet XML is cut in the middle."""
    good = _book([_row()] * 3)
    source = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    return out.getvalue()


GOOD = _book([_row()])
CSV = ";".join(HEADER).encode() + b"\n" + ";".join(str(v or "") for v in _row()).encode()

WORKBOOKS: list[tuple[str, Callable[[], bytes]]] = [
    ("empty-file", lambda: b""),
    ("truncated-zip", lambda: GOOD[: len(GOOD) // 2]),
    ("truncated-sheet-xml", _truncated_inside),
    ("csv-renamed", lambda: CSV),
    ("csv-utf16-renamed", lambda: CSV.decode().encode("utf-16")),
    ("csv-latin1-renamed", lambda: "nama_lengkap\nJosé Ñandú".encode("latin-1")),
    ("pdf-renamed", lambda: b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
    ("zip-of-text", lambda: _zip({"hello.txt": b"hi"})),
    ("zip-bomb-ish", lambda: _zip({"xl/workbook.xml": b"<" * 20_000_000})),
    ("huge-sheet", _huge_sheet),
    ("wrong-header", lambda: _book([_row()], header=["a", "b", "c"])),
    ("header-only", lambda: _book([])),
    ("formula-cells", lambda: _book([_row(nik="=1+1", nama_lengkap='=HYPERLINK("x")')])),
    ("dates-as-text", lambda: _book([_row(tanggal_lahir="tanggal satu Juli")])),
    ("date-feb-30", lambda: _book([_row(tanggal_lahir="30-02-1990")])),
    ("nik-as-number", lambda: _book([_row(nik=1701054107900001)])),
    ("nik-homoglyph", lambda: _book([_row(nik="١٧٠١٠٥٤١٠٧٩٠٠٠٠١")])),
    ("rt-letters", lambda: _book([_row(rt="abc")])),
    ("name-10k", lambda: _book([_row(nama_lengkap="a" * 10_000)])),
    ("birth-in-future", lambda: _book([_row(tanggal_lahir="01-01-2999")])),
    ("unknown-service", lambda: _book([_row(layanan="'; DROP TABLE x;--")])),
    ("sex-emoji", lambda: _book([_row(jenis_kelamin="🙂")])),
    ("same-nik-twice", lambda: _book([_row(), _row()])),
]


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in files.items():
            target.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def task_errors() -> Iterator[list[str]]:
    """Tracebacks of background tasks: a bad file must be reported by the import's own
    checks, not by the catch-all "the import stopped because of an error"."""
    errors: list[str] = []

    def collect(sender: Any, task_result: Any, **kwargs: Any) -> None:
        errors.extend(error.traceback for error in task_result.errors)

    task_finished.connect(collect)
    yield errors
    task_finished.disconnect(collect)


@pytest.mark.parametrize(("name", "make"), WORKBOOKS, ids=[w[0] for w in WORKBOOKS])
def test_a_bad_workbook_is_refused_with_a_report(
    name: str, make: Callable[[], bytes], world: World, task_errors: list[str]
) -> None:
    client = client_for(world.kades)
    tables = [Resident, Registration]
    before = counts(tables)
    response = client.post(
        reverse("residents:import", args=[world.future_visit.pk]),
        {"file": SimpleUploadedFile("warga.xlsx", make())},
    )
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert shows_a_message(client, response)
    else:
        token = response["Location"].rstrip("/").split("/")[-1]
        state = imports.get_state(token)
        assert state is not None
        assert task_errors == [], task_errors[0][-2000:]
        assert state["status"] in (imports.Status.FAILED, imports.Status.CHECKED), state
        assert state["file_error"] or state["bad_rows"], state
        for bad in state["bad_rows"]:
            assert bad["reasons"], bad
        page = client.get(response["Location"])
        assert page.status_code == 200
        assert "<script>alert(1)</script>" not in page.content.decode()
    assert counts(tables) == before


def test_the_good_workbook_is_imported(world: World) -> None:
    """The rows the bad files change are good on their own."""
    client = client_for(world.kades)
    client.post(
        reverse("residents:import", args=[world.future_visit.pk]),
        {"file": SimpleUploadedFile("warga.xlsx", GOOD)},
    )
    assert Registration.objects.filter(visit=world.future_visit).count() == 1


# --- photos ------------------------------------------------------------------------------


def _image(fmt: str, size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 30)).save(out, fmt)
    return out.getvalue()


def _bomb() -> bytes:
    """A PNG claiming 30,000 × 30,000 pixels (900 MP) in a few kilobytes."""
    out = io.BytesIO()
    Image.new("1", (30_000, 30_000)).save(out, "PNG")
    return out.getvalue()


JPEG = _image("JPEG")
PHOTOS: list[tuple[str, str, Callable[[], bytes]]] = [
    ("empty", "foto.jpg", lambda: b""),
    ("truncated-jpeg", "foto.jpg", lambda: JPEG[: len(JPEG) // 3]),
    ("jpeg-header-only", "foto.jpg", lambda: JPEG[:20]),
    (
        "svg-with-script",
        "foto.svg",
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    ),
    ("svg-named-jpg", "foto.jpg", lambda: b'<svg onload="alert(1)"/>'),
    ("pdf-named-jpg", "foto.jpg", lambda: b"%PDF-1.4\n%%EOF\n"),
    ("html-named-png", "foto.png", lambda: b"<html><script>alert(1)</script></html>"),
    ("gif", "foto.gif", lambda: _image("GIF")),
    ("bmp-named-jpg", "foto.jpg", lambda: _image("BMP")),
    ("decompression-bomb", "foto.png", _bomb),
    ("over-5-mb", "foto.jpg", lambda: JPEG + b"\0" * (5 * 1024 * 1024)),
    ("exe-named-jpg", "foto.jpg", lambda: b"MZ\x90\x00" + b"\0" * 200),
    ("zip-named-jpg", "foto.jpg", lambda: _zip({"a.txt": b"a"})),
]


@pytest.mark.parametrize(("name", "filename", "make"), PHOTOS, ids=[p[0] for p in PHOTOS])
def test_a_bad_photo_refuses_the_whole_aspiration(
    name: str, filename: str, make: Callable[[], bytes], world: World
) -> None:
    client = Client()
    tables = [Aspiration, Attachment, AuditEntry]
    before = counts(tables)
    data = aspiration_data(world.village, text="Jalan rusak di Dusun II.")
    upload = SimpleUploadedFile(filename, make(), content_type="image/jpeg")
    response = client.post(reverse("aspirations:submit"), {**data, "photos": [upload]})
    assert response.status_code == 200, response.status_code
    assert shows_a_message(client, response)
    assert counts(tables) == before


def test_a_good_photo_is_kept(world: World) -> None:
    data = aspiration_data(world.village, text="Jalan rusak di Dusun II.")
    photo = SimpleUploadedFile("foto.png", _image("PNG"), content_type="image/png")
    response = Client().post(reverse("aspirations:submit"), {**data, "photos": [photo]})
    assert response.status_code == 302
    assert Attachment.objects.count() == 1
