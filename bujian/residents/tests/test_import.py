"""Excel import of pre-registrations: template, checks, report, explicit partial import."""

from __future__ import annotations

import datetime as dt
import time
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from bujian.accounts.models import User
from bujian.conftest import client_for
from bujian.core.models import AuditEntry
from bujian.regions.models import Village
from bujian.residents import imports
from bujian.residents.models import Registration, Resident
from bujian.residents.nik import WARNING_BIRTH_DATE, make_nik
from bujian.residents.tests.conftest import Catalog
from bujian.residents.tests.factories import ResidentFactory
from bujian.visits.models import Visit

pytestmark = pytest.mark.django_db

HEADER = imports.COLUMN_NAMES


@pytest.fixture(autouse=True)
def _media(media_root: Path) -> None:
    """Every test keeps its uploads in its own folder."""


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def row(n: int, **overrides: Any) -> dict[str, Any]:
    born = dt.date(1980, 1, 1) + dt.timedelta(days=n * 7 % 15000)
    sex = "P" if n % 2 else "L"
    values: dict[str, Any] = {
        "nik": make_nik("17.01.05", born, sex, n % 9999 + 1),
        "no_kk": "",
        "nama_lengkap": f"Warga Impor {n}",
        "jenis_kelamin": sex,
        "tanggal_lahir": born.strftime("%d-%m-%Y"),
        "tempat_lahir": "Manna",
        "dusun": "Dusun I",
        "rt": "1",
        "rw": "2",
        "alamat": "",
        "telepon": "0812-3456-7890",
        "layanan": "DUK-KTP, SAMSAT-STNK",
        "dokumen_lengkap": "",
        "terima_peringatan": "",
    }
    values.update(overrides)
    return values


def workbook(rows: list[dict[str, Any]], *, header: list[str] = HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Warga"
    sheet.append(header)
    for values in rows:
        sheet.append([values.get(name) for name in header])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client: Client, visit: Visit, content: bytes, name: str = "warga.xlsx") -> str:
    response = client.post(
        reverse("residents:import", args=[visit.pk]),
        {"file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    token = response["Location"].rstrip("/").split("/")[-1]
    return token


def state(token: str) -> dict[str, Any]:
    found = imports.get_state(token)
    assert found is not None
    return found


@pytest.fixture
def client(kades: User) -> Client:
    """The village operator of Padang Kapuk, who imports the list, reading English
    (the report is written in the uploader's language)."""
    client = client_for(kades)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- template ---------------------------------------------------------------------------


def test_template_has_header_example_and_instructions(
    client: Client, visit: Visit, catalog: Catalog
) -> None:
    response = client.get(reverse("residents:import_template", args=[visit.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["Warga", "Petunjuk"]
    sheet = book["Warga"]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet["C2"].value == imports.EXAMPLE_NAME
    assert sheet["A3"].number_format == "@"  # NIK column is Text
    text = "\n".join(
        str(v) for r in book["Petunjuk"].iter_rows(values_only=True) for v in r if v is not None
    )
    for name in HEADER:
        assert name in text
    assert "DUK-KTP" in text and "DUK-KK" in text and "SAMSAT-STNK" in text
    assert "DINSOS-DTKS" not in text  # the excused agency
    assert "Fotokopi KK" in text  # requirements listed


def test_unchanged_template_imports_nothing(client: Client, visit: Visit, catalog: Catalog) -> None:
    content = client.get(reverse("residents:import_template", args=[visit.pk])).content
    token = upload(client, visit, content)
    assert state(token)["status"] == imports.Status.FAILED
    assert "no rows" in state(token)["file_error"]
    assert not Resident.objects.exists()


# --- clean files ------------------------------------------------------------------------


def test_clean_file_imports_every_row(
    client: Client, visit: Visit, catalog: Catalog, kades: User, media_root: Path
) -> None:
    rows = [row(1), row(2, dokumen_lengkap="ya"), row(3, layanan="duk-kk;DUK-KTP")]
    example = row(99, nama_lengkap=imports.EXAMPLE_NAME)
    token = upload(client, visit, workbook([example, *rows]))
    result = state(token)
    assert result["status"] == imports.Status.DONE, result
    assert result["counts"]["registrations_created"] == 3
    assert result["counts"]["residents_created"] == 3
    assert result["example_skipped"]
    assert Resident.objects.count() == 3
    assert set(Resident.objects.values_list("village", flat=True)) == {visit.village_id}
    registrations = Registration.objects.filter(visit=visit)
    assert {r.source for r in registrations} == {Registration.Source.IMPORT}
    second = Registration.objects.get(resident__full_name="Warga Impor 2")
    ktp_need = second.needs.get(service=catalog.ktp)
    assert set(ktp_need.documents_present.all()) == set(catalog.ktp_reqs)
    third = Registration.objects.get(resident__full_name="Warga Impor 3")
    assert {n.service for n in third.needs.all()} == {catalog.ktp, catalog.kk}
    resident = Resident.objects.get(full_name="Warga Impor 1")
    assert (resident.rt, resident.rw, resident.phone) == ("001", "002", "+6281234567890")
    assert not list((media_root / "imports").glob("*.xlsx"))  # the file is gone
    entry = AuditEntry.objects.get(action="residents.import.finished")
    assert entry.actor == kades and entry.data["registrations_created"] == 3

    page = client.get(reverse("residents:import_status", args=[token]))
    assert 'data-testid="import-done"' in page.content.decode()


def test_excel_date_cells_are_accepted(client: Client, visit: Visit, catalog: Catalog) -> None:
    values = row(5)
    values["tanggal_lahir"] = dt.datetime.strptime(values["tanggal_lahir"], "%d-%m-%Y")
    token = upload(client, visit, workbook([values]))
    assert state(token)["status"] == imports.Status.DONE, state(token)["bad_rows"]


def test_reimporting_the_same_file_changes_nothing(
    client: Client, visit: Visit, catalog: Catalog
) -> None:
    content = workbook([row(1), row(2)])
    upload(client, visit, content)
    entries = AuditEntry.objects.filter(action__startswith="residents.registration").count()
    token = upload(client, visit, content)
    result = state(token)
    assert result["status"] == imports.Status.DONE
    assert result["counts"] == {
        "residents_created": 0,
        "residents_existing": 2,
        "registrations_created": 0,
        "registrations_kept": 2,
        "rows_left_out": 0,
        "rows_refused": 0,
    }
    assert Resident.objects.count() == 2 and Registration.objects.count() == 2
    assert AuditEntry.objects.filter(action__startswith="residents.registration").count() == entries


def test_accepted_nik_warning_is_imported(client: Client, visit: Visit, catalog: Catalog) -> None:
    values = row(7)
    wrong_day = dt.datetime.strptime(values["tanggal_lahir"], "%d-%m-%Y") + dt.timedelta(days=1)
    token = upload(
        client,
        visit,
        workbook(
            [{**values, "tanggal_lahir": wrong_day.strftime("%d-%m-%Y"), "terima_peringatan": "ya"}]
        ),
    )
    assert state(token)["status"] == imports.Status.DONE
    assert Resident.objects.get().accepted_warnings == [WARNING_BIRTH_DATE]


# --- bad rows ---------------------------------------------------------------------------


def test_bad_rows_are_listed_with_reasons_and_nothing_is_imported(
    client: Client, visit: Visit, catalog: Catalog, media_root: Path
) -> None:
    good = row(1)
    duplicate = row(2)
    born = dt.datetime.strptime(row(9)["tanggal_lahir"], "%d-%m-%Y")
    rows = [
        good,  # row 2
        row(3, nik="1701053503850001"),  # 3: day 35
        duplicate,  # 4
        {**duplicate, "nama_lengkap": "Kembar"},  # 5: same NIK as row 4
        row(6, layanan="DUK-KTP, XYZ-1"),  # 6: unknown code
        row(7, layanan="DINSOS-DTKS"),  # 7: excused agency
        row(8, tanggal_lahir="1990/07/01"),  # 8: bad date format
        row(9, tanggal_lahir=(born + dt.timedelta(days=1)).strftime("%d-%m-%Y")),  # 9: warning
        row(10, jenis_kelamin="X"),  # 10
        row(11, telepon="12345"),  # 11
        row(12, nik=int(row(12)["nik"])),  # 12: a number cell
        row(13, nama_lengkap=""),  # 13
        row(14, layanan=""),  # 14
        row(15, no_kk="1701050513100007"),  # 15: KK month 13
        row(16, dokumen_lengkap="mungkin"),  # 16
    ]
    token = upload(client, visit, workbook(rows))
    result = state(token)
    assert result["status"] == imports.Status.CHECKED
    assert result["total_rows"] == 15 and result["good_rows"] == 1
    reasons = {bad["row"]: " ".join(bad["reasons"]) for bad in result["bad_rows"]}
    assert sorted(reasons) == list(range(3, 17))
    assert "Digits 7–8 of the NIK (day of birth) are 35" in reasons[3]
    assert "also on row 5" in reasons[4] and "also on row 4" in reasons[5]
    assert "XYZ-1 is not offered" in reasons[6]
    assert "DINSOS-DTKS is not offered" in reasons[7]
    assert "dd-mm-yyyy" in reasons[8]
    assert "terima_peringatan" in reasons[9] and "Digits 7–12" in reasons[9]
    assert "not L or P" in reasons[10]
    assert "phone number" in reasons[11]
    assert "Format the column as Text" in reasons[12]
    assert "name is empty" in reasons[13]
    assert "No service code" in reasons[14]
    assert "KK number (month it was recorded)" in reasons[15]
    assert "dokumen_lengkap" in reasons[16]
    assert not Resident.objects.exists()
    assert not Registration.objects.exists()
    assert len(list((media_root / "imports").glob("*.xlsx"))) == 1  # kept for the decision

    body = client.get(reverse("residents:import_status", args=[token])).content.decode()
    assert 'data-row="3"' in body and 'data-testid="confirm-form"' in body
    assert row(2)["nik"] not in body  # masked in the report


def test_nik_of_a_resident_of_another_village_is_a_bad_row(
    client: Client, visit: Visit, catalog: Catalog, outsider: Resident
) -> None:
    token = upload(
        client,
        visit,
        workbook(
            [
                row(
                    1,
                    nik=outsider.national_id,
                    nama_lengkap=outsider.full_name,
                    jenis_kelamin=outsider.sex,
                    tanggal_lahir=outsider.birth_date.strftime("%d-%m-%Y"),
                )
            ]
        ),
    )
    result = state(token)
    assert result["status"] == imports.Status.CHECKED
    assert result["bad_rows"][0]["reasons"] == [
        "This NIK is already recorded for a resident of another village; "
        "ask the program admin to check it."
    ]


def test_known_nik_under_another_name_is_a_bad_row(
    client: Client, visit: Visit, catalog: Catalog, village: Village
) -> None:
    known = ResidentFactory.create(village=village, full_name="Ahmad Yani")
    token = upload(
        client,
        visit,
        workbook(
            [
                row(
                    1,
                    nik=known.national_id,
                    nama_lengkap="Orang Lain",
                    jenis_kelamin="L",
                    tanggal_lahir=known.birth_date.strftime("%d-%m-%Y"),
                )
            ]
        ),
    )
    assert "under the name Ahmad Yani" in " ".join(state(token)["bad_rows"][0]["reasons"])


def test_missing_column_and_unreadable_file_are_reported(
    client: Client, visit: Visit, catalog: Catalog
) -> None:
    token = upload(client, visit, workbook([row(1)], header=[h for h in HEADER if h != "layanan"]))
    assert state(token)["status"] == imports.Status.FAILED
    assert "layanan" in state(token)["file_error"]
    token = upload(client, visit, b"not a workbook")
    assert "cannot be read" in state(token)["file_error"]


def test_only_xlsx_files_are_taken(client: Client, visit: Visit) -> None:
    response = client.post(
        reverse("residents:import", args=[visit.pk]),
        {"file": SimpleUploadedFile("warga.csv", b"nik,nama")},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


# --- importing only the good rows --------------------------------------------------------


def test_good_rows_are_imported_only_after_an_explicit_confirmation(
    client: Client, visit: Visit, catalog: Catalog, media_root: Path
) -> None:
    token = upload(client, visit, workbook([row(1), row(2, jenis_kelamin="?"), row(3)]))
    assert state(token)["good_rows"] == 2
    url = reverse("residents:import_confirm", args=[token])

    client.post(url, {"good_rows": 2})  # box not ticked
    assert state(token)["status"] == imports.Status.CHECKED
    client.post(url, {"good_rows": 3, "confirm": "on"})  # not the count the operator saw
    assert state(token)["status"] == imports.Status.CHECKED
    assert not Registration.objects.exists()

    response = client.post(url, {"good_rows": 2, "confirm": "on"})
    assert response.status_code == 302
    result = state(token)
    assert result["status"] == imports.Status.DONE
    assert result["only_good"] and result["counts"]["rows_left_out"] == 1
    assert sorted(Resident.objects.values_list("full_name", flat=True)) == [
        "Warga Impor 1",
        "Warga Impor 3",
    ]
    assert not list((media_root / "imports").glob("*.xlsx"))
    # A replayed confirmation does nothing.
    client.post(url, {"good_rows": 2, "confirm": "on"})
    assert Registration.objects.count() == 2


def test_discarding_a_checked_file_removes_it(
    client: Client, visit: Visit, catalog: Catalog, media_root: Path
) -> None:
    token = upload(client, visit, workbook([row(1, jenis_kelamin="?")]))
    response = client.post(reverse("residents:import_cancel", args=[token]))
    assert response.status_code == 302
    assert imports.get_state(token) is None
    assert not list((media_root / "imports").glob("*.xlsx"))


# --- access and progress ---------------------------------------------------------------


def test_another_user_cannot_see_the_job(
    client: Client, visit: Visit, catalog: Catalog, budi: User
) -> None:
    token = upload(client, visit, workbook([row(1, jenis_kelamin="?")]))
    other = client_for(budi)
    assert other.get(reverse("residents:import_status", args=[token])).status_code == 404
    assert (
        other.post(
            reverse("residents:import_confirm", args=[token]), {"good_rows": 1, "confirm": "on"}
        ).status_code
        == 404
    )
    assert client.get(reverse("residents:import_status", args=["x" * 32])).status_code == 404


def test_running_job_shows_a_polling_progress_bar(
    client: Client, visit: Visit, catalog: Catalog
) -> None:
    token = upload(client, visit, workbook([row(1, jenis_kelamin="?")]))
    imports.save_state(token, status=imports.Status.VALIDATING, done=150, total=600)
    response = client.get(
        reverse("residents:import_status", args=[token]), headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert 'hx-trigger="every 1s"' in body
    assert '<progress class="import-progress" max="100" value="25"' in body
    assert "<html" not in body


def test_a_2000_row_file_validates(client: Client, visit: Visit, catalog: Catalog) -> None:
    rows = [row(n) for n in range(1, 2001)]
    rows[1500]["layanan"] = "NOPE"
    content = workbook(rows)
    started = time.monotonic()
    token = upload(client, visit, content)
    elapsed = time.monotonic() - started
    result = state(token)
    assert result["status"] == imports.Status.CHECKED
    assert result["total_rows"] == 2000 and result["good_rows"] == 1999
    assert [bad["row"] for bad in result["bad_rows"]] == [1502]
    assert result["done"] == result["total"] == 2000
    assert not Resident.objects.exists()
    assert elapsed < 30, elapsed


def test_report_is_written_in_the_uploaders_language(
    kades: User, visit: Visit, catalog: Catalog
) -> None:
    client = client_for(kades)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    token = upload(client, visit, workbook([row(1, nama_lengkap="")]))
    assert state(token)["bad_rows"][0]["reasons"] == ["Nama kosong."]
