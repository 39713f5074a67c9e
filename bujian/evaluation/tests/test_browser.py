"""Leadership opens the dashboard and downloads the visit report, in Debian's
Chromium (see bujian/browser_testing.py): the charts are drawn by the vendored
Chart.js, nothing is loaded from outside."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from bujian.accounts.models import User
from bujian.accounts.tests.factories import TEST_PASSWORD
from bujian.browser_testing import login
from bujian.evaluation.tests.builders import BuiltVisit

pytestmark = pytest.mark.browser


def test_leadership_opens_the_dashboard_and_downloads_the_visit_report(
    page: Page, live_url: str, bupati: User, built: BuiltVisit
) -> None:
    login(page, live_url, "bupati", TEST_PASSWORD)
    page.get_by_role("link", name="Evaluasi").first.click()
    page.goto(f"{live_url}/evaluasi/?kind=year&year=2027&number=1")
    expect(page.get_by_test_id("residents-served")).to_have_text("4")
    for chart in ("residents", "services", "ikm"):
        expect(page.locator(f"canvas[data-chart='{chart}']")).to_have_attribute(
            "data-drawn", "true"
        )
    expect(page.get_by_test_id("coverage")).to_contain_text("Padang Kapuk")

    page.get_by_test_id("visit-report-link").first.click()
    expect(page.get_by_test_id("residents-served")).to_have_text("4")
    expect(page.get_by_test_id("visit-ikm")).to_have_text("86,11")

    with page.expect_download() as pdf_download:
        page.get_by_test_id("download-pdf").click()
    download = pdf_download.value
    assert download.suggested_filename.endswith(".pdf")
    path = download.path()
    with open(path, "rb") as handle:
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages)
    assert "LAPORAN PELAKSANAAN" in text
    assert "Warga terlayani: 4." in text
    assert "86,11" in text


def test_program_admin_exports_the_year_in_the_background(
    page: Page, live_url: str, budi: User, built: BuiltVisit
) -> None:
    login(page, live_url, "budi", TEST_PASSWORD)
    page.goto(f"{live_url}/evaluasi/periode/?kind=year&year=2027&number=1")
    expect(page.get_by_test_id("visit-count")).to_have_text("1")
    page.get_by_role("button", name="Ekspor Excel").click()
    status = page.get_by_test_id("export-status")
    expect(status).to_have_attribute("data-status", "done")
    with page.expect_download() as xlsx_download:
        page.get_by_test_id("export-download").click()
    assert xlsx_download.value.suggested_filename == "evaluasi-tahun-2027.xlsx"
