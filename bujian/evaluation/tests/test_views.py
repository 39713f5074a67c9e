"""The evaluation pages: who may open what, and the files carry the page's numbers."""

from __future__ import annotations

import io
import re

import openpyxl  # type: ignore[import-untyped]
import pytest
from django.urls import reverse
from pypdf import PdfReader

from bujian.accounts.models import User
from bujian.accounts.tests.factories import UserFactory
from bujian.conftest import client_for
from bujian.evaluation.models import ReportLetterhead
from bujian.evaluation.tests.builders import BuiltVisit
from bujian.regions.tests.factories import RegencyFactory, VillageFactory
from bujian.visits.models import Visit


def _testid(html: str, name: str) -> str:
    match = re.search(rf'data-testid="{name}"[^>]*>([^<]+)<', html)
    assert match, name
    return match.group(1).strip()


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _cells(data: bytes) -> dict[str, list[list[object]]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book}


def test_leadership_opens_the_visit_report(built: BuiltVisit, bupati: User) -> None:
    response = client_for(bupati).get(reverse("evaluation:visit", args=[built.visit.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert _testid(html, "residents-served") == "4"
    assert _testid(html, "visit-ikm") == "86,11"
    assert "1/9" in html  # the method is stated


def test_pdf_contains_the_numbers_shown_on_the_page(built: BuiltVisit, budi: User) -> None:
    client = client_for(budi)
    html = client.get(reverse("evaluation:visit", args=[built.visit.pk])).content.decode()
    response = client.get(reverse("evaluation:visit_pdf", args=[built.visit.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "PEMERINTAH KABUPATEN" in text  # the default letterhead
    assert f"Warga terlayani: {_testid(html, 'residents-served')}." in text
    assert _testid(html, "visit-ikm") in text
    assert _testid(html, "total-wait") in text
    assert "Padang Kapuk" in text


def test_excel_contains_the_numbers_shown_on_the_page(built: BuiltVisit, budi: User) -> None:
    client = client_for(budi)
    html = client.get(reverse("evaluation:visit", args=[built.visit.pk])).content.decode()
    response = client.get(reverse("evaluation:visit_xlsx", args=[built.visit.pk]))
    assert response.status_code == 200
    sheets = _cells(response.content)
    summary = {row[0]: row[1] for row in sheets["Ringkasan"] if row and row[0]}
    assert str(summary["Warga terlayani"]) == _testid(html, "residents-served")
    assert f"{summary['IKM']:.2f}".replace(".", ",") == _testid(html, "visit-ikm")
    agencies = {row[0]: row for row in sheets["Layanan per instansi"][1:]}
    assert agencies["Disdukcapil"][2] == 3  # served


def test_pdf_uses_the_saved_letterhead(built: BuiltVisit, budi: User) -> None:
    ReportLetterhead.objects.create(
        regency=built.visit.regency,
        government_name="PEMERINTAH KABUPATEN BENGKULU SELATAN",
        office_name="BAPPEDA-LITBANG",
        signer_name="Ir. Contoh Kepala",
    )
    response = client_for(budi).get(reverse("evaluation:visit_pdf", args=[built.visit.pk]))
    text = _pdf_text(response.content)
    assert "BAPPEDA-LITBANG" in text and "Ir. Contoh Kepala" in text


def test_agency_operator_sees_only_their_agency(built: BuiltVisit, siti: User) -> None:
    response = client_for(siti).get(reverse("evaluation:visit", args=[built.visit.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-agency="disdukcapil"' in html
    assert 'data-agency="samsat"' not in html
    assert _testid(html, "total-served") == "3"


def test_village_operator_is_refused(built: BuiltVisit, kades: User) -> None:
    assert (
        client_for(kades).get(reverse("evaluation:visit", args=[built.visit.pk])).status_code == 403
    )
    assert client_for(kades).get(reverse("evaluation:period")).status_code == 403


def test_visit_of_another_regency_is_not_found(built: BuiltVisit) -> None:
    other = RegencyFactory.create(code="18.02", name="Lampung Tengah")
    stranger = UserFactory.create(role=User.Role.LEADERSHIP, regency=other)
    for name in ("evaluation:visit", "evaluation:visit_pdf", "evaluation:visit_xlsx"):
        assert client_for(stranger).get(reverse(name, args=[built.visit.pk])).status_code == 404


def test_agency_operator_of_an_absent_agency_cannot_open_other_visits(
    built: BuiltVisit, regency: RegencyFactory
) -> None:
    village = VillageFactory.create()
    other = Visit.objects.create(
        regency=built.visit.regency,
        village=village,
        start_date=built.visit.start_date,
        end_date=built.visit.end_date,
        status=Visit.Status.FINISHED,
    )
    andi = UserFactory.create(role=User.Role.AGENCY_OPERATOR, regency=built.visit.regency)
    assert client_for(andi).get(reverse("evaluation:visit", args=[other.pk])).status_code == 404


def test_period_report_page(built: BuiltVisit, bupati: User) -> None:
    url = reverse("evaluation:period") + "?kind=quarter&year=2027&number=2"
    response = client_for(bupati).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert _testid(html, "visit-count") == "1"
    assert _testid(html, "residents-served") == "4"
    assert _testid(html, "period-ikm") == "86,11"


def test_bad_period_shows_a_message(built: BuiltVisit, bupati: User) -> None:
    url = reverse("evaluation:period") + "?kind=quarter&year=2027&number=7"
    response = client_for(bupati).get(url)
    assert response.status_code == 200
    assert "Tidak ada periode seperti itu" in response.content.decode()


@pytest.mark.parametrize(("file_format", "magic"), [("pdf", b"%PDF"), ("xlsx", b"PK")])
def test_period_export_runs_in_the_background_and_downloads(
    built: BuiltVisit, bupati: User, budi: User, file_format: str, magic: bytes
) -> None:
    client = client_for(bupati)
    response = client.post(
        reverse("evaluation:export_start"),
        {"kind": "year", "year": "2027", "number": "1", "format": file_format},
    )
    assert response.status_code == 302
    status_url = response["Location"]
    page = client.get(status_url, headers={"HX-Request": "true"})
    assert 'data-status="done"' in page.content.decode()
    token = status_url.rstrip("/").split("/")[-1]
    download = client.get(reverse("evaluation:export_download", args=[token]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(magic)  # type: ignore[attr-defined]
    # The job is the requester's only.
    assert client_for(budi).get(status_url).status_code == 404


def test_dashboard_is_for_leadership_and_program_admin(
    built: BuiltVisit, bupati: User, budi: User, siti: User
) -> None:
    url = reverse("evaluation:dashboard") + "?kind=year&year=2027&number=1"
    response = client_for(bupati).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert _testid(html, "residents-served") == "4"
    assert 'id="eval-chart-data"' in html and "chart.umd.min.js" in html
    assert client_for(budi).get(url).status_code == 200
    assert client_for(siti).get(url).status_code == 403


def test_program_admin_edits_the_letterhead(
    budi: User, bupati: User, regency: RegencyFactory
) -> None:
    url = reverse("evaluation:letterhead")
    assert client_for(bupati).get(url).status_code == 403
    client = client_for(budi)
    assert client.get(url).status_code == 200
    image = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (20, 20), "green").save(image, "PNG")
    image.seek(0)
    image.name = "logo.png"
    response = client.post(
        url,
        {
            "government_name": "PEMERINTAH KABUPATEN BENGKULU SELATAN",
            "office_name": "BAPPEDA-LITBANG",
            "city": "Manna",
            "signer_nip": "123",
            "logo_file": image,
        },
    )
    assert response.status_code == 200  # the bad NIP
    assert "NIP terdiri dari 18 angka" in response.content.decode()
    image.seek(0)
    response = client.post(
        url,
        {
            "government_name": "PEMERINTAH KABUPATEN BENGKULU SELATAN",
            "office_name": "BAPPEDA-LITBANG",
            "city": "Manna",
            "signer_nip": "197001012000031001",
            "logo_file": image,
        },
    )
    assert response.status_code == 302
    saved = ReportLetterhead.objects.get(regency=budi.regency)
    assert saved.office_name == "BAPPEDA-LITBANG" and saved.has_logo
    logo = client.get(reverse("evaluation:letterhead_logo"))
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    sample = client.get(reverse("evaluation:letterhead_preview"))
    assert "BAPPEDA-LITBANG" in _pdf_text(sample.content)


def test_agency_operator_period_report_is_their_part(built: BuiltVisit, siti: User) -> None:
    url = reverse("evaluation:period") + "?kind=year&year=2027&number=1"
    response = client_for(siti).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert _testid(html, "total-served") == "3"
    assert 'data-agency="samsat"' not in html
    assert 'data-testid="coverage"' not in html


def test_period_excel_export_holds_the_page_numbers(built: BuiltVisit, bupati: User) -> None:
    client = client_for(bupati)
    html = client.get(
        reverse("evaluation:period") + "?kind=year&year=2027&number=1"
    ).content.decode()
    response = client.post(
        reverse("evaluation:export_start"),
        {"kind": "year", "year": "2027", "number": "1", "format": "xlsx"},
    )
    token = response["Location"].rstrip("/").split("/")[-1]
    download = client.get(reverse("evaluation:export_download", args=[token]))
    sheets = _cells(b"".join(download.streaming_content))  # type: ignore[attr-defined]
    summary = {row[0]: row[1] for row in sheets["Ringkasan"] if row and row[0]}
    assert str(summary["Warga terlayani"]) == _testid(html, "residents-served")
    assert str(summary["Kunjungan"]) == _testid(html, "visit-count")
    assert f"{summary['IKM']:.2f}".replace(".", ",") == _testid(html, "period-ikm")
    coverage = sheets["Cakupan"]
    assert coverage[1][:3] == ["Kota Manna", "Padang Kapuk", 1]


def test_period_pdf_export_holds_the_page_numbers(built: BuiltVisit, budi: User) -> None:
    client = client_for(budi)
    html = client.get(
        reverse("evaluation:period") + "?kind=year&year=2027&number=1"
    ).content.decode()
    response = client.post(
        reverse("evaluation:export_start"),
        {"kind": "year", "year": "2027", "number": "1", "format": "pdf"},
    )
    token = response["Location"].rstrip("/").split("/")[-1]
    download = client.get(reverse("evaluation:export_download", args=[token]))
    text = _pdf_text(b"".join(download.streaming_content))  # type: ignore[attr-defined]
    assert "LAPORAN EVALUASI PROGRAM" in text
    assert _testid(html, "period-ikm") in text
    assert "Padang Kapuk" in text


def test_unknown_export_token_is_not_found(budi: User) -> None:
    client = client_for(budi)
    assert client.get(reverse("evaluation:export_status", args=["x" * 32])).status_code == 404
    assert client.get(reverse("evaluation:export_download", args=["bad token!"])).status_code == 404


def test_admin_lists_letterheads_and_indicator_sets(built: BuiltVisit) -> None:
    admin = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    client = client_for(admin)
    assert client.get("/admin/evaluation/reportletterhead/").status_code == 200
    assert client.get("/admin/evaluation/indicatorset/").status_code == 200


def test_logo_type_is_what_the_file_is_not_what_the_browser_says(budi: User) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "JPEG")
    upload = SimpleUploadedFile("logo.png", out.getvalue(), content_type="text/html")
    response = client_for(budi).post(
        reverse("evaluation:letterhead"),
        {"government_name": "PEMERINTAH", "office_name": "BAPPEDA", "logo_file": upload},
    )
    assert response.status_code == 302
    assert ReportLetterhead.objects.get(regency=budi.regency).logo_content_type == "image/jpeg"
    logo = client_for(budi).get(reverse("evaluation:letterhead_logo"))
    assert logo["Content-Type"] == "image/jpeg" and logo["X-Content-Type-Options"] == "nosniff"
