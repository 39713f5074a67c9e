"""The aspiration's whole journey in Debian's Chromium (see bujian/browser_testing.py):
staff record it at a visit with a photo, the Bupati's disposition assigns it, the
agency resolves it with evidence, the resident follows it on a phone by tracking code."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import FilePayload, Page, expect

from bujian.accounts.models import User
from bujian.accounts.tests.factories import TEST_PASSWORD
from bujian.agencies.models import Agency
from bujian.aspirations.models import Aspiration
from bujian.aspirations.tests.conftest import jpeg_with_gps, png
from bujian.browser_testing import login
from bujian.regions.models import Regency, Village
from bujian.visits.actions import local_today
from bujian.visits.tests.factories import ParticipationFactory, VisitFactory

pytestmark = pytest.mark.browser


def as_user(page: Page, live_url: str, username: str) -> None:
    page.context.clear_cookies()
    login(page, live_url, username, TEST_PASSWORD)


def test_aspiration_from_the_visit_to_the_residents_phone(
    page: Page,
    mobile_page: Page,
    live_url: str,
    regency: Regency,
    village: Village,
    budi: User,
    bupati: User,
    siti: User,
    disdukcapil: Agency,
) -> None:
    today = local_today(regency)
    visit = VisitFactory.create(
        regency=regency, village=village, start_date=today, end_date=today, status="ongoing"
    )
    ParticipationFactory.create(visit=visit, agency=disdukcapil)

    # 1. Budi records what a resident said at the desk, with a photo.
    as_user(page, live_url, "budi")
    page.goto(f"{live_url}/aspirasi/staf/baru/?kunjungan={visit.pk}")
    form = page.get_by_test_id("aspiration-form")
    form.locator("select[name='category']").select_option("civil_registration")
    form.locator("input[name='title']").fill("Akta kelahiran anak belum terbit")
    form.locator("textarea[name='text']").fill("Diajukan tiga bulan lalu di kecamatan.")
    form.locator("input[name='reporter_name']").fill("Rina Marlina")
    form.locator("input[name='reporter_phone']").fill("0812-3456-7890")
    form.locator("input[name='phone_consent']").check()
    photo = jpeg_with_gps("berkas.jpg")
    form.locator("input[name='photos']").set_input_files(
        FilePayload(name="berkas.jpg", mimeType="image/jpeg", buffer=photo.read())
    )
    form.locator("button[type='submit']").click()
    expect(page.get_by_test_id("status")).to_contain_text("Diterima")
    code = page.get_by_test_id("tracking-code").inner_text().strip()
    assert re.fullmatch(r"BD-[2-9A-HJ-NP-Z]{5}", code)
    expect(page.locator("img[data-kind='photo']")).to_be_visible()

    # 2. The Bupati's disposition sends it to Disdukcapil.
    as_user(page, live_url, "bupati")
    page.goto(f"{live_url}/aspirasi/staf/")
    page.locator(f"tr[data-code='{code}'] a").click()
    disposition = page.get_by_test_id("disposition")
    disposition.locator("select[name='assign-lead_agency']").select_option(str(disdukcapil.pk))
    disposition.locator("textarea[name='assign-disposition']").fill(
        "Kadis Dukcapil, terbitkan akta minggu ini."
    )
    disposition.locator("button[type='submit']").click()
    expect(page.get_by_test_id("status")).to_contain_text("Didisposisikan")

    # 3. Siti at Disdukcapil resolves it with a photo of the handed-over akta.
    as_user(page, live_url, "siti")
    page.goto(f"{live_url}/aspirasi/staf/")
    page.locator(f"tr[data-code='{code}'] a").click()
    expect(page.get_by_test_id("reporter")).to_contain_text("Rina Marlina")
    resolve = page.get_by_test_id("resolve")
    resolve.locator("summary").click()
    resolve.locator("textarea[name='resolve-response']").fill(
        "Akta kelahiran sudah terbit dan diserahkan kepada orang tua."
    )
    evidence = png("akta.png")
    resolve.locator("input[name='resolve-evidence']").set_input_files(
        FilePayload(name="akta.png", mimeType="image/png", buffer=evidence.read())
    )
    resolve.locator("button[type='submit']").click()
    expect(page.get_by_test_id("status")).to_contain_text("Selesai")

    # 4. Rina follows it on her phone with the code.
    mobile_page.goto(f"{live_url}/aspirasi/")
    mobile_page.locator("input[name='code']").fill(code.lower())
    mobile_page.get_by_role("button", name="Pantau").click()
    expect(mobile_page.get_by_test_id("status")).to_contain_text("Selesai")
    expect(mobile_page.get_by_test_id("answer")).to_contain_text("Akta kelahiran sudah terbit")
    history = mobile_page.get_by_test_id("history")
    expect(history.locator("li")).to_have_count(3)
    expect(history).to_contain_text("Disposisi kepada Dinas Kependudukan")
    expect(mobile_page.locator("img[data-kind='evidence']")).to_be_visible()
    expect(mobile_page.get_by_test_id("reopen")).to_be_visible()
    body = mobile_page.locator("main").inner_text()
    assert "Rina Marlina" not in body and "0812" not in body
    width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways on a phone ({width} px)"

    aspiration = Aspiration.objects.get(code=code)
    assert aspiration.status == Aspiration.Status.RESOLVED
    assert aspiration.visit == visit
    assert aspiration.attachments.count() == 2


def test_resident_sends_an_aspiration_from_the_ticket_qr_on_a_phone(
    mobile_page: Page, live_url: str, regency: Regency, village: Village
) -> None:
    today = local_today(regency)
    visit = VisitFactory.create(
        regency=regency, village=village, start_date=today, end_date=today, status="ongoing"
    )
    mobile_page.goto(f"{live_url}/aspirasi/?kunjungan={visit.pk}")
    form = mobile_page.get_by_test_id("aspiration-form")
    form.locator("select[name='category']").select_option("infrastructure")
    form.locator("input[name='title']").fill("Jalan tani berlubang")
    form.locator("textarea[name='text']").fill("Di dekat sawah Pak Darman.")
    form.locator("button[type='submit']").click()
    code = mobile_page.get_by_test_id("tracking-code").inner_text().strip()
    assert Aspiration.objects.get(code=code).visit == visit
    width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
