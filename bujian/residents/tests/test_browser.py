"""Pre-registration in Chromium on a phone-sized screen (see bujian/browser_testing.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django import Settings

from bujian.accounts.models import User
from bujian.accounts.tests.factories import TEST_PASSWORD
from bujian.agencies.models import Agency
from bujian.browser_testing import login
from bujian.records.models import Document
from bujian.residents.models import Registration, Resident
from bujian.residents.nik import WARNING_BIRTH_DATE
from bujian.residents.tests.conftest import Catalog
from bujian.residents.tests.factories import ResidentFactory
from bujian.visits.models import Visit

pytestmark = pytest.mark.browser


def test_village_operator_pre_registers_a_resident_and_prints_the_list(
    mobile_page: Page,
    live_url: str,
    kades: User,
    visit: Visit,
    catalog: Catalog,
    disdukcapil: Agency,
) -> None:
    waiting = ResidentFactory.create(village=visit.village, full_name="Rahmat Hidayat")
    Document.objects.create(
        kind=Document.Kind.KTP_EL,
        number="1701-KTP-0099",
        resident=waiting,
        agency=disdukcapil,
        status=Document.Status.READY,
    )
    page = mobile_page
    login(page, live_url, "kades", TEST_PASSWORD)
    page.goto(f"{live_url}/warga/pendaftaran/")
    page.get_by_test_id(f"visit-{visit.pk}").get_by_role("link").first.click()

    # Not found by search: record the resident. The typed birth date differs from
    # the NIK by one day, which is a warning to check and accept.
    page.fill("#id_q", "Budi Santoso")
    page.press("#id_q", "Enter")
    expect(page.locator("#visit-results .alert")).to_be_visible()
    page.get_by_test_id("new-resident").click()
    page.fill("#id_national_id", "1701 0514 0385 0123")
    page.fill("#id_full_name", "Budi Santoso")
    page.check("input[name='sex'][value='L']")
    page.fill("#id_birth_date", "1985-03-15")
    page.fill("#id_hamlet", "Dusun II")
    page.fill("#id_phone", "0813-1234-5678")
    page.check("#id_phone_consent")
    page.get_by_test_id("resident-form").locator("button[type=submit]").click()
    warnings = page.get_by_test_id("nik-warnings")
    expect(warnings).to_contain_text("14-03-85")
    warnings.locator(f"input[value='{WARNING_BIRTH_DATE}']").check()
    page.get_by_test_id("resident-form").locator("button[type=submit]").click()

    # The registration form: two services, and the documents the resident already has.
    form = page.get_by_test_id("registration-form")
    expect(form).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    ktp = form.locator("[data-service='DUK-KTP']")
    expect(ktp.get_by_text("Fotokopi KK")).to_be_hidden()  # shown once the service is ticked
    ktp.locator("input[name='services']").check()
    ktp.get_by_label("Fotokopi KK").check()
    stnk = form.locator("[data-service='SAMSAT-STNK']")
    stnk.locator("input[name='services']").check()
    stnk.get_by_label("STNK asli").check()
    stnk.get_by_label("BPKB").check()
    form.locator("button[type=submit]").click()

    row = page.get_by_test_id("registrations").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Budi Santoso")
    expect(row).to_contain_text("1701••••••••0123")
    expect(row).to_contain_text("Surat pengantar desa")

    resident = Resident.objects.get(full_name="Budi Santoso")
    assert resident.accepted_warnings == [WARNING_BIRTH_DATE]
    assert resident.phone == "+6281312345678"
    registration = Registration.objects.get(visit=visit, resident=resident)
    needs = {
        n.service.code: {r.text for r in n.documents_present.all()}
        for n in registration.needs.all()
    }
    assert needs == {"DUK-KTP": {"Fotokopi KK"}, "SAMSAT-STNK": {"STNK asli", "BPKB"}}

    page.get_by_test_id("print-link").click()
    listing = page.get_by_test_id("print-registrations")
    expect(listing).to_contain_text("Budi Santoso")
    expect(listing).to_contain_text("Surat pengantar desa")
    expect(listing).not_to_contain_text("Fotokopi KK")
    documents = page.get_by_test_id("print-documents")
    expect(documents).to_contain_text("Rahmat Hidayat")
    expect(documents).to_contain_text("1701-KTP-0099")
    # The print button itself stays off the paper.
    expect(page.locator(".no-print button")).to_have_count(1)


def test_village_operator_imports_only_the_good_rows_after_confirming(
    page: Page,
    live_url: str,
    kades: User,
    visit: Visit,
    catalog: Catalog,
    tmp_path: Path,
    settings: Settings,
) -> None:
    from bujian.residents.tests.test_import import row, workbook

    settings.MEDIA_ROOT = tmp_path / "media"
    upload = tmp_path / "warga.xlsx"
    upload.write_bytes(workbook([row(1), row(2, jenis_kelamin="X"), row(3)]))
    login(page, live_url, "kades", TEST_PASSWORD)
    page.goto(f"{live_url}/warga/pendaftaran/{visit.pk}/impor/")
    expect(page.get_by_test_id("template-link")).to_be_visible()
    page.set_input_files("input[type=file]", str(upload))
    page.get_by_test_id("upload-form").locator("button[type=submit]").click()

    expect(page.get_by_test_id("bad-rows").locator("li[data-row]")).to_have_count(1)
    expect(page.get_by_test_id("bad-rows").locator("li[data-row='3']")).to_be_visible()
    assert not Registration.objects.exists()
    confirm = page.get_by_test_id("confirm-form")
    confirm.locator("input[type=checkbox]").check()
    confirm.locator("button[type=submit]").click()
    expect(page.get_by_test_id("import-done")).to_be_visible()
    assert Registration.objects.filter(visit=visit).count() == 2
